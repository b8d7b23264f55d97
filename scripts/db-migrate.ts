import { openDatabase } from '../src/db/client.js';
import { applyMigrations } from '../src/db/schema-engine.js';
import { readEnvironment } from '../src/env.js';

const { DATABASE_URL } = readEnvironment();
const database = openDatabase(DATABASE_URL);
try {
  const applied = await applyMigrations(database.adapterFactory);
  console.log(applied.length ? `Applied ${applied.join(', ')}` : 'Database is up to date.');
} finally {
  await database.close();
}
