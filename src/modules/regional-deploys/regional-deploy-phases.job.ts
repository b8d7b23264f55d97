import type { PrismaClient } from '../../generated/prisma/client.js';
import type { JobHandler } from '../../jobs/handler.js';
import { advanceRegionalDeploys, regionalDeployPhasesKind, type RegionalDeployTimings } from './regional-deploy-state.js';

/**
 * Ends a tenant's regional deployment phases when they are due (kind
 * `regional-deployment-phases`, run_at the phase's end), the last one moving the tenant to its
 * region; the job then waits for the next phase's end, if any.
 */
export function regionalDeployPhasesHandler(prisma: PrismaClient, timings: RegionalDeployTimings, settings: { leaseMs: number }): JobHandler {
  return {
    kind: regionalDeployPhasesKind,
    leaseMs: settings.leaseMs,
    async run(job) {
      const { tenantId } = job.payload as { tenantId: string };
      const { nextPhaseInMs } = await advanceRegionalDeploys(prisma, timings, tenantId);
      return nextPhaseInMs === null ? undefined : { again: new Date(Date.now() + nextPhaseInMs) };
    },
  };
}
