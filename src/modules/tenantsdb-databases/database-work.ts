import type { Prisma } from '../../generated/prisma/client.js';
import { enqueueJob } from '../../jobs/queue.js';

/** How long each phase of a tenant database's work lasts (TenantsDB provisioning and migrations). */
export type DatabasePhaseTimings = {
  /** A dedicated (L2) database from request to `ready`. */
  provisionMs: number;
  /** A migration's replication phase (`syncing`: queries keep working). */
  syncMs: number;
  /** A migration's cutover (`migrating`: queries held until routing switches). */
  cutoverMs: number;
};

/** What starting a database phase needs: how long each lasts (its end is a queue job, see followDatabasePhases). */
export type DatabaseWork = { timings: DatabasePhaseTimings };

/** The queue's kind for ending a tenant's database phases (src/jobs/): its handler is database-phases.job.ts. */
export const databasePhasesKind = 'database-phases';

/**
 * Has the tenant's due database phases ended at `at`: a queue job (one per tenant, moved earlier
 * when asked again), recorded in the transaction that starts the phase, so a phase whose
 * process died still ends on time in another (or the next) process.
 */
export function followDatabasePhases(tx: Pick<Prisma.TransactionClient, '$queryRaw' | '$executeRaw'>, tenantId: string, at: Date) {
  return enqueueJob(tx, { kind: databasePhasesKind, payload: { tenantId }, uniqueKey: `${databasePhasesKind}:${tenantId}`, runAt: at });
}
