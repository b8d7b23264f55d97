import { openDatabase } from '../src/gateway-db/client.js';
import { applyMigrations } from '../src/gateway-db/schema-engine.js';
import { readEnvironment } from '../src/env.js';
import { startOrExit } from '../src/lib/start-failure.js';
import { loadDemoProject } from './demo-project.js';

// The embedded database has one owner: while the gateway runs on it, the seed says so and stops.
const env = await startOrExit('db:seed', async () => readEnvironment());
const database = await startOrExit('db:seed', async () => openDatabase(env.DATABASE_URL));
try {
  await startOrExit('db:seed', () => applyMigrations(database.adapterFactory));
  const project = await loadDemoProject(database.prisma, env.BACKUP_S3_BUCKETS, (line) => console.log(line));
  console.log(`Seeded the demo project (${project.id}).`);
} finally {
  await database.close();
}
