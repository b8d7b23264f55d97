import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openDatabase } from '../src/gateway-db/client.js';
import { diffMigrationsToSchema, prismaDir } from '../src/gateway-db/schema-engine.js';

// Migrations are authored against an in-memory PGlite: the WASM schema engine
// diffs the committed migrations (replayed on a shadow PGlite) against schema.prisma.
const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: npm run db:migration:new -- <name in snake_case>');
  process.exit(2);
}
const database = openDatabase('memory://');
try {
  const sql = await diffMigrationsToSchema(database.adapterFactory);
  if (!sql.trim()) {
    console.log('schema.prisma matches the migrations; nothing to write.');
  } else {
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const directory = path.join(prismaDir, 'migrations', `${stamp}_${name}`);
    await mkdir(directory, { recursive: true });
    await writeFile(path.join(directory, 'migration.sql'), sql);
    console.log(`Wrote ${path.relative(process.cwd(), directory)}/migration.sql; then run npm run db:baseline`);
  }
} finally {
  await database.close();
}
