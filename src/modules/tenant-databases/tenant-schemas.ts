import type { SqlResult, SqlSessions, SqlTransaction } from '../../db/sql-sessions.js';
import { ConflictError, DomainError } from '../../lib/errors.js';
import { type ClassifiedStatement, classifySql } from './sql-classifier.js';
import { isPhysicalSchemaName, quotedName } from './physical-names.js';

export type SchemaLimits = {
  /** `statement_timeout` for each statement (PostgreSQL enforces it; PGlite cannot, see README). */
  queryTimeoutMs: number;
  /** At most this many rows come back; `truncated` says there were more. */
  maxRows: number;
  /**
   * The workspace's max_connections: at most this many runs at once on one schema, in this
   * process (ConnectionLimitError past it, before anything runs). Absent: no limit.
   */
  maxConnections?: number;
};

/**
 * RATE_LIMITED: the database already has its workspace's max_connections queries running through
 * this process. Nothing of the refused query ran; retrying when one ends succeeds.
 */
export class ConnectionLimitError extends DomainError {
  constructor(readonly limit: number) {
    super(
      'RATE_LIMITED',
      `max_connections reached: ${limit} ${limit === 1 ? 'query is' : 'queries are'} already running on this database (the workspace's max_connections setting); retry when one ends`,
      { policy: 'max_connections', limit },
    );
    this.name = 'ConnectionLimitError';
  }

  override get headers(): Record<string, string> {
    return { 'retry-after': '1' };
  }
}

/** Runs under way per schema, per database handle: this process's count. */
const runningBySessions = new WeakMap<SqlSessions, Map<string, number>>();

/** Takes one of the schema's `limit` places (ConnectionLimitError when none is free); returns its release. */
function takePlace(sql: SqlSessions, schemaName: string, limit: number | undefined): () => void {
  if (limit === undefined) return () => {};
  let running = runningBySessions.get(sql);
  if (!running) runningBySessions.set(sql, (running = new Map()));
  const now = running.get(schemaName) ?? 0;
  if (now >= limit) throw new ConnectionLimitError(limit);
  running.set(schemaName, now + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (running.get(schemaName) ?? 1) - 1;
    if (left > 0) running.set(schemaName, left);
    else running.delete(schemaName);
  };
}

/** A statement that changed rows (INSERT, UPDATE, DELETE, MERGE …) and how many it changed. */
export type ChangedRows = { statement: string; command: string; rowCount: number };

export type SchemaQueryResult = {
  columns: string[];
  rows: unknown[][];
  /** Rows returned, or rows changed by INSERT/UPDATE/DELETE without RETURNING. */
  rowCount: number;
  /** More rows than `maxRows` matched; only the first `maxRows` are in `rows`. */
  truncated: boolean;
  durationMs: number;
};

/** PostgreSQL refused a statement: its message and SQLSTATE, as PostgreSQL wrote them. */
export class SchemaQueryError extends Error {
  constructor(message: string, readonly sqlState: string | null, readonly statement: string | null) {
    super(message);
    this.name = 'SchemaQueryError';
  }
}

/** A statement the gateway does not run in tenant schemas (session control, role changes, …). */
export class RefusedStatementError extends Error {
  constructor(readonly statement: ClassifiedStatement) {
    super(statement.refusal ?? `${statement.command} is not allowed`);
    this.name = 'RefusedStatementError';
  }
}

const asSchemaQueryError = (error: unknown, statement: string | null) => {
  if (error instanceof SchemaQueryError) return error;
  const { message, code } = error as { message?: string; code?: unknown };
  return new SchemaQueryError(message ?? String(error), typeof code === 'string' ? code : null, statement);
};

/** The settings that enter the schema's role and search_path (and its limits' timeout) for the rest of the transaction. */
function schemaSettings(schemaName: string, limits?: SchemaLimits): string[] {
  return [
    `SET LOCAL ROLE ${quotedName(schemaName)}`,
    `SET LOCAL search_path TO ${quotedName(schemaName)}`,
    ...(limits ? [`SET LOCAL statement_timeout = ${Math.max(1, Math.trunc(limits.queryTimeoutMs))}`] : []),
  ];
}

/** Enters the schema's role and search_path (and the limits' timeout) for the rest of the transaction, a statement at a time. */
async function enterSchema(tx: SqlTransaction, schemaName: string, limits?: SchemaLimits) {
  for (const setting of schemaSettings(schemaName, limits)) await tx.query(setting);
}

/** Whether a TenantDatabase or Workspace record names the schema (in `tx`, so a drop after it sees the same). */
async function schemaReferenced(tx: SqlTransaction, schemaName: string): Promise<boolean> {
  const { rows } = await tx.query(`SELECT 1 FROM "TenantDatabase" WHERE "schemaName" = $1 UNION ALL SELECT 1 FROM "Workspace" WHERE "schemaName" = $1 LIMIT 1`, [schemaName]);
  return rows.length > 0;
}

/**
 * Drops the schema and role of that name when they are the gateway's orphan: named as the gateway
 * names databases, the role NOLOGIN and granted to the gateway's user, the schema (if any) owned
 * by that role, and no record naming it. The caller holds the name's lock (`withNameLocks`), so
 * no request is between creating that schema and writing its records. True when it dropped them.
 */
async function dropOrphan(sql: SqlSessions, schemaName: string): Promise<boolean> {
  if (!isPhysicalSchemaName(schemaName)) return false;
  return sql.transaction(async (tx) => {
    if (await schemaReferenced(tx, schemaName)) return false;
    // Granted to the gateway's user as createSchema grants it (pg_has_role says yes to any role for a superuser).
    const role = await tx.query(
      `SELECT r.rolcanlogin, EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.roleid = r.oid AND m.member = (SELECT oid FROM pg_roles WHERE rolname = current_user))
         FROM pg_roles r WHERE r.rolname = $1`,
      [schemaName],
    );
    const [canLogin, member] = (role.rows[0] ?? [true, false]) as [boolean, boolean];
    if (canLogin || !member) return false;
    const schema = await tx.query(`SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = $1`, [schemaName]);
    if (schema.rows.length > 0 && schema.rows[0]![0] !== schemaName) return false;
    await tx.query(`DROP SCHEMA IF EXISTS ${quotedName(schemaName)} CASCADE`);
    await tx.query(`DROP ROLE IF EXISTS ${quotedName(schemaName)}`);
    return true;
  }).catch((error: { code?: unknown }) => {
    // The role still owns something elsewhere (another database of the server): not ours to clear.
    if (error?.code === '2BP01') return false;
    throw error;
  });
}

const nameTaken = (error: SchemaQueryError) => error.sqlState === '42710' || error.sqlState === '42P06';

/**
 * A new tenant or workspace database: a NOLOGIN role and a schema it owns, with `statements`
 * (the blueprint's DDL chain) applied as that role, all in one transaction. The gateway's own
 * user is made a member of the role so it can `SET ROLE` to it; the role is a member of nothing,
 * holds no grant outside its schema, and other roles have no privilege on the schema.
 *
 * A schema or role of that name already there is CONFLICT, unless the caller holds the name's
 * lock (`held`, from `sql.withNameLocks`, kept until its records are written) and it is the
 * gateway's own orphan (a drop that failed, or a process that died, after its records went):
 * then it is dropped and the database created afresh.
 */
export async function createSchema(sql: SqlSessions, schemaName: string, statements: string[] = [], held?: ReadonlySet<string>): Promise<void> {
  const name = quotedName(schemaName);
  const create = () =>
    sql.transaction(async (tx) => {
      await tx.query(`CREATE ROLE ${name} NOLOGIN`);
      await tx.query(`GRANT ${name} TO CURRENT_USER`);
      await tx.query(`CREATE SCHEMA ${name} AUTHORIZATION ${name}`);
      await tx.query(`REVOKE ALL ON SCHEMA ${name} FROM PUBLIC`);
      await enterSchema(tx, schemaName);
      for (const statement of statements) {
        try {
          await tx.query(statement);
        } catch (error) {
          throw asSchemaQueryError(error, statement);
        }
      }
    });
  try {
    await create();
  } catch (error) {
    const failed = asSchemaQueryError(error, null);
    if (!nameTaken(failed)) throw failed;
    if (held?.has(schemaName) && (await dropOrphan(sql, schemaName))) {
      await create().catch((again: unknown) => {
        throw asSchemaQueryError(again, null);
      });
      return;
    }
    // Someone else's schema or role, or one a record still names: never taken over.
    throw new ConflictError(`A database named ${schemaName} already exists on the server; remove it or choose another name`, { schema: schemaName });
  }
}

/** Drops the schema with everything in it, and its role. Dropping what is already gone is not an error. */
export async function dropSchema(sql: SqlSessions, schemaName: string): Promise<void> {
  const name = quotedName(schemaName);
  await sql.transaction(async (tx) => {
    await tx.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
    await tx.query(`DROP ROLE IF EXISTS ${name}`);
  });
}

/**
 * Drops a schema and its role after the records naming it were deleted, under the name's lock and
 * only while no record names it: a request that meanwhile made a database of the same name (and
 * took the leftover over) keeps it.
 */
export async function dropUnreferencedSchema(sql: SqlSessions, schemaName: string): Promise<void> {
  const name = quotedName(schemaName);
  await sql.withNameLocks([schemaName], () =>
    sql.transaction(async (tx) => {
      if (await schemaReferenced(tx, schemaName)) return;
      await tx.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      await tx.query(`DROP ROLE IF EXISTS ${name}`);
    }),
  );
}

const rowReturningCommands = new Set(['SELECT', 'VALUES']);
const cursorName = 'tdb_capped_rows';

/** `last`: no statement follows in the transaction, so COMMIT closes the cursor (one round trip less). */
async function runCapped(tx: SqlTransaction, statement: ClassifiedStatement, maxRows: number, last: boolean): Promise<{ result: SqlResult; truncated: boolean }> {
  if (statement.kind === 'query' && rowReturningCommands.has(statement.command)) {
    // A cursor stops PostgreSQL after maxRows + 1 rows: a huge table is never read whole.
    await tx.query(`DECLARE ${cursorName} NO SCROLL CURSOR FOR ${statement.text}`);
    const result = await tx.query(`FETCH FORWARD ${maxRows + 1} FROM ${cursorName}`);
    if (!last) await tx.query(`CLOSE ${cursorName}`);
    const truncated = result.rows.length > maxRows;
    return { result: { ...result, rows: result.rows.slice(0, maxRows), affectedRows: Math.min(result.rows.length, maxRows) }, truncated };
  }
  const result = await tx.query(statement.text);
  const truncated = result.rows.length > maxRows;
  return { result: { ...result, rows: result.rows.slice(0, maxRows) }, truncated };
}

/**
 * Runs SQL text (one or more statements) in one transaction as the schema's role, with
 * search_path on that schema only, `statement_timeout` and the row cap: a qualified name of
 * another schema fails with PostgreSQL's "permission denied for schema". Statements the
 * classifier refuses never reach PostgreSQL (RefusedStatementError); `allow` narrows further
 * what the caller accepts (admin queries: no DDL). The answer is the last statement's.
 * Any error rolls the whole text back. `afterChanges`, when some statement changed rows, runs
 * last in the same transaction, back in the gateway's own role and search_path (the audit trail).
 * With `limits.maxConnections`, a run past that many at once on the schema is ConnectionLimitError.
 */
export async function runInSchema(
  sql: SqlSessions,
  schemaName: string,
  limits: SchemaLimits,
  statements: ClassifiedStatement[] | string,
  afterChanges?: (tx: SqlTransaction, changed: ChangedRows[]) => Promise<void>,
): Promise<SchemaQueryResult> {
  const classified = typeof statements === 'string' ? await classifySql(statements) : statements;
  const refused = classified.find((statement) => statement.refusal !== null || statement.kind === 'utility');
  if (refused) throw new RefusedStatementError(refused);
  const release = takePlace(sql, schemaName, limits.maxConnections);
  try {
    return await runTaken(sql, schemaName, limits, classified, afterChanges);
  } finally {
    release();
  }
}

async function runTaken(
  sql: SqlSessions,
  schemaName: string,
  limits: SchemaLimits,
  classified: ClassifiedStatement[],
  afterChanges?: (tx: SqlTransaction, changed: ChangedRows[]) => Promise<void>,
): Promise<SchemaQueryResult> {
  const started = performance.now();
  let current: string | null = null;
  let recording = false;
  // Only text that may change rows needs the gateway's search_path back for the audit write.
  const mayChange = afterChanges !== undefined && classified.some((statement) => statement.kind === 'dml');
  try {
    const { result, truncated } = await sql.transaction(
      async (tx) => {
        let gatewayPath: unknown = null;
        if (mayChange) {
          // Read as the gateway first, so the settings cannot go with BEGIN here.
          gatewayPath = (await tx.query(`SELECT current_setting('search_path')`)).rows[0]?.[0];
          await enterSchema(tx, schemaName, limits);
        }
        let last: { result: SqlResult; truncated: boolean } = { result: { fields: [], rows: [], affectedRows: 0 }, truncated: false };
        const changed: ChangedRows[] = [];
        for (const [index, statement] of classified.entries()) {
          current = statement.text;
          last = await runCapped(tx, statement, limits.maxRows, index === classified.length - 1);
          if (statement.kind === 'dml') changed.push({ statement: statement.text, command: statement.command, rowCount: last.result.affectedRows });
        }
        // A net under the classifier: text that left the schema's role (by a way around the
        // refused functions not known yet) gets nothing back and changes nothing.
        const role = (await tx.query('SELECT current_user')).rows[0]?.[0];
        if (role !== schemaName) throw new SchemaQueryError("permission denied: the query changed the session's role; nothing was changed", '42501', current);
        if (afterChanges && changed.length > 0) {
          // Back to the gateway's own role and search_path, still in the transaction of the change.
          recording = true;
          await tx.query('SET LOCAL ROLE NONE');
          await tx.query(`SELECT set_config('search_path', $1, true)`, [String(gatewayPath)]);
          await afterChanges(tx, changed);
          // COMMIT's own failures (a deferred constraint) are the tenant's SQL again.
          recording = false;
        }
        return last;
      },
      // Role, search_path and timeout go with BEGIN in one round trip.
      mayChange ? undefined : { settings: schemaSettings(schemaName, limits) },
    );
    return {
      columns: result.fields.map((field) => field.name),
      rows: result.rows,
      rowCount: result.fields.length > 0 ? result.rows.length : result.affectedRows,
      truncated,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    // A failure recording the change is the gateway's, not the tenant's SQL: it is not dressed as PostgreSQL's answer.
    if (recording) throw error;
    throw asSchemaQueryError(error, current);
  }
}

export type SchemaColumn = { name: string; type: string; nullable: boolean };
export type SchemaTable = { name: string; columns: SchemaColumn[]; indexes: string[] };

/**
 * The schema's tables from the catalog: columns in order with their type as PostgreSQL prints it
 * (upper case; an integer defaulting to its own sequence is SERIAL, as it was written), and the
 * names of the table's indexes.
 */
export async function describeSchema(sql: SqlSessions, schemaName: string): Promise<SchemaTable[]> {
  const literal = `'${schemaName.replace(/'/g, "''")}'`;
  const { rows } = await sql.transaction((tx) =>
    tx.query(`
      SELECT c.relname,
             a.attname,
             upper(format_type(a.atttypid, a.atttypmod)),
             NOT a.attnotnull,
             coalesce(pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false),
             (SELECT coalesce(json_agg(i.relname ORDER BY i.relname), '[]'::json)
                FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = c.oid)
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
       WHERE n.nspname = ${literal} AND c.relkind IN ('r', 'p')
       ORDER BY c.relname, a.attnum`),
  );
  const tables = new Map<string, SchemaTable>();
  for (const [table, column, type, nullable, serial, indexes] of rows as [string, string, string, boolean, boolean, string[]][]) {
    const entry = tables.get(table) ?? { name: table, columns: [], indexes };
    const serialType = type === 'INTEGER' ? 'SERIAL' : type === 'BIGINT' ? 'BIGSERIAL' : type === 'SMALLINT' ? 'SMALLSERIAL' : type;
    entry.columns.push({ name: column, type: serial ? serialType : type, nullable });
    tables.set(table, entry);
  }
  return [...tables.values()];
}
