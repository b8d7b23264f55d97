import type { PrismaClient } from '../../generated/prisma/client.js';
import type { JobHandler } from '../../jobs/handler.js';
import type { MoveDeps } from './database-moves.js';
import { advanceDatabaseWork } from './database-state.js';
import { databasePhasesKind, type DatabasePhaseTimings } from './database-work.js';

/**
 * Ends a tenant's database phases when they are due (kind `database-phases`, run_at the phase's
 * end): provisioning → ready, syncing → migrating → ready, a move carrying its data (`moves`). Each step is conditional on the phase
 * it ends, so a run repeated after a kill applies each once; the job then waits for the
 * tenant's next phase end, if any.
 */
export function databasePhasesHandler(prisma: PrismaClient, timings: DatabasePhaseTimings, settings: { leaseMs: number }, moves?: MoveDeps): JobHandler {
  return {
    kind: databasePhasesKind,
    leaseMs: settings.leaseMs,
    async run(job) {
      const { tenantId } = job.payload as { tenantId: string };
      const { nextPhaseInMs } = await advanceDatabaseWork(prisma, timings, tenantId, new Date(), moves);
      return nextPhaseInMs === null ? undefined : { again: new Date(Date.now() + nextPhaseInMs) };
    },
  };
}
