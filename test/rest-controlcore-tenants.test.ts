import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createKey, createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

let gateway: TestGateway;
let admin: Record<string, string>;
beforeAll(async () => {
  gateway = await startGateway();
  admin = { authorization: `Bearer ${gateway.adminKey}` };
});
afterAll(() => gateway.close());

const label = () => `acme${randomBytes(3).toString('hex')}`;

/** A tenant made through POST /tenants, as the seed makes one. */
async function controlCoreTenant(body: Record<string, unknown> = {}) {
  const response = await gateway.rest('POST', '/api/v1/tenants', {
    headers: admin,
    body: { name: 'Acme Corporation', domain: `${label()}.controlcore.io`, plan_type: 'pro', region: 'us-east-1', ...body },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { id: string; domain: string };
}

const tenantCount = () => gateway.database.prisma.tenant.count();

describe('POST /tenants', () => {
  test('the documented request answers 201 with the documented tenant', async () => {
    const response = await gateway.rest('POST', '/api/v1/tenants', {
      headers: admin,
      body: {
        name: 'Acme Corporation',
        domain: 'acme.controlcore.io',
        plan_type: 'pro',
        region: 'us-east-1',
        custom_domain: 'policies.acme.com',
        settings: { max_policies: 1000, max_users: 50, max_bouncers: 10 },
      },
    });
    expect(response.status).toBe(201);
    const { id, created_at, updated_at, ...rest } = response.body;
    expect(id).toMatch(/^tenant-acme-\d{3}$/);
    expect(created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(updated_at).toBe(created_at);
    expect(rest).toEqual({
      name: 'Acme Corporation',
      domain: 'acme.controlcore.io',
      custom_domain: 'policies.acme.com',
      status: 'active',
      region: 'us-east-1',
      plan_type: 'pro',
      expires_at: null,
      settings: { max_policies: 1000, max_users: 50, max_bouncers: 10 },
      limits: { policies_used: 0, users_used: 1, bouncers_used: 0 },
    });
  });

  test('only name is needed: the rest default (free plan, us-east-1, no domain, limits of the plan)', async () => {
    const response = await gateway.rest('POST', '/api/v1/tenants', { headers: admin, body: { name: 'Globex' } });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      id: expect.stringMatching(/^tenant-globex-\d{3}$/),
      domain: null,
      custom_domain: null,
      plan_type: 'free',
      region: 'us-east-1',
      settings: { max_policies: 50, max_users: 5, max_bouncers: 2 },
    });
  });

  test.each([
    [{ plan_type: 'platinum' }, 'plan_type'],
    [{ region: 'mars-1' }, 'region'],
    [{ region: 'eu-central' }, 'region'],
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(201) }, 'name'],
    [{ settings: { max_policies: -1 } }, 'settings.max_policies'],
    [{ settings: { max_users: 2.5 } }, 'settings.max_users'],
    [{ settings: { max_bouncers: 10_001 } }, 'settings.max_bouncers'],
    [{ settings: { max_policies: 1_000_001 } }, 'settings.max_policies'],
    [{ settings: { max_rules: 1 } }, 'settings'],
    [{ domain: 'acme.example.com' }, 'domain'],
    [{ domain: 'a.b.controlcore.io' }, 'domain'],
    [{ custom_domain: 'not a domain' }, 'custom_domain'],
    [{ colour: 'red' }, 'body'],
  ])('%j is 400 naming %s, and nothing is written', async (change, field) => {
    const before = await tenantCount();
    const response = await gateway.rest('POST', '/api/v1/tenants', {
      headers: admin,
      body: { name: 'Acme Corporation', domain: `${label()}.controlcore.io`, ...change },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body).toMatchObject({ error: 'validation_error', field, tenant_id: null });
    expect(response.body.message).toContain(field === 'body' ? 'colour' : field.split('.').pop());
    expect(await tenantCount()).toBe(before);
  });

  test('a taken domain or custom domain is 409 naming it, and nothing is written', async () => {
    const taken = await controlCoreTenant({ custom_domain: `${label()}.example.com` });
    const existing = await gateway.rest('GET', `/api/v1/tenants/${taken.id}`, { headers: admin });
    const before = await tenantCount();
    const again = await gateway.rest('POST', '/api/v1/tenants', { headers: admin, body: { name: 'Other', domain: taken.domain } });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error: 'conflict', message: `domain "${taken.domain}" is already taken`, field: 'domain', tenant_id: null });
    const custom = await gateway.rest('POST', '/api/v1/tenants', { headers: admin, body: { name: 'Other', custom_domain: existing.body.custom_domain } });
    expect(custom.status).toBe(409);
    expect(custom.body).toMatchObject({ error: 'conflict', field: 'custom_domain' });
    expect(await tenantCount()).toBe(before);
  });

  test("a tenant's own key cannot create tenants (403), and no credential is 401", async () => {
    const tenant = await createTenant(gateway);
    const { secret } = await createKey(gateway, { scopes: ['TENANTS_WRITE', 'TENANTS_READ'], tenant: tenant.id });
    const refused = await gateway.rest('POST', '/api/v1/tenants', { headers: { authorization: `Bearer ${secret}` }, body: { name: 'Mine' } });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: 'forbidden', message: 'A tenant API key cannot create tenants' });
    const anonymous = await gateway.rest('POST', '/api/v1/tenants', { body: { name: 'Mine' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ error: 'authentication_required', tenant_id: null });
  });
});

describe('GET /tenants/{tenant_id}', () => {
  test('the documented response, with limits counted from what the tenant holds', async () => {
    const created = await controlCoreTenant({ settings: { max_policies: 1000, max_users: 50, max_bouncers: 10 } });
    const row = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug: created.id } });
    await gateway.database.prisma.tenantDocument.createMany({
      data: [
        ...Array.from({ length: 3 }, (_, index) => ({ tenantId: row.id, kind: 'POLICY' as const, name: `p${index}`, mode: 'ACTIVE' as const })),
        { tenantId: row.id, kind: 'BOUNCER', name: 'edge' },
        { tenantId: row.id, kind: 'RESOURCE', name: 'db' },
      ],
    });
    await createKey(gateway, { scopes: ['TENANTS_READ'], tenant: row.id });
    await createKey(gateway, { scopes: ['TENANTS_READ'], tenant: row.id });
    const revoked = await createKey(gateway, { scopes: ['TENANTS_READ'], tenant: row.id });
    await gateway.database.prisma.apiKey.update({ where: { id: revoked.apiKey.id }, data: { revokedAt: new Date() } });
    const response = await gateway.rest('GET', `/api/v1/tenants/${created.id}`, { headers: admin });
    expect(response.status).toBe(200);
    const { created_at, updated_at, ...rest } = response.body;
    expect([created_at, updated_at].every((time: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(time))).toBe(true);
    expect(rest).toEqual({
      id: created.id,
      name: 'Acme Corporation',
      domain: created.domain,
      custom_domain: null,
      status: 'active',
      region: 'us-east-1',
      plan_type: 'pro',
      expires_at: null,
      settings: { max_policies: 1000, max_users: 50, max_bouncers: 10 },
      limits: { policies_used: 3, users_used: 3, bouncers_used: 1 },
    });
  });

  test('the UUID addresses the tenant too', async () => {
    const created = await controlCoreTenant();
    const row = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug: created.id } });
    const response = await gateway.rest('GET', `/api/v1/tenants/${row.id}`, { headers: admin });
    expect(response.body.id).toBe(created.id);
  });

  test('an unknown tenant is the documented 404', async () => {
    const response = await gateway.rest('GET', '/api/v1/tenants/tenant-acme-123', { headers: admin });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: 'tenant_not_found', message: 'Tenant tenant-acme-123 not found', tenant_id: 'tenant-acme-123' });
  });

  test("another tenant's key gets the documented 403, the same whether the tenant exists or not", async () => {
    const mine = await controlCoreTenant();
    const theirs = await controlCoreTenant();
    const row = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug: mine.id } });
    const { secret } = await createKey(gateway, { scopes: ['TENANTS_READ'], tenant: row.id });
    const key = { authorization: `Bearer ${secret}` };
    for (const other of [theirs.id, 'tenant-acme-999']) {
      const response = await gateway.rest('GET', `/api/v1/tenants/${other}`, { headers: key });
      expect(response.status).toBe(403);
      expect(response.body).toEqual({ error: 'tenant_access_denied', message: `Access denied for tenant ${other}`, tenant_id: other });
    }
    const own = await gateway.rest('GET', `/api/v1/tenants/${mine.id}`, { headers: key });
    expect(own.status).toBe(200);
    const sneaky = await gateway.rest('GET', `/api/v1/tenants/${mine.id}`, { headers: { ...key, 'x-tenant-id': theirs.id } });
    expect(sneaky.status).toBe(403);
    expect(sneaky.body.error).toBe('tenant_access_denied');
  });

  test('a project key gets 404 for a tenant outside its project', async () => {
    const outside = await controlCoreTenant();
    const { createProject } = await gateway.data((await import('../src/generated/graphql/graphql.js')).CreateProjectDocument, {
      slug: `project_${randomBytes(3).toString('hex')}`,
      name: 'P',
    });
    const { secret } = await createKey(gateway, { scopes: ['ADMIN'], projectId: createProject.id });
    const response = await gateway.rest('GET', `/api/v1/tenants/${outside.id}`, { headers: { authorization: `Bearer ${secret}` } });
    expect(response.status).toBe(404);
    expect(response.body.error).toBe('tenant_not_found');
  });

  test('X-Tenant-ID or ?tenant_id naming another tenant than the path is 400 tenant_context_conflict', async () => {
    const first = await controlCoreTenant();
    const second = await controlCoreTenant();
    const byHeader = await gateway.rest('GET', `/api/v1/tenants/${first.id}`, { headers: { ...admin, 'x-tenant-id': second.id } });
    expect(byHeader.status).toBe(400);
    expect(byHeader.body).toEqual({
      error: 'tenant_context_conflict',
      message: `the path names tenant ${first.id} but the X-Tenant-ID header names tenant ${second.id}`,
      field: 'tenant_id',
      tenant_id: first.id,
    });
    const byQuery = await gateway.rest('GET', `/api/v1/tenants/${first.id}?tenant_id=${second.id}`, { headers: admin });
    expect(byQuery.body.error).toBe('tenant_context_conflict');
    const agreeing = await gateway.rest('GET', `/api/v1/tenants/${first.id}?tenant_id=${first.id}`, { headers: { ...admin, 'x-tenant-id': first.id } });
    expect(agreeing.status).toBe(200);
  });

  test('a ?tenant_id longer than any tenant reference (64 characters) is the documented 400 naming the field and the rule, echoed nowhere', async () => {
    const tenant = await controlCoreTenant();
    for (const path of [`/api/v1/tenants/${tenant.id}`, '/api/v1/policies']) {
      const response = await gateway.rest('GET', `${path}?tenant_id=${'x'.repeat(10_000)}`, { headers: admin });
      expect(response.status, path).toBe(400);
      expect(response.body).toEqual({
        error: 'validation_error',
        message: 'tenant_id must be at most 64 characters',
        field: 'tenant_id',
        tenant_id: path.includes(tenant.id) ? tenant.id : null,
      });
    }
    expect((await gateway.rest('GET', `/api/v1/policies?tenant_id=${tenant.id}`, { headers: admin })).status).toBe(200);
  });
});

describe('PUT /tenants/{tenant_id}', () => {
  test('the documented request changes the name and settings', async () => {
    const created = await controlCoreTenant({ settings: { max_policies: 1000, max_users: 50, max_bouncers: 10 } });
    const response = await gateway.rest('PUT', `/api/v1/tenants/${created.id}`, {
      headers: admin,
      body: { name: 'Acme Corporation Inc.', settings: { max_policies: 2000, max_users: 100, max_bouncers: 20 } },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: created.id,
      name: 'Acme Corporation Inc.',
      plan_type: 'pro',
      settings: { max_policies: 2000, max_users: 100, max_bouncers: 20 },
    });
    const again = await gateway.rest('GET', `/api/v1/tenants/${created.id}`, { headers: admin });
    expect(again.body.settings).toEqual({ max_policies: 2000, max_users: 100, max_bouncers: 20 });
  });

  test('plan_type changes the tier; settings not given stay', async () => {
    const created = await controlCoreTenant({ settings: { max_policies: 10, max_users: 5, max_bouncers: 1 } });
    const response = await gateway.rest('PUT', `/api/v1/tenants/${created.id}`, {
      headers: admin,
      body: { plan_type: 'enterprise', settings: { max_bouncers: 3 } },
    });
    expect(response.body).toMatchObject({ plan_type: 'enterprise', settings: { max_policies: 10, max_users: 5, max_bouncers: 3 } });
    expect((await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug: created.id } })).tier).toBe('ENTERPRISE');
  });

  test.each([
    [{ plan_type: 'gold' }, 'plan_type'],
    [{ name: ' ' }, 'name'],
    [{ settings: { max_policies: -5 } }, 'settings.max_policies'],
    [{ region: 'eu-west-1' }, 'body'],
  ])('%j is 400 naming %s, and nothing changes', async (body, field) => {
    const created = await controlCoreTenant();
    const before = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug: created.id } });
    const response = await gateway.rest('PUT', `/api/v1/tenants/${created.id}`, { headers: admin, body });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'validation_error', field, tenant_id: created.id });
    expect(await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug: created.id } })).toEqual(before);
  });

  test("a tenant's own key may rename it but not change its plan or limits", async () => {
    const created = await controlCoreTenant();
    const row = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug: created.id } });
    const { secret } = await createKey(gateway, { scopes: ['TENANTS_READ', 'TENANTS_WRITE'], tenant: row.id });
    const key = { authorization: `Bearer ${secret}` };
    expect((await gateway.rest('PUT', `/api/v1/tenants/${created.id}`, { headers: key, body: { name: 'Renamed' } })).body.name).toBe('Renamed');
    for (const body of [{ plan_type: 'enterprise' }, { settings: { max_policies: 5000 } }]) {
      const refused = await gateway.rest('PUT', `/api/v1/tenants/${created.id}`, { headers: key, body });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toBe('forbidden');
    }
    const readOnly = await createKey(gateway, { scopes: ['TENANTS_READ'], tenant: row.id });
    const noScope = await gateway.rest('PUT', `/api/v1/tenants/${created.id}`, {
      headers: { authorization: `Bearer ${readOnly.secret}` },
      body: { name: 'x' },
    });
    expect(noScope.status).toBe(403);
    expect(noScope.body).toMatchObject({ error: 'insufficient_scope', scope: 'tenants:write' });
  });
});

describe('settings: one meaning on REST and GraphQL', () => {
  const update = 'mutation ($id: ID!, $input: UpdateTenantInput!) { updateTenant(id: $id, input: $input) { id maxPolicies settings } }';
  const inContext = 'mutation ($tenant: String!, $input: UpdateTenantInput!) { updateTenantInContext(context: { header: $tenant }, input: $input) { id } }';

  test("a tenant's own key cannot raise its limits nor name its plan through GraphQL settings, as REST refuses it; nothing is stored", async () => {
    const created = await controlCoreTenant();
    const row = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug: created.id } });
    const { secret } = await createKey(gateway, { scopes: ['TENANTS_READ', 'TENANTS_WRITE'], tenant: row.id });
    const cases: [string, Record<string, unknown>, string, string][] = [
      [update, { id: row.id, input: { settings: { max_policies: 999_999, tier: 'ENTERPRISE' } } }, 'BAD_USER_INPUT', 'settings.tier'],
      [update, { id: row.id, input: { settings: { max_policies: 999_999 } } }, 'FORBIDDEN', 'settings.max_policies'],
      [update, { id: row.id, input: { settings: { maxBouncers: 500 } } }, 'FORBIDDEN', 'settings.maxBouncers'],
      [inContext, { tenant: created.id, input: { settings: { max_users: 1_000_000 } } }, 'FORBIDDEN', 'settings.max_users'],
      [update, { id: row.id, input: { settings: { plan_type: 'enterprise' } } }, 'BAD_USER_INPUT', 'settings.plan_type'],
      [update, { id: row.id, input: { settings: { isolation: 'DEDICATED', expires_at: null } } }, 'BAD_USER_INPUT', 'settings.isolation'],
    ];
    for (const [query, variables, code, field] of cases) {
      const result = await gateway.graphql(query, variables, secret);
      expect(result.errors?.[0]?.extensions, JSON.stringify(variables)).toMatchObject({ code });
      expect(JSON.stringify(result.errors?.[0]?.extensions), JSON.stringify(variables)).toContain(field);
    }
    expect(await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { id: row.id } })).toEqual(row);
    const rest = await gateway.rest('PUT', `/api/v1/tenants/${created.id}`, {
      headers: { authorization: `Bearer ${secret}` },
      body: { settings: { max_policies: 999_999 } },
    });
    expect(rest.status).toBe(403);
    expect(rest.body).toMatchObject({ error: 'forbidden', field: 'settings.max_policies' });
  });

  test('an operator setting a limit through GraphQL settings sets the limit REST shows, with the same range; other keys stay free-form and merge key by key', async () => {
    const created = await controlCoreTenant();
    const row = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug: created.id } });
    const set = await gateway.graphql<{ updateTenant: { maxPolicies: number; settings: object } }, object>(update, {
      id: row.id,
      input: { settings: { max_policies: 5000, theme: 'dark' } },
    });
    expect(set.data?.updateTenant).toMatchObject({ maxPolicies: 5000, settings: { theme: 'dark' } });
    expect((await gateway.rest('GET', `/api/v1/tenants/${created.id}`, { headers: admin })).body.settings.max_policies).toBe(5000);
    const merged = await gateway.graphql<{ updateTenant: { settings: object } }, object>(update, {
      id: row.id,
      input: { settings: { locale: 'fr', theme: null } },
    });
    expect(merged.data?.updateTenant.settings).toEqual({ locale: 'fr' });
    const outOfRange = await gateway.graphql(update, { id: row.id, input: { settings: { max_policies: 1_000_001 } } });
    expect(outOfRange.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', violations: [{ field: 'settings.max_policies' }] });
    const twice = await gateway.graphql(update, { id: row.id, input: { maxPolicies: 10, settings: { max_policies: 20 } } });
    expect(twice.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', violations: [{ field: 'settings.max_policies' }] });
    const read = await gateway.graphql<{ tenant: { maxPolicies: number; settings: object } }, object>(
      'query ($id: ID!) { tenant(id: $id) { maxPolicies settings } }',
      { id: row.id },
    );
    expect(read.data?.tenant).toEqual({ maxPolicies: 5000, settings: { locale: 'fr' } });
  });

  test("a tenant's own key may keep free-form settings of its own", async () => {
    const created = await controlCoreTenant();
    const row = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug: created.id } });
    const { secret } = await createKey(gateway, { scopes: ['TENANTS_READ', 'TENANTS_WRITE'], tenant: row.id });
    const result = await gateway.graphql<{ updateTenant: { settings: object } }, object>(
      update,
      { id: row.id, input: { settings: { theme: 'dark' } } },
      secret,
    );
    expect(result.data?.updateTenant.settings).toEqual({ theme: 'dark' });
  });
});

describe('DELETE /tenants/{tenant_id}', () => {
  test('deletes softly: 204, then the tenant reads as deleted and its keys stop working', async () => {
    const created = await controlCoreTenant();
    const row = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug: created.id } });
    const { secret } = await createKey(gateway, { scopes: ['TENANTS_READ'], tenant: row.id });
    const response = await gateway.rest('DELETE', `/api/v1/tenants/${created.id}`, { headers: admin });
    expect(response.status).toBe(204);
    expect(response.body).toBeUndefined();
    expect((await gateway.rest('GET', `/api/v1/tenants/${created.id}`, { headers: admin })).body.status).toBe('deleted');
    expect((await gateway.rest('GET', `/api/v1/tenants/${created.id}`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(401);
  });

  test("a tenant's own key cannot delete it, another tenant's key is 403, an unknown tenant 404", async () => {
    const created = await controlCoreTenant();
    const row = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug: created.id } });
    const { secret } = await createKey(gateway, { scopes: ['TENANTS_READ', 'TENANTS_WRITE'], tenant: row.id });
    const own = await gateway.rest('DELETE', `/api/v1/tenants/${created.id}`, { headers: { authorization: `Bearer ${secret}` } });
    expect(own.status).toBe(403);
    const other = await controlCoreTenant();
    const cross = await gateway.rest('DELETE', `/api/v1/tenants/${other.id}`, { headers: { authorization: `Bearer ${secret}` } });
    expect(cross.body).toEqual({ error: 'tenant_access_denied', message: `Access denied for tenant ${other.id}`, tenant_id: other.id });
    expect((await gateway.rest('DELETE', '/api/v1/tenants/tenant-nobody-000', { headers: admin })).status).toBe(404);
    expect((await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug: other.id } })).status).toBe('ACTIVE');
  });
});

describe('tenant context by Host, X-Tenant-ID and ?tenant_id (tenantInContext)', () => {
  const query = 'query ($context: TenantContextInput!) { tenantInContext(context: $context) { slug } }';

  test("the tenant's default domain as Host names it, with or without a port; other hosts name none", async () => {
    const created = await controlCoreTenant();
    for (const host of [created.domain, `${created.domain.toUpperCase()}:443`]) {
      const result = await gateway.graphql<{ tenantInContext: { slug: string } }, object>(query, { context: { host } });
      expect(result.data?.tenantInContext.slug).toBe(created.id);
    }
    const none = await gateway.graphql(query, { context: { host: 'api.controlcore.io' } });
    expect(none.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'tenant_id' });
    expect(none.errors?.[0]?.message).toBe(
      "No tenant context: send the X-Tenant-ID header, the tenant_id query parameter, or call the tenant's domain as Host (or use a credential owned by one tenant)",
    );
  });

  test('sources that agree are one tenant; sources that disagree are refused', async () => {
    const first = await controlCoreTenant();
    const second = await controlCoreTenant();
    const agree = await gateway.graphql<{ tenantInContext: { slug: string } }, object>(query, {
      context: { header: first.id, query: first.id, host: first.domain },
    });
    expect(agree.data?.tenantInContext.slug).toBe(first.id);
    const hostDisagrees = await gateway.graphql(query, { context: { header: first.id, host: second.domain } });
    expect(hostDisagrees.errors?.[0]?.message).toBe(`the X-Tenant-ID header names tenant ${first.id} but the Host header names tenant ${second.domain}`);
    const queryDisagrees = await gateway.graphql(query, { context: { header: first.id, query: second.id } });
    expect(queryDisagrees.errors?.[0]?.message).toBe(
      `the X-Tenant-ID header names tenant ${first.id} but the tenant_id query parameter names tenant ${second.id}`,
    );
  });

  test("a tenant's key is its context; another tenant's Host is 403", async () => {
    const mine = await controlCoreTenant();
    const theirs = await controlCoreTenant();
    const row = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug: mine.id } });
    const { secret } = await createKey(gateway, { scopes: ['TENANTS_READ'], tenant: row.id });
    const alone = await gateway.graphql<{ tenantInContext: { slug: string } }, object>(query, { context: {} }, secret);
    expect(alone.data?.tenantInContext.slug).toBe(mine.id);
    const host = await gateway.graphql(query, { context: { host: theirs.domain } }, secret);
    expect(host.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', tenantAccessDenied: true, tenant: theirs.domain });
  });
});

describe('the Host as tenant context: no oracle, and the default domain the gateway lists names its tenant', () => {
  const policies = (headers: Record<string, string>) => gateway.rest('GET', '/api/v1/policies', { headers });

  test('{tenant-id}.controlcore.io names a tenant created without a domain: the default domain GET /tenants/{id}/domains lists as active', async () => {
    const created = await gateway.rest('POST', '/api/v1/tenants', { headers: admin, body: { name: 'Initech' } });
    expect(created.body.domain).toBeNull();
    const listed = await gateway.rest('GET', `/api/v1/tenants/${created.body.id}/domains`, { headers: admin });
    expect(listed.body).toEqual([{ domain: `${created.body.id}.controlcore.io`, status: 'active', ssl_status: 'active', is_default: true }]);
    await gateway.rest('POST', '/api/v1/policies', { headers: { ...admin, 'x-tenant-id': created.body.id }, body: { name: 'by-host' } });
    for (const host of [`${created.body.id}.controlcore.io`, `${created.body.id.toUpperCase()}.ControlCore.io:443`]) {
      const response = await policies({ ...admin, host });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body.map((policy: { name: string }) => policy.name)).toEqual(['by-host']);
    }
    const row = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug: created.body.id } });
    const { secret } = await createKey(gateway, { scopes: ['POLICIES_READ'], tenant: row.id });
    expect((await policies({ authorization: `Bearer ${secret}`, host: `${created.body.id}.controlcore.io` })).status).toBe(200);
  });

  test("a domain that is already another tenant's made default domain is 409, and the API's own name is 400: a Host names one tenant", async () => {
    const slug = `${label()}_x`;
    await createTenant(gateway, { slug });
    const taken = await gateway.rest('POST', '/api/v1/tenants', {
      headers: admin,
      body: { name: 'Squatter', domain: `${slug.replace('_', '-')}.controlcore.io` },
    });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ error: 'conflict', field: 'domain' });
    const api = await gateway.rest('POST', '/api/v1/tenants', { headers: admin, body: { name: 'Squatter', domain: 'api.controlcore.io' } });
    expect(api.status).toBe(400);
    expect(api.body).toMatchObject({ error: 'validation_error', field: 'domain' });
  });

  test('one slug in several projects and outside any: each made default domain names its own tenant, for the operator who reaches them all', async () => {
    const { CreateProjectDocument } = await import('../src/generated/graphql/graphql.js');
    const slug = `${label()}_s`;
    const outside = await createTenant(gateway, { slug });
    const inProjects = [];
    for (let index = 0; index < 3; index++) {
      const { createProject } = await gateway.data(CreateProjectDocument, { slug: `project_${randomBytes(3).toString('hex')}`, name: 'P' });
      inProjects.push(await createTenant(gateway, { slug, projectId: createProject.id }));
    }
    const named = async (host: string) =>
      (
        await gateway.graphql<{ tenantInContext: { id: string } }, object>('query ($host: String!) { tenantInContext(context: { host: $host }) { id } }', {
          host,
        })
      ).data?.tenantInContext.id;
    expect(await named(`${slug.replace('_', '-')}.controlcore.io`)).toBe(outside.id);
    for (const tenant of inProjects) {
      const listed = await gateway.graphql<{ tenantDomains: { domain: string; isDefault: boolean }[] }, object>(
        'query ($tenant: ID!) { tenantDomains(tenant: $tenant) { domain isDefault } }',
        { tenant: tenant.id },
      );
      expect(await named(listed.data!.tenantDomains.find((entry) => entry.isDefault)!.domain)).toBe(tenant.id);
    }
  });

  test('two tenants whose ids differ only by "_" and "-" share a made default domain: as a Host it is 409 for a caller who reaches both, not a guess', async () => {
    const stem = label();
    const [underscored, hyphened] = [await createTenant(gateway, { slug: `${stem}_a-b` }), await createTenant(gateway, { slug: `${stem}-a_b` })];
    const host = `${stem}-a-b.controlcore.io`;
    const ambiguous = await policies({ ...admin, host });
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body).toMatchObject({ error: 'conflict', field: 'host' });
    for (const tenant of [underscored, hyphened]) {
      const { secret } = await createKey(gateway, { scopes: ['POLICIES_READ'], tenant: tenant.id });
      expect((await policies({ authorization: `Bearer ${secret}`, host })).status).toBe(200);
    }
  });

  test('CONTROL_CORE_API_HOSTS names the API under the base domain: such a Host names no tenant, and no tenant may take it', async () => {
    const own = await startGateway({ env: { CONTROL_CORE_API_HOSTS: ['gateway.controlcore.io', 'edge.controlcore.io'] } });
    try {
      const operator = { authorization: `Bearer ${own.adminKey}` };
      for (const host of ['gateway.controlcore.io', 'edge.controlcore.io:443']) {
        const response = await own.rest('GET', '/api/v1/policies', { headers: { ...operator, host } });
        expect(response.body.error, host).toBe('tenant_context_required');
      }
      const tenant = await own.rest('POST', '/api/v1/tenants', { headers: operator, body: { name: 'Acme' } });
      const row = await own.database.prisma.tenant.findUniqueOrThrow({ where: { slug: tenant.body.id } });
      const { secret } = await createKey(own, { scopes: ['POLICIES_READ'], tenant: row.id });
      expect((await own.rest('GET', '/api/v1/policies', { headers: { authorization: `Bearer ${secret}`, host: 'gateway.controlcore.io' } })).status).toBe(200);
      const taken = await own.rest('POST', '/api/v1/tenants', { headers: operator, body: { name: 'Squatter', domain: 'gateway.controlcore.io' } });
      expect(taken.body).toMatchObject({ error: 'validation_error', field: 'domain' });
    } finally {
      await own.close();
    }
  });

  test("another customer's tenant domain and a domain nobody has get one answer, naming the host and never the tenant's id", async () => {
    const theirs = await controlCoreTenant();
    const theirsRow = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug: theirs.id } });
    const unknown = `${label()}.controlcore.io`;
    const signup = await gateway.rest('POST', '/signup', { body: { email: `${label()}@example.com`, password: 'correct horse battery' } });
    const projectKey = { authorization: `Bearer ${signup.body.api_key}` };
    const mine = await controlCoreTenant();
    const mineRow = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug: mine.id } });
    const tenantKey = { authorization: `Bearer ${(await createKey(gateway, { scopes: ['POLICIES_READ'], tenant: mineRow.id })).secret}` };
    for (const [credential, status, error] of [
      [projectKey, 404, 'tenant_not_found'],
      [tenantKey, 403, 'tenant_access_denied'],
    ] as const) {
      const existing = await policies({ ...credential, host: theirs.domain });
      const missing = await policies({ ...credential, host: unknown });
      expect(existing.status).toBe(status);
      expect(existing.body.error).toBe(error);
      expect(existing.body.tenant_id).toBe(theirs.domain);
      expect(JSON.stringify(existing.body).replaceAll(theirs.domain, '<host>')).toBe(JSON.stringify(missing.body).replaceAll(unknown, '<host>'));
      expect(missing.status).toBe(status);
      expect(JSON.stringify(existing.body)).not.toContain(theirsRow.id);
    }
    // The API's own name and an unrelated host name no tenant: the tenant key acts on its own.
    for (const host of ['api.controlcore.io', 'localhost:4000']) expect((await policies({ ...tenantKey, host })).status).toBe(200);
  });
});

describe('limits counted without N+1', () => {
  test('a page of tenants with their counts costs the same statements for 2 tenants as for 6', async () => {
    const { CreateProjectDocument } = await import('../src/generated/graphql/graphql.js');
    const { createProject } = await gateway.data(CreateProjectDocument, { slug: `project_${randomBytes(3).toString('hex')}`, name: 'Counted' });
    const page = 'query { tenants(first: 50, filter: { status: ACTIVE }) { edges { node { slug counts { policies users bouncers } } } } }';
    const { secret } = await createKey(gateway, { scopes: ['ADMIN'], projectId: createProject.id });
    const statementsFor = async (tenants: number) => {
      for (let index = 0; index < tenants; index++) await createTenant(gateway, { projectId: createProject.id });
      let result: Awaited<ReturnType<typeof gateway.graphql>> | undefined;
      const statements = await gateway.countQueries(async () => {
        result = await gateway.graphql(page, {}, secret);
      });
      expect(result?.errors).toBeUndefined();
      return statements.length;
    };
    const two = await statementsFor(2);
    const six = await statementsFor(4);
    expect(six).toBe(two);
  });
});
