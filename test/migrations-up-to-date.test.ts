import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Database, openDatabase } from '../src/gateway-db/client.js';
import { applyMigrations, migrationsUpToDate, readMigrationList } from '../src/gateway-db/schema-engine.js';

let database: Database;
const upToDate = () => migrationsUpToDate((sql) => database.prisma.$queryRawUnsafe(sql));
beforeAll(() => {
  database = openDatabase('memory://');
});
afterAll(() => database.close());

test('a start skips the schema engine only when the database records exactly the local migrations, unchanged', async () => {
  // A fresh database: no _prisma_migrations table at all.
  expect(await upToDate()).toBe(false);
  const applied = await applyMigrations(database.adapterFactory);
  expect(applied.length).toBe((await readMigrationList()).migrationDirectories.length);
  expect(await upToDate()).toBe(true);

  // An edited migration (its recorded checksum no longer matches the file) goes to the engine.
  const [last] = await database.prisma.$queryRawUnsafe<Array<{ migration_name: string; checksum: string }>>(
    'SELECT migration_name, checksum FROM _prisma_migrations ORDER BY migration_name DESC LIMIT 1',
  );
  await database.prisma.$executeRawUnsafe(`UPDATE _prisma_migrations SET checksum = 'edited' WHERE migration_name = '${last!.migration_name}'`);
  expect(await upToDate()).toBe(false);
  await database.prisma.$executeRawUnsafe(`UPDATE _prisma_migrations SET checksum = '${last!.checksum}' WHERE migration_name = '${last!.migration_name}'`);
  expect(await upToDate()).toBe(true);

  // A migration the code does not know (a newer database), and one that failed, go to the engine too.
  await database.prisma.$executeRawUnsafe(
    `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES ('x', 'c', '29990101000000_future', now(), now(), 1)`,
  );
  expect(await upToDate()).toBe(false);
  await database.prisma.$executeRawUnsafe(`UPDATE _prisma_migrations SET finished_at = NULL WHERE migration_name = '29990101000000_future'`);
  expect(await upToDate()).toBe(true);
  await database.prisma.$executeRawUnsafe(`UPDATE _prisma_migrations SET finished_at = NULL WHERE migration_name = '${last!.migration_name}'`);
  expect(await upToDate()).toBe(false);
});
