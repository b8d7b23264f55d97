import { ResultTooLargeError, SchemaQueryError, asSchemaQueryError, type TenantSession } from '../../data-plane/data-plane.js';
import type { PlanTier } from '../../generated/prisma/client.js';
import { DomainError } from '../../lib/errors.js';
import { installCapture } from './change-capture.js';
import type { DataPlaneDeps } from './data-plane-deps.js';
import { type Placed, schemaLogin } from './placements.js';
import { type ClassifiedStatement, classifySql } from './sql-classifier.js';
import { type StorageQuota, storageQuotaRefusal, storageUse } from './storage-quota.js';

export { SchemaQueryError, ResultTooLargeError };

export type SchemaLimits = {
  /** The statement timeout: the workspace's query_timeout_ms within the plan's ceiling. */
  queryTimeoutMs: number;
  /** At most this many rows come back; `truncated` says there were more. */
  maxRows: number;
  /** At most this many bytes of rows come back (the plan's). */
  maxResultBytes: number;
  /**
   * The workspace's max_connections: at most this many runs at once on one schema, in this
   * process (ConnectionLimitError past it, before anything runs). Absent: no limit.
   */
  maxConnections?: number;
  /** The project's share of the data plane (its plan's concurrent queries); absent for the gateway's own runs. */
  share?: { key: string; limit: number };
  /** The project's storage quota: writes that add data past it are refused. Absent for the gateway's own runs. */
  storage?: StorageQuota;
  /** The caller's request: when its client goes away, the running statement is cancelled. */
  signal?: AbortSignal;
};

/** A workspace's settings within its project's plan: the limits its queries and its blueprint's tenants' run under. */
export function planLimits(
  deps: Pick<DataPlaneDeps, 'plans'>,
  tier: PlanTier,
  placed: Placed,
  settings: { queryTimeoutMs: number; maxRowsPerQuery: number; maxConnections?: number },
  schemas: () => Promise<string[]>,
  signal?: AbortSignal,
): SchemaLimits {
  const plan = deps.plans[tier];
  return {
    queryTimeoutMs: Math.min(settings.queryTimeoutMs, plan.queryTimeoutCeilingMs),
    maxRows: settings.maxRowsPerQuery,
    maxResultBytes: plan.resultBytes,
    maxConnections: settings.maxConnections,
    share: { key: placed.databaseId, limit: plan.concurrentQueries },
    storage: { databaseId: placed.databaseId, quotaBytes: plan.storageBytes, tier, schemas },
    signal,
  };
}

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

/** Runs under way per schema, per data plane: this process's count. */
const runningByPlane = new WeakMap<object, Map<string, number>>();

/** Takes one of the schema's `limit` places (ConnectionLimitError when none is free); returns its release. */
function takePlace(plane: object, placementId: string, limit: number | undefined): () => void {
  if (limit === undefined) return () => {};
  let running = runningByPlane.get(plane);
  if (!running) runningByPlane.set(plane, (running = new Map()));
  const now = running.get(placementId) ?? 0;
  if (now >= limit) throw new ConnectionLimitError(limit);
  running.set(placementId, now + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (running.get(placementId) ?? 1) - 1;
    if (left > 0) running.set(placementId, left);
    else running.delete(placementId);
  };
}

/** A statement that changed rows (INSERT, UPDATE, DELETE, MERGE …) and how many it changed. */
export type ChangedRows = { statement: string; command: string; rowCount: number };

export type SchemaQueryResult = {
  columns: string[];
  rows: unknown[][];
  /** Rows returned, or rows changed by INSERT/UPDATE/DELETE without RETURNING. */
  rowCount: number;
  /** More rows (or bytes) than the caps matched; only the first ones are in `rows`. */
  truncated: boolean;
  durationMs: number;
};

/** A statement the gateway does not run in tenant schemas (session control, role changes, …). */
export class RefusedStatementError extends Error {
  constructor(readonly statement: ClassifiedStatement) {
    super(statement.refusal ?? `${statement.command} is not allowed`);
    this.name = 'RefusedStatementError';
  }
}

/**
 * Records the changes a run made (the audit trail), before the run commits; returns how to take
 * the record back if the commit then fails, so the trail never holds less than what committed.
 */
export type ChangeRecorder = (changed: ChangedRows[]) => Promise<() => Promise<void>>;

/**
 * Runs SQL text (one or more statements) in one transaction on a connection logged in as the
 * schema's own role, one statement per protocol message, with search_path on that schema,
 * `statement_timeout`, the row and byte caps and the storage quota. Statements the classifier
 * refuses never reach PostgreSQL (RefusedStatementError); the caller's `allow` narrowed the rest
 * already. The answer is the last statement's. Any error rolls the whole text back.
 * `recordChanges`, when some statement changed rows, records them before the commit.
 */
export async function runInSchema(
  deps: Pick<DataPlaneDeps, 'dataPlane' | 'keyring'>,
  placed: Placed,
  limits: SchemaLimits,
  statements: ClassifiedStatement[] | string,
  recordChanges?: ChangeRecorder,
): Promise<SchemaQueryResult> {
  const classified = typeof statements === 'string' ? await classifySql(statements) : statements;
  const refused = classified.find((statement) => statement.refusal !== null || statement.kind === 'utility');
  if (refused) throw new RefusedStatementError(refused);
  const release = takePlace(deps.dataPlane, placed.id, limits.maxConnections);
  try {
    return await runTaken(deps, placed, limits, classified, recordChanges);
  } finally {
    release();
  }
}

const readsOnly = (statements: ClassifiedStatement[]) => statements.every((statement) => statement.kind === 'query');

async function runTaken(
  deps: Pick<DataPlaneDeps, 'dataPlane' | 'keyring'>,
  placed: Placed,
  limits: SchemaLimits,
  classified: ClassifiedStatement[],
  recordChanges?: ChangeRecorder,
): Promise<SchemaQueryResult> {
  const started = performance.now();
  const caps = { maxRows: limits.maxRows, maxBytes: limits.maxResultBytes };
  const mayAddData = limits.storage && !readsOnly(classified);
  let undoRecord: (() => Promise<void>) | null = null;
  let recording = false;
  try {
    const last = await deps.dataPlane.transaction(
      schemaLogin(deps, placed),
      { timeoutMs: limits.queryTimeoutMs, signal: limits.signal, share: limits.share },
      async (session) => {
        const before = mayAddData ? await storageUse(session, limits.storage!) : null;
        if (before !== null) {
          const refusal = storageQuotaRefusal(limits.storage!, before, classified);
          if (refusal) throw refusal;
        }
        let result = { fields: [] as { name: string }[], rows: [] as unknown[][], rowCount: 0, truncated: false };
        const changed: ChangedRows[] = [];
        for (const [index, statement] of classified.entries()) {
          try {
            result = await session.run(statement.text, caps, statement.kind === 'query' && (statement.command === 'SELECT' || statement.command === 'VALUES'));
          } catch (error) {
            // A read-only text whose last answer was too large to read whole answers what came, cut.
            if (error instanceof ResultTooLargeError && index === classified.length - 1 && readsOnly(classified)) return { ...error.partial, truncated: true };
            throw error;
          }
          if (statement.kind === 'dml') changed.push({ statement: statement.text, command: statement.command, rowCount: result.rowCount });
        }
        // A table the text made is captured from its first row (recovery to an instant replays its changes).
        if (classified.some((statement) => statement.kind === 'ddl')) await installCapture(session, placed.schemaName);
        if (before !== null) {
          const after = await storageUse(session, limits.storage!, true);
          if (after > limits.storage!.quotaBytes && after > before) throw storageQuotaRefusal(limits.storage!, after, null)!;
        }
        if (recordChanges && changed.length > 0) {
          recording = true;
          undoRecord = await recordChanges(changed);
          recording = false;
        }
        return result;
      },
    );
    return {
      columns: last.fields.map((field) => field.name),
      rows: last.rows,
      rowCount: last.rowCount,
      truncated: last.truncated,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    // The change did not commit (COMMIT refused it, a deferred constraint): its record goes too.
    if (undoRecord) await (undoRecord as () => Promise<void>)();
    // A failure recording the change is the gateway's, not the tenant's SQL: it is not dressed as PostgreSQL's answer.
    if (recording || error instanceof DomainError) throw error;
    throw asSchemaQueryError(error, null);
  }
}

/** Runs the gateway's own statements in a schema as its owner (a deployment's DDL, a restore), in one transaction. */
export function inSchemaSession<T>(
  deps: Pick<DataPlaneDeps, 'dataPlane' | 'keyring' | 'plans'>,
  placed: Placed,
  work: (session: TenantSession) => Promise<T>,
): Promise<T> {
  const timeoutMs = Math.max(...Object.values(deps.plans).map((plan) => plan.queryTimeoutCeilingMs));
  return deps.dataPlane.transaction(schemaLogin(deps, placed), { timeoutMs }, work);
}

export type SchemaColumn = { name: string; type: string; nullable: boolean };
export type SchemaTable = { name: string; columns: SchemaColumn[]; indexes: string[] };

/**
 * The schema's tables from the catalog: columns in order with their type as PostgreSQL prints it
 * (upper case; an integer defaulting to its own sequence is SERIAL, as it was written), and the
 * names of the table's indexes. Read as the schema's own login.
 */
export async function describeSchema(deps: Pick<DataPlaneDeps, 'dataPlane' | 'keyring' | 'plans'>, placed: Placed): Promise<SchemaTable[]> {
  const { rows } = await inSchemaSession(deps, placed, (session) =>
    session.query(
      `SELECT c.relname,
              a.attname,
              upper(pg_catalog.format_type(a.atttypid, a.atttypmod)),
              NOT a.attnotnull,
              coalesce(pg_catalog.pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false),
              (SELECT coalesce(json_agg(i.relname ORDER BY i.relname), '[]'::json)
                 FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = c.oid)
         FROM pg_catalog.pg_class c
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
        ORDER BY c.relname, a.attnum`,
      [placed.schemaName],
    ),
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
