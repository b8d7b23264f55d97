import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

/** CI runs a fixed seed and a bounded count; FUZZ_RUNS raises it (`npm run fuzz`). */
const runs = Number(process.env.FUZZ_RUNS ?? 1000);
const seed = Number(process.env.FUZZ_SEED ?? 20_240_611);

let gateway: TestGateway;
let tenants: { id: string; slug: string }[];
beforeAll(async () => {
  gateway = await startGateway();
  tenants = await Promise.all(Array.from({ length: 4 }, () => createTenant(gateway, { tier: 'ENTERPRISE' })));
});
afterAll(() => gateway.close());

const nasty = fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udc00', '', ' ', '../..', "'; DROP TABLE x; --", 'ü😀', 'a'.repeat(5000), '__proto__', 'constructor');
const scalar = fc.oneof(
  fc.string(),
  nasty,
  fc.integer(),
  fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, 1e308, -0, 0.5),
  fc.boolean(),
  fc.constant(null),
);
const prototypeKey = fc.constantFrom('__proto__', 'constructor', 'prototype');

/** JSON with the route's own field names among random ones, prototype keys and deep nesting. */
function jsonWith(names: string[]) {
  const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, fc.string({ maxLength: 8 }), prototypeKey, nasty);
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(key, tie('value'), { maxKeys: 6 }),
    ),
  }));
  const deep = fc.integer({ min: 30, max: 2000 }).map((depth) => {
    let nested: unknown = 'x';
    for (let level = 0; level < depth; level++) nested = { [names[0]!]: nested };
    return nested;
  });
  return fc.oneof({ weight: 6, arbitrary: fc.dictionary(key, value, { maxKeys: 8 }) }, value, deep);
}

const configNames = ['performance', 'security', 'compliance', 'replication', 'backup', 'custom_settings', 'cache_size_mb', 'destinations', 'k'];
const tenantNames = ['name', 'blueprint', 'isolation_level', 'region', 'tier', 'database_name', 'client_label', 'storage_path', 'timestamp', 'level'];
const secretNames = ['key', 'value', 'name'];
const rbacNames = ['name', 'description', 'permissions', 'enabled', 'defaultRole', 'role', 'permission'];
const gatewayConfigNames = ['routes', 'credentials', 'rateLimit', 'cache', 'webhooks', 'path', 'method', 'default', 'max', 'windowSeconds', 'enabled', 'ttlSeconds', 'url', 'events', 'secret'];
const limitNames = ['resource', 'metric', 'amount', 'limit', 'period', 'userId', 'gateAction', 'tiers', 'idempotencyKey'];

type Call = { kind: 'rest'; method: string; path: string; body: unknown } | { kind: 'graphql'; query: string; variables: Record<string, unknown> };

const tenantIndex = fc.integer({ min: 0, max: 3 });
const restRoutes: [string, string, string[]][] = [
  ['PUT', '/api/v1/tenants/{id}/config', configNames],
  ['POST', '/api/initialize-tenant', tenantNames],
  ['DELETE', '/api/delete-tenant', tenantNames],
  ['PUT', '/tenant/limits/resources', limitNames],
  ['POST', '/tenant/limits/resources/check', limitNames],
  ['POST', '/tenant/limits/resources/track', limitNames],
  ['POST', '/tenant/secrets', secretNames],
  ['POST', '/tenant/config', gatewayConfigNames],
  ['POST', '/tenant/rbac/roles', rbacNames],
  ['PUT', '/tenant/rbac', rbacNames],
  ['PUT', '/tenant/rbac/roles/admin', rbacNames],
  ['POST', '/tenants', tenantNames],
  ['PATCH', '/tenants/{id}/isolation', tenantNames],
  ['POST', '/tenants/{id}/backup', tenantNames],
  ['POST', '/tenants/{id}/rollback', tenantNames],
  ['POST', '/tenants/{id}/recover', tenantNames],
  ['POST', '/tenants/{id}/suspend', tenantNames],
  ['POST', '/tenants/{id}/resume', tenantNames],
];
const rest: fc.Arbitrary<Call> = fc
  .tuple(fc.constantFrom(...restRoutes), tenantIndex, fc.option(fc.oneof(fc.string().map(encodeURIComponent), fc.constantFrom('%00', 'a%00', '%ED%A0%80', '%FF', '%2e%2e', 'x'.repeat(300))), { freq: 5 }))
  .chain(([[method, path, names], index, oddId]) =>
    jsonWith(names).map((body): Call => ({ kind: 'rest', method, path: path.replace('{id}', oddId ?? tenants[index]!.slug), body })),
  );

const mutations: [string, string[]][] = [
  ['mutation ($tenant: ID!, $input: UpdateTenantConfigInput!) { updateTenantConfig(tenant: $tenant, input: $input) { updatedFields } }', ['performance', 'security', 'customSettings', 'backup', 'expectedVersion', 'cacheSizeMb']],
  ['mutation ($input: CreateTenantInput!) { createTenant(input: $input) { id } }', ['name', 'slug', 'tier', 'region', 'settings', 'legacyId', 'databases']],
  ['mutation ($tenant: ID!, $input: UpdateTenantInput!) { updateTenant(id: $tenant, input: $input) { id } }', ['name', 'tier', 'region', 'settings', 'maxUsers', 'expiresAt']],
  ['mutation ($tenant: ID, $input: ResourceAmountInput!) { trackUsage(tenant: $tenant, input: $input) { allowed } }', limitNames],
  ['mutation ($tenant: ID, $input: [ResourceLimitInput!]!) { setResourceLimits(tenant: $tenant, limits: $input) { resource } }', limitNames],
  ['mutation ($tenant: ID, $input: GatewayConfigPatchInput!) { saveGatewayConfig(tenant: $tenant, input: $input) { updatedFields } }', gatewayConfigNames],
  ['mutation ($tenant: ID, $input: [String!]!) { createRole(tenant: $tenant, name: "fuzz", permissions: $input) { name } }', rbacNames],
  ['mutation ($tenant: ID, $input: String!) { storeTenantSecret(tenant: $tenant, name: "FUZZ", value: $input) { name } }', secretNames],
];
const graphql: fc.Arbitrary<Call> = fc
  .tuple(fc.constantFrom(...mutations), tenantIndex)
  .chain(([[query, names], index]) =>
    jsonWith(names).map((input): Call => ({ kind: 'graphql', query, variables: { tenant: tenants[index]!.id, input } })),
  );

async function send(call: Call): Promise<{ status: number; body: unknown }> {
  const operator = { authorization: `Bearer ${gateway.adminKey}` };
  const request =
    call.kind === 'rest'
      ? new Request(`http://gateway.test${call.path}`, {
          method: call.method,
          headers: { ...operator, 'x-api-key': gateway.adminKey, 'content-type': 'application/json' },
          body: JSON.stringify(call.body),
        })
      : new Request('http://gateway.test/graphql', {
          method: 'POST',
          headers: { ...operator, 'content-type': 'application/json' },
          body: JSON.stringify({ query: call.query, variables: call.variables }),
        });
  const response = await gateway.app.fetch(request);
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

test(`generated bodies to every mutating REST route and GraphQL mutation: no 5xx, no INTERNAL, no partial write (${runs} runs)`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(rest, graphql), async (call) => {
      const { status, body } = await send(call);
      expect(status, JSON.stringify({ call, body })).toBeLessThan(500);
      expect(JSON.stringify(body), JSON.stringify(call)).not.toMatch(/"INTERNAL"|internal_error/);
    }),
    { numRuns: runs, seed, endOnFailure: true },
  );

  const prisma = gateway.database.prisma;
  const configs = await prisma.tenantConfig.findMany({ select: { tenantId: true, version: true } });
  const revisions = await prisma.tenantConfigRevision.groupBy({ by: ['tenantId'], where: { kind: 'config' }, _max: { version: true }, _count: true });
  const byTenant = new Map(revisions.map((revision) => [revision.tenantId, revision]));
  for (const config of configs) {
    expect(byTenant.get(config.tenantId)?._max.version, config.tenantId).toBe(config.version);
    expect(byTenant.get(config.tenantId)?._count, config.tenantId).toBe(config.version);
  }
  expect(await prisma.tenant.count({ where: { config: null } })).toBe(0);
}, 120_000);
