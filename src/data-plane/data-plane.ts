import type { SqlResult } from '../gateway-db/sql-sessions.js';
import { DomainError } from '../lib/errors.js';

/**
 * The TenantsDB data plane: PostgreSQL databases apart from the gateway's own, where tenant and
 * workspace schemas live. Tenant SQL runs only on a connection logged in as the schema's own
 * role; the gateway's provisioning login makes and drops databases, roles and schemas and never
 * runs tenant text. The classifier in front of it is the first line, not the wall.
 */
export type DataPlaneKind = 'pglite' | 'postgres';

/** The login a schema is reached with: its server, database, schema and role, the password opened. */
export type SchemaLogin = { server: string; database: string; schemaName: string; roleName: string; password: string };

export type SessionOptions = {
  /** statement_timeout for each statement, and the gateway's own deadline: past it the backend is cancelled. */
  timeoutMs: number;
  /** When the caller goes away (the HTTP client disconnected) the running statement is cancelled. */
  signal?: AbortSignal;
  /**
   * The project's share of the data plane: at most `limit` sessions at once under `key` (its
   * data-plane database) in this process; past it ProjectBusyError, before anything runs.
   */
  share?: { key: string; limit: number };
};

export type ResultCaps = {
  /** At most this many rows come back; `truncated` says there were more. */
  maxRows: number;
  /** At most this many bytes of rows (as the server sent them) come back. */
  maxBytes: number;
};

export type StatementResult = {
  fields: { name: string; dataTypeID: number }[];
  rows: unknown[][];
  /** Rows returned (up to the caps), or rows changed by a statement that returns none. */
  rowCount: number;
  /** The statement returned more rows or bytes than the caps: `rows` holds the first ones. */
  truncated: boolean;
};

/** One transaction, logged in as a schema's role. */
export type TenantSession = {
  /**
   * One statement of tenant text, alone in its protocol message (Parse/Bind/Execute: the server
   * refuses two statements in one), its rows read through a portal within `caps`. `plainRead`:
   * the classifier saw a SELECT or VALUES that changes nothing (PGlite reads those through a cursor).
   */
  run(statement: string, caps: ResultCaps, plainRead?: boolean): Promise<StatementResult>;
  /** The gateway's own SQL in the tenant's session (catalog reads, row copies), parameters bound. */
  query(sql: string, params?: unknown[]): Promise<SqlResult>;
};

export type DataPlane = {
  kind: DataPlaneKind;
  /** The server new databases are placed on. */
  defaultServer: string;
  /**
   * Runs `work` in one transaction on a connection logged in as `login` (on PGlite, which has no
   * logins: in the role, in the data plane's own instance); commits when it resolves, rolls back
   * when it throws.
   */
  transaction<T>(login: SchemaLogin, options: SessionOptions, work: (session: TenantSession) => Promise<T>): Promise<T>;
  /** Makes a database for a project (nobody but the roles granted CONNECT may open it); making one that exists is not an error. */
  createDatabase(server: string, name: string): Promise<void>;
  /** Drops a database with everything in it, and the roles named. */
  dropDatabase(server: string, name: string, roles: string[]): Promise<void>;
  /**
   * Makes the login role (member of nothing, CONNECT on its database only) and its schema, owned
   * by it. `statementTimeoutMs` is the role's default statement_timeout (the plan's ceiling).
   */
  createLogin(login: SchemaLogin, settings: { statementTimeoutMs: number }): Promise<void>;
  /** Drops the schema with everything in it and its role; what is already gone is not an error. */
  dropLogin(server: string, database: string, roleName: string): Promise<void>;
  /**
   * Sets the role's password to `login.password`; this process's pooled connections of it are
   * closed, and with `endSessions` every session of the role on its server (whichever process
   * opened it: API pools, proxy sessions), so the old password reaches nothing any more.
   */
  setPassword(login: SchemaLogin, options?: { endSessions?: boolean }): Promise<void>;
  /** Ends every session of the role on its server, whichever process opened it (API pools, proxy sessions); the role stays. */
  endSessions(server: string, roleName: string): Promise<void>;
  /** Bytes the schemas' tables take (with their indexes and TOAST), as the provisioning login sees them. */
  storageBytes(server: string, database: string, schemas: string[]): Promise<number>;
  /** The gateway's own read of a database as the provisioning login (its catalog: what exists there), parameters bound. */
  inspect(server: string, database: string, sql: string, params?: unknown[]): Promise<SqlResult>;
  /**
   * A session of the login's own for the database proxy, outside the pools: its bytes are the
   * proxy's to relay, it starts in the login's schema, and it ends when the proxy closes it.
   * `screen` is the classifier, for the embedded data plane (on PostgreSQL the login is the wall).
   */
  openWire(login: SchemaLogin, screen: StatementScreen): Promise<WireSession>;
  /** How many connections are open to data-plane servers from this process, and at most. */
  connections(): { open: number; max: number };
  close(): Promise<void>;
};

/**
 * RATE_LIMITED: the project already has its plan's share of concurrent queries running on the
 * data plane in this process. Nothing of the refused query ran.
 */
export class ProjectBusyError extends DomainError {
  constructor(readonly limit: number) {
    super('RATE_LIMITED', `The project already runs ${limit} ${limit === 1 ? 'query' : 'queries'} at once, its plan's limit; retry when one ends`, {
      policy: 'project_concurrency',
      limit,
    });
    this.name = 'ProjectBusyError';
  }

  override get headers(): Record<string, string> {
    return { 'retry-after': '1' };
  }
}

/** RATE_LIMITED: every data-plane connection this process may open is busy, and none came free in time. */
export class DataPlaneBusyError extends DomainError {
  constructor(max: number) {
    super('RATE_LIMITED', `The data plane is busy: all ${max} connections of this gateway are in use; retry shortly`, {
      policy: 'data_plane_connections',
      limit: max,
    });
    this.name = 'DataPlaneBusyError';
  }

  override get headers(): Record<string, string> {
    return { 'retry-after': '1' };
  }
}

/**
 * CONFLICT: the schema's login was refused (28P01) — a move's cutover has frozen it, or its
 * password was just changed. Nothing ran; a retry in a moment reaches the database where it is then.
 */
export class LoginRefusedError extends DomainError {
  constructor() {
    super('CONFLICT', 'The database is not reachable right now (it is being moved, or its login changed); nothing ran, retry in a moment', {
      reason: 'database_unavailable',
    });
    this.name = 'LoginRefusedError';
  }

  override get headers(): Record<string, string> {
    return { 'retry-after': '1' };
  }
}

/** PostgreSQL refused a statement: its message and SQLSTATE, as PostgreSQL wrote them. */
export class SchemaQueryError extends Error {
  constructor(
    message: string,
    readonly sqlState: string | null,
    readonly statement: string | null,
  ) {
    super(message);
    this.name = 'SchemaQueryError';
  }
}

/**
 * A statement's rows passed the byte cap in a way that cost the transaction (a row larger than
 * the cap, or rows past twice the cap before the gateway could stop reading): the connection was
 * cut, so nothing of the text was changed.
 */
export class ResultTooLargeError extends SchemaQueryError {
  constructor(
    readonly maxBytes: number,
    statement: string,
    /** The rows that came before the connection was cut, within the caps: a read-only text may answer them as truncated. */
    readonly partial: StatementResult,
  ) {
    super(
      `The result is larger than the ${maxBytes}-byte limit of your plan; nothing was changed. Select fewer or smaller columns, or fewer rows`,
      '54000',
      statement,
    );
    this.name = 'ResultTooLargeError';
  }
}

export const asSchemaQueryError = (error: unknown, statement: string | null): SchemaQueryError => {
  if (error instanceof SchemaQueryError) return error;
  const { message, code } = error as { message?: string; code?: unknown };
  return new SchemaQueryError(message ?? String(error), typeof code === 'string' ? code : null, statement);
};

/** A name the gateway made, double-quoted. */
export const quotedIdentifier = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The settings that open a tenant transaction: the gateway's own text, never the tenant's. */
export function sessionSettings(schemaName: string, timeoutMs: number): string[] {
  return [`SET LOCAL search_path TO ${quotedIdentifier(schemaName)}`, `SET LOCAL statement_timeout = ${Math.max(1, Math.trunc(timeoutMs))}`];
}

/** Sessions under way per share key, in this process: a project's concurrent queries. */
export class Shares {
  private readonly running = new Map<string, number>();

  /** Takes one of the key's places (ProjectBusyError when none is free); returns its release. */
  take(share: SessionOptions['share']): () => void {
    if (!share) return () => {};
    const now = this.running.get(share.key) ?? 0;
    if (now >= share.limit) throw new ProjectBusyError(share.limit);
    this.running.set(share.key, now + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.running.get(share.key) ?? 1) - 1;
      if (left > 0) this.running.set(share.key, left);
      else this.running.delete(share.key);
    };
  }
}

/** A database the proxy may open for a connection's user and database name, and what reaching it takes. */
export type WireTarget = {
  /** What connections are counted under (the placement): max_connections holds per key. */
  key: string;
  /** The password the client must give (the project's proxy password, or the workspace's). */
  password: string;
  login: SchemaLogin;
  maxConnections: number;
  /** The plan's query timeout: past it (and a grace) the proxy cancels the statement. */
  queryTimeoutMs: number;
  /** Where the session's statements are logged (a tenant database); none for a workspace. */
  log: { tenantId: string; blueprint: string } | null;
  /** A tenant-mode workspace: the DDL its sessions commit is queued for its blueprint, as the API's queries' is. */
  changes: { workspaceId: string } | null;
};

/**
 * A data-plane session handed over whole to the database proxy: a connection logged in as a
 * schema's own role (never a privileged one), whose protocol messages the proxy relays as they
 * come. The gateway authenticated it upstream; what the server said then is in `greeting`.
 */
export type WireSession = {
  /**
   * What the server sent after authenticating the login, ready to relay: its ParameterStatus
   * messages, its BackendKeyData and the first ReadyForQuery.
   */
  greeting: Uint8Array;
  /** The backend's process id and secret key (hex), as the greeting's BackendKeyData gives them: a CancelRequest names them. */
  cancelKey: string;
  /**
   * Frontend messages, as the client sent them. Undefined when the server's side took them at
   * once; else a promise that resolves when it did (backpressure: read no more until then).
   */
  send(bytes: Uint8Array): Promise<void> | undefined;
  /** Stop and go on reading the server's messages (the client reads slower than the server sends). */
  pause(): void;
  resume(): void;
  /** The server's messages, as it sent them. */
  onData(listener: (bytes: Uint8Array) => void): void;
  /** The session ended (the server closed it, or it failed). */
  onEnd(listener: () => void): void;
  /** Asks the server to cancel what the session is running now. */
  cancel(): Promise<void>;
  /** Closes the session (a Terminate, then the connection). */
  close(): void;
};

/** Why a statement may not run through the proxy on the embedded data plane (the classifier's word); null when it may. */
export type StatementScreen = (sql: string) => Promise<string | null>;
