import { afterAll, beforeAll, expect, test } from 'vitest';
import { TenantPageDocument } from '../src/generated/graphql/graphql.js';
import { createBlueprints, createTenant, signupAccount } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

let gateway: TestGateway;
const region = 'ap-south-1';

beforeAll(async () => {
  gateway = await startGateway();
  for (let index = 0; index < 50; index++) {
    const tenant = await createTenant(gateway, { tier: index % 2 ? 'PRO' : 'ENTERPRISE', region });
    await gateway.graphql(`mutation { setTenantFeature(tenant: "${tenant.id}", feature: "ml_features", enabled: ${index % 2 === 0}) { totalEnabled } }`);
  }
});
afterAll(() => gateway.close());

async function statementsForPage(first: number) {
  let edges = 0;
  const statements = await gateway.countQueries(async () => {
    const page = await gateway.data(TenantPageDocument, { first, filter: { region } });
    edges = page.tenants.edges.length;
    for (const { node } of page.tenants.edges) {
      expect(node.config?.version).toBeGreaterThan(0);
      expect(node.features.features.length).toBeGreaterThanOrEqual(18);
    }
  });
  expect(edges).toBe(first);
  return statements.filter((sql) => !/^\s*(BEGIN|COMMIT|ROLLBACK|--)/i.test(sql));
}

test('a page of tenants with configuration and features costs the same SQL statements for 5 or 50 tenants', async () => {
  const five = await statementsForPage(5);
  const fifty = await statementsForPage(50);
  expect(fifty.length).toBe(five.length);
  // the page with its configuration and features joined in, and the total count
  expect(fifty.length).toBe(2);
});

test('suspendTenant answers the tenant with its configuration in the read that follows the transition, not in one more', async () => {
  const tenant = await createTenant(gateway, { region: 'eu-west-1' });
  let answered: unknown;
  const statements = await gateway.countQueries(async () => {
    const result = await gateway.graphql(`mutation { suspendTenant(id: "${tenant.id}") { status config { version } } }`);
    answered = result.data;
  });
  expect(answered).toEqual({ suspendTenant: { status: 'SUSPENDED', config: { version: 1 } } });
  const tenantReads = statements.filter((sql) => /^\s*SELECT\b[\s\S]*FROM "public"\."Tenant" AS/i.test(sql));
  // the read that resolves the tenant, and the read after the conditional update, with its configuration joined in
  expect(tenantReads, statements.join('\n')).toHaveLength(2);
});

test("a statement count is the work's own: background statements sent meanwhile (job polling, flushes) are not counted", async () => {
  // A timer set outside the counted work, as the gateway's background tasks are, fires while it runs.
  const background = new Promise<unknown>((resolve) => {
    setTimeout(() => resolve(gateway.database.prisma.$queryRawUnsafe('SELECT 1 AS background')), 20);
  });
  const statements = await gateway.countQueries(async () => {
    await background;
    await gateway.database.prisma.$queryRawUnsafe('SELECT 2 AS own');
  });
  expect(statements.filter((sql) => /AS (own|background)/.test(sql))).toEqual([expect.stringContaining('AS own')]);
});

test("TenantsDB's GET /tenants/{id}: the tenant, its state and its databases in one read of the tenant", async () => {
  const { key } = await signupAccount(gateway);
  await createBlueprints(gateway, key, ['main', 'fintech']);
  const headers = { authorization: `Bearer ${key}` };
  const created = await gateway.rest('POST', '/tenants', {
    headers,
    body: {
      tenant_id: 'counted',
      databases: [
        { blueprint: 'main', isolation_level: 1 },
        { blueprint: 'fintech', isolation_level: 1 },
      ],
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  let shown: { status: number; body: { databases: { blueprint: string }[] } } | undefined;
  const statements = await gateway.countQueries(async () => {
    shown = await gateway.rest('GET', '/tenants/counted', { headers });
  });
  expect(shown?.status).toBe(200);
  expect(shown?.body.databases.map((database) => database.blueprint)).toEqual(['fintech', 'main']);
  // One read of the tenant: the state's databases and the listed ones are one selection. (Each
  // database's name still loads its tenant's slug in one more, batched, statement.)
  const tenantReads = statements.filter((sql) => /^\s*SELECT\b[\s\S]*FROM "public"\."Tenant" AS "t0"/i.test(sql));
  expect(tenantReads, statements.join('\n\n')).toHaveLength(1);
});

test('a configuration write (the REST PUT): the tenant read with its configuration, then one statement writing the version, its revision and its audit event', async () => {
  const tenant = await createTenant(gateway, { region: 'eu-west-1' });
  const put = (size: number) =>
    gateway.rest('PUT', `/api/v1/tenants/${tenant.id}/config`, {
      headers: { authorization: `Bearer ${gateway.adminKey}` },
      body: { performance: { cache_size_mb: size } },
    });
  expect((await put(1000)).status).toBe(200);
  let answered: { status: number; body: unknown } | undefined;
  const statements = await gateway.countQueries(async () => {
    answered = await put(1001);
  });
  expect(answered?.status, JSON.stringify(answered?.body)).toBe(200);
  // The tenant with its configuration and webhooks; then the version, revision and audit event.
  expect(statements, statements.join('\n\n')).toEqual([
    expect.stringMatching(/FROM "public"\."Tenant" AS "t0"/),
    expect.stringContaining('configs: write the next version'),
  ]);
  const { prisma } = gateway.database;
  const config = await prisma.tenantConfig.findUniqueOrThrow({ where: { tenantId: tenant.id } });
  expect(config).toMatchObject({
    version: 3,
    updatedBy: 'operator',
    document: expect.objectContaining({ performance: expect.objectContaining({ cache_size_mb: 1001 }) }),
  });
  const revision = await prisma.tenantConfigRevision.findUniqueOrThrow({
    where: { tenantId_kind_version: { tenantId: tenant.id, kind: 'config', version: 3 } },
  });
  expect(revision).toMatchObject({
    principal: 'operator',
    updatedFields: ['performance.cache_size_mb'],
    document: config.document,
    createdAt: config.updatedAt,
  });
  const events = await prisma.auditEvent.findMany({ where: { tenantId: tenant.id, action: 'config.updated' }, orderBy: { createdAt: 'asc' } });
  expect(events.map((event) => [event.target, event.actor, event.changes])).toEqual([
    ['config:v2', 'operator', [{ path: 'performance.cache_size_mb', before: expect.any(Number), after: 1000 }]],
    ['config:v3', 'operator', [{ path: 'performance.cache_size_mb', before: 1000, after: 1001 }]],
  ]);
  expect(events[1]!.createdAt).toEqual(config.updatedAt);
  // Who asked, as the Prisma-written event of the same route records it.
  expect([events[1]!.requestId, events[1]!.clientAddress]).toEqual([expect.any(String), events[0]!.clientAddress]);
});
