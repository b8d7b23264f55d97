import { changeCaptureSql } from '../../data-plane/change-capture-sql.js';
import type { DataPlane, TenantSession } from '../../data-plane/data-plane.js';
import type { DataPlaneDatabase } from '../../generated/prisma/client.js';

/**
 * The change log of tenant tables (`tdb_capture`, see src/data-plane/change-capture-sql.ts) seen
 * from the gateway: triggers put on a schema's tables after its DDL runs, marks for what no row
 * trigger sees, where a backup's read stood in the log, and the changes after it.
 */

/** Where a backup's read of a schema stood: the server's transaction snapshot and the time of the read. */
export type CaptureMark = { origin: string; snapshot: string; readAt: string };

/** One logged change, rows as PostgreSQL's jsonb text (numbers kept exact). */
export type CapturedChange = {
  op: 'I' | 'U' | 'D' | 'T' | 'R' | 'V' | 'E';
  table: string;
  version: number | null;
  oldRow: string | null;
  newRow: string | null;
  /** The transaction it was made in (server and xid). */
  transaction: string;
  /** 1: a statement's own change; more: made by a trigger (the tenant's, a foreign key's cascade). */
  depth: number;
};

const hasCapture = async (session: Pick<TenantSession, 'query'>) =>
  (await session.query(`SELECT pg_catalog.to_regprocedure('tdb_capture.mark(text,integer)') IS NOT NULL`)).rows[0]?.[0] === true;

/**
 * Capture triggers on every table of the schema that has none yet (the tables its DDL just made),
 * in the schema owner's session. A database made before change capture existed has none to call:
 * its tables stay uncaptured (recovery there is to the backup before the instant).
 */
export async function installCapture(session: Pick<TenantSession, 'query'>, schemaName: string): Promise<void> {
  // Row triggers on a partitioned table are its partitions' too; a truncate trigger is each table's own.
  // Named to fire first among a table's triggers (in name order; foreign keys' are RI_…): a change
  // is logged before the cascade it sets off, whose changes fire later at the same depth.
  const { rows } = await session.query(
    `SELECT format('CREATE TRIGGER %I AFTER ' || CASE t.name WHEN '0_tdb_capture' THEN 'INSERT OR UPDATE OR DELETE ON %I.%I FOR EACH ROW EXECUTE FUNCTION tdb_capture.capture_row()'
                     ELSE 'TRUNCATE ON %I.%I FOR EACH STATEMENT EXECUTE FUNCTION tdb_capture.capture_truncate()' END, t.name, n.nspname, c.relname)
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      CROSS JOIN (VALUES ('0_tdb_capture'), ('0_tdb_capture_truncate')) AS t(name)
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND (t.name = '0_tdb_capture_truncate' OR NOT c.relispartition)
        AND pg_catalog.to_regprocedure('tdb_capture.capture_row()') IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g WHERE g.tgrelid = c.oid AND g.tgname = t.name)
      ORDER BY c.relname, t.name`,
    [schemaName],
  );
  for (const [statement] of rows) await session.query(String(statement));
}

/**
 * Logs, in the schema owner's session, what its row triggers do not see: `R` (the schema is about
 * to be emptied, and rebuilt at `version`'s DDL when given) or `V` (the blueprint DDL up to
 * `version` runs next), before it happens, so the rows that DDL's statements change follow it;
 * and `E` where such a restore's rows or deployment's statements end (the same transaction may
 * go on with other changes: a recovery's).
 */
export async function markChange(session: Pick<TenantSession, 'query'>, op: 'R' | 'V' | 'E', version: number | null): Promise<void> {
  if (!(await hasCapture(session))) return;
  await session.query('SELECT tdb_capture.mark($1, $2)', [op, version]);
}

/**
 * Where the log stands for a read in this session: made REPEATABLE READ first, so every table is
 * read in the one snapshot the mark names. Call before the session's first read.
 */
export async function captureMark(session: Pick<TenantSession, 'query'>, origin: string): Promise<CaptureMark> {
  await session.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  const { rows } = await session.query(
    `SELECT pg_catalog.pg_current_snapshot()::text, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  );
  return { origin, snapshot: String(rows[0]![0]), readAt: String(rows[0]![1]) };
}

type Where = Pick<DataPlaneDatabase, 'server' | 'name'>;

/**
 * The database's change log made if it has none (a database made before change capture), as the
 * provisioning login: what a login's creation does for new ones.
 */
export async function ensureChangeLog(plane: DataPlane, where: Where): Promise<void> {
  // Nothing happens when the database has the current set (or a server too old for it).
  await plane.inspect(where.server, where.name, changeCaptureSql(where.server));
}

/**
 * The schema's changes committed after the read `mark` stands for, up to `until`, in commit
 * order. A change made on the mark's server is after the read when its transaction is not in the
 * read's snapshot (exact, whatever the clocks); one made on another server (before or after a
 * move) when it committed after the read. Null when the database logs nothing (no capture there).
 */
export async function changesAfter(plane: DataPlane, where: Where, schemaName: string, mark: CaptureMark, until: Date): Promise<CapturedChange[] | null> {
  const present = await plane.inspect(where.server, where.name, `SELECT pg_catalog.to_regclass('tdb_capture.changes') IS NOT NULL`);
  if (present.rows[0]?.[0] !== true) return null;
  const { rows } = await plane.inspect(
    where.server,
    where.name,
    `SELECT ch.op, ch.table_name, ch.version, ch.old_row::text, ch.new_row::text, ch.origin || ':' || ch.xid::text, ch.depth
       FROM tdb_capture.changes ch JOIN tdb_capture.commits c ON c.origin = ch.origin AND c.xid = ch.xid
      WHERE ch.schema_name = $1 AND c.committed_at IS NOT NULL AND c.committed_at <= $2::timestamptz
        AND NOT CASE WHEN ch.origin = $3 THEN pg_catalog.pg_visible_in_snapshot(ch.xid, $4::pg_snapshot) ELSE c.committed_at < $5::timestamptz END
      ORDER BY c.committed_at, c.origin, c.xid, ch.seq`,
    [schemaName, until.toISOString(), mark.origin, mark.snapshot, mark.readAt],
  );
  return rows.map(([op, table, version, oldRow, newRow, transaction, depth]) => ({
    op: String(op) as CapturedChange['op'],
    table: String(table),
    version: version === null ? null : Number(version),
    oldRow: oldRow === null ? null : String(oldRow),
    newRow: newRow === null ? null : String(newRow),
    transaction: String(transaction),
    depth: Number(depth),
  }));
}

/**
 * Copies a schema's log from the database it leaves to the one it moves to, each change with the
 * server it was made on and its commit time, so a recovery on the new server still reaches back
 * past the move; what the target's log held for the schema goes first. Called at the cutover
 * (the source frozen) before the rows are copied, whose restore is logged after it. Runs as the
 * provisioning login on both; nothing when either logs nothing.
 */
export async function copyChangeLog(plane: DataPlane, from: Where, to: Where, schemaName: string): Promise<number> {
  const present = `SELECT pg_catalog.to_regclass('tdb_capture.changes') IS NOT NULL`;
  if ((await plane.inspect(from.server, from.name, present)).rows[0]?.[0] !== true) return 0;
  if ((await plane.inspect(to.server, to.name, present)).rows[0]?.[0] !== true) return 0;
  // The target is not live yet: what its log holds (its build, an earlier attempt's copy) is not the tenant's history.
  await plane.inspect(to.server, to.name, 'DELETE FROM tdb_capture.changes WHERE schema_name = $1', [schemaName]);
  let copied = 0;
  // A page at a time: a busy tenant's log is more than one value may hold.
  for (let after = '0'; ; ) {
    const { rows } = await plane.inspect(
      from.server,
      from.name,
      `SELECT max(seq)::text, count(*)::int, coalesce(json_agg(json_build_object('origin', origin, 'xid', xid, 'committed_at', committed_at, 'table_name', table_name,
                'op', op, 'version', version, 'depth', depth, 'old_row', old_row, 'new_row', new_row) ORDER BY seq), '[]'::json)::text
         FROM (SELECT ch.seq, ch.origin, ch.xid::text AS xid, c.committed_at, ch.table_name, ch.op, ch.version, ch.depth, ch.old_row, ch.new_row
                 FROM tdb_capture.changes ch JOIN tdb_capture.commits c ON c.origin = ch.origin AND c.xid = ch.xid
                WHERE ch.schema_name = $1 AND c.committed_at IS NOT NULL AND ch.seq > $2::int8 ORDER BY ch.seq LIMIT ${copyPage}) page`,
      [schemaName, after],
    );
    const [last, count, log] = rows[0] as [string | null, number, string];
    if (!count || last === null) return copied;
    // The commits keep their stamps (the stamp trigger only fires for an unstamped row).
    await plane.inspect(
      to.server,
      to.name,
      `WITH log AS (SELECT * FROM json_to_recordset($2::json) AS l(origin text, xid text, committed_at timestamptz, table_name text, op text, version integer, depth integer, old_row jsonb, new_row jsonb)),
            commits AS (INSERT INTO tdb_capture.commits (origin, xid, committed_at) SELECT DISTINCT origin, xid::xid8, committed_at FROM log ON CONFLICT DO NOTHING)
       INSERT INTO tdb_capture.changes (origin, xid, schema_name, table_name, op, version, depth, old_row, new_row)
       SELECT origin, xid::xid8, $1, table_name, op, version, depth, old_row, new_row FROM log`,
      [schemaName, log],
    );
    copied += Number(count);
    after = last;
  }
}

const copyPage = 5_000;
