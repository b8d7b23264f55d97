import type { PeriodicTask } from '../../jobs/scheduler.js';
import type { Logger } from '../../lib/logger.js';
import type { DataPlaneDeps } from './data-plane-deps.js';

const dayMs = 86_400_000;

/**
 * Deletes from every data-plane database's change log what no recovery can ask for any more:
 * changes committed more than `retentionDays` (+1, the margin of a backup's read before its
 * completion) ago — a recovery needs its base backup inside AUDIT_RETENTION_DAYS — and the log of
 * schemas that are gone (dropped tenants; a moved database's old home, its log copied along).
 * A server that does not answer is skipped until the next run. Returns the changes deleted.
 */
export async function pruneChangeLogs(
  deps: Pick<DataPlaneDeps, 'prisma' | 'dataPlane'>,
  retentionDays: number,
  logger?: Logger,
  now = Date.now(),
): Promise<number> {
  const cutoff = new Date(now - (retentionDays + 1) * dayMs).toISOString();
  let pruned = 0;
  for (const database of await deps.prisma.dataPlaneDatabase.findMany({ select: { server: true, name: true } })) {
    try {
      const present = await deps.dataPlane.inspect(database.server, database.name, `SELECT pg_catalog.to_regclass('tdb_capture.changes') IS NOT NULL`);
      if (present.rows[0]?.[0] !== true) continue;
      const aged = await deps.dataPlane.inspect(
        database.server,
        database.name,
        `WITH old AS (DELETE FROM tdb_capture.commits WHERE committed_at < $1::timestamptz RETURNING origin, xid)
         DELETE FROM tdb_capture.changes ch USING old WHERE ch.origin = old.origin AND ch.xid = old.xid`,
        [cutoff],
      );
      const orphaned = await deps.dataPlane.inspect(
        database.server,
        database.name,
        'DELETE FROM tdb_capture.changes ch WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname = ch.schema_name)',
      );
      pruned += aged.affectedRows + orphaned.affectedRows;
    } catch (error) {
      logger?.warn('could not prune a data-plane database change log; trying again at the next run', {
        server: database.server,
        database: database.name,
        error: (error as Error).message,
      });
    }
  }
  return pruned;
}

/** The change logs kept as long as the audit log (AUDIT_RETENTION_DAYS), pruned by the scheduler's leader every hour. */
export function changeLogRetentionTask(deps: Pick<DataPlaneDeps, 'prisma' | 'dataPlane'>, retentionDays: number, logger: Logger): PeriodicTask {
  return {
    name: 'change-log-retention',
    runs: 'leader',
    everyMs: 3_600_000,
    async run() {
      const pruned = await pruneChangeLogs(deps, retentionDays, logger);
      if (pruned) logger.info('pruned the data plane change logs', { changes: pruned, retentionDays });
    },
  };
}
