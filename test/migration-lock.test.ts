import pg from 'pg';
import { expect, test } from 'vitest';
import { openDatabase } from '../src/gateway-db/client.js';
import { bringSchemaUpToDate } from '../src/gateway-db/schema-engine.js';
import { freshPostgresDatabase } from './support/gateway.js';

// Replicas starting together on a database that needs migrations (docs/deployment.md): one holds
// the schema engine's advisory lock, the other's engine gives up after 10 s (P1002) and used to
// fail its start. Now it checks again and waits on. PostgreSQL only: PGlite has one process.

const serverUrl = process.env.TEST_POSTGRES_URL;
/** The schema engine's migration lock (Prisma's advisory lock id). */
const prismaMigrationLock = 72707369;

test.skipIf(!serverUrl)('a start that finds the migration lock held waits for it, then applies the migrations, saying so', { timeout: 120_000 }, async () => {
  const fresh = await freshPostgresDatabase(serverUrl!, 'gateway_migration_lock');
  const holder = new pg.Client({ connectionString: fresh.url });
  const database = openDatabase(fresh.url);
  try {
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock($1)', [prismaMigrationLock]);
    // Another "replica" holds the lock for 13 s: past the engine's own 10 s wait.
    const released = new Promise<void>((resolve) =>
      setTimeout(() => holder.query('SELECT pg_advisory_unlock($1)', [prismaMigrationLock]).then(() => resolve()), 13_000),
    );
    const lines: { message: string; fields?: Record<string, unknown> }[] = [];
    const applied = await bringSchemaUpToDate(
      { adapterFactory: database.adapterFactory, query: (sql) => database.prisma.$queryRawUnsafe(sql) },
      (message, fields) => lines.push({ message, fields }),
    );
    await released;
    expect(applied.length).toBeGreaterThan(20);
    // Applying, waiting (once per 10 s the engine gave up), applying again: the start did not fail.
    // (The line with how long the engine took, after it applied them, is left out.)
    const said = lines
      .filter((line) => !line.message.startsWith('applied'))
      .map((line) => (line.message.startsWith('applying') ? 'apply' : line.message.startsWith('another process') ? 'wait' : line.message));
    expect(said.length).toBeGreaterThanOrEqual(3);
    expect(said.join(' ')).toMatch(/^apply( wait apply)+$/);
    // Up to date now: a second start says nothing and applies nothing.
    const again: string[] = [];
    expect(
      await bringSchemaUpToDate({ adapterFactory: database.adapterFactory, query: (sql) => database.prisma.$queryRawUnsafe(sql) }, (message) =>
        again.push(message),
      ),
    ).toEqual([]);
    expect(again).toEqual([]);
  } finally {
    await holder.end().catch(() => undefined);
    await database.close();
    await fresh.drop();
  }
});
