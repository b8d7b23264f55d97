import { openDatabase } from '../src/gateway-db/client.js';
import { applyMigrations } from '../src/gateway-db/schema-engine.js';
import { readEnvironment } from '../src/env.js';
import { startOrExit } from '../src/lib/start-failure.js';

const database = await startOrExit('db:migrate', async () => openDatabase(readEnvironment().DATABASE_URL));
try {
  const applied = await startOrExit('db:migrate', () => applyMigrations(database.adapterFactory));
  console.log(applied.length ? `Applied ${applied.join(', ')}` : 'Database is up to date.');
} finally {
  await database.close();
}
