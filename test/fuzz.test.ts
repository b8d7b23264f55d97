import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type DataPlaneProject, dataPlaneCatalog, projectWithBlueprint, tenantOf } from './support/data-plane.js';
import { withPlacement } from '../src/modules/data-plane-schemas/placements.js';
import { createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

/** CI runs a fixed seed and a bounded count; FUZZ_RUNS raises it (`npm run fuzz`). */
const runs = Number(process.env.FUZZ_RUNS ?? 1000);
const seed = Number(process.env.FUZZ_SEED ?? 20_240_611);

let gateway: TestGateway;
let tenants: { id: string; slug: string }[];
/** A TenantsDB account's project key, for the account routes. */
let customerKey: string;
/** A project with blueprint `main` and a tenant database `acme` of it, for deployments and admin queries. */
let dataPlane: DataPlaneProject;
beforeAll(async () => {
  gateway = await startGateway();
  tenants = await Promise.all(Array.from({ length: 4 }, () => createTenant(gateway, { tier: 'ENTERPRISE' })));
  customerKey = (await gateway.rest('POST', '/signup', { body: { email: 'fuzz@example.com', password: 'correct horse battery' } })).body.api_key;
  const workspace = await gateway.rest('POST', '/workspaces', {
    headers: { authorization: `Bearer ${customerKey}` },
    body: { name: 'fuzzws', database: 'PostgreSQL', mode: 'tenant' },
  });
  expect(workspace.status).toBe(201);
  dataPlane = await projectWithBlueprint(gateway, 'main', ['CREATE TABLE users (id int, name text)']);
  await tenantOf(gateway, dataPlane, 'acme');
});
afterAll(() => gateway.close());

const nasty = fc.constantFrom(
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00',
  '',
  ' ',
  '../..',
  "'; DROP TABLE x; --",
  'ü😀',
  'a'.repeat(5000),
  '__proto__',
  'constructor',
);
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
const controlCoreNames = ['name', 'domain', 'plan_type', 'region', 'custom_domain', 'settings', 'max_policies', 'max_users', 'max_bouncers', 'tenant_id'];
const documentNames = ['name', 'description', 'spec', 'mode', 'allow', 'effect'];
const accountNames = ['email', 'password', 'project_name', 'projectName', 'name', 'expires_at', 'expiresAt'];
const secretNames = ['key', 'value', 'name'];
const rbacNames = ['name', 'description', 'permissions', 'enabled', 'defaultRole', 'role', 'permission'];
const gatewayConfigNames = [
  'routes',
  'credentials',
  'rateLimit',
  'cache',
  'webhooks',
  'path',
  'method',
  'default',
  'max',
  'windowSeconds',
  'enabled',
  'ttlSeconds',
  'url',
  'events',
  'secret',
  'upstream',
  'timeoutMs',
  'credential',
  'type',
  'header',
  'parameter',
  'username',
  'llm',
  'varyBy',
  'headers',
  'request',
  'response',
  'set',
  'remove',
  'name',
  'value',
  'endUser',
];
const dataPlaneNames = ['blueprint', 'blueprint_name', 'query', 'tenant_id', 'all_tenants', 'version', 'deploy_all'];
const workspaceNames = [
  'name',
  'database',
  'mode',
  'query',
  'source',
  'template',
  'tables',
  'columns',
  'type',
  'nullable',
  'primary_key',
  'unique',
  'default',
  'references',
  'table',
  'column',
  'query_timeout_ms',
  'max_rows_per_query',
  'max_connections',
];
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
  ['POST', '/api/v1/tenants/{id}/domains', ['domain', 'ssl_certificate', 'ssl_private_key']],
  ['POST', '/api/v1/tenants/{id}/deploy', ['region', 'migrate_data', 'maintenance_window']],
  ['PUT', '/api/v1/tenants/{id}/billing', ['payment_method', 'billing_address', 'line1', 'city', 'state', 'postal_code', 'country']],
  ['POST', '/api/v1/tenants', controlCoreNames],
  ['PUT', '/api/v1/tenants/{id}', controlCoreNames],
  ['POST', '/api/v1/policies?tenant_id={id}', documentNames],
  ['POST', '/api/v1/bouncers?tenant_id={id}', documentNames],
  ['POST', '/api/v1/tenants/{id}/api-keys', ['name', 'scopes', 'expires_at', 'policies:read']],
  ['POST', '/signup', accountNames],
  ['POST', '/login', accountNames],
  ['POST', '/projects', accountNames],
  ['POST', '/projects/{id}/switch', accountNames],
  ['POST', '/apikeys', accountNames],
  ['POST', '/deployments', dataPlaneNames],
  ['POST', '/admin/query', dataPlaneNames],
  ['POST', '/workspaces', workspaceNames],
  ['POST', '/workspaces/{ws}/queries', workspaceNames],
  ['POST', '/workspaces/{ws}/schema', workspaceNames],
  ['POST', '/workspaces/{ws}/settings', workspaceNames],
  ['POST', '/workspaces/{ws}/diff/{ws}/revert', workspaceNames],
];
const rest: fc.Arbitrary<Call> = fc
  .tuple(
    fc.constantFrom(...restRoutes),
    tenantIndex,
    fc.option(fc.oneof(fc.string().map(encodeURIComponent), fc.constantFrom('%00', 'a%00', '%ED%A0%80', '%FF', '%2e%2e', 'x'.repeat(300))), { freq: 5 }),
  )
  .chain(([[method, path, names], index, oddId]) =>
    jsonWith(names).map(
      (body): Call => ({ kind: 'rest', method, path: path.replace('{id}', oddId ?? tenants[index]!.slug).replaceAll('{ws}', oddId ?? 'fuzzws'), body }),
    ),
  );

const mutations: [string, string[]][] = [
  [
    'mutation ($tenant: ID!, $input: UpdateTenantConfigInput!) { updateTenantConfig(tenant: $tenant, input: $input) { updatedFields } }',
    ['performance', 'security', 'customSettings', 'backup', 'expectedVersion', 'cacheSizeMb'],
  ],
  [
    'mutation ($input: CreateTenantInput!) { createTenant(input: $input) { id } }',
    ['name', 'slug', 'tier', 'region', 'settings', 'legacyId', 'databases', 'domain', 'customDomain', 'maxPolicies', 'maxBouncers'],
  ],
  [
    'mutation ($tenant: ID!, $input: UpdateTenantInput!) { updateTenant(id: $tenant, input: $input) { id } }',
    ['name', 'tier', 'region', 'settings', 'maxUsers', 'expiresAt', 'max_policies', 'plan_type', 'maxBouncers'],
  ],
  [
    'mutation ($tenant: String, $input: UpdateTenantInput!) { updateTenantInContext(context: { header: $tenant }, input: $input) { id } }',
    ['name', 'tier', 'settings', 'maxPolicies', 'maxBouncers', 'maxUsers', 'max_users', 'isolation'],
  ],
  [
    'mutation ($tenant: String, $input: TenantDocumentInput!) { createTenantDocument(context: { header: $tenant }, kind: POLICY, input: $input) { id } }',
    documentNames,
  ],
  ['mutation ($tenant: ID, $input: ResourceAmountInput!) { trackUsage(tenant: $tenant, input: $input) { allowed } }', limitNames],
  ['mutation ($tenant: ID, $input: [ResourceLimitInput!]!) { setResourceLimits(tenant: $tenant, limits: $input) { resource } }', limitNames],
  [
    'mutation ($tenant: ID!, $input: AddCustomDomainInput!) { addCustomDomain(tenant: $tenant, input: $input) { domain } }',
    ['domain', 'sslCertificate', 'sslPrivateKey'],
  ],
  [
    'mutation ($tenant: ID!, $input: DeployTenantInput!) { deployTenant(tenant: $tenant, input: $input) { id } }',
    ['region', 'migrateData', 'maintenanceWindow'],
  ],
  [
    'mutation ($tenant: ID!, $input: UpdateTenantBillingInput!) { updateTenantBilling(tenant: $tenant, input: $input) { paymentMethod } }',
    ['paymentMethod', 'billingAddress', 'line1', 'city', 'postalCode', 'country'],
  ],
  [
    'query ($tenant: ID!, $input: String) { tenantMetrics(tenant: $tenant, startDate: $input, endDate: $input, granularity: $input) { apiCalls { total } } }',
    ['week'],
  ],
  [
    'query ($tenant: ID!, $input: QueryLogFilterInput) { tenantQueryLogs(tenant: $tenant, filter: $input) { hasMore } }',
    ['kind', 'search', 'source', 'since', 'ERROR', 'SLOW', 'API', 'PROXY'],
  ],
  ['query ($input: ID!) { jobProgress(id: $input) { state done total } }', ['id', '00000000-0000-4000-8000-000000000000']],
  ['query ($input: TenantFilterInput) { tenants(first: 5, filter: $input) { edges { node { slug } } } }', ['search', 'status', 'tier', 'ACTIVE']],
  ['query ($input: ID) { apiKeys(first: 5, tenant: $input) { edges { node { id } } } }', ['tenant']],
  [
    'mutation ($tenant: ID!, $input: Int!) { restoreTenantConfigRevision(tenant: $tenant, version: $input, expectedVersion: $input) { config { version } } }',
    ['version'],
  ],
  ['mutation ($input: DeployBlueprintInput!) { deployBlueprint(input: $input) { id } }', ['blueprintName', 'version', 'deployAll']],
  ['mutation ($input: AdminQueryInput!) { runAdminQuery(input: $input) { durationMs } }', ['blueprint', 'query', 'tenant', 'allTenants']],
  ['mutation ($input: String) { rotateDataPlanePasswords(project: $input) { rotated } }', ['project']],
  ['mutation ($input: SignupInput!) { signup(input: $input) { apiKey } }', accountNames],
  ['mutation ($input: LoginInput!) { login(input: $input) { sessions { apiKey } } }', accountNames],
  ['mutation ($tenant: ID, $input: GatewayConfigPatchInput!) { saveGatewayConfig(tenant: $tenant, input: $input) { updatedFields } }', gatewayConfigNames],
  ['mutation ($tenant: ID, $input: [String!]!) { createRole(tenant: $tenant, name: "fuzz", permissions: $input) { name } }', rbacNames],
  ['mutation ($tenant: ID, $input: String!) { storeTenantSecret(tenant: $tenant, name: "FUZZ", value: $input) { name } }', secretNames],
  ['mutation ($tenant: ID!, $input: PlanTier!) { setProjectTier(project: $tenant, tier: $input) { id } }', ['FREE', 'PRO', 'ENTERPRISE', 'project', 'tier']],
  ['mutation ($input: ID!) { setProjectTier(project: $input, tier: FREE) { id } }', ['project', 'tdb_', 'demo']],
];
const graphql: fc.Arbitrary<Call> = fc
  .tuple(fc.constantFrom(...mutations), tenantIndex)
  .chain(([[query, names], index]) => jsonWith(names).map((input): Call => ({ kind: 'graphql', query, variables: { tenant: tenants[index]!.id, input } })));

/** Query strings of the GET routes that read their parameters: random names and values among the ones they take. */
const queryRoutes: [string, string[]][] = [
  ['/tenants/{id}/logs', ['limit', 'offset', 'type', 'search', 'source', 'since']],
  ['/tenants/{id}/logs/stats', ['since']],
  ['/tenants/{id}/metrics', ['since']],
  // Control Core's tenant context: ?tenant_id on a tenant-scoped read.
  ['/api/v1/policies', ['tenant_id']],
];
const queryValue = fc.oneof(
  fc.string(),
  nasty,
  fc.integer().map(String),
  fc.constantFrom('error', 'slow', 'api', 'proxy', '1h', '30d', '1000', '1001', '-1', '1e3', '%', '_'),
  fc.string({ minLength: 65, maxLength: 400 }),
);
/** encodeURIComponent; a string with a lone surrogate (which it refuses) goes as that surrogate's raw UTF-8 bytes. */
function encode(value: string) {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}
const queryCall: fc.Arbitrary<Call> = fc.tuple(fc.constantFrom(...queryRoutes), tenantIndex).chain(([[path, names], index]) =>
  fc.array(fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, fc.string({ maxLength: 8 })), queryValue), { maxLength: 6 }).map(
    (pairs): Call => ({
      kind: 'rest',
      method: 'GET',
      path: `${path.replace('{id}', tenants[index]!.slug)}?${pairs.map(([name, value]) => `${encode(name)}=${encode(value)}`).join('&')}`,
      body: undefined,
    }),
  ),
);

/** SQL made of pieces that matter to the classifier and the session: statements, comments, quoting, role escapes. */
const sqlPiece = fc.constantFrom(
  'SELECT * FROM users',
  'INSERT INTO users VALUES (1, $$a$$)',
  'DROP TABLE users',
  'create table x (id int)',
  ';',
  '--',
  '/*',
  '*/',
  "'",
  '"',
  '$$',
  'SET ROLE postgres',
  "SELECT set_config('role', 'postgres', true)",
  'COMMIT',
  'BEGIN',
  'SELECT pg_sleep(0)',
  'RESET ALL',
  '\u0000',
  'COPY users TO STDOUT',
  'SELECT * FROM pg_catalog.pg_authid',
  'DO $$BEGIN END$$',
  'WITH d AS (DELETE FROM users RETURNING *) SELECT * FROM d',
  'EXPLAIN ANALYZE SELECT 1',
  'LISTEN x',
  // The data plane's red-team list: settings through pg_settings, a backslash in a string, pg_temp, the schema's own comment, large answers.
  "UPDATE pg_settings SET setting = 'off' WHERE name = 'standard_conforming_strings'",
  "UPDATE pg_settings SET setting = 'SJIS' WHERE name = 'client_encoding'",
  "'x\\'",
  'CREATE TABLE pg_temp."AuditEvent" (id int)',
  'SET SESSION AUTHORIZATION postgres',
  "COMMENT ON SCHEMA public IS 'x'",
  "SELECT repeat('x', 100000)",
);
const sqlCall: fc.Arbitrary<Call> = fc
  .tuple(fc.array(fc.oneof({ weight: 5, arbitrary: sqlPiece }, fc.string({ maxLength: 12 }), nasty), { minLength: 1, maxLength: 6 }), fc.boolean())
  .map(
    ([pieces, all]): Call => ({
      kind: 'rest',
      method: 'POST',
      path: '/admin/query',
      body: { blueprint: 'main', query: pieces.join(' '), ...(all ? { all_tenants: true } : { tenant_id: 'acme' }) },
    }),
  );

async function send(call: Call): Promise<{ status: number; body: unknown }> {
  const operator = { authorization: `Bearer ${gateway.adminKey}` };
  const key =
    call.kind !== 'rest'
      ? gateway.adminKey
      : /^\/(projects|apikeys|workspaces)\b/.test(call.path)
        ? customerKey
        : /^\/(deployments|admin)\b/.test(call.path)
          ? dataPlane.key
          : gateway.adminKey;
  const request =
    call.kind === 'rest'
      ? new Request(`http://gateway.test${call.path}`, {
          method: call.method,
          headers: { authorization: `Bearer ${key}`, 'x-api-key': key, 'content-type': 'application/json' },
          body: call.method === 'GET' ? undefined : JSON.stringify(call.body),
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
    fc.asyncProperty(fc.oneof(rest, graphql, queryCall, sqlCall), async (call) => {
      const { status, body } = await send(call);
      expect(status, JSON.stringify({ call, body })).toBeLessThan(500);
      expect(JSON.stringify(body), JSON.stringify(call)).not.toMatch(/"INTERNAL"|internal_error/);
      // A ?tenant_id longer than any tenant reference is refused naming it, never looked up nor echoed.
      const tenantId =
        call.kind === 'rest' && call.path.startsWith('/api/v1/') ? new URL(call.path, 'http://gateway.test').searchParams.get('tenant_id') : null;
      if (tenantId !== null && tenantId.length > 64)
        expect({ status, body }, JSON.stringify(call)).toMatchObject({ status: 400, body: { field: 'tenant_id' } });
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
  // No generated body holds a certificate and its key: every custom domain was refused whole.
  expect(await prisma.customDomain.count()).toBe(0);
  // A signup writes an account, its project and that project's key together, or nothing.
  expect(await prisma.customer.count({ where: { projects: { none: {} } } })).toBe(0);
  expect(await prisma.project.count({ where: { customerId: { not: null }, apiKeys: { none: {} } } })).toBe(0);
  // No tenant is above its project's plan, and the account's own keys stayed within its FREE quotas.
  expect(await prisma.$queryRaw`SELECT t.id FROM "Tenant" t JOIN "Project" p ON p.id = t."projectId" WHERE t.tier > p.tier`).toEqual([]);
  const account = await prisma.customer.findUniqueOrThrow({
    where: { email: 'fuzz@example.com' },
    include: { projects: { include: { _count: { select: { workspaces: true, blueprints: true, tenants: true } } } } },
  });
  expect(account.projects.length).toBeLessThanOrEqual(3);
  for (const project of account.projects) {
    expect(project._count.workspaces, project.slug).toBeLessThanOrEqual(3);
    expect(project._count.blueprints, project.slug).toBeLessThanOrEqual(2);
    expect(project._count.tenants, project.slug).toBeLessThanOrEqual(5);
  }
  // Every workspace record has its placement and schema, and every placement on the data plane a record naming it.
  const workspaces = await prisma.workspace.findMany({ include: withPlacement });
  const placements = await prisma.dataPlacement.findMany({ include: { database: true, tenantDatabase: true, workspace: true } });
  expect(placements.every((placement) => placement.readyAt && (placement.tenantDatabase || placement.workspace))).toBe(true);
  for (const workspace of workspaces) {
    const schemas = await dataPlaneCatalog(gateway, workspace.placementId!, 'SELECT count(*) FROM pg_namespace WHERE nspname = $1', [
      workspace.placement!.schemaName,
    ]);
    expect(schemas.rows).toEqual([[1]]);
  }
  // No generated SQL changed the tenant database's schema, nor left no schema of the gateway's own database.
  const acme = placements.find((placement) => /_main__acme$/.test(placement.schemaName))!;
  const tables = await dataPlaneCatalog(gateway, acme.id, 'SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [acme.schemaName]);
  expect(tables.rows.map((row) => row[0])).toEqual(['users']);
  expect((await gateway.database.sql.transaction((tx) => tx.query("SELECT count(*) FROM pg_namespace WHERE nspname ~ '^p[0-9a-f]{8}_'"))).rows).toEqual([[0]]);
}, 120_000);

/** Host values: tenants' own default domains, other names under the base domain, custom-looking names, and malformed ones. */
const hostValue = fc.oneof(
  tenantIndex.map((index) => `${tenants[index]!.slug.replace(/_/g, '-')}.controlcore.io`),
  tenantIndex.chain((index) => fc.constantFrom(':443', '.', '.:8080', '').map((tail) => `${tenants[index]!.slug.toUpperCase()}.ControlCore.io${tail}`)),
  fc.constantFrom(
    'controlcore.io',
    'api.controlcore.io',
    'www.controlcore.io',
    '.controlcore.io',
    '-.controlcore.io',
    'a.b.c.controlcore.io',
    'x.pdeadbeef.controlcore.io',
    `${'a-'.repeat(40)}x.controlcore.io`,
    `${'a-b_'.repeat(4)}c.controlcore.io`,
    `${'x'.repeat(300)}.controlcore.io`,
    'localhost',
    'localhost:4000',
    '[::1]:4000',
    '127.0.0.1:99999',
    'policies.example.com',
    'ÿ.controlcore.io',
    '%00.controlcore.io',
    ' ',
    'a b.controlcore.io',
    'controlcore.io.evil.com',
    '__proto__.controlcore.io',
  ),
  fc.stringMatching(/^[A-Za-z0-9.:\-_[\]% ]{0,80}$/),
  fc.stringMatching(/^[a-z0-9_-]{1,40}$/).map((label) => `${label}.controlcore.io`),
);
const hostRoutes = [
  'GET /api/v1/policies',
  'POST /api/v1/policies',
  'GET /api/v1/tenants/{id}',
  'PUT /api/v1/tenants/{id}',
  'GET /api/v1/tenants/{id}/domains',
  'GET /api/v1/tenants/{id}/billing',
];

test(`generated Host headers on Control Core routes and in tenantInContext: no 5xx, no INTERNAL, and a tenant's key never learns another tenant's id (${Math.ceil(runs / 4)} runs)`, async () => {
  const own = tenants[0]!;
  const tenantKey = (
    await gateway.data((await import('../src/generated/graphql/graphql.js')).CreateApiKeyDocument, {
      input: {
        name: 'host fuzz',
        scopes: ['TENANTS_READ', 'TENANTS_WRITE', 'POLICIES_READ', 'POLICIES_WRITE', 'DOMAINS_READ', 'BILLING_READ'],
        tenant: own.id,
      },
    })
  ).createApiKey.secret;
  const others = tenants.slice(1).map((tenant) => tenant.id);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...hostRoutes), hostValue, fc.boolean(), fc.boolean(), async (route, host, asTenant, viaGraphQL) => {
      const [method, path] = route.split(' ') as [string, string];
      const key = asTenant ? tenantKey : gateway.adminKey;
      let request: Request;
      try {
        request = viaGraphQL
          ? new Request('http://gateway.test/graphql', {
              method: 'POST',
              headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
              body: JSON.stringify({ query: 'query ($host: String) { tenantInContext(context: { host: $host }) { id } }', variables: { host } }),
            })
          : new Request(`http://gateway.test${path.replace('{id}', own.slug)}`, {
              method,
              headers: { authorization: `Bearer ${key}`, host, 'content-type': 'application/json' },
              body: method === 'GET' ? undefined : JSON.stringify({ name: 'host-fuzz' }),
            });
      } catch {
        return; // Not a header value HTTP can carry: no server ever sees it.
      }
      const response = await gateway.app.fetch(request);
      const text = await response.text();
      expect(response.status, `${route} ${JSON.stringify(host)} ${text}`).toBeLessThan(500);
      expect(text, `${route} ${JSON.stringify(host)}`).not.toMatch(/"INTERNAL"|internal_error/);
      if (asTenant) for (const id of others) expect(text, `${route} ${JSON.stringify(host)}`).not.toContain(id);
    }),
    { numRuns: Math.ceil(runs / 4), seed, endOnFailure: true },
  );
}, 120_000);
