import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type DataPlaneProject, projectWithBlueprint, tenantOf } from './support/data-plane.js';
import { startGateway, type TestGateway, uniqueSlug } from './support/gateway.js';

// The TenantsDB database proxy (seed 002, issue 26): customers open their databases with psql and
// node-postgres using the exact connection strings the API gives, through PostgreSQL's wire
// protocol on the proxy's port, over TLS.

const run = promisify(execFile);
let gateway: TestGateway;
let port: number;
let project: DataPlaneProject & { proxyPassword: string };

beforeAll(async () => {
  gateway = await startGateway({ env: { TENANTSDB_PROXY_PORT: 0, TENANTSDB_PROXY_LISTEN_HOST: '127.0.0.1', TENANTSDB_PROXY_HOST: '127.0.0.1' } });
  ({ port } = await gateway.app.databaseProxy.listen());
  project = await withProxyPassword(await projectWithBlueprint(gateway, 'fintech', ['CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL)']));
});
afterAll(() => gateway.close());

const as = (key: string) => ({ authorization: `Bearer ${key}` });

async function withProxyPassword<T extends DataPlaneProject>(made: T): Promise<T & { proxyPassword: string }> {
  const slug = (await gateway.database.prisma.project.findUniqueOrThrow({ where: { id: made.projectId } })).slug;
  const switched = await gateway.rest('POST', `/projects/${slug}/switch`, { headers: as(made.key) });
  expect(switched.status, JSON.stringify(switched.body)).toBe(200);
  return { ...made, key: switched.body.api_key, proxyPassword: switched.body.proxy_password };
}

/** The connection string the API gives for a tenant's database, with the password put in. */
async function tenantConnectionString(made: DataPlaneProject & { proxyPassword: string }, slug: string): Promise<string> {
  const shown = await gateway.rest('GET', `/tenants/${slug}`, { headers: as(made.key) });
  expect(shown.status, JSON.stringify(shown.body)).toBe(200);
  const masked: string = shown.body.databases[0].connection_string;
  expect(masked).toContain(`@127.0.0.1:${port}/`);
  return masked.replace('••••••••', made.proxyPassword);
}

/** node-postgres: `sslmode=require` as libpq reads it (encrypted, the certificate not verified). */
async function connect(connectionString: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: `${connectionString}&uselibpqcompat=true` });
  await client.connect();
  return client;
}

async function psql(connectionString: string, sql: string): Promise<string> {
  const { stdout } = await run('psql', [connectionString, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', sql], { timeout: 20_000 });
  return stdout.trim();
}

describe('connecting with the connection string', () => {
  test('node-postgres reads and writes a shared tenant database over TLS, as the tenant, in its schema', async () => {
    const tenant = await tenantOf(gateway, project);
    const client = await connect(await tenantConnectionString(project, tenant.slug));
    try {
      await client.query("INSERT INTO customers (name) VALUES ('Ada'), ('Grace')");
      const { rows } = await client.query('SELECT name FROM customers ORDER BY id');
      expect(rows.map((row) => row.name)).toEqual(['Ada', 'Grace']);
      const who = await client.query('SELECT current_user, current_schema()');
      const placement = await gateway.database.prisma.dataPlacement.findUniqueOrThrow({ where: { id: tenant.placementId } });
      expect(who.rows[0]).toMatchObject({ current_user: placement.roleName, current_schema: placement.schemaName });
      expect((client as unknown as { connection: { stream: { encrypted?: boolean } } }).connection.stream.encrypted).toBe(true);
      // Extended protocol with parameters, as ORMs send it.
      const found = await client.query('SELECT name FROM customers WHERE name = $1', ['Grace']);
      expect(found.rows).toEqual([{ name: 'Grace' }]);
    } finally {
      await client.end();
    }
  });

  test('psql opens the tenant database with the exact connection string and reads what the API wrote', async () => {
    const tenant = await tenantOf(gateway, project);
    const wrote = await gateway.rest('POST', '/admin/query', {
      headers: as(project.key),
      body: { blueprint: 'fintech', tenant_id: tenant.slug, query: "INSERT INTO customers (name) VALUES ('from the API')" },
    });
    expect(wrote.status, JSON.stringify(wrote.body)).toBe(200);
    expect(await psql(await tenantConnectionString(project, tenant.slug), 'SELECT name FROM customers')).toBe('from the API');
  });

  test('a workspace opens with its own connection string', async () => {
    const created = await gateway.rest('POST', '/workspaces', {
      headers: as(project.key),
      body: { name: uniqueSlug('scratch'), database: 'PostgreSQL', mode: 'control' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const connectionString: string = created.body.connection_string;
    expect(connectionString).toContain(`@127.0.0.1:${port}/`);
    expect(await psql(connectionString, 'CREATE TABLE notes (body text); INSERT INTO notes VALUES ($$hi$$); SELECT body FROM notes')).toBe('hi');
  });
});

describe('refusals', () => {
  test('a wrong password is 28P01, as PostgreSQL answers it', async () => {
    const tenant = await tenantOf(gateway, project);
    const right = await tenantConnectionString(project, tenant.slug);
    const wrong = right.replace(project.proxyPassword, 'tdb_0000000000000000');
    await expect(connect(wrong)).rejects.toMatchObject({ code: '28P01' });
  });

  test("another project's database name is refused like a wrong password, whatever the password", async () => {
    const other = await withProxyPassword(await projectWithBlueprint(gateway, 'fintech', ['CREATE TABLE secrets (value text)']));
    const theirs = await tenantOf(gateway, other);
    const theirString = await tenantConnectionString(other, theirs.slug);
    // Our user and password, their database's name: nothing of theirs answers.
    const mine = new URL(await tenantConnectionString(project, (await tenantOf(gateway, project)).slug));
    mine.pathname = new URL(theirString).pathname;
    await expect(connect(mine.toString())).rejects.toMatchObject({ code: '28P01' });
  });

  test('without TLS the proxy refuses (TENANTSDB_PROXY_PLAINTEXT is off)', async () => {
    const tenant = await tenantOf(gateway, project);
    const plain = (await tenantConnectionString(project, tenant.slug)).replace('sslmode=require', 'sslmode=disable');
    await expect(connect(plain)).rejects.toThrow(/SSL connection is required/);
  });
});
