import type { PrismaClient } from '../../generated/prisma/client.js';
import type { JobHandler } from '../../jobs/handler.js';
import type { MoveDeps } from './database-moves.js';
import { abandonMoves, advanceDatabaseWork } from './database-state.js';
import { databasePhasesKind, type DatabasePhaseTimings } from './database-work.js';

/**
 * Ends a tenant's database phases when they are due (kind `database-phases`, run_at the phase's
 * end): provisioning → ready, syncing → migrating → ready, a move carrying its data (`moves`). Each step is conditional on the phase
 * it ends, so a run repeated after a kill applies each once; the job then waits for the
 * tenant's next phase end, if any. A run that fails is retried with backoff; after `attempts`
 * failures in a row a move under way is given up (see abandonMoves).
 */
export function databasePhasesHandler(
  prisma: PrismaClient,
  timings: DatabasePhaseTimings,
  settings: { leaseMs: number; attempts: number },
  moves?: MoveDeps,
): JobHandler {
  return {
    kind: databasePhasesKind,
    leaseMs: settings.leaseMs,
    maxAttempts: settings.attempts,
    async failed(tx, job, { error, retryAt }) {
      if (retryAt !== null) return;
      const { tenantId } = job.payload as { tenantId: string };
      await abandonMoves(tx, tenantId, error instanceof Error ? error.message : String(error));
    },
    async run(job) {
      const { tenantId } = job.payload as { tenantId: string };
      const { nextPhaseInMs } = await advanceDatabaseWork(prisma, timings, tenantId, new Date(), moves);
      return nextPhaseInMs === null ? undefined : { again: new Date(Date.now() + nextPhaseInMs) };
    },
  };
}
