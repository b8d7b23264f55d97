import type { PGlite, Transaction as PGliteTransaction } from '@electric-sql/pglite';
import pg from 'pg';

export type SqlField = { name: string; dataTypeID: number };
export type SqlResult = { fields: SqlField[]; rows: unknown[][]; affectedRows: number };

/**
 * One transaction on one connection, rows as arrays (so `SELECT 1 AS a, 2 AS a` keeps both
 * columns). `params` bind `$1`, `$2` … (the gateway's own statements; tenant SQL has none).
 */
export type SqlTransaction = { query(sql: string, params?: unknown[]): Promise<SqlResult> };

export type TransactionOptions = {
  /**
   * The gateway's own statements that open the transaction (`SET LOCAL ROLE …`, `SET LOCAL
   * statement_timeout = …`), without parameters: on PostgreSQL they go with BEGIN in one round
   * trip (one simple-protocol message), instead of one round trip each. Never caller-supplied text.
   */
  settings?: string[];
};

/** Told of each message sent to the database: one SQL text per round trip (BEGIN with its settings is one). */
export type StatementObserver = (sql: string) => void;

/**
 * Raw SQL transactions beside Prisma, for what Prisma's raw queries cannot give: rows as arrays
 * with their column names, and session settings (`SET LOCAL ROLE`, `statement_timeout`) held
 * for exactly one transaction. Throws the driver's error (PostgreSQL's message and SQLSTATE
 * `code`); any throw rolls the transaction back.
 */
export type SqlSessions = {
  transaction<T>(work: (tx: SqlTransaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Runs `work` holding an exclusive lock on each of `names` (taken in sorted order), across
   * transactions and connections: whoever else asks for one of them waits until `work` ends.
   * `work` is given the names it holds. PostgreSQL: session advisory locks on a connection of
   * their own, so every process on the database sees them and a process that dies lets go with
   * its connection. PGlite: within this process, the only one its data directory allows.
   */
  withNameLocks<T>(names: string[], work: (held: ReadonlySet<string>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
};

/** In-process locks by name: each name's holders queue one after another. */
function inProcessNameLocks(): SqlSessions['withNameLocks'] {
  const tails = new Map<string, Promise<void>>();
  return async (names, work) => {
    const held = new Set(names);
    const releases: (() => void)[] = [];
    try {
      for (const name of [...held].sort()) {
        const previous = tails.get(name) ?? Promise.resolve();
        let release!: () => void;
        const mine = new Promise<void>((resolve) => (release = resolve));
        const tail = previous.then(() => mine);
        tails.set(name, tail);
        releases.push(() => {
          release();
          if (tails.get(name) === tail) tails.delete(name);
        });
        await previous;
      }
      return await work(held);
    } finally {
      for (const release of releases) release();
    }
  };
}

const opening = (options?: TransactionOptions) => ['BEGIN', ...(options?.settings ?? [])].join('; ');

// int8 fits a JSON number up to 2^53; past that it stays the exact text.
export const int8 = (text: string): number | string => {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : text;
};

/** The same JSON values from PGlite and node-postgres: timestamps as ISO strings, bytea as `\x…` hex. */
export function jsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return int8(value.toString());
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  if (Array.isArray(value)) return value.map(jsonValue);
  return value;
}

export const asResult = (fields: SqlField[] | undefined, rows: unknown[] | undefined, affectedRows: number | null | undefined): SqlResult => ({
  fields: (fields ?? []).map(({ name, dataTypeID }) => ({ name, dataTypeID })),
  rows: (rows ?? []).map((row) => (row as unknown[]).map(jsonValue)),
  affectedRows: affectedRows ?? 0,
});

/** PGlite runs in the process (no round trips); the observer is told the same texts as on PostgreSQL. */
export function pgliteSqlSessions(pglite: PGlite, observe: StatementObserver = () => {}): SqlSessions {
  const run = async (tx: PGliteTransaction, sql: string, params: unknown[] = []) => {
    observe(sql);
    const result = await tx.query<unknown[]>(sql, params, { rowMode: 'array', parsers: { 20: int8 } });
    return asResult(result.fields, result.rows, result.affectedRows);
  };
  return {
    async transaction(work, options) {
      observe(opening(options));
      try {
        const value = await pglite.transaction(async (tx) => {
          if (options?.settings?.length) await tx.exec(options.settings.join('; '));
          return work({ query: (sql, params) => run(tx, sql, params) });
        });
        observe('COMMIT');
        return value;
      } catch (error) {
        observe('ROLLBACK');
        throw error;
      }
    },
    withNameLocks: inProcessNameLocks(),
    close: async () => {},
  };
}

/** Its own small pool, so tenant queries never hold the connections Prisma's requests wait for. */
export function postgresSqlSessions(connectionString: string, max = 4, observe: StatementObserver = () => {}): SqlSessions {
  let pool: pg.Pool | null = null;
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? int8 : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser,
  };
  return {
    async transaction(work, options) {
      if (!pool) {
        pool = new pg.Pool({ connectionString, max });
        // An idle client whose connection ends (a server restart, a terminated backend) is an
        // 'error' on the pool: unhandled, it would crash the process. The pool drops that client
        // and the next transaction opens another; a transaction in flight gets its own error.
        pool.on('error', () => {});
      }
      const client = await pool.connect();
      let broken: unknown;
      const send = (sql: string) => {
        observe(sql);
        return client.query(sql);
      };
      try {
        // No parameters: the simple protocol, which carries BEGIN and the settings in one message.
        await send(opening(options));
        const value = await work({
          async query(sql, params) {
            observe(sql);
            const result = await client.query<unknown[]>({ text: sql, values: params, rowMode: 'array', types });
            return asResult(result.fields, result.rows, result.rowCount);
          },
        });
        await send('COMMIT');
        return value;
      } catch (error) {
        try {
          await send('ROLLBACK');
        } catch (rollbackError) {
          broken = rollbackError;
        }
        throw error;
      } finally {
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
    async withNameLocks(names, work) {
      const held = new Set(names);
      // Its own connection, outside the pool: `work` runs transactions from the pool meanwhile.
      const client = new pg.Client({ connectionString });
      client.on('error', () => {});
      await client.connect();
      try {
        for (const name of [...held].sort()) await client.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, [`tenant-gateway:${name}`]);
        return await work(held);
      } finally {
        // Ending the session releases its advisory locks.
        await client.end().catch(() => {});
      }
    },
    async close() {
      await pool?.end();
      pool = null;
    },
  };
}
