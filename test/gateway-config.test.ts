import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createKey, createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway, testRateLimits } from './support/gateway.js';

// GET/POST /tenant/config (seed 001, issue 15): the gateway configuration's five sections.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.close());

async function tenantWithKey() {
  const tenant = await createTenant(gateway, { tier: 'PRO' });
  const key = await createKey(gateway, { scopes: ['CONFIG_READ', 'CONFIG_WRITE', 'SECRETS_READ', 'SECRETS_WRITE'], tenant: tenant.id });
  const headers = { authorization: `Bearer ${key.secret}`, 'x-tenant-id': tenant.slug };
  return {
    tenant,
    key: key.secret,
    call: (method: string, path: string, body?: unknown) => gateway.rest(method, path, { headers, body }),
  };
}

const defaults = {
  routes: [],
  credentials: {},
  rateLimit: { enabled: false, default: { max: 60, windowSeconds: 60 }, routes: [] },
  cache: { enabled: false, ttlSeconds: 300, maxEntries: 10000 },
  webhooks: [],
};

describe('the documented examples', () => {
  test('GET /tenant/config answers every section, defaults included', async () => {
    const { call } = await tenantWithKey();
    const response = await call('GET', '/tenant/config');
    expect(response.status).toBe(200);
    expect(response.body).toEqual(defaults);
  });

  test('POST /tenant/config saves the documented example', async () => {
    const { call } = await tenantWithKey();
    const response = await call('POST', '/tenant/config', {
      routes: [{ path: '/custom', method: 'get', description: 'Custom endpoint' }],
      rateLimit: { enabled: true, default: { max: 500 } },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ success: true, message: 'Configuration saved' });
    expect((await call('GET', '/tenant/config')).body).toEqual({
      ...defaults,
      routes: [{ path: '/custom', method: 'GET', description: 'Custom endpoint' }],
      rateLimit: { enabled: true, default: { max: 500, windowSeconds: 60 }, routes: [] },
    });
  });
});

describe('saving', () => {
  test('a save keeps the sections it is not given; every change is a revision with author, paths and document', async () => {
    const { call, tenant } = await tenantWithKey();
    await call('POST', '/tenant/config', { cache: { enabled: true, ttlSeconds: 30 } });
    await call('POST', '/tenant/config', { routes: [{ path: '/a', method: 'POST' }] });
    await call('POST', '/tenant/config', { routes: [{ path: '/a', method: 'POST' }] });
    const config = (await call('GET', '/tenant/config')).body;
    expect(config.cache).toEqual({ enabled: true, ttlSeconds: 30, maxEntries: 10000 });
    expect(config.routes).toEqual([{ path: '/a', method: 'POST' }]);
    type History = { gatewayConfigHistory: { version: number; principal: string; updatedFields: string[]; config: Record<string, unknown> }[] };
    const { data: history } = await gateway.graphql<History, object>(
      `query ($tenant: ID) { gatewayConfigHistory(tenant: $tenant) { version principal updatedFields createdAt config } }`,
      { tenant: tenant.id },
    );
    if (!history) throw new Error('no history');
    // The third save changed nothing: no revision.
    expect(history.gatewayConfigHistory.map(({ version, updatedFields }) => ({ version, updatedFields }))).toEqual([
      { version: 2, updatedFields: ['routes'] },
      { version: 1, updatedFields: ['cache.enabled', 'cache.ttlSeconds'] },
    ]);
    expect(history.gatewayConfigHistory[0]!.principal).toMatch(/^test key \(/);
    expect(history.gatewayConfigHistory[0]!.config).toEqual(config);
    // One revision mechanism: the tenant configuration's history does not list these.
    const tenantHistory = await gateway.graphql(`{ tenantConfigHistory(tenant: "${tenant.id}") { edges { node { version } } } }`);
    expect(tenantHistory.data).toEqual({ tenantConfigHistory: { edges: [{ node: { version: 1 } }] } });
  });

  test('methods are case-insensitive on input and answered uppercase; the same method and path twice is refused', async () => {
    const { call } = await tenantWithKey();
    expect(
      (
        await call('POST', '/tenant/config', {
          routes: [
            { path: '/x', method: 'Patch' },
            { path: '/x', method: 'get' },
          ],
        })
      ).status,
    ).toBe(200);
    expect((await call('GET', '/tenant/config')).body.routes).toEqual([
      { path: '/x', method: 'PATCH' },
      { path: '/x', method: 'GET' },
    ]);
    const duplicate = await call('POST', '/tenant/config', {
      routes: [
        { path: '/x', method: 'get' },
        { path: '/x', method: 'GET' },
      ],
    });
    expect({ status: duplicate.status, body: duplicate.body }).toEqual({
      status: 400,
      body: { success: false, error: 'bad_request', message: 'routes.1: Duplicate route GET /x' },
    });
  });

  test.each([
    [
      'a path without a leading slash',
      { routes: [{ path: 'custom', method: 'GET' }] },
      'routes.0.path: path must start with "/" and hold no spaces, "?" or "#"',
    ],
    [
      'an unknown method',
      { routes: [{ path: '/x', method: 'FETCH' }] },
      'routes.0.method: method must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS (any case)',
    ],
    ['a zero max', { rateLimit: { enabled: true, default: { max: 0 } } }, 'rateLimit.default.max: max must be between 1 and 1000000'],
    ['a max over the cap', { rateLimit: { enabled: true, default: { max: 1_000_001 } } }, 'rateLimit.default.max: max must be between 1 and 1000000'],
    [
      'a fractional window',
      { rateLimit: { enabled: true, default: { max: 5, windowSeconds: 1.5 } } },
      'rateLimit.default.windowSeconds: windowSeconds must be an integer',
    ],
    ['a ttl over the cap', { cache: { enabled: true, ttlSeconds: 86_401 } }, 'cache.ttlSeconds: ttlSeconds must be between 1 and 86400'],
    [
      'a relative webhook url',
      { webhooks: [{ url: '/hook', events: ['secret.stored'] }] },
      'webhooks.0.url: url must be an absolute http or https URL without credentials',
    ],
    [
      'an ftp webhook url',
      { webhooks: [{ url: 'ftp://example.com/hook', events: ['secret.stored'] }] },
      'webhooks.0.url: url must be an absolute http or https URL without credentials',
    ],
    ['an unknown event', { webhooks: [{ url: 'https://example.com/hook', events: ['secret.leaked'] }] }, 'webhooks.0.events.0: events must be among'],
    ['no events', { webhooks: [{ url: 'https://example.com/hook', events: [] }] }, 'webhooks.0.events: a webhook needs at least one event'],
    [
      'a short webhook secret',
      { webhooks: [{ url: 'https://example.com/hook', events: ['secret.stored'], secret: 'short' }] },
      'webhooks.0.secret: secret must be 16 to 256 characters',
    ],
    [
      'a bad credential name',
      { credentials: { 'Bad Name': { type: 'bearer', secret: 'TOKEN' } } },
      'credentials.Bad Name: credential names are 1-64 characters: a lowercase letter, then lowercase letters, digits, "_" or "-"',
    ],
    [
      'a credential holding a value',
      { credentials: { stripe: { type: 'bearer', secret: 'TOKEN', value: 'sk_live_x' } } },
      'credentials.stripe: Unrecognized key: "value"',
    ],
    ['an unknown section', { plugins: [] }, 'Unrecognized key: "plugins"'],
  ])('%s is 400 naming the field, nothing written', async (_name, body, message) => {
    const { call } = await tenantWithKey();
    const response = await call('POST', '/tenant/config', body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ success: false, error: 'bad_request' });
    expect(response.body.message).toContain(message);
    expect((await call('GET', '/tenant/config')).body).toEqual(defaults);
  });

  test('two bad fields are both named', async () => {
    const { call } = await tenantWithKey();
    const response = await call('POST', '/tenant/config', { routes: [{ path: 'x', method: 'NOPE' }] });
    expect(response.body.message).toContain('routes.0.path');
    expect(response.body.message).toContain('routes.0.method');
  });
});

describe('credentials reference secrets by name', () => {
  test('a credential naming a stored secret is saved; an unknown name is 400 and nothing is written', async () => {
    const { call } = await tenantWithKey();
    await call('POST', '/tenant/secrets', { key: 'STRIPE_SECRET_KEY', value: 'sk_live_hidden' });
    const unknown = await call('POST', '/tenant/config', { credentials: { jira: { type: 'bearer', secret: 'JIRA_API_TOKEN' } } });
    expect({ status: unknown.status, body: unknown.body }).toEqual({
      status: 400,
      body: { success: false, error: 'bad_user_input', message: 'credentials.jira.secret: no secret named "JIRA_API_TOKEN" is stored' },
    });
    expect((await call('GET', '/tenant/config')).body.credentials).toEqual({});
    const saved = await call('POST', '/tenant/config', {
      credentials: { stripe: { type: 'bearer', secret: 'STRIPE_SECRET_KEY' } },
      routes: [{ path: '/charges', method: 'post', credential: 'stripe' }],
    });
    expect(saved.status).toBe(200);
    const config = (await call('GET', '/tenant/config')).body;
    expect(config.credentials).toEqual({ stripe: { type: 'bearer', secret: 'STRIPE_SECRET_KEY' } });
    expect(JSON.stringify(config)).not.toContain('sk_live_hidden');
  });

  test('a route naming an undefined credential is 400', async () => {
    const { call } = await tenantWithKey();
    const response = await call('POST', '/tenant/config', { routes: [{ path: '/charges', method: 'post', credential: 'stripe' }] });
    expect({ status: response.status, body: response.body }).toEqual({
      status: 400,
      body: { success: false, error: 'bad_user_input', message: 'routes.0.credential: no credential named "stripe"' },
    });
  });

  test('a webhook secret is sealed at rest and never answered', async () => {
    const { call, tenant } = await tenantWithKey();
    const secret = 'whsec-0123456789abcdef';
    expect((await call('POST', '/tenant/config', { webhooks: [{ url: 'https://example.com/hook', events: ['secret.stored'], secret }] })).status).toBe(200);
    expect((await call('GET', '/tenant/config')).body.webhooks).toEqual([{ url: 'https://example.com/hook', events: ['secret.stored'], hasSecret: true }]);
    const { prisma } = gateway.database;
    const stored = JSON.stringify([
      await prisma.tenantGatewayConfig.findMany({ where: { tenantId: tenant.id } }),
      await prisma.tenantConfigRevision.findMany({ where: { tenantId: tenant.id } }),
    ]);
    expect(stored).not.toContain(secret);
  });
});

describe('GraphQL', () => {
  test('the same spec: typed sections, the same rules', async () => {
    const tenant = await createTenant(gateway);
    const saved = await gateway.graphql(
      `mutation ($tenant: ID) { saveGatewayConfig(tenant: $tenant, input: { cache: { enabled: true }, rateLimit: { enabled: true, default: { max: 10, windowSeconds: 30 } } }) {
        updatedFields config { version cache { enabled ttlSeconds } rateLimit { enabled default { max windowSeconds } } } } }`,
      { tenant: tenant.id },
    );
    expect(saved.data).toEqual({
      saveGatewayConfig: {
        updatedFields: ['rateLimit.enabled', 'rateLimit.default', 'cache.enabled'],
        config: { version: 1, cache: { enabled: true, ttlSeconds: 300 }, rateLimit: { enabled: true, default: { max: 10, windowSeconds: 30 } } },
      },
    });
    const refused = await gateway.graphql(
      `mutation ($tenant: ID) { saveGatewayConfig(tenant: $tenant, input: { routes: [{ path: "x", method: "get" }] }) { updatedFields } }`,
      { tenant: tenant.id },
    );
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      violations: [{ field: 'routes.0.path', message: 'path must start with "/" and hold no spaces, "?" or "#"' }],
    });
  });
});

describe("spec enums are GraphQL enums; the REST API keeps the seed's values", () => {
  test('webhook events and methods: enum values in GraphQL, config.updated and GET on REST', async () => {
    const { call, tenant } = await tenantWithKey();
    const saved = await gateway.graphql<{ saveGatewayConfig: { config: unknown } }, object>(
      `mutation ($tenant: ID) { saveGatewayConfig(tenant: $tenant, input: {
        routes: [{ path: "/orders", method: "post" }], rateLimit: { routes: [{ path: "/orders", method: "delete", max: 5 }] },
        webhooks: [{ url: "https://example.com/hook", events: [SECRET_STORED, GATEWAY_CONFIG_UPDATED] }] }) {
        config { routes { path method } rateLimit { routes { method } } webhooks { events } } } }`,
      { tenant: tenant.id },
    );
    expect(saved.errors).toBeUndefined();
    // Input methods stay case-insensitive strings; what is answered is the HttpMethod enum.
    expect(saved.data!.saveGatewayConfig.config).toEqual({
      routes: [{ path: '/orders', method: 'POST' }],
      rateLimit: { routes: [{ method: 'DELETE' }] },
      webhooks: [{ events: ['SECRET_STORED', 'GATEWAY_CONFIG_UPDATED'] }],
    });
    const rest = (await call('GET', '/tenant/config')).body;
    expect(rest.routes).toEqual([{ path: '/orders', method: 'POST' }]);
    expect(rest.rateLimit.routes).toEqual([{ path: '/orders', method: 'DELETE', max: 5, windowSeconds: 60 }]);
    expect(rest.webhooks).toEqual([{ url: 'https://example.com/hook', events: ['secret.stored', 'gateway_config.updated'], hasSecret: false }]);
    // REST takes the seed's event names (and any case of method) and stores the same values.
    expect(
      (
        await call('POST', '/tenant/config', {
          routes: [{ path: '/orders', method: 'Patch' }],
          webhooks: [{ url: 'https://example.com/hook', events: ['role.created'] }],
        })
      ).status,
    ).toBe(200);
    const stored = (await gateway.database.prisma.tenantGatewayConfig.findUniqueOrThrow({ where: { tenantId: tenant.id } })).document as {
      routes: unknown;
      webhooks: { events: string[] }[];
    };
    expect(stored.routes).toEqual([{ path: '/orders', method: 'PATCH' }]);
    expect(stored.webhooks[0]!.events).toEqual(['role.created']);
    // A GraphQL client names enum values, not the wire strings.
    const refused = await gateway.graphql(
      `mutation ($tenant: ID) { saveGatewayConfig(tenant: $tenant, input: { webhooks: [{ url: "https://example.com/x", events: ["secret.stored"] }] }) { updatedFields } }`,
      { tenant: tenant.id },
    );
    expect(refused.errors?.[0]?.message).toMatch(/WebhookEvent/);
    // An unknown event on REST is still the spec's 400 naming the field.
    const unknown = await call('POST', '/tenant/config', { webhooks: [{ url: 'https://example.com/hook', events: ['nope.nope'] }] });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('webhooks.0.events.0');
  });
});

describe('rateLimit is enforced', () => {
  test("rateLimit.default.max lowers the tenant key's per-minute quota, never above the tier's", async () => {
    const limited = await startGateway({ rateLimits: { ...testRateLimits, tierPerMinute: { ...testRateLimits.tierPerMinute, FREE: 5 } } });
    try {
      const tenant = await createTenant(limited, { tier: 'FREE' });
      const key = (await createKey(limited, { scopes: ['CONFIG_READ', 'CONFIG_WRITE'], tenant: tenant.id })).secret;
      const get = () => limited.rest('GET', '/tenant/config', { headers: { authorization: `Bearer ${key}` } });
      // A limit above the tier's changes nothing: the tier's 5 still hold (1 request spent on the save).
      expect(
        (
          await limited.rest('POST', '/tenant/config', {
            headers: { authorization: `Bearer ${key}` },
            body: { rateLimit: { enabled: true, default: { max: 50 } } },
          })
        ).status,
      ).toBe(200);
      const statuses = [];
      for (let index = 0; index < 5; index++) statuses.push((await get()).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429]);

      const other = await createTenant(limited, { tier: 'FREE' });
      const otherKey = (await createKey(limited, { scopes: ['CONFIG_READ', 'CONFIG_WRITE'], tenant: other.id })).secret;
      const call = (method: string, body?: unknown) => limited.rest(method, '/tenant/config', { headers: { authorization: `Bearer ${otherKey}` }, body });
      expect((await call('POST', { rateLimit: { enabled: true, default: { max: 2 } } })).status).toBe(200);
      const own = [(await call('GET')).status, (await call('GET')).status];
      expect(own).toEqual([200, 429]);
      const refused = await call('GET');
      expect(refused.body).toEqual({
        success: false,
        error: 'rate_limited',
        message: "Rate limit exceeded: max 2 requests per minute for the tenant's own rateLimit",
      });
    } finally {
      await limited.close();
    }
  });
});

test('a secret a credential uses cannot be deleted (409) until the configuration stops naming it', async () => {
  const { call } = await tenantWithKey();
  await call('POST', '/tenant/secrets', { key: 'STRIPE_SECRET_KEY', value: 'sk_live_hidden' });
  await call('POST', '/tenant/config', { credentials: { stripe: { type: 'bearer', secret: 'STRIPE_SECRET_KEY' } } });
  const refused = await call('DELETE', '/tenant/secrets/STRIPE_SECRET_KEY');
  expect({ status: refused.status, body: refused.body }).toEqual({
    status: 409,
    body: { success: false, error: 'conflict', message: 'Secret "STRIPE_SECRET_KEY" is used by credentials.stripe: change the gateway configuration first' },
  });
  await call('POST', '/tenant/config', { credentials: {} });
  expect((await call('DELETE', '/tenant/secrets/STRIPE_SECRET_KEY')).status).toBe(200);
});
