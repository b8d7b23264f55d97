import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.js';

export type Database = {
  kind: 'pglite' | 'postgres';
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** Called with every SQL statement Prisma sends; tests count them. */
  onQuery: Set<(sql: string) => void>;
  prisma: PrismaClient;
  close(): Promise<void>;
};

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/** `postgres://…` → PostgreSQL through node-postgres; anything else is a PGlite data directory (`memory://` in tests). */
export function openDatabase(url: string): Database {
  let kind: Database['kind'];
  let adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  let closeDriver: () => Promise<void>;
  if (isPostgresUrl(url)) {
    kind = 'postgres';
    adapterFactory = new PrismaPg({ connectionString: url });
    closeDriver = async () => {};
  } else {
    kind = 'pglite';
    if (!url.startsWith('memory://')) mkdirSync(url, { recursive: true });
    const pglite = new PGlite(url);
    adapterFactory = new PrismaPGlite(pglite) as unknown as SqlMigrationAwareDriverAdapterFactory;
    closeDriver = () => pglite.close();
  }
  const prisma = new PrismaClient({
    adapter: adapterFactory,
    log: [{ emit: 'event', level: 'query' }],
  });
  const onQuery = new Set<(sql: string) => void>();
  prisma.$on('query', (event) => {
    for (const listener of onQuery) listener(event.query);
  });
  return {
    kind,
    adapterFactory,
    onQuery,
    prisma,
    async close() {
      await prisma.$disconnect();
      await closeDriver();
    },
  };
}
