import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readEnvironment } from '../src/env.js';
import { leaseOf } from '../src/jobs/queue.js';
import { runBackupJob } from '../src/modules/backups/backup-jobs.js';
import { backupJobKind } from '../src/modules/backups/job-requests.js';
import { backupStoragesFrom } from '../src/modules/backups/storage.js';
import { withPlacement } from '../src/modules/data-plane-schemas/placements.js';
import { backupAt, dataPlaneCatalog, inSchema } from './support/data-plane.js';
import { signupAccount } from './support/fixtures.js';
import { startGateway, type TestGateway, testKeyring, uniqueSlug } from './support/gateway.js';
import { queueBackupJob, queueJobOf, releaseQueueJob } from './support/queue-jobs.js';

// TenantsDB API (seed 002): workspaces, blueprints, and tenants created from blueprints.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.close());

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const timestamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const user = (projectId: string) => `tdb_${projectId.replace(/-/g, '').slice(0, 8)}`;
const name = (prefix = 'ws') => uniqueSlug(prefix).replace(/-/g, '_');

async function account() {
  const { key, projectId: slug } = await signupAccount(gateway);
  const project = await gateway.database.prisma.project.findUniqueOrThrow({ where: { slug }, select: { id: true } });
  return { key, projectId: project.id };
}

async function workspace(key: string, mode: 'tenant' | 'control' = 'tenant', workspaceName = name()) {
  const response = await gateway.rest('POST', '/workspaces', { headers: bearer(key), body: { name: workspaceName, database: 'PostgreSQL', mode } });
  if (response.status !== 201) throw new Error(`POST /workspaces failed\n${JSON.stringify(response.body, null, 2)}`);
  return workspaceName;
}

const query = (key: string, id: string, sql: string) => gateway.rest('POST', `/workspaces/${id}/queries`, { headers: bearer(key), body: { query: sql } });

/** What a deployment (issue 17 part 2) records: the pending changes become the next deployed version. */
async function deployPending(workspaceName: string, projectId: string) {
  const prisma = gateway.database.prisma;
  const ws = await prisma.workspace.findUniqueOrThrow({
    where: { projectId_name: { projectId, name: workspaceName } },
    include: { blueprint: true, changes: { where: { status: 'PENDING' }, orderBy: { position: 'asc' } } },
  });
  const last = await prisma.blueprintVersion.count({ where: { blueprintId: ws.blueprint!.id } });
  const version = await prisma.blueprintVersion.create({
    data: { blueprintId: ws.blueprint!.id, number: last + 1, statements: ws.changes.map((change) => change.statement), deployedAt: new Date() },
  });
  await prisma.schemaChange.updateMany({ where: { id: { in: ws.changes.map((change) => change.id) } }, data: { status: 'DEPLOYED', versionId: version.id } });
  return version;
}

describe('POST /workspaces', () => {
  test('tenant mode: 201 with its blueprint, the connection and the password shown once', async () => {
    const { key, projectId } = await account();
    const id = name('myapp');
    const response = await gateway.rest('POST', '/workspaces', { headers: bearer(key), body: { name: id, database: 'PostgreSQL', mode: 'tenant' } });
    expect(response.status).toBe(201);
    const password = response.body.connection.password;
    expect(password).toMatch(/^tdb_[0-9a-f]{16}$/);
    expect(response.body).toEqual({
      success: true,
      http_status: 201,
      code: 'created',
      id,
      mode: 'tenant',
      blueprint: id,
      database: 'PostgreSQL',
      connection: { host: 'localhost', port: 5432, database: `${id}_workspace`, user: user(projectId), password },
      connection_string: `postgresql://${user(projectId)}:${password}@localhost:5432/${id}_workspace?sslmode=require`,
    });
    const stored = await gateway.database.prisma.workspace.findFirstOrThrow({ where: { name: id, projectId } });
    expect(Buffer.from(stored.passwordSealed).toString('latin1')).not.toContain(password);
    const details = await gateway.rest('GET', `/workspaces/${id}`, { headers: bearer(key) });
    expect(JSON.stringify(details.body)).not.toContain(password);
  });

  test('control mode omits the blueprint', async () => {
    const { key, projectId } = await account();
    const response = await gateway.rest('POST', '/workspaces', {
      headers: bearer(key),
      body: { name: 'controlplane', database: 'PostgreSQL', mode: 'control' },
    });
    expect(response.status).toBe(201);
    const password = response.body.connection.password;
    expect(response.body).toEqual({
      success: true,
      http_status: 201,
      code: 'created',
      id: 'controlplane',
      mode: 'control',
      database: 'PostgreSQL',
      connection: { host: 'localhost', port: 5432, database: 'controlplane_workspace', user: user(projectId), password },
      connection_string: `postgresql://${user(projectId)}:${password}@localhost:5432/controlplane_workspace?sslmode=require`,
    });
  });

  test.each([
    [{ name: 'my__app', database: 'PostgreSQL', mode: 'tenant' }, 'name cannot contain __ (reserved separator)'],
    [{ name: 'myapp', database: 'MySQL', mode: 'tenant' }, 'database MySQL is not available: this gateway serves PostgreSQL'],
    [{ name: 'myapp', database: 'MongoDB', mode: 'control' }, 'database MongoDB is not available: this gateway serves PostgreSQL'],
    [{ name: 'myapp', database: 'Redis', mode: 'tenant' }, 'database Redis is not available: this gateway serves PostgreSQL'],
    [{ name: 'myapp', database: 'Oracle', mode: 'tenant' }, 'database must be one of PostgreSQL, MySQL, MongoDB, Redis (this gateway serves PostgreSQL)'],
    [{ name: 'myapp', database: 'PostgreSQL', mode: 'shared' }, 'mode must be tenant or control'],
    [{ name: 'my-app', database: 'PostgreSQL', mode: 'tenant' }, 'name of a tenant-mode workspace may not contain "-": it names the blueprint'],
  ])('%j is 400', async (body, message) => {
    const { key } = await account();
    const response = await gateway.rest('POST', '/workspaces', { headers: bearer(key), body });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ success: false, http_status: 400, code: 'bad_request', error: expect.stringContaining(message) });
    expect(await gateway.database.prisma.workspace.count({ where: { name: body.name } })).toBe(0);
  });

  test('a name the project already uses is 409', async () => {
    const { key } = await account();
    const id = await workspace(key);
    const again = await gateway.rest('POST', '/workspaces', { headers: bearer(key), body: { name: id, database: 'PostgreSQL', mode: 'control' } });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe(`Workspace '${id}' already exists`);
  });

  test("the operator's key has no project: 403", async () => {
    const response = await gateway.rest('POST', '/workspaces', {
      headers: bearer(gateway.adminKey),
      body: { name: 'x', database: 'PostgreSQL', mode: 'tenant' },
    });
    expect(response.status).toBe(403);
  });
});

describe('GET /workspaces', () => {
  test('lists each with its mode; version only in tenant mode', async () => {
    const { key } = await account();
    const main = await workspace(key, 'tenant', 'main');
    const control = await workspace(key, 'control', 'control-plane');
    const response = await gateway.rest('GET', '/workspaces', { headers: bearer(key) });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      workspaces: [
        { id: main, name: 'main', mode: 'tenant', database: 'postgresql', created_at: expect.stringMatching(timestamp), version: 0 },
        { id: control, name: 'control-plane', mode: 'control', database: 'postgresql', created_at: expect.stringMatching(timestamp) },
      ],
      count: 2,
    });
  });
});

describe('workspace queries and the schema', () => {
  test('POST /workspaces/{id}/queries answers columns, rows as arrays, row_count and execution_time', async () => {
    const { key } = await account();
    const id = await workspace(key);
    expect((await query(key, id, 'CREATE TABLE users (id SERIAL PRIMARY KEY, name TEXT NOT NULL, email TEXT)')).status).toBe(200);
    expect((await query(key, id, "INSERT INTO users (name, email) VALUES ('Alice', 'alice@example.com')")).body.row_count).toBe(1);
    const response = await query(key, id, 'SELECT id, name, email FROM users');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      columns: ['id', 'name', 'email'],
      rows: [[1, 'Alice', 'alice@example.com']],
      row_count: 1,
      execution_time: expect.stringMatching(/^\d+ms$/),
    });
  });

  test("an SQL error is 400 with PostgreSQL's message; a parse error with the parser's", async () => {
    const { key } = await account();
    const id = await workspace(key);
    const missing = await query(key, id, 'SELECT * FROM missing');
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ success: false, http_status: 400, code: 'bad_request', error: 'query: relation "missing" does not exist' });
    const syntax = await query(key, id, 'SELEC 1');
    expect(syntax.body.error).toBe('query: syntax error at or near "SELEC"');
    const breakOut = await query(key, id, 'RESET ROLE');
    expect(breakOut.status).toBe(400);
    expect(breakOut.body.error).toContain('RESET is not allowed');
  });

  test('the row cap follows max_rows_per_query and says the answer was cut', async () => {
    const { key } = await account();
    const id = await workspace(key, 'control');
    await gateway.rest('POST', `/workspaces/${id}/settings`, { headers: bearer(key), body: { max_rows_per_query: 3 } });
    const response = await query(key, id, 'SELECT n FROM generate_series(1, 10) AS n');
    expect(response.body).toMatchObject({ rows: [[1], [2], [3]], row_count: 3, truncated: true });
  });

  test('GET /workspaces/{id}: schema as DDL, undeployed changes, masked password, settings and version', async () => {
    const { key, projectId } = await account();
    const id = await workspace(key);
    await query(key, id, 'CREATE TABLE users (id SERIAL PRIMARY KEY, name TEXT NOT NULL)');
    await query(key, id, 'CREATE INDEX users_name ON users (name)');
    const response = await gateway.rest('GET', `/workspaces/${id}`, { headers: bearer(key) });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      id,
      name: id,
      mode: 'tenant',
      database: 'postgresql',
      schema: ['CREATE TABLE users (id SERIAL NOT NULL, name TEXT NOT NULL)'],
      schema_error: null,
      undeployed_changes: 2,
      connection: { host: 'localhost', port: 5432, database: `${id}_workspace`, username: user(projectId), password: '••••••••' },
      connection_string: `postgresql://${user(projectId)}:••••••••@localhost:5432/${id}_workspace?sslmode=require`,
      settings: { query_timeout_ms: 30000, max_rows_per_query: 10000, max_connections: 100 },
      version: 0,
    });
  });

  test('GET /workspaces/{id}/schema: tables, columns with type and nullable, indexes', async () => {
    const { key } = await account();
    const id = await workspace(key);
    await query(key, id, 'CREATE TABLE users (id SERIAL PRIMARY KEY, name TEXT NOT NULL)');
    const response = await gateway.rest('GET', `/workspaces/${id}/schema`, { headers: bearer(key) });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      tables: [
        {
          name: 'users',
          columns: [
            { name: 'id', type: 'SERIAL', nullable: false },
            { name: 'name', type: 'TEXT', nullable: false },
          ],
          indexes: ['users_pkey'],
        },
      ],
    });
  });
});

describe('the diff: pending DDL', () => {
  test('GET /workspaces/{id}/diff lists pending changes with ids; control mode is 400', async () => {
    const { key } = await account();
    const id = await workspace(key);
    await query(key, id, 'CREATE TABLE users (id SERIAL PRIMARY KEY); INSERT INTO users DEFAULT VALUES; ALTER TABLE users ADD COLUMN email TEXT');
    const response = await gateway.rest('GET', `/workspaces/${id}/diff`, { headers: bearer(key) });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      workspace: id,
      blueprint: id,
      current_version: 0,
      changes: [
        {
          id: expect.any(Number),
          statement: 'CREATE TABLE users (id SERIAL PRIMARY KEY)',
          reverse_statement: 'DROP TABLE IF EXISTS users;',
          created_at: expect.stringMatching(timestamp),
        },
        {
          id: expect.any(Number),
          statement: 'ALTER TABLE users ADD COLUMN email TEXT',
          reverse_statement: 'ALTER TABLE users DROP COLUMN IF EXISTS email;',
          created_at: expect.stringMatching(timestamp),
        },
      ],
      count: 2,
    });
    const control = await workspace(key, 'control');
    const refused = await gateway.rest('GET', `/workspaces/${control}/diff`, { headers: bearer(key) });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe(`Workspace '${control}' is in control mode: it has no blueprint versioning`);
  });

  test('DELETE /workspaces/{id}/diff/{ddl_id} takes a change out of the queue; a missing or deployed one is 404', async () => {
    const { key, projectId } = await account();
    const id = await workspace(key);
    await query(key, id, 'CREATE TABLE users (id SERIAL PRIMARY KEY)');
    const [change] = (await gateway.rest('GET', `/workspaces/${id}/diff`, { headers: bearer(key) })).body.changes;
    const response = await gateway.rest('DELETE', `/workspaces/${id}/diff/${change.id}`, { headers: bearer(key) });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ success: true, http_status: 200, code: 'ok', message: `DDL ${change.id} removed from deploy queue` });
    expect((await gateway.rest('DELETE', `/workspaces/${id}/diff/${change.id}`, { headers: bearer(key) })).status).toBe(404);
    expect((await gateway.rest('DELETE', `/workspaces/${id}/diff/nope`, { headers: bearer(key) })).status).toBe(404);
    await query(key, id, 'CREATE TABLE orders (id int)');
    const [deployed] = (await gateway.rest('GET', `/workspaces/${id}/diff`, { headers: bearer(key) })).body.changes;
    await deployPending(id, projectId);
    expect((await gateway.rest('DELETE', `/workspaces/${id}/diff/${deployed.id}`, { headers: bearer(key) })).status).toBe(404);
  });

  test('POST /workspaces/{id}/diff/{ddl_id}/revert runs the reverse statement; deployed DDL cannot be reverted', async () => {
    const { key, projectId } = await account();
    const id = await workspace(key);
    await query(key, id, 'CREATE TABLE users (id SERIAL PRIMARY KEY, name TEXT NOT NULL)');
    const [change] = (await gateway.rest('GET', `/workspaces/${id}/diff`, { headers: bearer(key) })).body.changes;
    const response = await gateway.rest('POST', `/workspaces/${id}/diff/${change.id}/revert`, { headers: bearer(key) });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ success: true, http_status: 200, code: 'ok', message: 'Reverted: DROP TABLE IF EXISTS users;' });
    expect((await gateway.rest('GET', `/workspaces/${id}/schema`, { headers: bearer(key) })).body.tables).toEqual([]);
    expect((await gateway.rest('GET', `/workspaces/${id}/diff`, { headers: bearer(key) })).body.count).toBe(0);

    await query(key, id, 'CREATE TABLE accounts (id int)');
    const [deployed] = (await gateway.rest('GET', `/workspaces/${id}/diff`, { headers: bearer(key) })).body.changes;
    await deployPending(id, projectId);
    const refused = await gateway.rest('POST', `/workspaces/${id}/diff/${deployed.id}/revert`, { headers: bearer(key) });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('Cannot revert DDLs already deployed to tenants. Create a new migration instead.');
  });
});

describe('workspace settings', () => {
  test('GET /workspaces/{id}/settings', async () => {
    const { key } = await account();
    const id = await workspace(key);
    const response = await gateway.rest('GET', `/workspaces/${id}/settings`, { headers: bearer(key) });
    expect(response.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      database_type: 'PostgreSQL',
      settings: { query_timeout_ms: 30000, max_rows_per_query: 10000, max_connections: 100 },
      available_fields: ['query_timeout_ms', 'max_rows_per_query', 'max_connections'],
    });
  });

  test('POST: partial; tenant mode says deploy, control mode does not', async () => {
    const { key } = await account();
    const id = await workspace(key);
    const response = await gateway.rest('POST', `/workspaces/${id}/settings`, { headers: bearer(key), body: { query_timeout_ms: 5000 } });
    expect(response.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      settings: { query_timeout_ms: 5000, max_rows_per_query: 10000, max_connections: 100 },
      message: 'Settings saved. Deploy to apply to tenants.',
      pending_deploy: true,
      database_type: 'PostgreSQL',
    });
    const control = await workspace(key, 'control');
    const saved = await gateway.rest('POST', `/workspaces/${control}/settings`, {
      headers: bearer(key),
      body: { query_timeout_ms: 30000, max_rows_per_query: 10000, max_connections: 100 },
    });
    expect(saved.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      settings: { query_timeout_ms: 30000, max_rows_per_query: 10000, max_connections: 100 },
      message: 'Settings saved.',
      database_type: 'PostgreSQL',
    });
  });

  test.each([
    [{ query_timeout_ms: 0 }, 'query_timeout_ms must be 100 to 300000'],
    [{ max_rows_per_query: 1_000_000 }, 'max_rows_per_query must be 1 to 100000'],
    [{ default_ttl: 3600 }, 'default_ttl'],
  ])('%j is 400', async (body, message) => {
    const { key } = await account();
    const id = await workspace(key);
    const response = await gateway.rest('POST', `/workspaces/${id}/settings`, { headers: bearer(key), body });
    expect(response.status).toBe(400);
    expect(response.body.error).toContain(message);
  });
});

describe('POST /workspaces/{id}/schema', () => {
  test('from the fintech template: the documented answer, and a second import skips what exists', async () => {
    const { key } = await account();
    const id = await workspace(key);
    const response = await gateway.rest('POST', `/workspaces/${id}/schema`, { headers: bearer(key), body: { source: 'template', template: 'fintech' } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      message: `Schema imported to workspace '${id}'`,
      source: 'template',
      created: ['users', 'accounts', 'transactions'],
      skipped: [],
      errors: [],
      details: { workspace: id, database_type: 'PostgreSQL', statements_executed: 3, statements_skipped: 0, statements_failed: 0, statements_total: 3 },
    });
    expect((await gateway.rest('GET', `/workspaces/${id}/diff`, { headers: bearer(key) })).body.count).toBe(3);
    const again = await gateway.rest('POST', `/workspaces/${id}/schema`, { headers: bearer(key), body: { source: 'template', template: 'fintech' } });
    expect(again.body).toMatchObject({
      created: [],
      skipped: ['users', 'accounts', 'transactions'],
      details: { statements_executed: 0, statements_skipped: 3, statements_total: 3 },
    });
  });

  test.each(['ecommerce', 'saas', 'blog'])('the %s template creates its tables', async (template) => {
    const { key } = await account();
    const id = await workspace(key, 'control');
    const response = await gateway.rest('POST', `/workspaces/${id}/schema`, { headers: bearer(key), body: { source: 'template', template } });
    expect(response.body.errors).toEqual([]);
    expect(response.body.created.length).toBeGreaterThanOrEqual(3);
  });

  test('from JSON table definitions', async () => {
    const { key } = await account();
    const id = await workspace(key);
    const tables = [
      {
        name: 'notes',
        columns: [
          { name: 'id', type: 'SERIAL', primary_key: true },
          { name: 'body', type: 'TEXT', nullable: false, default: "it's" },
        ],
      },
    ];
    const response = await gateway.rest('POST', `/workspaces/${id}/schema`, { headers: bearer(key), body: { source: 'json', tables } });
    expect(response.body).toMatchObject({ source: 'json', created: ['notes'], errors: [] });
    const schema = await gateway.rest('GET', `/workspaces/${id}/schema`, { headers: bearer(key) });
    expect(schema.body.tables[0].columns).toEqual([
      { name: 'id', type: 'SERIAL', nullable: false },
      { name: 'body', type: 'TEXT', nullable: false },
    ]);
  });

  test.each([
    [
      { source: 'database', connection: { type: 'postgresql', host: 'db.example.com', port: 5432, database: 'mydb', user: 'admin', password: 'secret' } },
      'source database is not served',
    ],
    [{ source: 'url', url: 'https://example.com/schema.json' }, 'source url is not served'],
    [{ source: 'template', template: 'crm' }, 'template must be one of ecommerce, saas, blog, fintech'],
    [{ source: 'json', tables: [{ name: 'x', columns: [{ name: 'id', type: 'int); DROP TABLE users; --' }] }] }, 'must be a PostgreSQL type name'],
    [{ source: 'json', tables: [{ name: 'Robert"', columns: [{ name: 'id', type: 'INTEGER' }] }] }, 'lowercase letters'],
  ])('%j is 400', async (body, message) => {
    const { key } = await account();
    const id = await workspace(key);
    const response = await gateway.rest('POST', `/workspaces/${id}/schema`, { headers: bearer(key), body });
    expect(response.status).toBe(400);
    expect(response.body.error).toContain(message);
    expect((await gateway.rest('GET', `/workspaces/${id}/schema`, { headers: bearer(key) })).body.tables).toEqual([]);
  });
});

describe('blueprints and tenants', () => {
  test('GET /blueprints, /blueprints/{name} and /blueprints/{name}/versions', async () => {
    const { key, projectId } = await account();
    await workspace(key, 'tenant', 'main');
    await query(key, 'main', 'CREATE TABLE users (id SERIAL PRIMARY KEY, name TEXT NOT NULL)');
    await deployPending('main', projectId);
    await query(key, 'main', 'ALTER TABLE users ADD COLUMN email TEXT; CREATE INDEX users_email ON users (email)');
    await deployPending('main', projectId);
    const tenant = name('acme');
    expect(
      (await gateway.rest('POST', '/tenants', { headers: bearer(key), body: { tenant_id: tenant, databases: [{ blueprint: 'main', isolation_level: 1 }] } }))
        .status,
    ).toBe(201);

    const list = await gateway.rest('GET', '/blueprints', { headers: bearer(key) });
    expect(list.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      blueprints: [{ name: 'main', database: 'postgresql', workspace_id: 'main', current_version: 2, tenant_count: 1 }],
      count: 1,
    });
    const one = await gateway.rest('GET', '/blueprints/main', { headers: bearer(key) });
    expect(one.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      name: 'main',
      database: 'postgresql',
      workspace_id: 'main',
      current_version: 2,
      schema: [
        'CREATE TABLE users (id SERIAL PRIMARY KEY, name TEXT NOT NULL)',
        'ALTER TABLE users ADD COLUMN email TEXT',
        'CREATE INDEX users_email ON users (email)',
      ],
      tenant_count: 1,
    });
    const versions = await gateway.rest('GET', '/blueprints/main/versions', { headers: bearer(key) });
    expect(versions.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      versions: [
        { version: 2, ddl_count: 2, deployed_at: expect.stringMatching(timestamp) },
        { version: 1, ddl_count: 1, deployed_at: expect.stringMatching(timestamp) },
      ],
      count: 2,
    });
    expect((await gateway.rest('GET', '/blueprints/nope', { headers: bearer(key) })).body).toEqual({
      success: false,
      http_status: 404,
      code: 'not_found',
      error: 'Blueprint not found: nope',
    });
  });

  test('POST /tenants with an unknown blueprint is 404 naming it, and creates nothing', async () => {
    const { key } = await account();
    const tenant = name('acme');
    const response = await gateway.rest('POST', '/tenants', {
      headers: bearer(key),
      body: { tenant_id: tenant, databases: [{ blueprint: 'fintech', isolation_level: 1 }] },
    });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ success: false, http_status: 404, code: 'not_found', error: 'Blueprint not found: fintech' });
    expect(await gateway.database.prisma.tenant.count({ where: { slug: tenant } })).toBe(0);
  });

  test("a control mode workspace's name is not a blueprint: 400", async () => {
    const { key } = await account();
    await workspace(key, 'control', 'controlplane');
    const response = await gateway.rest('POST', '/tenants', {
      headers: bearer(key),
      body: { tenant_id: name('acme'), databases: [{ blueprint: 'controlplane', isolation_level: 1 }] },
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toContain('control mode');
  });

  test("a new tenant's database is a schema at the blueprint's latest deployed version; purging drops it; then the workspace may go", async () => {
    const { key, projectId } = await account();
    const blueprint = await workspace(key, 'tenant', 'fintech');
    await query(key, blueprint, 'CREATE TABLE accounts (id SERIAL PRIMARY KEY, balance NUMERIC NOT NULL DEFAULT 0)');
    await deployPending(blueprint, projectId);
    await query(key, blueprint, 'CREATE TABLE pending_only (id int)');
    const tenant = name('acme');
    const created = await gateway.rest('POST', '/tenants', {
      headers: bearer(key),
      body: { tenant_id: tenant, databases: [{ blueprint, isolation_level: 1 }] },
    });
    expect(created.status).toBe(201);
    const record = await gateway.database.prisma.tenantDatabase.findFirstOrThrow({ where: { tenant: { slug: tenant } }, include: withPlacement });
    const schemaName = `p${projectId.replace(/-/g, '').slice(0, 8)}_fintech__${tenant}`;
    expect(record).toMatchObject({
      schemaVersion: 1,
      placement: { schemaName, roleName: expect.stringMatching(/^tdbr_[0-9a-f]{24}$/), database: { projectId } },
    });
    const tables = await dataPlaneCatalog(gateway, record.placementId!, `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, [
      schemaName,
    ]);
    expect(tables.rows).toEqual([['accounts']]);

    const refused = await gateway.rest('DELETE', `/workspaces/${blueprint}`, { headers: bearer(key) });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({
      success: false,
      http_status: 409,
      code: 'conflict',
      error: 'cannot delete workspace with deployed tenants',
      message: 'cannot delete workspace with deployed tenants',
      reason: 'tenants_deployed',
      deployed_to: [tenant],
      action_required: 'Delete all tenants first or use a different workspace',
    });

    expect((await gateway.rest('DELETE', `/tenants/${tenant}?hard=true`, { headers: bearer(key) })).status).toBe(200);
    // The schema, its login role and the placement's record are gone.
    const left = await dataPlaneCatalog(
      gateway,
      { projectId },
      `SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = $1) + (SELECT count(*) FROM pg_roles WHERE rolname = $2)`,
      [schemaName, record.placement!.roleName],
    );
    expect(left.rows).toEqual([[0]]);
    expect(await gateway.database.prisma.dataPlacement.count({ where: { id: record.placementId! } })).toBe(0);

    const deleted = await gateway.rest('DELETE', `/workspaces/${blueprint}`, { headers: bearer(key) });
    expect(deleted.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      message: 'workspace deleted',
      details: { workspace: blueprint, mode: 'tenant', versions_deleted: 1, deletion_type: 'full', physical_db: true },
    });
    expect((await gateway.rest('GET', `/workspaces/${blueprint}`, { headers: bearer(key) })).status).toBe(404);
  });

  test('two projects may both have tenant acme on blueprint fintech: separate schemas', async () => {
    const first = await account();
    const second = await account();
    for (const { key } of [first, second]) await workspace(key, 'tenant', 'fintech');
    const tenant = name('acme');
    expect(
      (
        await gateway.rest('POST', '/tenants', {
          headers: bearer(first.key),
          body: { tenant_id: tenant, databases: [{ blueprint: 'fintech', isolation_level: 1 }] },
        })
      ).status,
    ).toBe(201);
    const workspaces = await gateway.database.prisma.workspace.findMany({
      where: { name: 'fintech', projectId: { in: [first.projectId, second.projectId] } },
      include: withPlacement,
    });
    expect(new Set(workspaces.map((workspace) => workspace.placement!.schemaName)).size).toBe(2);
    // Each project has a database of its own on the data plane, named by neither slug.
    expect(new Set(workspaces.map((workspace) => workspace.placement!.database.name)).size).toBe(2);
    for (const workspace of workspaces) expect(workspace.placement!.database.name).toMatch(/^tdbd_[0-9a-f]{24}$/);
  });
});

describe('project isolation', () => {
  test("another project's workspace and blueprint are 404 on every route", async () => {
    const owner = await account();
    const stranger = await account();
    const id = await workspace(owner.key, 'tenant', name('private'));
    await query(owner.key, id, 'CREATE TABLE secrets (id int)');
    const [change] = (await gateway.rest('GET', `/workspaces/${id}/diff`, { headers: bearer(owner.key) })).body.changes;
    const routes: [string, string, unknown?][] = [
      ['GET', `/workspaces/${id}`],
      ['DELETE', `/workspaces/${id}`],
      ['POST', `/workspaces/${id}/queries`, { query: 'SELECT 1' }],
      ['GET', `/workspaces/${id}/diff`],
      ['DELETE', `/workspaces/${id}/diff/${change.id}`],
      ['POST', `/workspaces/${id}/diff/${change.id}/revert`],
      ['GET', `/workspaces/${id}/schema`],
      ['POST', `/workspaces/${id}/schema`, { source: 'template', template: 'blog' }],
      ['GET', `/workspaces/${id}/settings`],
      ['POST', `/workspaces/${id}/settings`, { max_connections: 1 }],
      ['GET', `/blueprints/${id}`],
      ['GET', `/blueprints/${id}/versions`],
    ];
    for (const [method, path, body] of routes) {
      const response = await gateway.rest(method, path, { headers: bearer(stranger.key), ...(body ? { body } : {}) });
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
    }
    expect((await gateway.rest('GET', '/workspaces', { headers: bearer(stranger.key) })).body.count).toBe(0);
    expect((await gateway.rest('GET', '/blueprints', { headers: bearer(stranger.key) })).body.count).toBe(0);
    expect((await gateway.rest('GET', `/workspaces/${id}/diff`, { headers: bearer(owner.key) })).body.count).toBe(1);
  });
});

describe('backups carry the data', () => {
  const rows = async (placementId: string, sql: string) => (await inSchema(gateway, placementId, sql)).rows;
  /** A rollback of a tenant with data runs as a job: its status says restoring until the job ends. */
  async function restored(key: string, tenant: string) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const shown = await gateway.rest('GET', `/tenants/${tenant}`, { headers: bearer(key) });
      if (shown.body.status !== 'restoring') return shown.body.status as string;
      if (Date.now() > deadline) throw new Error(`tenant ${tenant} still restoring`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** POST /tenants/{id}/backup of a tenant with data: the answer names the file a job writes; it is listed once written. */
  async function backedUp(key: string, tenant: string) {
    const backup = await gateway.rest('POST', `/tenants/${tenant}/backup`, { headers: bearer(key) });
    expect(backup.status, JSON.stringify(backup.body)).toBe(200);
    const storagePath = (backup.body.paths as string[])[0]!;
    await expect
      .poll(
        async () =>
          ((await gateway.rest('GET', `/tenants/${tenant}/backups`, { headers: bearer(key) })).body.backups as { storage_path: string }[]).map(
            (entry) => entry.storage_path,
          ),
        { timeout: 20_000 },
      )
      .toContain(storagePath);
    return { storagePath, body: backup.body };
  }

  test('rows → backup → more rows → rollback → the original rows, sequences continuing after them', async () => {
    const { key, projectId } = await account();
    await workspace(key, 'tenant', 'fintech');
    await gateway.rest('POST', '/workspaces/fintech/schema', { headers: bearer(key), body: { source: 'template', template: 'fintech' } });
    await deployPending('fintech', projectId);
    const tenant = name('acme');
    expect(
      (await gateway.rest('POST', '/tenants', { headers: bearer(key), body: { tenant_id: tenant, databases: [{ blueprint: 'fintech', isolation_level: 1 }] } }))
        .status,
    ).toBe(201);
    const { placementId } = await gateway.database.prisma.tenantDatabase.findFirstOrThrow({ where: { tenant: { slug: tenant } } });
    await rows(
      placementId!,
      "INSERT INTO users (email, name) VALUES ('a@example.com', 'Ann'), ('b@example.com', 'Bob'); INSERT INTO accounts (user_id, balance) VALUES (1, 10.50), (2, 99); INSERT INTO transactions (account_id, amount, description) VALUES (1, 10.50, 'opening')",
    );
    const { storagePath } = await backedUp(key, tenant);

    await rows(placementId!, "INSERT INTO users (email, name) VALUES ('c@example.com', 'Cy'); UPDATE accounts SET balance = 0; DELETE FROM transactions");
    const rollback = await gateway.rest('POST', `/tenants/${tenant}/rollback`, { headers: bearer(key), body: { storage_path: storagePath } });
    expect(rollback.status).toBe(200);
    expect(rollback.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      message: `Rollback scheduled for tenant: ${tenant}`,
      tenant_id: tenant,
      status: 'restoring',
      paths: [storagePath],
    });
    expect(await restored(key, tenant)).toBe('ready');

    expect(await rows(placementId!, 'SELECT id, email, name FROM users ORDER BY id')).toEqual([
      [1, 'a@example.com', 'Ann'],
      [2, 'b@example.com', 'Bob'],
    ]);
    expect(await rows(placementId!, 'SELECT id, user_id, balance FROM accounts ORDER BY id')).toEqual([
      [1, 1, '10.50'],
      [2, 2, '99.00'],
    ]);
    expect(await rows(placementId!, 'SELECT account_id, amount, description FROM transactions')).toEqual([[1, '10.50', 'opening']]);
    expect(await rows(placementId!, "INSERT INTO users (email, name) VALUES ('d@example.com', 'Di') RETURNING id")).toEqual([[3]]);
  });

  /** A tenant of a fresh account whose blueprint's version 1 is a notes table, holding one note `body`, backed up. */
  async function notesTenant(body: string) {
    const { key, projectId } = await account();
    await workspace(key, 'tenant', 'main');
    await query(key, 'main', 'CREATE TABLE notes (id SERIAL PRIMARY KEY, body TEXT NOT NULL)');
    await deployPending('main', projectId);
    const tenant = name('acme');
    await gateway.rest('POST', '/tenants', { headers: bearer(key), body: { tenant_id: tenant, databases: [{ blueprint: 'main', isolation_level: 1 }] } });
    const database = await gateway.database.prisma.tenantDatabase.findFirstOrThrow({ where: { tenant: { slug: tenant } } });
    await rows(database.placementId!, `INSERT INTO notes (body) VALUES ('${body}')`);
    const { storagePath } = await backedUp(key, tenant);
    return { key, projectId, tenant, database, storagePath };
  }

  /** A notes tenant backed up with `before`, then `after` replacing it. */
  async function noted() {
    const { key, tenant, database, storagePath: listed } = await notesTenant('before');
    await rows(database.placementId!, "UPDATE notes SET body = 'after'");
    // The backup's own file (what its record and the trail name); rollback takes it as it takes the listed SQL file's.
    const storagePath = (await backupAt(gateway, listed))!.storagePath!;
    return { key, tenant, id: database.tenantId, placementId: database.placementId!, storagePath };
  }

  const held = { leaseToken: '00000000-0000-4000-8000-000000000001' };

  /** What POST /tenants/{id}/rollback records for a tenant with data, held by another process (its lease runs an hour). */
  async function heldRollback(id: string, storagePath: string) {
    const prisma = gateway.database.prisma;
    const tenant = await prisma.tenant.findUniqueOrThrow({ where: { id } });
    const backup = await prisma.backupRecord.findFirstOrThrow({ where: { storagePath } });
    await prisma.tenant.update({ where: { id }, data: { status: 'RESTORING', statusBeforeRestore: tenant.status } });
    const job = await prisma.backupJob.create({
      data: { kind: 'ROLLBACK', tenantId: id, backupId: backup.id, actorId: 'test', actorLabel: 'test key', status: 'RUNNING' },
    });
    await queueBackupJob(prisma, job, held);
    return job;
  }

  /** The held job's claim, as the process holding it has it. */
  const heldLease = async (jobId: string) =>
    leaseOf(gateway.database.prisma, (await queueJobOf(gateway.database.prisma, backupJobKind, 'backupJobId', jobId))!, 30_000);

  /** The process holding the job died: its lease runs out and this process takes the job over. */
  const release = (jobId: string) => releaseQueueJob(gateway.database.prisma, backupJobKind, 'backupJobId', jobId);

  test('while its job runs the tenant shows restoring (GET and list), other changes are 409, and it is back to its status after', async () => {
    const { key, tenant, id, placementId, storagePath } = await noted();
    expect((await gateway.rest('POST', `/tenants/${tenant}/suspend`, { headers: bearer(key) })).status).toBe(200);
    const job = await heldRollback(id, storagePath);

    expect((await gateway.rest('GET', `/tenants/${tenant}`, { headers: bearer(key) })).body.status).toBe('restoring');
    const listed = (await gateway.rest('GET', '/tenants', { headers: bearer(key) })).body.tenants as { tenant_id: string; status: string }[];
    expect(listed.find((entry) => entry.tenant_id === tenant)?.status).toBe('restoring');
    const changes: [string, string, unknown?][] = [
      ['POST', `/tenants/${tenant}/rollback`, { storage_path: storagePath }],
      ['POST', `/tenants/${tenant}/backup`],
      ['POST', `/tenants/${tenant}/resume`],
      ['POST', `/tenants/${tenant}/suspend`],
      ['DELETE', `/tenants/${tenant}`],
      ['DELETE', `/tenants/${tenant}?hard=true`],
      ['PATCH', `/tenants/${tenant}/isolation`, { isolation_level: 2, blueprint: 'main' }],
      ['POST', '/admin/query', { blueprint: 'main', tenant_id: tenant, query: "UPDATE notes SET body = 'during'" }],
    ];
    for (const [method, path, body] of changes) {
      const response = await gateway.rest(method, path, { headers: bearer(key), ...(body ? { body } : {}) });
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 409 });
    }
    for (const mutation of [
      `updateTenant(id: "${id}", input: { name: "renamed" }) { id }`,
      `setTenantFeature(tenant: "${id}", feature: "sso", enabled: true) { __typename }`,
      `updateTenantConfig(tenant: "${id}", input: { performance: { cacheSizeMb: 5 } }) { message }`,
    ]) {
      const answer = await gateway.graphql(`mutation { ${mutation} }`, {}, key);
      expect({ mutation, code: answer.errors?.[0]?.extensions?.code }).toEqual({ mutation, code: 'CONFLICT' });
    }
    expect(await rows(placementId, 'SELECT body FROM notes')).toEqual([['after']]);

    await release(job.id);
    expect(await restored(key, tenant)).toBe('suspended');
    expect(await rows(placementId, 'SELECT body FROM notes')).toEqual([['before']]);
    const prisma = gateway.database.prisma;
    const ended = await prisma.backupJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(ended).toMatchObject({ status: 'COMPLETED', error: null, attempts: 1 });
    expect(await queueJobOf(prisma, backupJobKind, 'backupJobId', job.id)).toBeNull();
    expect(ended.safetyBackupId).not.toBeNull();
    expect(await prisma.backupRecord.findUniqueOrThrow({ where: { id: ended.safetyBackupId! } })).toMatchObject({ trigger: 'SAFETY', status: 'COMPLETED' });
    expect(await prisma.tenant.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'SUSPENDED', statusBeforeRestore: null });
    const [event] = await prisma.auditEvent.findMany({ where: { tenantId: id, action: 'backup.restored' } });
    expect(event).toMatchObject({ actor: 'test key', actorId: 'test', target: `backup:${storagePath}` });
  });

  test('a job that cannot restore (its file went bad after the request) fails with the reason, rows and status as they were', async () => {
    const { key, tenant, id, placementId, storagePath } = await noted();
    const prisma = gateway.database.prisma;
    const job = await heldRollback(id, storagePath);
    await prisma.backupRecord.updateMany({ where: { storagePath }, data: { checksum: '0'.repeat(64) } });
    await release(job.id);
    expect(await restored(key, tenant)).toBe('ready');
    expect(await prisma.backupJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      status: 'FAILED',
      error: `The backup file "${storagePath}" is corrupt: its checksum does not match`,
    });
    expect(await queueJobOf(prisma, backupJobKind, 'backupJobId', job.id)).toBeNull();
    expect(await rows(placementId, 'SELECT body FROM notes')).toEqual([['after']]);
  });

  test('a worker that lost its lease records nothing: the job is left to its new holder', async () => {
    const { id, storagePath, placementId } = await noted();
    const prisma = gateway.database.prisma;
    const job = await heldRollback(id, storagePath);
    // Its safety backup was taken: the restore's own transaction is what checks the lease.
    const safety = await prisma.backupRecord.findFirstOrThrow({ where: { storagePath } });
    const taken = await prisma.backupJob.update({ where: { id: job.id }, data: { safetyBackupId: safety.id } });
    const deps = {
      storages: backupStoragesFrom({ ...readEnvironment({}), BACKUP_DIR: gateway.backupDir }),
      keyring: testKeyring,
      dataPlane: gateway.app.dataPlane,
    };
    // This worker's token is not the job's (and its renewal is mistaken): its restore transaction refuses to commit.
    const theirs = (await queueJobOf(prisma, backupJobKind, 'backupJobId', job.id))!;
    await runBackupJob(prisma, deps, taken, {
      ...leaseOf(prisma, { ...theirs, leaseToken: '00000000-0000-4000-8000-0000000000ff' }, 30_000),
      renew: async () => true,
    });
    expect(await prisma.backupJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: 'RUNNING' });
    expect(await queueJobOf(prisma, backupJobKind, 'backupJobId', job.id)).toMatchObject({ leaseToken: held.leaseToken });
    expect(await prisma.tenant.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'RESTORING' });
    expect(await rows(placementId, 'SELECT body FROM notes')).toEqual([['after']]);
    await release(job.id);
  });

  test('a rollback job tells the principal cache when it ends, as a rollback within a request does (a restored plan reaches cached keys at once)', async () => {
    const { id, storagePath, placementId } = await noted();
    const prisma = gateway.database.prisma;
    const job = await heldRollback(id, storagePath);
    const deps = {
      storages: backupStoragesFrom({ ...readEnvironment({}), BACKUP_DIR: gateway.backupDir }),
      keyring: testKeyring,
      dataPlane: gateway.app.dataPlane,
    };
    let told = 0;
    await runBackupJob(prisma, deps, job, await heldLease(job.id), () => (told += 1));
    expect(await prisma.backupJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: 'COMPLETED' });
    expect(await rows(placementId, 'SELECT body FROM notes')).toEqual([['before']]);
    expect(told).toBe(1);
  });

  test("a rollback across a blueprint version puts the schema back at the backup's version with its rows", async () => {
    const { key, projectId, tenant, database, storagePath } = await notesTenant('first');

    // What a deployment of version 2 does to the tenant's schema.
    await query(key, 'main', 'ALTER TABLE notes ADD COLUMN pinned BOOLEAN');
    await deployPending('main', projectId);
    await rows(database.placementId!, "ALTER TABLE notes ADD COLUMN pinned BOOLEAN; INSERT INTO notes (body, pinned) VALUES ('second', true)");
    // The deployment marks the schema with its version (the restore reads the schema's own mark) and the record.
    const { schemaName } = await gateway.database.prisma.dataPlacement.findUniqueOrThrow({ where: { id: database.placementId! } });
    await rows(database.placementId!, `COMMENT ON SCHEMA "${schemaName}" IS 'tenant-gateway schema version 2'`);
    await gateway.database.prisma.tenantDatabase.update({ where: { id: database.id }, data: { schemaVersion: 2 } });

    expect((await gateway.rest('POST', `/tenants/${tenant}/rollback`, { headers: bearer(key), body: { storage_path: storagePath } })).status).toBe(200);
    expect(await restored(key, tenant)).toBe('ready');
    expect(await rows(database.placementId!, 'SELECT * FROM notes')).toEqual([[1, 'first']]);
    expect(await gateway.database.prisma.tenantDatabase.findFirstOrThrow({ where: { tenant: { slug: tenant } } })).toMatchObject({
      placementId: database.placementId,
      schemaVersion: 1,
    });
    // The schema still belongs to its own role, and still keeps other tenants out.
    // The gateway's own tables are in another database altogether.
    await expect(rows(database.placementId!, 'SELECT * FROM public."Tenant"')).rejects.toMatchObject({ sqlState: expect.stringMatching(/^(42501|42P01)$/) });
  });
});
