import type { TenantSession } from '../../data-plane/data-plane.js';
import { type CapturedChange, installCapture, markChange } from './change-capture.js';
import { quotedName } from './physical-names.js';
import { continueSequences, emptySchema, pauseTenantTriggers } from './schema-data.js';

/**
 * The blueprint's DDL, for the marks a replay meets: statements and the version they reach (the
 * last version at or below the one asked for that the blueprint has: a mark naming a version that
 * does not exist reaches no further).
 */
export type ReplayDdl = {
  /** The statements of the versions after `from` up to `to`: a deployment. */
  between(from: number, to: number): Promise<{ statements: string[]; version: number }>;
  /** The whole chain up to `version`: a schema rebuilt at it. */
  upTo(version: number): Promise<{ statements: string[]; version: number }>;
};

export type ReplayResult = { version: number; applied: number; unmatched: number };

type TableShape = { insertable: string[]; updatable: string[]; key: string[]; partitioned: boolean };

const ddlCaps = { maxRows: 1, maxBytes: 1 << 20 };

async function tableShape(session: Pick<TenantSession, 'query'>, schemaName: string, table: string): Promise<TableShape | null> {
  const { rows } = await session.query(
    `SELECT a.attname::text, a.attgenerated <> '', a.attidentity = 'a', c.relkind = 'p',
            coalesce(a.attnum = ANY (SELECT unnest(k.conkey) FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p'), false)
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = $1 AND c.relname = $2 ORDER BY a.attnum`,
    [schemaName, table],
  );
  if (rows.length === 0) return null;
  const columns = rows.map(([name, generated, always, , key]) => ({
    name: String(name),
    generated: generated === true,
    always: always === true,
    key: key === true,
  }));
  return {
    partitioned: rows[0]![3] === true,
    insertable: columns.filter((column) => !column.generated).map((column) => column.name),
    updatable: columns.filter((column) => !column.generated && !column.always).map((column) => column.name),
    key: columns.filter((column) => column.key).map((column) => column.name),
  };
}

/**
 * Plays a schema's logged changes forward, in order, in the schema owner's session (the caller's
 * transaction: all of them or none), from the schema at `version`. Rows are found by primary key,
 * or by their whole old value where the table has none; an insert or update whose row is not there
 * (the log and the backup disagree: a tenant dropped the triggers, say) is counted and skipped.
 * Changes a trigger made (depth > 1) are not played: playing the statement's own change fires the
 * trigger again; a foreign key's cascade is at depth 1 (PostgreSQL fires its triggers after the
 * statement's), logged after the change that set it off, and a cascaded delete finds its row gone. Marks run
 * the blueprint's DDL as the original did. The replay's own writes are logged as any others, so
 * a later recovery through this one sees what it did.
 */
export async function replayChanges(
  session: TenantSession,
  schemaName: string,
  changes: CapturedChange[],
  version: number,
  ddl: ReplayDdl,
): Promise<ReplayResult> {
  const schema = quotedName(schemaName);
  const shapes = new Map<string, TableShape | null>();
  const shapeOf = async (table: string) => {
    if (!shapes.has(table)) shapes.set(table, await tableShape(session, schemaName, table));
    return shapes.get(table)!;
  };
  const runDdl = async (statements: string[]) => {
    for (const statement of statements) await session.run(statement, ddlCaps);
    shapes.clear();
    await installCapture(session, schemaName);
  };
  let current = version;
  let applied = 0;
  let unmatched = 0;
  /**
   * What the log is in the middle of: a deployment (its own statements' rows, seed rows say, ran
   * again with its DDL: skipped), or a restore (its rows go back with the tenant's triggers off,
   * as they did). It ends at its end mark, or with its transaction in a log written before end marks.
   */
  let open: { kind: 'deploy' | 'restore'; transaction: string; enable?: () => Promise<void> } | null = null;
  const close = async () => {
    if (open?.kind === 'restore') {
      await open.enable?.();
      await continueSequences(session, schemaName);
      await markChange(session, 'E', null);
    }
    open = null;
  };
  for (const change of changes) {
    if (open && change.transaction !== open.transaction) await close();
    if (change.op === 'E') {
      if (open && change.transaction === open.transaction) await close();
      continue;
    }
    if (open?.kind === 'deploy' && change.op !== 'V' && change.op !== 'R') continue;
    // Made by a trigger (the tenant's, a foreign key's cascade): playing the statement's own change fires it again.
    if (change.depth > 1) continue;
    if (change.op === 'V') {
      await close();
      if (change.version !== null && change.version > current) {
        const deployment = await ddl.between(current, change.version);
        if (deployment.version > current) {
          await markChange(session, 'V', deployment.version);
          await runDdl(deployment.statements);
          await markChange(session, 'E', deployment.version);
          current = deployment.version;
          open = { kind: 'deploy', transaction: change.transaction };
        }
      }
      applied++;
      continue;
    }
    if (change.op === 'R') {
      await close();
      await markChange(session, 'R', change.version);
      const enable = await pauseTenantTriggers(session, schemaName);
      const rebuilt = change.version !== null && change.version !== current ? await ddl.upTo(change.version) : null;
      if (rebuilt) {
        await emptySchema(session, schemaName);
        await runDdl(rebuilt.statements);
        current = rebuilt.version;
      } else {
        const { rows } = await session.query(
          `SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ') FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition`,
          [schemaName],
        );
        if (rows[0]?.[0]) await session.query(`TRUNCATE ${String(rows[0][0])}`);
      }
      // Rebuilt tables are new (the old ones and their triggers dropped), their blueprint triggers on: off too, as the restore had them.
      open = { kind: 'restore', transaction: change.transaction, enable: rebuilt ? await pauseTenantTriggers(session, schemaName) : enable };
      applied++;
      continue;
    }
    const shape = await shapeOf(change.table);
    if (!shape) {
      unmatched++;
      continue;
    }
    const table = `${schema}.${quotedName(change.table)}`;
    if (change.op === 'T') {
      // Each table truncated was logged on its own: ONLY (a partitioned table cannot be truncated ONLY).
      await session.query(`TRUNCATE ${shape.partitioned ? '' : 'ONLY '}${table} CASCADE`);
      applied++;
      continue;
    }
    const list = (columns: string[]) => columns.map(quotedName).join(', ');
    const row = (param: string) => `jsonb_populate_record(NULL::${table}, ${param}::jsonb)`;
    const match = shape.key.length ? `(${list(shape.key)}) = (SELECT ${list(shape.key)} FROM ${row('$1')})` : `to_jsonb(x) = $1::jsonb`;
    // ONLY: a parent of inherited tables shares ctids with its children.
    const located = `ctid = (SELECT x.ctid FROM ONLY ${table} x WHERE ${match} LIMIT 1)`;
    let result: { affectedRows: number };
    if (change.op === 'I') {
      result = await session.query(
        `INSERT INTO ${table} (${list(shape.insertable)}) OVERRIDING SYSTEM VALUE SELECT ${list(shape.insertable)} FROM ${row('$1')}`,
        [change.newRow],
      );
    } else if (change.op === 'U') {
      result = shape.updatable.length
        ? await session.query(`UPDATE ONLY ${table} SET (${list(shape.updatable)}) = (SELECT ${list(shape.updatable)} FROM ${row('$2')}) WHERE ${located}`, [
            change.oldRow,
            change.newRow,
          ])
        : { affectedRows: 1 };
    } else {
      result = await session.query(`DELETE FROM ONLY ${table} WHERE ${located}`, [change.oldRow]);
    }
    // A delete whose row is gone already was a foreign key's cascade (logged after the delete that set it off, which
    // played it again): its end, the row's absence, holds. Any other change without its row is the log and the rows disagreeing.
    if (result.affectedRows === 1 || change.op === 'D') applied++;
    else unmatched++;
  }
  await close();
  return { version: current, applied, unmatched };
}
