import { changeCaptureSql } from './change-capture-sql.js';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { asResult, int8, jsonValue, type SqlResult, type StatementObserver } from '../gateway-db/sql-sessions.js';
import { sendCancelRequest } from './cancel-request.js';
import {
  asSchemaQueryError,
  LoginRefusedError,
  type DataPlane,
  quotedIdentifier,
  type ResultCaps,
  ResultTooLargeError,
  SchemaQueryError,
  sessionSettings,
  Shares,
  type StatementResult,
  type TenantSession,
} from './data-plane.js';
import { type Login, LoginPools, type PoolSettings } from './login-pools.js';
import { RowBytesGuard } from './row-bytes-guard.js';
import { scramVerifier } from './scram-verifier.js';
import { openPostgresWire } from './wire-session.js';

export type PostgresDataPlaneSettings = PoolSettings & {
  /** The provisioning login's URL on the data-plane server. */
  url: string;
  /** The server's name in placement records (`default`: the shared server). */
  name?: string;
  observe?: StatementObserver;
};

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? int8 : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser,
};

/**
 * Rows asked for in the first round trip reading a portal; later batches are sized from the
 * rows' average size to fit what is left of the byte cap (at most `maxBatchRows`).
 */
const firstBatchRows = 16;
const maxBatchRows = 1_000;
/** Past its deadline a statement is cancelled; if the backend still holds on this long after, the connection is cut. */
const cancelGraceMs = 5_000;

/** Session parameters the server reports (GUC_REPORT), and the values every tenant statement is parsed under. */
const pinnedParameters: Record<string, string> = { standard_conforming_strings: 'on', client_encoding: 'UTF8' };

/** The bytes of the given schemas' tables, with indexes and TOAST: what counts against a storage quota. */
export const storageBytesSql = `SELECT coalesce(sum(pg_catalog.pg_total_relation_size(c.oid)), 0)::int8
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'm')`;

type Watched = { guard: RowBytesGuard; changed: string[] };

/**
 * The data plane on PostgreSQL servers. Tenant SQL runs on connections logged in as the
 * schema's own role, pooled per role (LoginPools); the provisioning login (DATA_PLANE_URL) makes
 * and drops databases, roles and schemas with the gateway's own statements only.
 */
export function postgresDataPlane(settings: PostgresDataPlaneSettings): DataPlane {
  const pools = new LoginPools(settings);
  const shares = new Shares();
  const watched = new WeakMap<pg.Client, Watched>();
  const observe = settings.observe ?? (() => {});
  const server = new URL(settings.url);
  const host = server.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(server.port || 5432);

  const loginFor = (user: string, password: string | null, database: string): Login => {
    const url = new URL(settings.url);
    url.username = encodeURIComponent(user);
    if (password !== null) url.password = encodeURIComponent(password);
    url.pathname = `/${encodeURIComponent(database)}`;
    return { key: `${user}@${database}`, config: { connectionString: url.toString() } };
  };
  const provisioning = (database?: string): Login => {
    const url = new URL(settings.url);
    const name = database ?? decodeURIComponent(url.pathname.slice(1) || 'postgres');
    if (database) url.pathname = `/${encodeURIComponent(database)}`;
    return { key: `provisioning@${name}`, config: { connectionString: url.toString() } };
  };

  /** Runs the gateway's own statements on the provisioning login, one message each, outside any transaction. */
  /** Every backend of the role on this server, whichever process opened it, terminated (this process's pooled ones are retired by the caller). */
  async function endSessions(roleName: string): Promise<void> {
    await provisioningQuery(provisioning(), 'SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE usename = $1', [roleName]);
  }

  async function provision(login: Login, statements: string[]): Promise<void> {
    const client = await pools.acquire(login);
    let reusable = true;
    try {
      for (const statement of statements) {
        observe(statement);
        await client.query(statement);
      }
    } catch (error) {
      // PostgreSQL's refusal leaves the connection usable; anything else (a cut connection) does not.
      reusable = error instanceof pg.DatabaseError;
      throw error;
    } finally {
      pools.release(login.key, client, reusable);
    }
  }

  /**
   * `statements` in one transaction, run again (up to five times) when PostgreSQL answers
   * "tuple concurrently updated": two GRANTs or REVOKEs on one database at once (two tenants'
   * logins made together, say) update the same catalog row, and the later one fails rather than
   * waits. In one transaction a failed attempt leaves nothing behind to trip the next.
   */
  async function provisionAtomically(login: Login, statements: string[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const client = await pools.acquire(login);
      let reusable = true;
      try {
        await client.query('BEGIN');
        for (const statement of statements) {
          observe(statement);
          await client.query(statement);
        }
        await client.query('COMMIT');
        return;
      } catch (error) {
        // The same connection leaves its failed transaction before it goes back to the pool.
        reusable =
          error instanceof pg.DatabaseError &&
          (await client.query('ROLLBACK').then(
            () => true,
            () => false,
          ));
        if (attempt >= 5 || !(error instanceof pg.DatabaseError && error.message === 'tuple concurrently updated')) throw error;
      } finally {
        pools.release(login.key, client, reusable);
      }
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 30));
    }
  }

  async function provisioningQuery(login: Login, sql: string, params: unknown[] = []): Promise<SqlResult> {
    const client = await pools.acquire(login);
    let reusable = true;
    try {
      observe(sql);
      const result = await client.query<unknown[]>({ text: sql, values: params, rowMode: 'array', types });
      return asResult(result.fields, result.rows, result.rowCount);
    } catch (error) {
      reusable = error instanceof pg.DatabaseError;
      throw error;
    } finally {
      pools.release(login.key, client, reusable);
    }
  }

  /**
   * A connection of the login with its transaction begun: BEGIN and the settings in one
   * simple-protocol message (the gateway's text only). A pooled connection the server ended
   * meanwhile (a restart, a terminated backend) is dropped with the login's other idle ones, and a
   * new one opened, once.
   */
  async function begin(key: Login, opening: string): Promise<pg.Client> {
    for (let attempt = 1; ; attempt++) {
      const client = await pools.acquire(key);
      watch(client).changed.length = 0;
      try {
        observe(opening);
        await client.query(opening);
        return client;
      } catch (error) {
        pools.release(key.key, client, false);
        if (error instanceof pg.DatabaseError || attempt === 2) throw error;
        // The server ended it: it likely ended the login's other idle connections with it (a
        // suspension terminates them all), so none of them is tried next.
        pools.retire(key.key);
      }
    }
  }

  function watch(client: pg.Client): Watched {
    let state = watched.get(client);
    if (!state) {
      const connection = (
        client as unknown as {
          connection: {
            stream: import('node:stream').Duplex;
            on(event: string, listener: (message: { parameterName: string; parameterValue: string }) => void): void;
          };
        }
      ).connection;
      state = { guard: new RowBytesGuard(connection.stream), changed: [] };
      const changed = state.changed;
      connection.on('parameterStatus', ({ parameterName, parameterValue }) => {
        const pinned = pinnedParameters[parameterName];
        if (pinned !== undefined && parameterValue !== pinned) changed.push(parameterName);
        if (parameterName === 'session_authorization') changed.push(parameterName);
      });
      watched.set(client, state);
    }
    return state;
  }

  return {
    kind: 'postgres',
    defaultServer: settings.name ?? 'default',

    openWire(login) {
      return openPostgresWire(loginFor(login.roleName, login.password, login.database).config, login.schemaName, (processId, secretKey) =>
        sendCancelRequest(host, port, processId, secretKey),
      );
    },

    async transaction(login, options, work) {
      const release = shares.take(options.share);
      const key = loginFor(login.roleName, login.password, login.database);
      const opening = [
        'BEGIN',
        ...sessionSettings(login.schemaName, options.timeoutMs),
        `SET LOCAL standard_conforming_strings = on`,
        `SET LOCAL client_encoding = 'UTF8'`,
      ].join('; ');
      let client: pg.Client;
      try {
        client = await begin(key, opening);
      } catch (error) {
        release();
        if (error instanceof pg.DatabaseError && error.code === '28P01') throw new LoginRefusedError();
        throw error instanceof pg.DatabaseError ? asSchemaQueryError(error, null) : error;
      }
      const { guard, changed } = watch(client);
      let reusable = false;
      let cancelled: 'deadline' | 'caller' | null = null;
      let cut: NodeJS.Timeout | undefined;
      const cancel = (why: 'deadline' | 'caller') => {
        if (cancelled) return;
        cancelled = why;
        const target = client as pg.Client & { processID: number; secretKey: number };
        void sendCancelRequest(host, port, target.processID, target.secretKey);
        cut = setTimeout(() => (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy(), cancelGraceMs);
      };
      // The server's statement_timeout is the first limit; the gateway's own deadline holds even if a session changed it.
      const deadline = setTimeout(() => cancel('deadline'), options.timeoutMs + 1_000);
      const onAbort = () => cancel('caller');
      options.signal?.addEventListener('abort', onAbort);
      if (options.signal?.aborted) onAbort();
      const send = (sql: string) => {
        observe(sql);
        return client.query(sql);
      };
      let capBytes = 0;
      const explain = (error: unknown, statement: string | null): Error => {
        if (error instanceof SchemaQueryError) return error;
        if (guard.tripped) return new ResultTooLargeError(capBytes, statement ?? '', { fields: [], rows: [], rowCount: 0, truncated: true });
        if (cancelled === 'caller') return new SchemaQueryError('canceling statement: the client went away', '57014', statement);
        if (cancelled === 'deadline') return new SchemaQueryError('canceling statement due to statement timeout', '57014', statement);
        return asSchemaQueryError(error, statement);
      };
      const session: TenantSession = {
        async run(statement, caps) {
          if (cancelled) throw explain(null, statement);
          capBytes = caps.maxBytes;
          if (changed.length)
            throw new SchemaQueryError(
              `${changed[0]} may not be changed: the gateway reads your SQL with the server's defaults; nothing was changed`,
              '42501',
              statement,
            );
          try {
            return await readPortal(client, guard, statement, caps, observe);
          } catch (error) {
            throw explain(error, statement);
          } finally {
            guard.unwatch();
          }
        },
        async query(sql, params) {
          observe(sql);
          try {
            const result = await client.query<unknown[]>({ text: sql, values: params, rowMode: 'array', types });
            return asResult(result.fields, result.rows, result.rowCount);
          } catch (error) {
            throw explain(error, null);
          }
        },
      };
      try {
        const value = await work(session);
        if (changed.length) throw new SchemaQueryError(`${changed[0]} may not be changed; nothing was changed`, '42501', null);
        // A cut connection took its transaction with it: the caller answered without its changes (it had none).
        if (guard.tripped) return value;
        await send('COMMIT');
        reusable = true;
        return value;
      } catch (error) {
        if (!guard.tripped && !cancelled) {
          try {
            await send('ROLLBACK');
            reusable = changed.length === 0;
          } catch {
            reusable = false;
          }
        }
        throw guard.tripped || cancelled || error instanceof pg.DatabaseError ? explain(error, null) : error;
      } finally {
        clearTimeout(deadline);
        clearTimeout(cut);
        options.signal?.removeEventListener('abort', onAbort);
        pools.release(key.key, client, reusable && !cancelled);
        release();
      }
    },

    async createDatabase(_server, name) {
      const database = quotedIdentifier(name);
      try {
        await provision(provisioning(), [`CREATE DATABASE ${database} ENCODING 'UTF8' TEMPLATE template0`]);
      } catch (error) {
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
      // Nobody connects, makes temporary tables or schemas there but the roles granted CONNECT; nor,
      // with the tenants' logins on this server, in the provisioning login's own database (by default
      // the gateway's: its tables are not a tenant login's to reach, not even by name).
      const own = quotedIdentifier(decodeURIComponent(server.pathname.slice(1) || 'postgres'));
      await provisionAtomically(provisioning(), [`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`, `REVOKE ALL ON DATABASE ${own} FROM PUBLIC`]);
      await provision(provisioning(name), ['REVOKE ALL ON SCHEMA public FROM PUBLIC']);
    },

    async dropDatabase(_server, name, roles) {
      pools.retire(provisioning(name).key);
      for (const role of roles) pools.retire(loginFor(role, null, name).key);
      await provision(provisioning(), [
        `DROP DATABASE IF EXISTS ${quotedIdentifier(name)} WITH (FORCE)`,
        ...roles.map((role) => `DROP ROLE IF EXISTS ${quotedIdentifier(role)}`),
      ]);
    },

    async createLogin(login, { statementTimeoutMs }) {
      const role = quotedIdentifier(login.roleName);
      const schema = quotedIdentifier(login.schemaName);
      const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
      await provisionAtomically(provisioning(), [
        `CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD ${literal(scramVerifier(login.password))}`,
        `ALTER ROLE ${role} SET search_path TO ${schema}`,
        `ALTER ROLE ${role} SET statement_timeout = ${Math.max(1, Math.trunc(statementTimeoutMs))}`,
        `ALTER ROLE ${role} SET idle_in_transaction_session_timeout = 60000`,
        `GRANT CONNECT ON DATABASE ${quotedIdentifier(login.database)} TO ${role}`,
      ]);
      // CREATE SCHEMA … AUTHORIZATION needs the maker to be able to act as the owner: a provisioning
      // login that is not a superuser is made a member of the role (never the other way round).
      const superuser =
        (await provisioningQuery(provisioning(login.database), 'SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user')).rows[0]?.[0] === true;
      await provision(provisioning(login.database), [
        ...(superuser ? [] : [`GRANT ${role} TO CURRENT_USER`]),
        `CREATE SCHEMA ${schema} AUTHORIZATION ${role}`,
        `REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC`,
        changeCaptureSql(login.server),
      ]);
    },

    async dropLogin(_server, database, roleName) {
      const role = quotedIdentifier(roleName);
      pools.retire(loginFor(roleName, null, database).key);
      await endSessions(roleName);
      const exists = (await provisioningQuery(provisioning(), 'SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [roleName])).rows.length > 0;
      if (!exists) return;
      try {
        // Drops the schema and every object the role owns there, and revokes its CONNECT.
        await provisionAtomically(provisioning(database), [`DROP OWNED BY ${role} CASCADE`]);
      } catch (error) {
        // 3D000: the database is gone already, and everything in it.
        if ((error as { code?: string }).code !== '3D000') throw error;
        await provisionAtomically(provisioning(), [`REVOKE ALL ON DATABASE ${quotedIdentifier(database)} FROM ${role}`]).catch(() => {});
      }
      await provision(provisioning(), [`DROP ROLE IF EXISTS ${role}`]);
    },

    async setPassword(login, options) {
      await provision(provisioning(), [`ALTER ROLE ${quotedIdentifier(login.roleName)} PASSWORD '${scramVerifier(login.password)}'`]);
      pools.retire(loginFor(login.roleName, null, login.database).key);
      if (options?.endSessions) await endSessions(login.roleName);
    },

    async endSessions(_server, roleName) {
      await endSessions(roleName);
    },

    async storageBytes(_server, database, schemas) {
      const { rows } = await provisioningQuery(provisioning(database), storageBytesSql, [schemas]);
      return Number(rows[0]?.[0] ?? 0);
    },

    inspect: (_server, database, sql, params) => provisioningQuery(provisioning(database), sql, params),

    connections: () => pools.size,

    close: () => pools.close(),
  };
}

/** Reads one statement through an unnamed portal, a batch of rows at a time, within the caps. */
async function readPortal(client: pg.Client, guard: RowBytesGuard, statement: string, caps: ResultCaps, observe: StatementObserver): Promise<StatementResult> {
  observe(statement);
  // Twice the cap: past it even between two batches, the connection is cut (and the transaction with it).
  guard.watch(caps.maxBytes * 2);
  const cursor = client.query(new Cursor<unknown[]>(statement, undefined, { rowMode: 'array', types }));
  const read = (count: number) =>
    new Promise<{ rows: unknown[][]; result: pg.QueryResult }>((resolve, reject) => {
      guard.onTrip = () => reject(new Error('the result passed the byte cap'));
      cursor.read(count, (error, rows, result) => (error ? reject(error) : resolve({ rows: rows as unknown[][], result })));
    });
  const rows: unknown[][] = [];
  let last: pg.QueryResult | undefined;
  let done = false;
  try {
    let wanted = Math.min(firstBatchRows, caps.maxRows + 1);
    for (;;) {
      const batch = await read(wanted);
      last = batch.result;
      rows.push(...batch.rows);
      if (batch.rows.length < wanted) {
        done = true;
        break;
      }
      if (rows.length > caps.maxRows || guard.counted > caps.maxBytes) break;
      const average = guard.counted / rows.length;
      wanted = Math.max(1, Math.min(caps.maxRows + 1 - rows.length, maxBatchRows, Math.floor((caps.maxBytes - guard.counted) / average) + 1));
    }
  } catch (error) {
    if (guard.tripped) throw new ResultTooLargeError(caps.maxBytes, statement, keep(rows, guard, caps, last, false));
    throw error;
  } finally {
    guard.onTrip = null;
    if (!done && !guard.tripped) await cursor.close();
  }
  return keep(rows, guard, caps, last, done);
}

/** The whole rows within both caps, in the order they came, as JSON values. */
function keep(rows: unknown[][], guard: RowBytesGuard, caps: ResultCaps, last: pg.QueryResult | undefined, done: boolean): StatementResult {
  let kept = Math.min(rows.length, caps.maxRows);
  let bytes = 0;
  for (let index = 0; index < kept; index++) {
    bytes += guard.rowSizes[index] ?? 0;
    if (bytes > caps.maxBytes) {
      kept = index;
      break;
    }
  }
  const fields = (last?.fields ?? []).map(({ name, dataTypeID }) => ({ name, dataTypeID }));
  return {
    fields,
    rows: rows.slice(0, kept).map((row) => row.map(jsonValue)),
    rowCount: fields.length > 0 ? kept : (last?.rowCount ?? 0),
    truncated: kept < rows.length || !done,
  };
}
