import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pgDump } from '@electric-sql/pglite-tools/pg_dump';
import { openDatabase } from '../src/gateway-db/client.js';
import { baselinePath, renderBaseline } from '../src/gateway-db/migration-baseline.js';
import { applyMigrations, localMigrations, prismaDir } from '../src/gateway-db/schema-engine.js';

// Writes prisma/migrations-baseline.sql: the whole history applied by the schema engine to an
// in-memory PGlite, then dumped. Run it after adding a migration (test/migration-baseline.test.ts
// fails until then); the baseline then stands for the new one too.
const database = openDatabase('memory://');
try {
  const migrations = await localMigrations();
  await applyMigrations(database.adapterFactory);
  const dump = await (await pgDump({ pg: database.pglite!, args: ['--schema-only', '--no-owner', '--no-privileges'] })).text();
  const file = baselinePath(prismaDir);
  await writeFile(file, renderBaseline(dump, migrations));
  console.log(`Wrote ${path.relative(process.cwd(), file)} (${migrations.length} migrations, up to ${migrations.at(-1)?.name})`);
} finally {
  await database.close();
}
