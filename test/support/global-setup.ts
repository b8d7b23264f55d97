import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pg from 'pg';
import { openDatabase } from '../../src/gateway-db/client.js';
import { applyMigrations } from '../../src/gateway-db/schema-engine.js';

/**
 * Runs once before the test files: one database with every migration applied, which each
 * file's gateway starts from instead of running initdb and the migrations itself (seconds per
 * file on PGlite). On PGlite a dumped data directory (TEST_PGLITE_TEMPLATE names the file);
 * on PostgreSQL (TEST_POSTGRES_URL) a template database (TEST_POSTGRES_TEMPLATE).
 */
export default async function setup(): Promise<() => Promise<void>> {
  const serverUrl = process.env.TEST_POSTGRES_URL;
  if (serverUrl) {
    const name = `gateway_template_${randomBytes(6).toString('hex')}`;
    await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const database = openDatabase(url.toString());
    try {
      await applyMigrations(database.adapterFactory);
    } finally {
      // A template database must have no connections while it is copied.
      await database.close();
    }
    // The server ends a closed connection's backend a moment later; a template must have none.
    await untilNoConnections(serverUrl, name);
    process.env.TEST_POSTGRES_TEMPLATE = name;
    return () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
  const directory = await mkdtemp(path.join(tmpdir(), 'gateway-template-'));
  const pglite = new PGlite('memory://');
  // The embedded data plane's instance starts from an initdb made once, too.
  const dataPlane = new PGlite('memory://');
  try {
    await applyMigrations(new PrismaPGlite(pglite) as unknown as Parameters<typeof applyMigrations>[0]);
    const file = path.join(directory, 'migrated.tar');
    await writeFile(file, Buffer.from(await (await pglite.dumpDataDir('none')).arrayBuffer()));
    process.env.TEST_PGLITE_TEMPLATE = file;
    const empty = path.join(directory, 'data-plane.tar');
    await writeFile(empty, Buffer.from(await (await dataPlane.dumpDataDir('none')).arrayBuffer()));
    process.env.TEST_PGLITE_DATA_PLANE_TEMPLATE = empty;
  } finally {
    await pglite.close();
    await dataPlane.close();
  }
  return () => rm(directory, { recursive: true, force: true });
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function untilNoConnections(serverUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { rows } = await client.query('SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = $1', [database]);
      if (rows[0].count === 0) return;
      if (Date.now() > deadline) throw new Error(`the template database ${database} still has connections after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await client.end();
  }
}
