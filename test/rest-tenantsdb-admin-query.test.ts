import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ddlRefusal } from '../src/modules/admin-queries/admin-query.service.js';
import { type DataPlaneProject, inSchema, projectWithBlueprint, tenantOf } from './support/data-plane.js';
import { startGateway, type TestGateway } from './support/gateway.js';

// TenantsDB API (seed 002): POST /admin/query runs data SQL on one or every tenant database of a
// blueprint, as each database's own role; DDL is refused; every run lands in the query log.

let gateway: TestGateway;
let project: DataPlaneProject;
let other: DataPlaneProject;
let acme: Awaited<ReturnType<typeof tenantOf>>;
let globex: Awaited<ReturnType<typeof tenantOf>>;
let stranger: Awaited<ReturnType<typeof tenantOf>>;

const users = ['CREATE TABLE users (id SERIAL PRIMARY KEY, name TEXT NOT NULL, email TEXT)'];

beforeAll(async () => {
  gateway = await startGateway();
  project = await projectWithBlueprint(gateway, 'main', users);
  other = await projectWithBlueprint(gateway, 'main', users);
  acme = await tenantOf(gateway, project, 'acme');
  globex = await tenantOf(gateway, project, 'globex');
  stranger = await tenantOf(gateway, other, 'initech');
  await inSchema(gateway, acme, "INSERT INTO users (name, email) VALUES ('Alice', '[email protected]')");
  await inSchema(gateway, globex, "INSERT INTO users (name, email) VALUES ('Bob', '[email protected]'), ('Carol', '[email protected]')");
  await inSchema(gateway, stranger, "INSERT INTO users (name, email) VALUES ('Mallory', '[email protected]')");
});
afterAll(() => gateway.close());

const query = (body: object, key = project.key) => gateway.rest('POST', '/admin/query', { headers: { authorization: `Bearer ${key}` }, body });

describe('POST /admin/query', () => {
  test('single tenant: the documented response, field by field', async () => {
    const response = await query({ blueprint: 'main', query: 'SELECT id, name, email FROM users', tenant_id: 'acme' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      tenant_id: 'acme',
      columns: ['id', 'name', 'email'],
      rows: [[1, 'Alice', '[email protected]']],
      row_count: 1,
      execution_time: expect.stringMatching(/^\d+ms$/),
    });
  });

  test("all tenants: the documented response, the caller's project's tenants only", async () => {
    const response = await query({ blueprint: 'main', query: 'SELECT id, name FROM users ORDER BY id', all_tenants: true });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      results: [
        { tenant_id: 'acme', columns: ['id', 'name'], rows: [[1, 'Alice']], row_count: 1 },
        {
          tenant_id: 'globex',
          columns: ['id', 'name'],
          rows: [
            [1, 'Bob'],
            [2, 'Carol'],
          ],
          row_count: 2,
        },
      ],
      total_tenants: 2,
      execution_time: expect.stringMatching(/^\d+ms$/),
    });
    const theirs = await query({ blueprint: 'main', query: 'SELECT name FROM users', all_tenants: true }, other.key);
    expect(theirs.body.results).toEqual([{ tenant_id: 'initech', columns: ['name'], rows: [['Mallory']], row_count: 1 }]);
  });

  /** Without the background workers' polls (job claims, due webhooks), which may fall in the window counted. */
  const ofThisRequest = (statements: string[]) => statements.filter((sql) => !/^\s*UPDATE "(BackupJob|SchemaRollout|WebhookDelivery)"/.test(sql));

  test('a read on one tenant: 3 messages on the data plane (BEGIN with the settings, the statement alone, COMMIT) and 4 Prisma statements', async () => {
    // W6 of the bench. The settings that bound the query and pin how its text is read all go in BEGIN's message.
    const read = { blueprint: 'main', query: 'SELECT id, name FROM users WHERE id = 1', tenant_id: 'acme' };
    let answer: Awaited<ReturnType<typeof query>> | undefined;
    const statements = ofThisRequest(
      await gateway.countQueries(async () => {
        answer = await query(read);
      }),
    );
    expect(answer?.body).toMatchObject({ rows: [[1, 'Alice']], row_count: 1 });
    const prisma = statements.filter((sql) => sql.includes('"public".'));
    const opening =
      gateway.database.kind === 'postgres'
        ? `BEGIN; SET LOCAL search_path TO "${acme.schemaName}"; SET LOCAL statement_timeout = 30000; SET LOCAL standard_conforming_strings = on; SET LOCAL client_encoding = 'UTF8'`
        : expect.stringMatching(
            new RegExp(`^BEGIN; SET LOCAL ROLE "tdbr_[0-9a-f]{24}"; SET LOCAL search_path TO "${acme.schemaName}"; SET LOCAL statement_timeout = 30000$`),
          );
    expect(statements.filter((sql) => !prisma.includes(sql))).toEqual([
      opening,
      'SELECT id, name FROM users WHERE id = 1',
      // PGlite has no logins: after every statement, the session must still be in the tenant's role.
      ...(gateway.database.kind === 'postgres'
        ? []
        : ["SELECT current_user, current_setting('standard_conforming_strings'), current_setting('client_encoding')"]),
      'COMMIT',
    ]);
    // The key (tests remember no principal), the blueprint with its workspace and plan, the tenant with its database's placement, the query log.
    expect(prisma.map((sql) => /FROM "public"\."(\w+)"|INTO "public"\."(\w+)"/.exec(sql)?.slice(1).find(Boolean))).toEqual([
      'ApiKey',
      'Blueprint',
      'Tenant',
      'TenantQueryLog',
    ]);
  });

  test('a change on one tenant writes its audit event before the change commits in the data plane, with the storage measured before that commit', async () => {
    const change = { blueprint: 'main', query: "UPDATE users SET email = email WHERE name = 'Alice'", tenant_id: 'acme' };
    const statements = ofThisRequest(
      await gateway.countQueries(async () => {
        expect((await query(change)).body).toMatchObject({ row_count: 1 });
      }),
    );
    const at = (pattern: RegExp) => statements.findIndex((sql) => pattern.test(sql));
    const update = at(/^UPDATE users SET email = email/);
    const measured = statements.findLastIndex((sql) => sql.includes('pg_total_relation_size'));
    const audit = at(/INSERT INTO "public"\."AuditEvent"/);
    const commit = statements.lastIndexOf('COMMIT');
    expect(update).toBeGreaterThan(0);
    expect(measured).toBeGreaterThan(update);
    expect(audit).toBeGreaterThan(measured);
    expect(commit).toBeGreaterThan(audit);
  });

  test('row changes count their rows and stay in the one tenant', async () => {
    const inserted = await query({ blueprint: 'main', query: "INSERT INTO users (name) VALUES ('Dave'), ('Eve')", tenant_id: 'globex' });
    expect(inserted.body).toMatchObject({ tenant_id: 'globex', columns: [], rows: [], row_count: 2 });
    const returning = await query({
      blueprint: 'main',
      query: "UPDATE users SET email = 'x@globex.test' WHERE name = 'Dave' RETURNING name",
      tenant_id: 'globex',
    });
    expect(returning.body).toMatchObject({ columns: ['name'], rows: [['Dave']], row_count: 1 });
    expect((await inSchema(gateway, acme, 'SELECT count(*) FROM users')).rows).toEqual([[1]]);
    await query({ blueprint: 'main', query: "DELETE FROM users WHERE name IN ('Dave', 'Eve')", tenant_id: 'globex' });
  });

  test.each([
    ['CREATE TABLE evil (id int)'],
    ['create table evil (id int)'],
    ['DROP TABLE users'],
    ['ALTER TABLE users ADD COLUMN evil int'],
    ['SELECT 1; CREATE TABLE evil (id int)'],
    ['SELECT 1;\n/* comment */ DrOp TaBlE users'],
    ['-- a comment\nTRUNCATE users; CREATE INDEX evil ON users (name)'],
    ['SELECT * INTO evil FROM users'],
    ['CREATE VIEW evil AS SELECT * FROM users'],
    ['COMMENT ON TABLE users IS $$x$$'],
    ['ALTER TABLE users RENAME TO evil'],
    ['CREATE SEQUENCE evil'],
  ])('DDL anywhere in the text (%j) is 400 with the documented message, and nothing runs', async (sql) => {
    for (const target of [{ tenant_id: 'acme' }, { all_tenants: true }]) {
      const response = await query({ blueprint: 'main', query: sql, ...target });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ success: false, http_status: 400, code: 'bad_request', error: ddlRefusal });
    }
    expect(ddlRefusal).toBe('DDL not allowed on tenant databases. Deploy schema through blueprints.');
    const tables = await inSchema(gateway, acme, `SELECT table_name FROM information_schema.tables WHERE table_schema = '${acme.schemaName}'`);
    expect(tables.rows).toEqual([['users']]);
    expect((await inSchema(gateway, acme, 'SELECT count(*) FROM users')).rows).toEqual([[1]]);
  });

  test.each([
    [{ blueprint: 'main', query: 'SELECT 1' }, 'tenant_id: Provide tenant_id or all_tenants: true'],
    [{ blueprint: 'main', query: 'SELECT 1', all_tenants: false }, 'tenant_id: Provide tenant_id or all_tenants: true'],
    [{ blueprint: 'main', query: 'SELECT 1', tenant_id: 'acme', all_tenants: true }, 'tenant_id: Provide tenant_id or all_tenants: true, not both'],
    [{ query: 'SELECT 1', tenant_id: 'acme' }, 'blueprint is required'],
    [{ blueprint: 'main', tenant_id: 'acme' }, 'query is required'],
    [{ blueprint: 'main', query: 'SELEC 1', tenant_id: 'acme' }, 'syntax error at or near "SELEC"'],
    [{ blueprint: 'main', query: 'SET ROLE postgres', tenant_id: 'acme' }],
    [{ blueprint: 'main', query: "SELECT set_config('role', 'postgres', true)", tenant_id: 'acme' }],
    [{ blueprint: 'main', query: 'SELECT * FROM missing', tenant_id: 'acme' }, 'relation "missing" does not exist'],
  ])('%j is 400 naming what is wrong', async (body, message?: string) => {
    const response = await query(body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ success: false, http_status: 400, code: 'bad_request' });
    if (message) expect(response.body.error).toBe(message);
  });

  test("another project's tenant is 404; an unknown blueprint is 404", async () => {
    for (const ref of ['initech', stranger.id, 'nobody']) {
      const response = await query({ blueprint: 'main', query: 'SELECT * FROM users', tenant_id: ref });
      expect(response.body).toEqual({ success: false, http_status: 404, code: 'not_found', error: `Tenant not found: ${ref}` });
    }
    expect((await query({ blueprint: 'nope', query: 'SELECT 1', all_tenants: true })).body).toEqual({
      success: false,
      http_status: 404,
      code: 'not_found',
      error: 'Blueprint not found: nope',
    });
  });

  test("a qualified name of another tenant's schema fails: permission denied in the project's database, absent from another project's", async () => {
    // On PostgreSQL another project's schemas are in another database: not even their names are there.
    // The embedded data plane keeps every project in one instance: there the tenant's role is refused.
    const otherProject = (schemaName: string) =>
      gateway.database.kind === 'postgres' ? `relation "${schemaName}.users" does not exist` : `permission denied for schema ${schemaName}`;
    for (const [victim, error] of [
      [globex, `permission denied for schema ${globex.schemaName}`],
      [stranger, otherProject(stranger.schemaName)],
    ] as const) {
      const sql = `SELECT * FROM "${victim.schemaName}".users`;
      const single = await query({ blueprint: 'main', query: sql, tenant_id: 'acme' });
      expect(single.body).toEqual({ success: false, http_status: 400, code: 'bad_request', error });
      const all = await query({ blueprint: 'main', query: `SELECT * FROM "${stranger.schemaName}".users`, all_tenants: true });
      expect(all.body.results.map((result: { tenant_id: string; error: string }) => [result.tenant_id, result.error])).toEqual([
        ['acme', otherProject(stranger.schemaName)],
        ['globex', otherProject(stranger.schemaName)],
      ]);
    }
  });

  test('every query is written to the query log with source api, failures with their error', async () => {
    const tenant = await tenantOf(gateway, project);
    await query({ blueprint: 'main', query: 'SELECT count(*) FROM users', tenant_id: tenant.slug });
    await query({ blueprint: 'main', query: 'SELECT * FROM nowhere', tenant_id: tenant.slug });
    const logs = await gateway.rest('GET', `/tenants/${tenant.slug}/logs`, { headers: { authorization: `Bearer ${project.key}` } });
    expect(logs.body.logs).toEqual([
      {
        query: 'SELECT * FROM nowhere',
        source: 'api',
        success: false,
        duration_ms: expect.any(Number),
        error: 'relation "nowhere" does not exist',
        created_at: expect.any(String),
      },
      { query: 'SELECT count(*) FROM users', source: 'api', success: true, duration_ms: expect.any(Number), created_at: expect.any(String) },
    ]);
    const stats = await gateway.rest('GET', `/tenants/${tenant.slug}/logs/stats`, { headers: { authorization: `Bearer ${project.key}` } });
    expect(stats.body).toMatchObject({ total_queries: 2, successful: 1, failed: 1, by_source: { api: 2, proxy: 0 } });
    // A refused query never reached the database: nothing to log.
    await query({ blueprint: 'main', query: 'DROP TABLE users', tenant_id: tenant.slug });
    expect((await gateway.rest('GET', `/tenants/${tenant.slug}/logs/stats`, { headers: { authorization: `Bearer ${project.key}` } })).body.total_queries).toBe(
      2,
    );
  });

  test('a suspended tenant is refused; all_tenants skips it', async () => {
    const tenant = await tenantOf(gateway, project);
    await gateway.rest('POST', `/tenants/${tenant.slug}/suspend`, { headers: { authorization: `Bearer ${project.key}` } });
    const response = await query({ blueprint: 'main', query: 'SELECT 1', tenant_id: tenant.slug });
    expect(response.body).toEqual({
      success: false,
      http_status: 409,
      code: 'conflict',
      error: `Tenant '${tenant.slug}' is suspended: its queries are blocked until it is resumed`,
    });
    const all = await query({ blueprint: 'main', query: 'SELECT 1', all_tenants: true });
    expect(all.body.results.map((result: { tenant_id: string }) => result.tenant_id)).not.toContain(tenant.slug);
  });
});

// max_connections (workspace settings): the queries through the API running at once on one tenant
// database, or on the workspace's own, per process. PGlite runs one statement at a time
// synchronously in this process: while a query runs no other request is even read, so two cannot
// be at once through the routes there. The refusal itself is tested on both databases in
// test/tenant-schemas.test.ts; through the routes, PostgreSQL only.
describe.skipIf(!process.env.TEST_POSTGRES_URL)('max_connections: queries at once on one database, per process (PostgreSQL)', () => {
  /** Backends of the project's logins asleep in pg_sleep, wherever they are on the server. */
  const sleepers = async (projectId: string) => {
    const roles = (await gateway.database.prisma.dataPlacement.findMany({ where: { database: { projectId } }, select: { roleName: true } })).map(
      (placement) => placement.roleName,
    );
    return Number(
      (
        await gateway.database.sql.transaction((tx) =>
          tx.query(`SELECT count(*) FROM pg_stat_activity WHERE usename = ANY($1) AND wait_event = 'PgSleep'`, [roles]),
        )
      ).rows[0]![0],
    );
  };

  test('at 1: a second query on a busy tenant database (or workspace) is 429 rate_limited naming max_connections, nothing run; other databases go on', async () => {
    const busy = await projectWithBlueprint(gateway, 'busy', users);
    const first = await tenantOf(gateway, busy);
    const second = await tenantOf(gateway, busy);
    const headers = { authorization: `Bearer ${busy.key}` };
    const saved = await gateway.rest('POST', '/workspaces/busy/settings', { headers, body: { max_connections: 1 } });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);

    const slow = query({ blueprint: 'busy', query: 'SELECT pg_sleep(1.5)', tenant_id: first.slug }, busy.key);
    const slowInWorkspace = gateway.rest('POST', '/workspaces/busy/queries', { headers, body: { query: 'SELECT pg_sleep(1.5)' } });
    await expect.poll(() => sleepers(busy.projectId), { timeout: 10_000, interval: 20 }).toBe(2);

    const refusal = `max_connections reached: 1 query is already running on this database (the workspace's max_connections setting); retry when one ends`;
    const refused = await query({ blueprint: 'busy', query: "INSERT INTO users (name) VALUES ('refused')", tenant_id: first.slug }, busy.key);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ success: false, http_status: 429, code: 'rate_limited', error: refusal });
    expect(refused.headers.get('retry-after')).toBe('1');
    const inWorkspace = await gateway.rest('POST', '/workspaces/busy/queries', { headers, body: { query: 'SELECT 1' } });
    expect(inWorkspace.body).toEqual({ success: false, http_status: 429, code: 'rate_limited', error: refusal });
    const graphql = await gateway.graphql(
      'mutation ($tenant: ID!) { runAdminQuery(input: { blueprint: "busy", query: "SELECT 1", tenant: $tenant }) { durationMs } }',
      { tenant: first.slug },
      busy.key,
    );
    expect(graphql.errors?.[0]).toMatchObject({ message: refusal, extensions: { code: 'RATE_LIMITED', policy: 'max_connections', limit: 1 } });
    // The other tenant's database has its own places; across tenants the busy one's result says why.
    const other = await query({ blueprint: 'busy', query: 'SELECT count(*) AS n FROM users', tenant_id: second.slug }, busy.key);
    expect(other.body).toMatchObject({ success: true, rows: [[0]] });
    const all = await query({ blueprint: 'busy', query: 'SELECT count(*) AS n FROM users', all_tenants: true }, busy.key);
    expect(all.status).toBe(200);
    expect(all.body.results.map((result: { tenant_id: string; error?: string; rows?: unknown }) => [result.tenant_id, result.error ?? result.rows])).toEqual([
      [first.slug, refusal],
      [second.slug, [[0]]],
    ]);

    expect((await slow).status).toBe(200);
    expect((await slowInWorkspace).status).toBe(200);
    // Nothing of the refused runs happened or was logged; the places are free again.
    const rows = await query({ blueprint: 'busy', query: "SELECT count(*) FROM users WHERE name = 'refused'", tenant_id: first.slug }, busy.key);
    expect(rows.body).toMatchObject({ success: true, rows: [[0]] });
    const logs = await gateway.rest('GET', `/tenants/${first.slug}/logs`, { headers });
    expect(logs.body.logs.map((entry: { query: string }) => entry.query)).toEqual([
      "SELECT count(*) FROM users WHERE name = 'refused'",
      'SELECT pg_sleep(1.5)',
    ]);
  });
});
