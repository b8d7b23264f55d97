import { changeCaptureSql } from './change-capture-sql.js';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { asResult, int8, type SqlResult, type StatementObserver } from '../gateway-db/sql-sessions.js';
import {
  asSchemaQueryError,
  type DataPlane,
  quotedIdentifier,
  type ResultCaps,
  SchemaQueryError,
  sessionSettings,
  Shares,
  type StatementResult,
  type TenantSession,
} from './data-plane.js';
import { openPgliteWire } from './pglite-wire.js';
import { storageBytesSql } from './postgres-data-plane.js';

const cursorName = 'tdb_capped_rows';

/**
 * The data plane on PGlite, for development: an embedded instance of its own (never the one
 * holding the gateway's tables), one database for every project. PGlite has one connection and
 * no logins, so a tenant's transaction enters its role with SET LOCAL ROLE and the classifier is
 * what keeps it there; after every statement the session must still be in the role with the
 * parsing settings the classifier assumed, or everything rolls back. It cannot cancel a running
 * statement (one thread, no timer signals) and reads a statement's rows whole before cutting
 * them to the caps. docs/security.md: "The embedded data plane (PGlite)".
 */
export function pgliteDataPlane(open: () => PGlite | Promise<PGlite>, observe: StatementObserver = () => {}): DataPlane {
  let instance: Promise<PGlite> | null = null;
  const pglite = () => (instance ??= Promise.resolve(open()));
  const shares = new Shares();
  const parsers = { 20: int8 };

  async function run(tx: Transaction, sql: string, params: unknown[] = []): Promise<SqlResult> {
    observe(sql);
    const result = await tx.query<unknown[]>(sql, params, { rowMode: 'array', parsers });
    return asResult(result.fields, result.rows, result.affectedRows);
  }

  async function provision(statements: string[]): Promise<void> {
    const db = await pglite();
    for (const statement of statements) {
      observe(statement);
      await db.exec(statement);
    }
  }

  return {
    kind: 'pglite',
    defaultServer: 'embedded',

    async openWire(login, screen) {
      return openPgliteWire(await pglite(), login, screen);
    },

    async transaction(login, options, work) {
      const release = shares.take(options.share);
      try {
        const db = await pglite();
        const value = await db.transaction(async (tx) => {
          const settings = [`SET LOCAL ROLE ${quotedIdentifier(login.roleName)}`, ...sessionSettings(login.schemaName, options.timeoutMs)].join('; ');
          observe(`BEGIN; ${settings}`);
          await tx.exec(settings);
          const session: TenantSession = {
            async run(statement, caps, plainRead = false) {
              if (options.signal?.aborted) throw new SchemaQueryError('canceling statement: the client went away', '57014', statement);
              let result: StatementResult;
              observe(statement);
              try {
                result = await capped(tx, statement, caps, plainRead);
              } catch (error) {
                throw asSchemaQueryError(error, statement);
              }
              // A net under the classifier: text that left the role or changed how text is read gets nothing back.
              const [role, conforming, encoding] = (
                await run(tx, "SELECT current_user, current_setting('standard_conforming_strings'), current_setting('client_encoding')")
              ).rows[0] as string[];
              if (role !== login.roleName)
                throw new SchemaQueryError("permission denied: the query changed the session's role; nothing was changed", '42501', statement);
              if (conforming !== 'on' || encoding !== 'UTF8')
                throw new SchemaQueryError('standard_conforming_strings and client_encoding may not be changed; nothing was changed', '42501', statement);
              return result;
            },
            async query(sql, params) {
              try {
                return await run(tx, sql, params);
              } catch (error) {
                throw asSchemaQueryError(error, null);
              }
            },
          };
          return work(session);
        });
        observe('COMMIT');
        return value;
      } finally {
        // One session serves every tenant here: nothing one set (pg_settings, temporary tables) outlives its transaction.
        await (await pglite()).exec('DISCARD ALL').catch(() => {});
        release();
      }
    },

    async createDatabase() {
      // One embedded instance holds every project's schemas: the record names a database that is the instance itself.
    },

    async dropDatabase(_server, _name, roles) {
      for (const role of roles) await dropRole(role);
    },

    async createLogin(login) {
      const role = quotedIdentifier(login.roleName);
      const schema = quotedIdentifier(login.schemaName);
      await provision([
        `CREATE ROLE ${role} LOGIN NOINHERIT`,
        `CREATE SCHEMA ${schema} AUTHORIZATION ${role}`,
        `REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC`,
        changeCaptureSql(login.server),
      ]);
    },

    dropLogin: (_server, _database, roleName) => dropRole(roleName),

    async endSessions() {
      // One process: the proxy's sessions of the role are this process's, ended by the proxy itself.
    },

    async setPassword() {
      // No logins to authenticate on PGlite: the sealed password is kept for a move to PostgreSQL.
    },

    async storageBytes(_server, _database, schemas) {
      const db = await pglite();
      observe(storageBytesSql);
      const { rows } = await db.query<unknown[]>(storageBytesSql, [schemas], { rowMode: 'array', parsers });
      return Number(rows[0]?.[0] ?? 0);
    },

    async inspect(_server, _database, sql, params = []) {
      const db = await pglite();
      observe(sql);
      const result = await db.query<unknown[]>(sql, params, { rowMode: 'array', parsers });
      return asResult(result.fields, result.rows, result.affectedRows);
    },

    connections: () => ({ open: instance ? 1 : 0, max: 1 }),

    async close() {
      if (instance) await (await instance).close();
      instance = null;
    },
  };

  async function dropRole(roleName: string): Promise<void> {
    const db = await pglite();
    const exists = (await db.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [roleName])).rows.length > 0;
    if (!exists) return;
    await provision([`DROP OWNED BY ${quotedIdentifier(roleName)} CASCADE`, `DROP ROLE ${quotedIdentifier(roleName)}`]);
  }
}

/**
 * A statement's rows within the caps. A plain read goes through a cursor, so PostgreSQL stops
 * after maxRows + 1 rows; other statements (RETURNING, data-modifying WITH) run whole and are cut.
 */
async function capped(tx: Transaction, statement: string, caps: ResultCaps, plainRead: boolean): Promise<StatementResult> {
  let fields: { name: string; dataTypeID: number }[];
  let rows: unknown[][];
  let affected: number;
  let more = false;
  const options = { rowMode: 'array' as const, parsers: { 20: int8 } };
  if (plainRead) {
    await tx.query(`DECLARE ${cursorName} NO SCROLL CURSOR FOR ${statement}`);
    const result = await tx.query<unknown[]>(`FETCH FORWARD ${caps.maxRows + 1} FROM ${cursorName}`, [], options);
    await tx.query(`CLOSE ${cursorName}`);
    ({ fields, rows } = asResult(result.fields, result.rows, 0));
    affected = rows.length;
  } else {
    ({ fields, rows, affectedRows: affected } = asResult(...resultParts(await tx.query<unknown[]>(statement, [], options))));
  }
  if (rows.length > caps.maxRows) more = true;
  let kept = Math.min(rows.length, caps.maxRows);
  let bytes = 0;
  for (let index = 0; index < kept; index++) {
    bytes += Buffer.byteLength(JSON.stringify(rows[index]));
    if (bytes > caps.maxBytes) {
      kept = index;
      more = true;
      break;
    }
  }
  return { fields, rows: rows.slice(0, kept), rowCount: fields.length > 0 ? kept : affected, truncated: more };
}

const resultParts = (result: { fields?: { name: string; dataTypeID: number }[]; rows?: unknown[]; affectedRows?: number }) =>
  [result.fields, result.rows, result.affectedRows] as const;
