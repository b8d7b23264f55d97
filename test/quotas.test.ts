import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dataPlaneCatalog } from './support/data-plane.js';
import { codes, createKey, setProjectTier, signupAccount } from './support/fixtures.js';
import { type GraphQLResponse, startGateway, type TestGateway, uniqueSlug } from './support/gateway.js';

// Issue 24, finding 2: one FREE account made 30 projects, 30 tenants and 20 workspaces. Each
// plan has quotas (src/modules/quotas/quotas.ts, docs/usage-and-limits.md, "Plans and quotas"); past one the create is
// refused naming the quota, its limit and the count, and nothing is written.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.close());

const as = (key: string) => ({ authorization: `Bearer ${key}` });
const prisma = () => gateway.database.prisma;

/** A refusal for a quota, in GraphQL's format. */
function expectQuota(result: GraphQLResponse<unknown>, quota: string, limit: number, current: number) {
  expect(codes(result), JSON.stringify(result.errors)).toEqual(['FORBIDDEN']);
  expect(result.errors![0]!.extensions).toMatchObject({ reason: 'quota_exceeded', quota, limit, current });
}

/** A FREE account's project (POST /signup): its key, slug and id. */
async function freeProject() {
  const account = await signupAccount(gateway);
  const { id } = await prisma().project.findUniqueOrThrow({ where: { slug: account.projectId } });
  return { ...account, slug: account.projectId, id };
}

const createTenant = (key: string, slug = uniqueSlug()) =>
  gateway.graphql(`mutation { createTenant(input: { slug: "${slug}", name: "T" }) { id } }`, undefined, key);
const schemaExists = async (like: string) =>
  (await gateway.database.sql.transaction((tx) => tx.query('SELECT 1 FROM pg_namespace WHERE nspname LIKE $1', [like]))).rows.length > 0;

describe('projects per account', () => {
  test('FREE: the 4th project is 403 naming the quota (TenantsDB) and FORBIDDEN (GraphQL); a paid project lifts the account', async () => {
    const account = await freeProject();
    for (const name of ['Second', 'Third']) expect((await gateway.rest('POST', '/projects', { headers: as(account.key), body: { name } })).status).toBe(201);
    const refused = await gateway.rest('POST', '/projects', { headers: as(account.key), body: { name: 'Fourth' } });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      success: false,
      http_status: 403,
      code: 'forbidden',
      error: 'Quota reached: the FREE plan allows 3 projects per account, and this account has 3; remove some or upgrade the plan',
      quota: 'projects',
      plan: 'free',
      limit: 3,
      current: 3,
    });
    expectQuota(await gateway.graphql('mutation { createCustomerProject(input: { name: "Fourth" }) { apiKey } }', undefined, account.key), 'projects', 3, 3);
    const customer = await prisma().customer.findUniqueOrThrow({ where: { email: account.email } });
    expect(await prisma().project.count({ where: { customerId: customer.id } })).toBe(3);
    // The account's plan is its best project's: an operator makes one BASIC (10 projects).
    await setProjectTier(gateway, account.slug, 'BASIC');
    expect((await gateway.rest('POST', '/projects', { headers: as(account.key), body: { name: 'Fourth' } })).status).toBe(201);
  });

  test('racing for the last slot of an account: one wins', async () => {
    const account = await freeProject();
    expect((await gateway.rest('POST', '/projects', { headers: as(account.key), body: { name: 'Second' } })).status).toBe(201);
    const results = await Promise.all(['A', 'B', 'C'].map((name) => gateway.rest('POST', '/projects', { headers: as(account.key), body: { name } })));
    expect(results.map((result) => result.status).sort()).toEqual([201, 403, 403]);
    const customer = await prisma().customer.findUniqueOrThrow({ where: { email: account.email } });
    expect(await prisma().project.count({ where: { customerId: customer.id } })).toBe(3);
  });
});

describe('tenants per project', () => {
  test('FREE: the 6th tenant is refused on GraphQL and on POST /tenants, with no schema made; tenants in the trash count; the operator provisions past it', async () => {
    const project = await freeProject();
    expect(
      (await gateway.rest('POST', '/workspaces', { headers: as(project.key), body: { name: 'main', database: 'PostgreSQL', mode: 'tenant' } })).status,
    ).toBe(201);
    const first = await gateway.rest('POST', '/tenants', {
      headers: as(project.key),
      body: { tenant_id: 'first', databases: [{ blueprint: 'main', isolation_level: 1 }] },
    });
    expect(first.status).toBe(201);
    for (let index = 0; index < 4; index++) expect((await createTenant(project.key)).errors).toBeUndefined();
    // Deleted (in the trash), the tenant still holds its schema and role: it still counts.
    expect((await gateway.rest('DELETE', '/tenants/first', { headers: as(project.key) })).status).toBe(200);
    expectQuota(await createTenant(project.key), 'tenants', 5, 5);
    const rest = await gateway.rest('POST', '/tenants', {
      headers: as(project.key),
      body: { tenant_id: 'sixth', databases: [{ blueprint: 'main', isolation_level: 1 }] },
    });
    expect(rest.status).toBe(403);
    expect(rest.body).toMatchObject({ code: 'forbidden', quota: 'tenants', plan: 'free', limit: 5, current: 5 });
    expect(await schemaExists('%main\\_\\_sixth')).toBe(false);
    expect(await prisma().tenant.count({ where: { projectId: project.id } })).toBe(5);
    // Quotas bind the customer's own keys; an operator provisions past them.
    const byOperator = await gateway.graphql(`mutation { createTenant(input: { slug: "${uniqueSlug()}", name: "T", projectId: "${project.id}" }) { id } }`);
    expect(byOperator.errors).toBeUndefined();
  });

  test('two creates racing for the last slot: exactly one wins', async () => {
    const project = await freeProject();
    for (let index = 0; index < 4; index++) expect((await createTenant(project.key)).errors).toBeUndefined();
    const results = await Promise.all(Array.from({ length: 4 }, () => createTenant(project.key)));
    expect(results.filter((result) => !result.errors).length).toBe(1);
    for (const result of results.filter((result) => result.errors)) expectQuota(result, 'tenants', 5, 5);
    expect(await prisma().tenant.count({ where: { projectId: project.id } })).toBe(5);
  });
});

describe('workspaces and blueprints per project', () => {
  const workspace = (key: string, name: string, mode: string) =>
    gateway.rest('POST', '/workspaces', { headers: as(key), body: { name, database: 'PostgreSQL', mode } });

  test('FREE: 2 blueprints (tenant-mode workspaces) and 3 workspaces; past either, 403 naming it and no schema', async () => {
    const project = await freeProject();
    expect((await workspace(project.key, 'one', 'tenant')).status).toBe(201);
    expect((await workspace(project.key, 'two', 'tenant')).status).toBe(201);
    const blueprint = await workspace(project.key, 'three', 'tenant');
    expect(blueprint.status).toBe(403);
    expect(blueprint.body).toMatchObject({ quota: 'blueprints', limit: 2, current: 2 });
    expect(await schemaExists('%\\_three\\_workspace')).toBe(false);
    expect((await workspace(project.key, 'control', 'control')).status).toBe(201);
    const refused = await workspace(project.key, 'another', 'control');
    expect(refused.body).toMatchObject({ code: 'forbidden', quota: 'workspaces', limit: 3, current: 3 });
    expectQuota(
      await gateway.graphql(
        'mutation { createWorkspace(input: { name: "again", database: "PostgreSQL", mode: "control" }) { password } }',
        undefined,
        project.key,
      ),
      'workspaces',
      3,
      3,
    );
    expect(await schemaExists('%\\_another\\_workspace')).toBe(false);
    expect(await prisma().workspace.count({ where: { projectId: project.id } })).toBe(3);
    // A paid project has room.
    await setProjectTier(gateway, project.slug, 'BASIC');
    expect((await workspace(project.key, 'three', 'tenant')).status).toBe(201);
  });

  test('racing for the last workspace: one wins, the others leave no schema behind', async () => {
    const project = await freeProject();
    for (const name of ['a1', 'a2']) expect((await workspace(project.key, name, 'control')).status).toBe(201);
    const results = await Promise.all(['r1', 'r2', 'r3'].map((name) => workspace(project.key, name, 'control')));
    expect(results.map((result) => result.status).sort()).toEqual([201, 403, 403]);
    const made = await prisma().workspace.findMany({ where: { projectId: project.id }, include: { placement: true } });
    expect(made.length).toBe(3);
    // The losers' placements, schemas and roles are gone; the winners' are all there is.
    expect(await prisma().dataPlacement.count({ where: { database: { projectId: project.id } } })).toBe(3);
    const prefix = made[0]!.placement!.schemaName.split('_')[0];
    const schemas = await dataPlaneCatalog(gateway, { projectId: project.id }, 'SELECT nspname FROM pg_namespace WHERE nspname LIKE $1', [
      `${prefix}\\_%\\_workspace`,
    ]);
    expect(schemas.rows.map(([name]) => String(name)).sort()).toEqual(made.map((row) => row.placement!.schemaName).sort());
  });
});

describe('API keys per project', () => {
  test('FREE: 5 working keys; session keys, revoked and expired keys do not count; the operator is not bound', async () => {
    const project = await freeProject();
    // A login's session key does not count.
    expect((await gateway.rest('POST', '/login', { body: { email: project.email, password: 'correct horse battery' } })).status).toBe(200);
    for (let index = 0; index < 4; index++) {
      const response = await gateway.rest('POST', '/apikeys', { headers: as(project.key), body: { name: `k${index}` } });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
    }
    const refused = await gateway.rest('POST', '/apikeys', { headers: as(project.key), body: { name: 'sixth' } });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ quota: 'api_keys', plan: 'free', limit: 5, current: 5 });
    expectQuota(
      await gateway.graphql(
        `mutation { createApiKey(input: { name: "x", scopes: [TENANTS_READ], projectId: "${project.id}" }) { secret } }`,
        undefined,
        project.key,
      ),
      'apiKeys',
      5,
      5,
    );
    expect(await prisma().apiKey.count({ where: { projectId: project.id, session: false } })).toBe(5);
    // Revoking one frees its slot.
    const revoked = await prisma().apiKey.findFirstOrThrow({ where: { projectId: project.id, name: 'k0' } });
    expect((await gateway.graphql(`mutation { revokeApiKey(id: "${revoked.id}") { id } }`, undefined, project.key)).errors).toBeUndefined();
    expect((await gateway.rest('POST', '/apikeys', { headers: as(project.key), body: { name: 'again' } })).status).toBe(201);
    expect((await createKey(gateway, { scopes: ['ADMIN'], projectId: project.id })).secret).toBeTruthy();
  });
});

describe("a tenant's secrets, gateway routes and webhooks", () => {
  async function freeTenantKey() {
    const project = await freeProject();
    const created = await createTenant(project.key);
    const tenantId = (created.data as { createTenant: { id: string } }).createTenant.id;
    const key = await createKey(gateway, { scopes: ['SECRETS_WRITE', 'SECRETS_READ', 'CONFIG_WRITE', 'CONFIG_READ'], tenant: tenantId });
    return { tenantId, key: key.secret };
  }
  const store = (key: string, name: string) => gateway.graphql(`mutation { storeTenantSecret(name: "${name}", value: "v") { name } }`, undefined, key);

  test('FREE: 10 secrets; an 11th name is refused (GraphQL and POST /tenant/secrets) while replacing one is fine', async () => {
    const { tenantId, key } = await freeTenantKey();
    for (let index = 0; index < 10; index++) expect((await store(key, `S${index}`)).errors).toBeUndefined();
    expectQuota(await store(key, 'S10'), 'secrets', 10, 10);
    const rest = await gateway.rest('POST', '/tenant/secrets', { headers: as(key), body: { key: 'S10', value: 'v' } });
    expect(rest.status).toBe(403);
    expect(rest.body).toEqual({
      success: false,
      error: 'forbidden',
      message: 'Quota reached: the FREE plan allows 10 secrets per tenant, and this tenant has 10; remove some or upgrade the plan',
    });
    expect((await store(key, 'S3')).errors).toBeUndefined();
    expect(await prisma().tenantSecret.count({ where: { tenantId } })).toBe(10);
    expect(await prisma().tenantSecretVersion.count({ where: { tenantId, name: 'S10' } })).toBe(0);
  });

  test('racing for the last secret: one wins', async () => {
    const { tenantId, key } = await freeTenantKey();
    for (let index = 0; index < 9; index++) expect((await store(key, `S${index}`)).errors).toBeUndefined();
    const results = await Promise.all(['RA', 'RB', 'RC'].map((name) => store(key, name)));
    expect(results.filter((result) => !result.errors).length).toBe(1);
    expect(await prisma().tenantSecret.count({ where: { tenantId } })).toBe(10);
  });

  const routes = (count: number) => Array.from({ length: count }, (_, index) => ({ path: `/r${index}`, method: 'GET' }));
  /** REST names the events as the seed does (secret.stored), GraphQL as its enum (SECRET_STORED). */
  const webhooks = (count: number, event = 'SECRET_STORED') =>
    Array.from({ length: count }, (_, index) => ({ url: `https://hooks${index}.example.com/in`, events: [event] }));
  const save = (key: string | undefined, input: unknown, tenant?: string) =>
    gateway.graphql(
      'mutation ($tenant: ID, $input: GatewayConfigPatchInput!) { saveGatewayConfig(tenant: $tenant, input: $input) { updatedFields } }',
      { tenant, input },
      key,
    );

  test('FREE: 10 routes and 2 webhooks; more is refused naming the quota, nothing saved; a configuration over its quota (set by an operator) may be kept, not grown', async () => {
    const { tenantId, key } = await freeTenantKey();
    const refused = await save(key, { routes: routes(11) });
    expectQuota(refused, 'routes', 10, 0);
    expect(refused.errors![0]!.extensions).toMatchObject({ field: 'routes', requested: 11 });
    const rest = await gateway.rest('POST', '/tenant/config', { headers: as(key), body: { webhooks: webhooks(3, 'secret.stored') } });
    expect(rest.status).toBe(403);
    expect(rest.body.message).toMatch(/allows 2 webhooks per tenant/);
    expect(await prisma().tenantGatewayConfig.findUnique({ where: { tenantId } })).toBeNull();
    expect((await save(key, { routes: routes(10), webhooks: webhooks(2) })).errors).toBeUndefined();
    // The operator is not bound; the tenant then keeps what it has, and may shrink it, but not grow it.
    expect((await save(gateway.adminKey, { routes: routes(12) }, tenantId)).errors).toBeUndefined();
    expect((await save(key, { routes: routes(12), cache: { enabled: true } })).errors).toBeUndefined();
    expectQuota(await save(key, { routes: routes(13) }), 'routes', 10, 12);
    expect((await save(key, { routes: routes(11) })).errors).toBeUndefined();
  });
});
