/**
 * - `query`: reads (SELECT, VALUES, SHOW, EXPLAIN of a read)
 * - `dml`: changes rows (INSERT, UPDATE, DELETE, MERGE, TRUNCATE)
 * - `ddl`: changes the schema (CREATE/ALTER/DROP/COMMENT/RENAME …, SELECT INTO)
 * - `utility`: session and transaction control, cursors, COPY, LISTEN/NOTIFY, DO, CALL …:
 *   refused everywhere, because the gateway owns the session (role, search_path, timeout).
 */
export type StatementKind = 'query' | 'dml' | 'ddl' | 'utility';

export type ClassifiedStatement = {
  /** The statement as written, from its first token to its end, without the `;` (comments between statements dropped). */
  text: string;
  kind: StatementKind;
  /** `CREATE TABLE`, `SELECT`, `SET` … for messages. */
  command: string;
  /** The statement that undoes a CREATE TABLE, CREATE INDEX or ALTER TABLE … ADD COLUMN; null otherwise. */
  reverse: string | null;
  /** Why the statement may not run in any tenant or workspace schema; null when it may. */
  refusal: string | null;
  /**
   * A session's own utility statement, refused on the gateway's pooled connections but a client's
   * to run on a session of its own (the database proxy): transaction control, and SET or RESET of
   * a parameter that moves neither the session's identity nor how its text is read.
   */
  sessionOwn: boolean;
};

/** The parser's own message (`syntax error at or near "selec"`) and where in the text. */
export class SqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number | null,
  ) {
    super(message);
    this.name = 'SqlSyntaxError';
  }
}

type Node = Record<string, unknown>;

const queryNodes = new Set(['SelectStmt', 'VariableShowStmt']);
const dmlNodes = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'TruncateStmt']);
const utilityNodes = new Set([
  'TransactionStmt',
  'VariableSetStmt',
  'DiscardStmt',
  'ListenStmt',
  'UnlistenStmt',
  'NotifyStmt',
  'PrepareStmt',
  'ExecuteStmt',
  'DeallocateStmt',
  'DeclareCursorStmt',
  'FetchStmt',
  'ClosePortalStmt',
  'LockStmt',
  'CopyStmt',
  'VacuumStmt',
  'CheckPointStmt',
  'LoadStmt',
  'ConstraintsSetStmt',
  'ReindexStmt',
  'ClusterStmt',
  'CallStmt',
  'DoStmt',
  'AlterSystemStmt',
  'CreatedbStmt',
  'DropdbStmt',
  'AlterDatabaseStmt',
  'AlterDatabaseSetStmt',
  'AlterRoleSetStmt',
  'ReassignOwnedStmt',
  'DropOwnedStmt',
  'PLAssignStmt',
]);

/** Schema changes a tenant schema may hold: tables, indexes, views, sequences, types, comments. */
const allowedDdlNodes = new Set([
  'CreateStmt',
  'IndexStmt',
  'AlterTableStmt',
  'DropStmt',
  'ViewStmt',
  'CreateSeqStmt',
  'AlterSeqStmt',
  'CompositeTypeStmt',
  'CreateEnumStmt',
  'AlterEnumStmt',
  'RenameStmt',
  'CommentStmt',
  'CreateTableAsStmt',
  'CreateDomainStmt',
  'AlterDomainStmt',
  'CreateStatsStmt',
  'SelectStmt',
]);

const droppableObjects = new Set([
  'OBJECT_TABLE',
  'OBJECT_INDEX',
  'OBJECT_VIEW',
  'OBJECT_MATVIEW',
  'OBJECT_SEQUENCE',
  'OBJECT_TYPE',
  'OBJECT_DOMAIN',
  'OBJECT_STATISTIC_EXT',
]);

// Functions that change the session (set_config('role', …) escapes SET LOCAL ROLE), hold
// session-wide locks on a pooled connection, or signal the gateway's own listeners; and those
// that run SQL handed to them as a string (ts_stat, ts_rewrite, query_to_xml…, cursor_to_xml…),
// which the parser sees only as a string constant, so nothing inside them could be checked.
const refusedFunctions =
  /^(set_config|pg_advisory_\w+|pg_try_advisory_\w+|pg_notify|pg_terminate_backend|pg_cancel_backend|pg_reload_conf|pg_rotate_logfile|lo_\w+|dblink\w*|pg_read_\w+|pg_ls_\w+|pg_stat_file|ts_stat|ts_rewrite|query_to_xml\w*|cursor_to_xml\w*)$/;

type Parser = typeof import('libpg-query');

// Imported at first use: importing libpg-query instantiates its WebAssembly at once, with a
// 128 MB linear memory, which a gateway that never classifies SQL need not hold (idle RSS on
// PostgreSQL 188 -> 184 MB, `external` 135 -> 5.5 MB). The first use waits for the import: the
// embedded pg_dump's open transaction that this wait once exposed is closed where it is made
// (gateway-db/schema-dump.ts).
let loading: Promise<Parser> | null = null;
let parser: Parser | null = null;

/** Loads the parser's WASM module once; classifySql needs it loaded. */
export function loadSqlParser(): Promise<Parser> {
  loading ??= import('libpg-query').then(async (module) => {
    await module.loadModule();
    parser = module;
    return module;
  });
  return loading;
}

/**
 * The statement with every constant replaced by `$1`, `$2` … (PostgreSQL's own normalization,
 * as pg_stat_statements shows statements): its shape without the values it carried; null when
 * the text does not parse.
 */
export async function withoutConstants(sql: string): Promise<string | null> {
  const { normalizeSync } = await loadSqlParser();
  try {
    return normalizeSync(sql);
  } catch {
    return null;
  }
}

/**
 * Splits SQL text into statements with the real PostgreSQL parser and classifies each.
 * Throws SqlSyntaxError when the text does not parse.
 */
export async function classifySql(sql: string): Promise<ClassifiedStatement[]> {
  const { parseSync } = await loadSqlParser();
  let parsed: { stmts?: { stmt?: Node; stmt_location?: number; stmt_len?: number }[] };
  try {
    parsed = parseSync(sql) as typeof parsed;
  } catch (error) {
    const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    throw new SqlSyntaxError((error as Error).message, details?.cursorPosition ?? null);
  }
  // Locations are byte offsets into the UTF-8 text.
  const bytes = Buffer.from(sql, 'utf8');
  return (parsed.stmts ?? []).flatMap(({ stmt, stmt_location: location = 0, stmt_len: length }) => {
    if (!stmt) return [];
    const end = length ? location + length : bytes.length;
    const text = bytes.subarray(location, end).toString('utf8').trim();
    return [classifyNode(stmt, text)];
  });
}

function classifyNode(stmt: Node, text: string): ClassifiedStatement {
  const [type, body] = Object.entries(stmt)[0] as [string, Node];
  const command = commandOf(type, body);
  const kind = kindOf(type, body);
  const forbiddenFunction = findRefusedFunction(body);
  const catalogWrite = findCatalogWrite(stmt);
  const refusal = forbiddenFunction
    ? `${forbiddenFunction}() is not allowed: it acts on the gateway's session, not on your data`
    : catalogWrite
      ? `writing to ${catalogWrite} is not allowed: PostgreSQL's catalogs and settings (pg_settings, names starting with pg_) are not your data`
      : hasTemporaryName(body)
        ? "temporary objects (pg_temp) are not allowed: they outlive the query on the gateway's connections"
        : kind === 'utility'
          ? `${command} is not allowed: the gateway manages transactions and session settings`
          : kind === 'ddl'
            ? ddlRefusal(type, body, command)
            : null;
  return { text, kind, command, reverse: refusal ? null : reverseOf(type, body), refusal, sessionOwn: !forbiddenFunction && sessionOwnUtility(type, body) };
}

/** Parameters a session may not set itself: who it is, and how the server reads its text. */
const guardedParameters = new Set([
  'role',
  'session_authorization',
  'standard_conforming_strings',
  'client_encoding',
  'backslash_quote',
  'escape_string_warning',
]);

function sessionOwnUtility(type: string, body: Node): boolean {
  if (type === 'TransactionStmt') return !/PREPARE|PREPARED/.test(String(body.kind ?? ''));
  if (type !== 'VariableSetStmt') return false;
  // RESET ALL leaves role and session_authorization as they are (PostgreSQL's GUC_NO_RESET_ALL).
  if (body.kind === 'VAR_RESET_ALL') return true;
  const name = typeof body.name === 'string' ? body.name.toLowerCase() : '';
  return name !== '' && !guardedParameters.has(name);
}

const systemSchemas = /^(pg_catalog|information_schema|pg_toast|pg_temp(_\d+)?|pg_toast_temp(_\d+)?)$/i;

/** The relation a data change writes to: its name, when it is one of PostgreSQL's (a rule on pg_settings turns an UPDATE into set_config). */
function catalogTarget(relation: unknown): string | null {
  const { schemaname, relname } = ((relation as { RangeVar?: Node } | undefined)?.RangeVar ?? relation ?? {}) as { schemaname?: string; relname?: string };
  if (typeof relname !== 'string') return null;
  if (typeof schemaname === 'string') return systemSchemas.test(schemaname) ? `${schemaname}.${relname}` : null;
  // Unqualified, pg_catalog is searched first: pg_settings is always PostgreSQL's.
  return /^pg_/i.test(relname) ? relname : null;
}

/** Any INSERT, UPDATE, DELETE, MERGE or TRUNCATE (data-modifying WITH included) of a system relation. */
function findCatalogWrite(node: unknown): string | null {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findCatalogWrite(item);
      if (found) return found;
    }
    return null;
  }
  if (!node || typeof node !== 'object') return null;
  for (const [key, value] of Object.entries(node as Node)) {
    if (key === 'InsertStmt' || key === 'UpdateStmt' || key === 'DeleteStmt' || key === 'MergeStmt') {
      const target = catalogTarget((value as Node).relation);
      if (target) return target;
    }
    if (key === 'TruncateStmt') {
      for (const relation of ((value as Node).relations as unknown[] | undefined) ?? []) {
        const target = catalogTarget(relation);
        if (target) return target;
      }
    }
    const found = findCatalogWrite(value);
    if (found) return found;
  }
  return null;
}

const temporarySchema = /^pg_temp(_\d+)?$/i;

/** A name qualified with pg_temp anywhere: a relation (`pg_temp."AuditEvent"`), a type or a function. */
function hasTemporaryName(node: unknown): boolean {
  if (Array.isArray(node)) {
    const first = (node[0] as { String?: { sval?: unknown } } | undefined)?.String?.sval;
    if (node.length > 1 && typeof first === 'string' && temporarySchema.test(first)) return true;
    return node.some(hasTemporaryName);
  }
  if (!node || typeof node !== 'object') return false;
  const { schemaname, relname } = node as { schemaname?: unknown; relname?: unknown };
  if (typeof relname === 'string' && typeof schemaname === 'string' && temporarySchema.test(schemaname)) return true;
  return Object.values(node as Node).some(hasTemporaryName);
}

function kindOf(type: string, body: Node): StatementKind {
  if (type === 'SelectStmt') return body.intoClause ? 'ddl' : containsDml(body) ? 'dml' : 'query';
  if (queryNodes.has(type)) return 'query';
  if (dmlNodes.has(type)) return 'dml';
  if (utilityNodes.has(type)) return 'utility';
  if (type === 'ExplainStmt') {
    const inner = body.query as Node | undefined;
    if (!inner) return 'query';
    const [innerType, innerBody] = Object.entries(inner)[0] as [string, Node];
    return kindOf(innerType, innerBody);
  }
  return 'ddl';
}

/** `WITH gone AS (DELETE … RETURNING *) SELECT …` parses as a SELECT but changes rows. */
function containsDml(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(containsDml);
  if (!node || typeof node !== 'object') return false;
  return Object.entries(node as Node).some(([key, value]) => dmlNodes.has(key) || containsDml(value));
}

function ddlRefusal(type: string, body: Node, command: string): string | null {
  if (!allowedDdlNodes.has(type)) return `${command} is not allowed in tenant schemas: only tables, indexes, views, sequences, types and comments`;
  // The schema's own comment is where the gateway marks the blueprint version its DDL is at.
  if (type === 'CommentStmt' && body.objtype === 'OBJECT_SCHEMA') return "COMMENT ON SCHEMA is not allowed: the schema itself is the gateway's";
  if (type === 'DropStmt' && !droppableObjects.has(String(body.removeType))) return `${command} is not allowed in tenant schemas`;
  if (hasTemporaryRelation(body)) return "temporary tables are not allowed: they outlive the query on the gateway's connections";
  return null;
}

function hasTemporaryRelation(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasTemporaryRelation);
  if (!node || typeof node !== 'object') return false;
  if ((node as Node).relpersistence === 't') return true;
  return Object.values(node as Node).some(hasTemporaryRelation);
}

function findRefusedFunction(node: unknown): string | null {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findRefusedFunction(item);
      if (found) return found;
    }
    return null;
  }
  if (!node || typeof node !== 'object') return null;
  for (const [key, value] of Object.entries(node as Node)) {
    if (key === 'FuncCall') {
      const names = ((value as Node).funcname as { String?: { sval?: string } }[] | undefined) ?? [];
      const name = names.at(-1)?.String?.sval?.toLowerCase();
      if (name && refusedFunctions.test(name)) return name;
    }
    const found = findRefusedFunction(value);
    if (found) return found;
  }
  return null;
}

const commandNames: Record<string, string> = {
  CreateStmt: 'CREATE TABLE',
  IndexStmt: 'CREATE INDEX',
  ViewStmt: 'CREATE VIEW',
  CreateSeqStmt: 'CREATE SEQUENCE',
  CompositeTypeStmt: 'CREATE TYPE',
  CreateEnumStmt: 'CREATE TYPE',
  CreateTableAsStmt: 'CREATE TABLE AS',
  CreateTrigStmt: 'CREATE TRIGGER',
  CreateStatsStmt: 'CREATE STATISTICS',
  DoStmt: 'DO',
  CopyStmt: 'COPY',
  VariableShowStmt: 'SHOW',
  DeclareCursorStmt: 'DECLARE CURSOR',
  ClosePortalStmt: 'CLOSE',
  FetchStmt: 'FETCH',
  RenameStmt: 'ALTER … RENAME',
  CommentStmt: 'COMMENT',
  GrantStmt: 'GRANT',
  GrantRoleStmt: 'GRANT',
  CreateFunctionStmt: 'CREATE FUNCTION',
  CreateSchemaStmt: 'CREATE SCHEMA',
  CreateExtensionStmt: 'CREATE EXTENSION',
  CreateRoleStmt: 'CREATE ROLE',
  ExplainStmt: 'EXPLAIN',
};

function commandOf(type: string, body: Node): string {
  if (type === 'SelectStmt') return body.intoClause ? 'SELECT INTO' : body.valuesLists ? 'VALUES' : 'SELECT';
  if (type === 'VariableSetStmt') return body.kind === 'VAR_RESET' || body.kind === 'VAR_RESET_ALL' ? 'RESET' : 'SET';
  if (type === 'TransactionStmt')
    return String(body.kind ?? 'TRANS_STMT')
      .replace(/^TRANS_STMT_/, '')
      .replace(/_/g, ' ');
  if (type === 'DropStmt')
    return `DROP ${String(body.removeType ?? '')
      .replace(/^OBJECT_/, '')
      .replace(/_/g, ' ')}`.trim();
  if (type === 'GrantStmt' && !body.is_grant) return 'REVOKE';
  const known = commandNames[type];
  if (known) return known;
  return type
    .replace(/Stmt$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}

function reverseOf(type: string, body: Node): string | null {
  if (type === 'CreateStmt') return `DROP TABLE IF EXISTS ${relationName(body.relation as Node)};`;
  if (type === 'IndexStmt') {
    // An unnamed index gets a name PostgreSQL picks at run time: no reverse to record here.
    if (typeof body.idxname !== 'string') return null;
    const schema = (body.relation as Node | undefined)?.schemaname;
    const name = typeof schema === 'string' ? `${quoteIdentifier(schema)}.${quoteIdentifier(body.idxname)}` : quoteIdentifier(body.idxname);
    return `DROP INDEX IF EXISTS ${name};`;
  }
  if (type === 'AlterTableStmt' && body.objtype === 'OBJECT_TABLE') {
    const commands = ((body.cmds as { AlterTableCmd?: Node }[] | undefined) ?? []).map((cmd) => cmd.AlterTableCmd);
    if (commands.length === 0 || commands.some((cmd) => cmd?.subtype !== 'AT_AddColumn')) return null;
    const columns = commands.map((cmd) => ((cmd?.def as { ColumnDef?: Node } | undefined)?.ColumnDef?.colname as string | undefined) ?? null);
    if (columns.some((column) => column === null)) return null;
    const drops = columns.map((column) => `DROP COLUMN IF EXISTS ${quoteIdentifier(column as string)}`).join(', ');
    return `ALTER TABLE ${relationName(body.relation as Node)} ${drops};`;
  }
  return null;
}

function relationName(relation: Node): string {
  const name = quoteIdentifier(String(relation.relname));
  return typeof relation.schemaname === 'string' ? `${quoteIdentifier(relation.schemaname)}.${name}` : name;
}

/**
 * PostgreSQL's quote_ident: bare when the scanner reads the name back as a plain identifier.
 * Before the parser is loaded (loadSqlParser) every name is quoted, which is always correct.
 */
export function quoteIdentifier(name: string): string {
  if (parser && /^[a-z_][a-z0-9_$]*$/.test(name)) {
    try {
      const { tokens } = parser.scanSync(name);
      if (tokens.length === 1 && tokens[0]?.tokenName === 'IDENT') return name;
    } catch {
      // quoted below
    }
  }
  return `"${name.replace(/"/g, '""')}"`;
}
