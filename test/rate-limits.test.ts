import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Scope } from '../src/generated/graphql/graphql.js';
import { defaultRateLimits } from '../src/rate-limit/limits.js';
import { codes, createKey, createTenant, setProjectTier, signupAccount } from './support/fixtures.js';
import { startGateway, type TestGateway, testRateLimits, uniqueSlug } from './support/gateway.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway({
    rateLimits: {
      ip: { perSecond: 5, banAfterViolations: 3, banSeconds: 2 },
      tierPerMinute: { ...testRateLimits.tierPerMinute, FREE: 4, BASIC: 8 },
      backupsPerHour: { FREE: 2, BASIC: 3, PRO: 3, ENTERPRISE: 3 },
      fields: { 'Query.tenantConfig': 4, 'Mutation.updateTenantConfig': 3, 'Query.tenantFeatures': 4 },
    },
  });
});
afterAll(() => gateway.close());

const operator = () => ({ authorization: `Bearer ${gateway.adminKey}` });

function expectRateLimitHeaders(headers: Headers, policy: string, limit: number, window: number) {
  const retryAfter = Number(headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(window);
  expect(headers.get('ratelimit-policy')).toBe(`"${policy}";q=${limit};w=${window}`);
  expect(headers.get('ratelimit')).toBe(`"${policy}";r=0;t=${retryAfter}`);
}

test("the defaults are the seeds' numbers", () => {
  expect(defaultRateLimits).toEqual({
    ip: { perSecond: 100, banAfterViolations: 5, banSeconds: 300 },
    tierPerMinute: { FREE: 60, BASIC: 300, PRO: 1000, ENTERPRISE: 5000 },
    backupsPerHour: { FREE: 5, BASIC: 20, PRO: 50, ENTERPRISE: 100 },
    fields: { 'Query.tenantConfig': 100, 'Mutation.updateTenantConfig': 10, 'Query.tenantFeatures': 100 },
  });
});

describe('per-tenant field limits', () => {
  test('configuration updates: GraphQL and REST callers share one count per tenant', async () => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE' });
    const other = await createTenant(gateway, { tier: 'ENTERPRISE' });
    const update = (id: string) => gateway.graphql(`mutation { updateTenantConfig(tenant: "${id}", input: { performance: { cacheSizeMb: 10 } }) { message } }`);
    expect((await update(tenant.id)).errors).toBeUndefined();
    expect(
      (await gateway.rest('PUT', `/api/v1/tenants/${tenant.id}/config`, { headers: operator(), body: { performance: { cache_size_mb: 20 } } })).status,
    ).toBe(200);
    expect((await update(tenant.id)).errors).toBeUndefined();

    const refusedRest = await gateway.rest('PUT', `/api/v1/tenants/${tenant.id}/config`, { headers: operator(), body: { performance: { cache_size_mb: 30 } } });
    expect(refusedRest.status).toBe(429);
    expect(refusedRest.body).toEqual({
      error: 'Too Many Requests',
      message: 'Rate limit exceeded: max 3 updateTenantConfig requests per minute per tenant',
      code: 429,
      tenant_id: tenant.id,
    });
    expectRateLimitHeaders(refusedRest.headers, 'Mutation.updateTenantConfig', 3, 60);

    const refusedGraphql = await gateway.graphql(
      `mutation { updateTenantConfig(tenant: "${tenant.id}", input: { performance: { cacheSizeMb: 40 } }) { message } }`,
    );
    expect(refusedGraphql.status).toBe(429);
    expect(codes(refusedGraphql)).toEqual(['RATE_LIMITED']);
    expect(refusedGraphql.errors![0]!.extensions).toMatchObject({
      policy: 'Mutation.updateTenantConfig',
      limit: 3,
      windowSeconds: 60,
      retryAfter: expect.any(Number),
    });

    const { data } = await gateway.graphql<{ tenantConfig: { performance: { cacheSizeMb: number } } }, object>(
      `{ tenantConfig(tenant: "${tenant.id}") { performance { cacheSizeMb } } }`,
    );
    expect(data!.tenantConfig.performance.cacheSizeMb).toBe(10);
    expect((await update(other.id)).errors).toBeUndefined();
  });

  test('configuration reads and feature queries have their own limits', async () => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE' });
    for (let index = 0; index < 4; index++)
      expect((await gateway.rest('GET', `/api/v1/tenants/${tenant.id}/config`, { headers: operator() })).status).toBe(200);
    expect((await gateway.rest('GET', `/api/v1/tenants/${tenant.id}/config`, { headers: operator() })).status).toBe(429);
    expect((await gateway.rest('GET', `/api/v1/tenants/${tenant.id}/features`, { headers: operator() })).status).toBe(200);
  });
});

describe("per-tenant field limits count the tenant's own uses, once it is resolved and access granted", () => {
  const tenantScopes: Scope[] = ['CONFIG_READ', 'CONFIG_WRITE', 'FEATURES_READ'];
  const update = (ref: string, key?: string) =>
    gateway.graphql(`mutation { updateTenantConfig(tenant: "${ref}", input: { performance: { cacheSizeMb: 10 } }) { message } }`, {}, key);
  const readConfig = (ref: string, key?: string) => gateway.graphql(`{ tenantConfig(tenant: "${ref}") { version } }`, {}, key);
  const queryFeatures = (ref: string, key?: string) => gateway.graphql(`{ tenantFeatures(tenant: "${ref}") { totalEnabled } }`, {}, key);

  test("another tenant's key spends nothing of foxtrot's budget: its NOT_FOUND attempts are not counted", async () => {
    const foxtrot = await createTenant(gateway, { tier: 'ENTERPRISE' });
    const other = await createTenant(gateway, { tier: 'ENTERPRISE' });
    const intruder = await createKey(gateway, { scopes: tenantScopes, tenant: other.id });
    const own = await createKey(gateway, { scopes: tenantScopes, tenant: foxtrot.id });
    for (let attempt = 0; attempt < 10; attempt++) {
      expect(codes(await update(foxtrot.slug, intruder.secret))).toEqual(['NOT_FOUND']);
      expect(codes(await readConfig(foxtrot.id, intruder.secret))).toEqual(['NOT_FOUND']);
      expect(codes(await queryFeatures(foxtrot.slug, intruder.secret))).toEqual(['NOT_FOUND']);
    }

    expect((await update(foxtrot.slug, own.secret)).errors).toBeUndefined();
    expect((await update(foxtrot.id)).errors).toBeUndefined();
    expect(
      (await gateway.rest('PUT', `/api/v1/tenants/${foxtrot.id}/config`, { headers: operator(), body: { performance: { cache_size_mb: 20 } } })).status,
    ).toBe(200);
    expect(codes(await update(foxtrot.slug, own.secret))).toEqual(['RATE_LIMITED']);

    for (let index = 0; index < 3; index++) expect((await readConfig(foxtrot.slug, own.secret)).errors).toBeUndefined();
    expect((await gateway.rest('GET', `/api/v1/tenants/${foxtrot.id}/config`, { headers: operator() })).status).toBe(200);
    expect((await gateway.rest('GET', `/api/v1/tenants/${foxtrot.id}/config`, { headers: operator() })).status).toBe(429);
    for (let index = 0; index < 4; index++) expect((await queryFeatures(foxtrot.id, own.secret)).errors).toBeUndefined();
    expect(codes(await queryFeatures(foxtrot.id))).toEqual(['RATE_LIMITED']);
  });

  test('a tenant named by slug or by UUID spends one budget, once a call', async () => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE' });
    expect((await update(tenant.slug)).errors).toBeUndefined();
    expect((await update(tenant.id)).errors).toBeUndefined();
    expect((await update(tenant.slug)).errors).toBeUndefined();
    const refused = await update(tenant.id);
    expect(refused.status).toBe(429);
    expect(refused.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', policy: 'Mutation.updateTenantConfig', limit: 3, windowSeconds: 60 });
    expect(codes(await update(tenant.slug))).toEqual(['RATE_LIMITED']);
    expect(
      (await gateway.rest('PUT', `/api/v1/tenants/${tenant.slug}/config`, { headers: operator(), body: { performance: { cache_size_mb: 30 } } })).status,
    ).toBe(429);
  });

  test('nested reads count: Tenant.config is a configuration read, Tenant.features a feature query', async () => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE' });
    const nested = () => gateway.graphql(`{ tenant(id: "${tenant.id}") { config { version } features { totalEnabled } } }`);
    for (let index = 0; index < 4; index++) expect((await nested()).errors).toBeUndefined();

    const refused = await nested();
    expect(refused.status).toBe(429);
    expect(codes(refused)).toEqual(['RATE_LIMITED']);
    expect(refused.errors![0]!.path![0]).toBe('tenant');
    const restRefused = await gateway.rest('GET', `/api/v1/tenants/${tenant.id}/config`, { headers: operator() });
    expect(restRefused.status).toBe(429);
    expectRateLimitHeaders(restRefused.headers, 'Query.tenantConfig', 4, 60);
    expect((await gateway.rest('GET', `/api/v1/tenants/${tenant.id}/features`, { headers: operator() })).status).toBe(429);
    expect((await gateway.graphql(`{ tenant(id: "${tenant.id}") { slug } }`)).errors).toBeUndefined();
  });

  test('every alias is a read: 4 aliases of tenant { config } spend the budget of 4, and 30 are refused', async () => {
    const aliasedReads = (tenant: string, count: number) =>
      `{ ${Array.from({ length: count }, (_unused, index) => `read${index}: tenant(id: "${tenant}") { config { version } }`).join(' ')} }`;
    const first = await createTenant(gateway, { tier: 'ENTERPRISE' });
    const four = await gateway.graphql<Record<string, { config: { version: number } }>, object>(aliasedReads(first.id, 4));
    expect(four.errors).toBeUndefined();
    expect(Object.values(four.data!).map((read) => read.config.version)).toEqual([1, 1, 1, 1]);
    expect(codes(await readConfig(first.id))).toEqual(['RATE_LIMITED']);

    const second = await createTenant(gateway, { tier: 'ENTERPRISE' });
    // 30: the most aliases a document may hold (src/graphql/document-limits.ts).
    const thousand = await gateway.graphql(aliasedReads(second.id, 30));
    expect(thousand.status).toBe(429);
    expect(thousand.data).toBeNull();
    expect(thousand.errors!.length).toBeGreaterThan(0);
    for (const error of thousand.errors!) expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', policy: 'Query.tenantConfig', limit: 4 });
    expect((await gateway.rest('GET', `/api/v1/tenants/${second.id}/config`, { headers: operator() })).status).toBe(429);
  });
});

describe('backup requests per hour (seed 002)', () => {
  const backup = (tenant: string) => gateway.graphql(`mutation { backupTenant(tenant: "${tenant}") { id } }`);

  test("a FREE tenant gets 2 an hour; the third is 429 in the caller's format with Retry-After, and no backup is taken", async () => {
    const tenant = await createTenant(gateway);
    expect((await backup(tenant.id)).errors).toBeUndefined();
    expect((await backup(tenant.id)).errors).toBeUndefined();
    const refused = await gateway.rest('POST', `/tenants/${tenant.slug}/backup`, { headers: operator() });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      success: false,
      http_status: 429,
      code: 'rate_limited',
      error: 'Backup rate limit exceeded: max 2 backup requests per hour for the FREE tier',
    });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3000);
    expectRateLimitHeaders(refused.headers, 'backups-free', 2, 3600);
    expect(codes(await backup(tenant.id))).toEqual(['RATE_LIMITED']);
    const listed = await gateway.graphql<{ tenantBackups: unknown[] }, object>(`{ tenantBackups(tenant: "${tenant.id}") { id } }`);
    expect(listed.data!.tenantBackups).toHaveLength(2);
  });

  test('dedicated tenants are exempt: their backups run on their own servers', async () => {
    const tenant = await createTenant(gateway, { tier: 'PRO', isolation: 'DEDICATED' });
    for (let i = 0; i < 5; i++) expect((await backup(tenant.id)).errors).toBeUndefined();
  });

  test("a project's shared tenants share the project's count", async () => {
    const project = await gateway.graphql<{ createProject: { id: string } }, object>(
      `mutation { createProject(slug: "${uniqueSlug('project')}", name: "P", tier: BASIC) { id } }`,
    );
    const projectId = project.data!.createProject.id;
    const [first, second] = [await createTenant(gateway, { projectId }), await createTenant(gateway, { projectId })];
    expect(first.tier).toBe('BASIC');
    expect((await backup(first.id)).errors).toBeUndefined();
    expect((await backup(first.id)).errors).toBeUndefined();
    expect((await backup(second.id)).errors).toBeUndefined();
    expect(codes(await backup(second.id))).toEqual(['RATE_LIMITED']);
  });
});

describe('tier quotas', () => {
  test("a FREE tenant key gets its tier's requests per minute, then RATE_LIMITED", async () => {
    const tenant = await createTenant(gateway, { tier: 'FREE' });
    const key = await createKey(gateway, { scopes: ['TENANTS_READ'], tenant: tenant.id });
    for (let index = 0; index < 4; index++) expect((await gateway.graphql(`{ tenant(id: "${tenant.id}") { id } }`, {}, key.secret)).errors).toBeUndefined();
    const refused = await gateway.graphql(`{ tenant(id: "${tenant.id}") { id } }`, {}, key.secret);
    expect(refused.status).toBe(429);
    expect(refused.errors![0]!.message).toBe('Rate limit exceeded: max 4 requests per minute for the FREE tier');
    expect(refused.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', policy: 'tier-free', limit: 4, windowSeconds: 60 });
    expect((await gateway.graphql(`{ tenant(id: "${tenant.id}") { id } }`)).errors).toBeUndefined();
  });
});

describe('project quotas (seed 002: API requests per minute, per project, by plan)', () => {
  test("a FREE project's keys share its plan's requests a minute: REST and GraphQL alike, then 429 in the envelope; another project is not held", async () => {
    const account = await signupAccount(gateway);
    const headers = { authorization: `Bearer ${account.key}` };
    // A second key of the same project counts on the same minute.
    const { id: projectId } = await gateway.database.prisma.project.findUniqueOrThrow({ where: { slug: account.projectId } });
    const second = await gateway.graphql<{ createApiKey: { secret: string } }, object>(
      'mutation ($projectId: ID!) { createApiKey(input: { name: "second", projectId: $projectId, scopes: [TENANTS_READ] }) { secret } }',
      { projectId },
      account.key,
    );
    expect(second.errors).toBeUndefined();
    // signup's own request was not a project key's; createApiKey was the first, these are the 2nd to 4th.
    expect((await gateway.rest('GET', '/tenants', { headers })).status).toBe(200);
    expect((await gateway.graphql('{ tenants(first: 1) { totalCount } }', {}, second.data!.createApiKey.secret)).errors).toBeUndefined();
    expect((await gateway.rest('GET', '/tenants', { headers })).status).toBe(200);
    const refused = await gateway.rest('GET', '/tenants', { headers });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      success: false,
      http_status: 429,
      code: 'rate_limited',
      error: "Rate limit exceeded: max 4 requests per minute for the project's FREE plan",
    });
    expectRateLimitHeaders(refused.headers, 'project-tier-free', 4, 60);
    // Control Core's 429 body says it is the project's count, not the tenant the request names.
    const controlCore = await gateway.rest('GET', '/api/v1/policies', { headers: { ...headers, 'x-tenant-id': 'acme' } });
    expect(controlCore.status).toBe(429);
    expect(controlCore.body).toMatchObject({
      error: 'rate_limit_exceeded',
      message: "Rate limit exceeded: max 4 requests per minute for the project's FREE plan",
    });
    const overGraphQL = await gateway.graphql('{ tenants(first: 1) { totalCount } }', {}, second.data!.createApiKey.secret);
    expect(overGraphQL.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', policy: 'project-tier-free', limit: 4 });
    // Another project, and the operator, are not held by it.
    const other = await signupAccount(gateway);
    expect((await gateway.rest('GET', '/tenants', { headers: { authorization: `Bearer ${other.key}` } })).status).toBe(200);
    expect((await gateway.graphql('{ viewer { project { tier } } }')).status).toBe(200);
  });

  test("a paid project gets its plan's minute: raised to BASIC (8 here), its key passes FREE's 4 and is refused after 8", async () => {
    const account = await signupAccount(gateway);
    await setProjectTier(gateway, account.projectId, 'BASIC');
    const headers = { authorization: `Bearer ${account.key}` };
    for (let index = 0; index < 8; index++) expect((await gateway.rest('GET', '/tenants', { headers })).status).toBe(200);
    const refused = await gateway.rest('GET', '/tenants', { headers });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe("Rate limit exceeded: max 8 requests per minute for the project's BASIC plan");
  });
});

describe('IP limiter, before authentication', () => {
  const from = (address: string, path = '/graphql', init: RequestInit = {}) =>
    gateway.app.fetch(new Request(`http://gateway.test${path}`, init), { clientAddress: address });

  test('N a second per address; repeated violations ban the address; each dialect renders its 429', async () => {
    const address = '10.9.9.1';
    const statuses: number[] = [];
    for (let index = 0; index < 8; index++) statuses.push((await from(address, '/healthz/not-a-route')).status);
    expect(statuses.slice(0, 5)).toEqual([404, 404, 404, 404, 404]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);

    const graphql = await from(address, '/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(graphql.status).toBe(429);
    expect(await graphql.json()).toEqual({
      errors: [
        {
          message: 'Too many requests: this address is temporarily banned',
          extensions: { code: 'RATE_LIMITED', policy: 'ip-ban', limit: 5, windowSeconds: 2, retryAfter: 2 },
        },
      ],
    });
    expectRateLimitHeaders(graphql.headers, 'ip-ban', 5, 2);

    const config = await from(address, '/api/v1/tenants/acme/config');
    expect(config.status).toBe(429);
    expect(await config.json()).toEqual({
      error: 'Too Many Requests',
      message: 'Too many requests: this address is temporarily banned',
      code: 429,
      tenant_id: 'acme',
    });
    const history = await from(address, '/api/delete-tenant', { method: 'DELETE' });
    expect(await history.json()).toEqual({ detail: 'Too many requests: this address is temporarily banned' });
    const tenantApi = await from(address, '/usage/summary');
    expect(await tenantApi.json()).toEqual({ success: false, error: 'rate_limited', message: 'Too many requests: this address is temporarily banned' });

    expect(
      (await from('10.9.9.2', '/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' })).status,
    ).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await from(address, '/openapi.json')).status).toBe(200);
  });

  test('an address over its rate but not yet banned is told to retry in a second', async () => {
    const address = '10.9.9.3';
    for (let index = 0; index < 5; index++) await from(address, '/openapi.json');
    const refused = await from(address, '/openapi.json');
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ error: 'rate_limited', message: 'Rate limit exceeded: max 5 requests per second' });
    expectRateLimitHeaders(refused.headers, 'ip', 5, 1);
  });
});
