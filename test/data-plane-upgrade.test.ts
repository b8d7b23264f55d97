import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { type Database, openDatabase } from '../src/gateway-db/client.js';
import { applyMigrations } from '../src/gateway-db/schema-engine.js';
import { readEnvironment } from '../src/env.js';
import { createLogger } from '../src/lib/logger.js';
import { freshPostgresDatabase } from './support/gateway.js';

// Issue 23, the upgrade path: a gateway database made by commit 24db0a5 (test/fixtures: its
// tenant and workspace schemas in the gateway's own database, owned by NOLOGIN roles) is started
// by this gateway. Its migration keeps the schemas' names as legacy ones; at start each schema,
// with its rows, moves into the project's data-plane database under a login of its own, and the
// old schema and role are dropped. Everything reads, writes and deploys as before.

const fixture = new URL('./fixtures/upgrade-from-24db0a5.sql', import.meta.url);
let database: Database;
let app: App;
let dropDatabase: (() => Promise<void>) | undefined;
let key: string;
let secretsKey: string;
/** On PGlite the embedded data plane in a directory, so that it outlives the first app for the second start. */
let dataPlaneDir: string | undefined;

async function startApp(): Promise<App> {
  const started = createApp({
    env: {
      ...readEnvironment({}),
      NODE_ENV: 'test',
      SECRETS_KEY: secretsKey,
      LOG_LEVEL: 'silent',
      BACKUP_SCHEDULER: 'off',
      DEPLOYMENT_POLL_MS: 50,
      PRINCIPAL_CACHE_MS: 0,
      // The test polls a deployment every 50 ms with the FREE project's key: past its 60 requests a minute.
      RATE_LIMITS: 'off',
      ...(dataPlaneDir ? { DATA_PLANE_URL: path.join(dataPlaneDir, 'data-plane') } : {}),
    },
    database,
    logger: createLogger(process.env.DEBUG_UPGRADE ? 'error' : 'silent'),
  });
  await started.ready;
  return started;
}

beforeAll(async () => {
  const text = await readFile(fixture, 'utf8');
  const header = /key: (tenantsdb_sk_[0-9a-f]{64}); SECRETS_KEY ([0-9a-f]{64})/.exec(text.split('\n')[0]!)!;
  key = header[1]!;
  secretsKey = header[2]!;
  const serverUrl = process.env.TEST_POSTGRES_URL;
  if (serverUrl) {
    const fresh = await freshPostgresDatabase(serverUrl, 'gateway_upgrade');
    dropDatabase = fresh.drop;
    const client = new pg.Client({ connectionString: fresh.url });
    await client.connect();
    try {
      // Roles are the server's: ones a failed run of this test left would stop the fixture's CREATE ROLE.
      for (const [, role] of text.matchAll(/^CREATE ROLE "([^"]+)"/gm)) await client.query(`DROP ROLE IF EXISTS "${role}"`);
      await client.query(text);
    } finally {
      await client.end();
    }
    database = openDatabase(fresh.url);
  } else {
    dataPlaneDir = await mkdtemp(path.join(tmpdir(), 'gateway-upgrade-'));
    database = openDatabase('memory://');
    await database.pglite!.exec(text);
    // pg_dump's text sets the session's search_path to nothing: the session goes on serving the gateway.
    await database.pglite!.exec('RESET ALL');
  }
  await applyMigrations(database.adapterFactory);
  app = await startApp();
}, 120_000);

afterAll(async () => {
  if (database?.kind === 'postgres') {
    for (const made of await database.prisma.dataPlaneDatabase.findMany({ include: { placements: true } })) {
      await app.dataPlane.dataPlane
        .dropDatabase(
          made.server,
          made.name,
          made.placements.map((placement) => placement.roleName),
        )
        .catch(() => {});
    }
  }
  await app?.close();
  await database?.close();
  await dropDatabase?.();
  if (dataPlaneDir) await rm(dataPlaneDir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown) {
  const response = await app.fetch(
    new Request(`http://gateway.test${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const adminQuery = async (tenant: string, query: string) => (await call('POST', '/admin/query', { blueprint: 'shop', tenant_id: tenant, query })).body;

test('every schema moved: records on placements, the old schemas and roles gone from the gateway database', async () => {
  expect(await database.prisma.tenantDatabase.count({ where: { legacySchemaName: { not: null } } })).toBe(0);
  expect(await database.prisma.workspace.count({ where: { legacySchemaName: { not: null } } })).toBe(0);
  const placed = await database.prisma.dataPlacement.findMany({ include: { database: true, tenantDatabase: true, workspace: true } });
  expect(placed.map((placement) => placement.schemaName.replace(/^p[0-9a-f]{8}_/, '')).sort()).toEqual([
    'control_workspace',
    'shop__acme',
    'shop__globex',
    'shop_workspace',
  ]);
  expect(placed.every((placement) => placement.readyAt && (placement.tenantDatabase || placement.workspace) && /^tdbr_/.test(placement.roleName))).toBe(true);
  expect(new Set(placed.map((placement) => placement.databaseId)).size).toBe(1);
  const left = await database.sql.transaction((tx) =>
    tx.query(`SELECT (SELECT count(*) FROM pg_namespace WHERE nspname ~ '^p[0-9a-f]{8}_') + (SELECT count(*) FROM pg_roles WHERE rolname ~ '^p[0-9a-f]{8}_')`),
  );
  expect(left.rows).toEqual([[0]]);
});

test("each tenant's rows are where its queries run, and sequences go on after them", async () => {
  expect(await adminQuery('acme', 'SELECT id, name, secret FROM customers ORDER BY id')).toMatchObject({
    rows: [
      [1, 'Alice', 'a-secret'],
      [2, 'Bob', 'b-secret'],
    ],
  });
  expect(await adminQuery('globex', 'SELECT name FROM customers')).toMatchObject({ rows: [['Hank']] });
  expect(await adminQuery('acme', "INSERT INTO customers (name) VALUES ('Carol') RETURNING id")).toMatchObject({ rows: [[3]] });
  // The view came along with the table it reads.
  expect(await adminQuery('acme', 'SELECT name FROM customer_names ORDER BY name')).toMatchObject({ rows: [['Alice'], ['Bob'], ['Carol']] });
});

test('the workspaces keep their tables, pending column, types, rows and password', async () => {
  const shop = await call('POST', '/workspaces/shop/queries', { query: 'SELECT name, tier FROM customers' });
  expect(shop.body).toMatchObject({ rows: [['workspace row', 'gold']] });
  const control = await call('POST', '/workspaces/control/queries', { query: 'SELECT key, value, mood FROM settings' });
  expect(control.body).toMatchObject({ rows: [['theme', { dark: true }, 'ok']] });
  // The workspace password was sealed bound to its schema's name, which the move kept.
  const { openWorkspacePassword } = await import('../src/modules/workspaces/workspace-passwords.js');
  const workspace = await database.prisma.workspace.findFirstOrThrow({ where: { name: 'shop' }, include: { placement: true } });
  expect(openWorkspacePassword(app.dataPlane.keyring, workspace)).toMatch(/^tdb_[0-9a-f]{16}$/);
});

test('the pending change deploys to both moved tenants, from the version their schemas were marked at', async () => {
  const deployed = await call('POST', '/deployments', { blueprint_name: 'shop' });
  expect(deployed.status, JSON.stringify(deployed.body)).toBe(201);
  await expect.poll(async () => (await call('GET', `/deployments/${deployed.body.id}`)).body.status, { timeout: 20_000 }).toBe('completed');
  for (const tenant of ['acme', 'globex']) expect(await adminQuery(tenant, 'SELECT count(tier) FROM customers')).toMatchObject({ rows: [[0]] });
  expect((await database.prisma.tenantDatabase.findMany({ select: { schemaVersion: true } })).map((record) => record.schemaVersion)).toEqual([2, 2]);
});

test('a second start moves nothing more', async () => {
  await app.close();
  app = await startApp();
  expect(await database.prisma.dataPlacement.count()).toBe(4);
  expect(await adminQuery('globex', 'SELECT count(*) FROM customers')).toMatchObject({ rows: [[1]] });
});
