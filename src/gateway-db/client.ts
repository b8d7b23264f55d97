import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.js';
import { isPostgresUrl } from '../lib/database-url.js';

export { isPostgresUrl };
import { lockDirectory } from './directory-lock.js';
import { pgliteSqlSessions, postgresSqlSessions, type SqlSessions } from './sql-sessions.js';

export type Database = {
  kind: 'pglite' | 'postgres';
  /** The DATABASE_URL it was opened with. */
  url: string;
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /**
   * Called with every SQL statement Prisma sends, and with every message the data plane's
   * sessions (`sql`) send (BEGIN with its SET LOCALs is one); tests and /metrics count them.
   */
  onQuery: Set<(sql: string) => void>;
  prisma: PrismaClient;
  /** Raw SQL transactions with rows as arrays, on the gateway's own database (name locks, the data plane's move). */
  sql: SqlSessions;
  /** The embedded instance itself, when kind is pglite: what its pg_dump (pglite-tools) reads. */
  pglite?: PGlite;
  /** An embedded database made by this open (PGlite's initdb, or `loadDataDir`, before the first statement). */
  created: boolean;
  close(): Promise<void>;
};

/**
 * `postgres://…` → PostgreSQL through node-postgres; anything else is a PGlite data directory
 * (`memory://` in tests), which one process at a time may open (DirectoryBusyError otherwise).
 * `loadDataDir`: a PGlite data directory dumped as a tarball to start from (tests share one
 * migrated database this way instead of each running initdb and the migrations).
 */
export function openDatabase(url: string, options: { loadDataDir?: Blob } = {}): Database {
  let kind: Database['kind'];
  let adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  let closeDriver: () => Promise<void>;
  let sql: SqlSessions;
  let embedded: PGlite | undefined;
  let created = false;
  const onQuery = new Set<(sql: string) => void>();
  const observe = (text: string) => {
    for (const listener of onQuery) listener(text);
  };
  if (isPostgresUrl(url)) {
    kind = 'postgres';
    adapterFactory = new PrismaPg({ connectionString: url });
    sql = postgresSqlSessions(url, undefined, observe);
    closeDriver = () => sql.close();
  } else {
    kind = 'pglite';
    let lock: ReturnType<typeof lockDirectory> | null = null;
    created = url.startsWith('memory://') || isNewEmbeddedDirectory(url);
    if (!url.startsWith('memory://')) {
      mkdirSync(url, { recursive: true });
      lock = lockDirectory(url);
    }
    const pglite = new PGlite(url, options.loadDataDir ? { loadDataDir: options.loadDataDir } : {});
    // Loading a copy writes the copy's files over the directory, the lock file of the process that made it included.
    const held = lock;
    if (options.loadDataDir && held) void pglite.waitReady.then(() => held.reassert()).catch(() => undefined);
    embedded = pglite;
    sql = pgliteSqlSessions(pglite, observe);
    adapterFactory = new PrismaPGlite(pglite) as unknown as SqlMigrationAwareDriverAdapterFactory;
    closeDriver = async () => {
      await pglite.close();
      lock?.release();
    };
  }
  const prisma = new PrismaClient({ adapter: countingStatements(adapterFactory, onQuery) });
  return {
    kind,
    url,
    adapterFactory,
    onQuery,
    prisma,
    sql,
    ...(embedded ? { pglite: embedded } : {}),
    created,
    async close() {
      await prisma.$disconnect();
      await closeDriver();
    },
  };
}

/** A PGlite data directory that holds no database yet (opening it makes one); false for PostgreSQL and memory://. */
export function isNewEmbeddedDirectory(url: string): boolean {
  return !isPostgresUrl(url) && !url.startsWith('memory://') && !existsSync(path.join(url, 'PG_VERSION'));
}

type Adapter = Awaited<ReturnType<SqlMigrationAwareDriverAdapterFactory['connect']>>;
type Queryable = Pick<Adapter, 'queryRaw' | 'executeRaw'>;

/**
 * Tells listeners of every statement sent, at the driver adapter, for tests and /metrics.
 * Cheaper than Prisma's query log events, which format every statement and its parameters.
 */
function countingStatements(factory: SqlMigrationAwareDriverAdapterFactory, listeners: Set<(sql: string) => void>): SqlMigrationAwareDriverAdapterFactory {
  const observe = <T extends Queryable>(target: T): T => {
    const queryRaw = target.queryRaw.bind(target);
    const executeRaw = target.executeRaw.bind(target);
    target.queryRaw = (query) => {
      for (const listener of listeners) listener(query.sql);
      return queryRaw(query);
    };
    target.executeRaw = (query) => {
      for (const listener of listeners) listener(query.sql);
      return executeRaw(query);
    };
    return target;
  };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connectToShadowDb: () => factory.connectToShadowDb(),
    async connect() {
      const adapter = observe(await factory.connect());
      const startTransaction = adapter.startTransaction.bind(adapter);
      adapter.startTransaction = async (isolationLevel) => observe(await startTransaction(isolationLevel));
      return adapter;
    },
  };
}
