import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createKey, createTenant, signupAccount } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

// The audit log (issue 15, "config changes logged"): every change writes an event in its transaction.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.close());

type Event = {
  action: string;
  target: string;
  actor: string;
  tenantId: string | null;
  changes: { path: string; before: unknown; after: unknown }[];
  requestId: string | null;
  createdAt: string;
};
async function auditLog(args: string, key = gateway.adminKey) {
  const result = await gateway.graphql<{ auditLog: { edges: { node: Event }[] } }, object>(
    `{ auditLog(${args}) { edges { node { action target actor tenantId changes requestId createdAt } } } }`,
    {},
    key,
  );
  return result;
}
const events = async (tenantId: string, filter = '') => (await auditLog(`tenant: "${tenantId}"${filter}`)).data!.auditLog.edges.map((edge) => edge.node);

async function tenantWithKey() {
  const tenant = await createTenant(gateway, { tier: 'ENTERPRISE' });
  const key = await createKey(gateway, { name: 'auditor', scopes: ['CONFIG_READ', 'CONFIG_WRITE', 'SECRETS_READ', 'SECRETS_WRITE'], tenant: tenant.id });
  const headers = { authorization: `Bearer ${key.secret}`, 'x-request-id': `req-${tenant.slug}` };
  return {
    tenant,
    key: key.secret,
    prefix: key.apiKey.prefix,
    label: `auditor (${key.apiKey.prefix})`,
    call: (method: string, path: string, body?: unknown) => gateway.rest(method, path, { headers, body }),
  };
}

describe('every change is an event with actor, action, target, changed paths, request id and time', () => {
  test('secrets: names only, never values', async () => {
    const { tenant, call, label } = await tenantWithKey();
    await call('POST', '/tenant/secrets', { key: 'STRIPE_SECRET_KEY', value: 'sk_live_audited' });
    await call('POST', '/tenant/secrets', { key: 'STRIPE_SECRET_KEY', value: 'sk_live_audited_2' });
    await call('DELETE', '/tenant/secrets/STRIPE_SECRET_KEY');
    const trail = await events(tenant.id);
    // The oldest events are the tenant's own creation and its key's (by the operator, through the fixture).
    expect(trail.map((event) => event.action)).toEqual(['secret.deleted', 'secret.stored', 'secret.stored', 'api_key.created', 'tenant.created']);
    expect(trail.slice(0, 3).map(({ action, target, actor, changes, requestId }) => ({ action, target, actor, changes, requestId }))).toEqual([
      {
        action: 'secret.deleted',
        target: 'secret:STRIPE_SECRET_KEY',
        actor: label,
        changes: [{ path: 'secrets.STRIPE_SECRET_KEY', before: '[sealed]', after: null }],
        requestId: `req-${tenant.slug}`,
      },
      {
        action: 'secret.stored',
        target: 'secret:STRIPE_SECRET_KEY',
        actor: label,
        changes: [{ path: 'secrets.STRIPE_SECRET_KEY', before: '[sealed]', after: '[sealed]', sealedVersion: expect.any(String) }],
        requestId: `req-${tenant.slug}`,
      },
      {
        action: 'secret.stored',
        target: 'secret:STRIPE_SECRET_KEY',
        actor: label,
        changes: [{ path: 'secrets.STRIPE_SECRET_KEY', before: null, after: '[sealed]', sealedVersion: expect.any(String) }],
        requestId: `req-${tenant.slug}`,
      },
    ]);
    expect(JSON.stringify(await gateway.database.prisma.auditEvent.findMany({ where: { tenantId: tenant.id } }))).not.toContain('sk_live_audited');
    expect(new Date(trail[0]!.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  test('the gateway configuration, the tenant configuration and roles: before and after of each changed path', async () => {
    const { tenant, call } = await tenantWithKey();
    await call('POST', '/tenant/config', { rateLimit: { enabled: true, default: { max: 500 } } });
    await gateway.graphql(`mutation { updateTenantConfig(tenant: "${tenant.id}", input: { performance: { cacheSizeMb: 2048 } }) { updatedFields } }`);
    await call('PUT', '/tenant/rbac/roles/admin', { permissions: ['read'] });
    const trail = await events(tenant.id);
    expect(trail.slice(-2).map((event) => event.action)).toEqual(['api_key.created', 'tenant.created']);
    expect(trail.slice(0, -2).map(({ action, target, changes }) => ({ action, target, changes }))).toEqual([
      {
        action: 'role.updated',
        target: 'role:admin',
        changes: [
          { path: 'roles.admin', before: { description: null, permissions: ['read', 'write', 'delete'] }, after: { description: null, permissions: ['read'] } },
        ],
      },
      { action: 'config.updated', target: 'config:v2', changes: [{ path: 'performance.cache_size_mb', before: 1024, after: 2048 }] },
      {
        action: 'gateway_config.updated',
        target: 'gateway_config:v1',
        changes: [
          { path: 'rateLimit.enabled', before: false, after: true },
          { path: 'rateLimit.default', before: { max: 60, windowSeconds: 60 }, after: { max: 500, windowSeconds: 60 } },
        ],
      },
    ]);
  });

  test('a refused change writes no event', async () => {
    const { tenant, call } = await tenantWithKey();
    await call('POST', '/tenant/config', { credentials: { jira: { type: 'bearer', secret: 'NOT_STORED' } } });
    await call('POST', '/tenant/rbac/roles', { name: 'viewer', permissions: ['read'] });
    await call('DELETE', '/tenant/rbac/roles/viewer');
    await call('DELETE', '/tenant/secrets/NOT_STORED');
    expect((await events(tenant.id)).map((event) => event.action)).toEqual(['api_key.created', 'tenant.created']);
  });
});

describe('API keys', () => {
  test("created and revoked: under the key's tenant, with its name, prefix, owner and scopes, never its secret nor its hash", async () => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE' });
    const created = await createKey(gateway, { name: 'ci deploy', scopes: ['TENANTS_READ', 'KEYS_WRITE'], tenant: tenant.id });
    // The tenant's own key mints a Control Core key for its tenant, then revokes the first.
    const minted = await gateway.rest('POST', `/api/v1/tenants/${tenant.slug}/api-keys`, {
      headers: { authorization: `Bearer ${created.secret}` },
      body: { name: 'cc key', scopes: ['tenants:read'] },
    });
    const revoked = await gateway.graphql(`mutation { revokeApiKey(id: "${created.apiKey.id}") { revokedAt } }`, {}, created.secret);
    expect(revoked.errors).toBeUndefined();
    const trail = (await events(tenant.id)).filter((event) => event.action.startsWith('api_key.'));
    const ccKey = await gateway.database.prisma.apiKey.findFirstOrThrow({ where: { tenantId: tenant.id, name: 'cc key' } });
    const revokedAt = (revoked.data as { revokeApiKey: { revokedAt: string } }).revokeApiKey.revokedAt;
    const shape = (key: { prefix: string; name: string; scopes: string[] }, revoked: string | null) => ({
      name: key.name,
      prefix: key.prefix,
      owner: 'TENANT',
      projectId: null,
      scopes: key.scopes,
      expiresAt: null,
      revokedAt: revoked,
    });
    expect(trail.map(({ action, target, actor, changes }) => ({ action, target, actor, changes }))).toEqual([
      {
        action: 'api_key.revoked',
        target: `api_key:${created.apiKey.prefix}`,
        actor: `ci deploy (${created.apiKey.prefix})`,
        changes: [
          {
            path: `apiKeys.${created.apiKey.id}`,
            before: shape({ ...created.apiKey, scopes: ['tenants:read', 'keys:write'] }, null),
            after: shape({ ...created.apiKey, scopes: ['tenants:read', 'keys:write'] }, new Date(revokedAt).toISOString()),
          },
        ],
      },
      {
        action: 'api_key.created',
        target: `api_key:${ccKey.prefix}`,
        actor: `ci deploy (${created.apiKey.prefix})`,
        changes: [{ path: `apiKeys.${ccKey.id}`, before: null, after: shape(ccKey, null) }],
      },
      {
        action: 'api_key.created',
        target: `api_key:${created.apiKey.prefix}`,
        actor: 'operator',
        changes: [{ path: `apiKeys.${created.apiKey.id}`, before: null, after: shape({ ...created.apiKey, scopes: ['tenants:read', 'keys:write'] }, null) }],
      },
    ]);
    expect(minted.status).toBe(201);
    const stored = JSON.stringify(await gateway.database.prisma.auditEvent.findMany({ where: { tenantId: tenant.id } }));
    for (const secret of [created.secret, (minted.body as { key: string }).key, ccKey.secretHash]) expect(stored).not.toContain(secret);
  });

  test('a tenant provisioned with its first key: both events, in the one transaction that creates both', async () => {
    const slug = `prov-${Date.now().toString(36)}`;
    const result = await gateway.graphql<{ provisionTenant: { tenant: { id: string }; apiKey: { id: string; prefix: string } } }, object>(
      `mutation { provisionTenant(tenant: { slug: "${slug}", name: "Provisioned" }, apiKey: { name: "client" }) { tenant { id } apiKey { id prefix } } }`,
    );
    expect(result.errors).toBeUndefined();
    const { tenant, apiKey } = result.data!.provisionTenant;
    const trail = await events(tenant.id);
    expect(trail.map(({ action, target }) => ({ action, target }))).toEqual([
      { action: 'api_key.created', target: `api_key:${apiKey.prefix}` },
      { action: 'tenant.created', target: `tenant:${slug}` },
    ]);
    expect(trail[0]!.changes).toEqual([
      {
        path: `apiKeys.${apiKey.id}`,
        before: null,
        after: expect.objectContaining({ name: 'client', owner: 'TENANT', scopes: ['tenants:read', 'config:read', 'features:read'] }),
      },
    ]);
  });

  test('a TenantsDB project key created and deleted through /apikeys: operator-wide events (no tenant)', async () => {
    const account = await signupAccount(gateway);
    const headers = { authorization: `Bearer ${account.key}` };
    const created = await gateway.rest('POST', '/apikeys', { headers, body: { name: 'ci' } });
    const id = (created.body as { id: string }).id;
    expect((await gateway.rest('DELETE', `/apikeys/${id}`, { headers })).status).toBe(200);
    const all = (await auditLog('filter: { action: "api_key.*" }, first: 100')).data!.auditLog.edges.map((edge) => edge.node);
    const mine = all.filter((event) => event.changes.some((change) => change.path === `apiKeys.${id}`));
    expect(mine.map(({ action, tenantId }) => ({ action, tenantId }))).toEqual([
      { action: 'api_key.revoked', tenantId: null },
      { action: 'api_key.created', tenantId: null },
    ]);
  });
});

describe('the tenant record and its lifecycle', () => {
  test('created, updated, suspended, resumed, deleted, restored and purged: each an event with the fields it changed', async () => {
    const tenant = await createTenant(gateway, { tier: 'BASIC', name: 'Lifecycle' });
    const run = async (mutation: string) => expect((await gateway.graphql(`mutation { ${mutation} }`)).errors).toBeUndefined();
    await run(`updateTenant(id: "${tenant.id}", input: { name: "Lifecycle 2", tier: PRO }) { id }`);
    await run(`suspendTenant(id: "${tenant.id}") { id }`);
    // A refused transition (resuming twice) writes nothing.
    await run(`resumeTenant(id: "${tenant.id}") { id }`);
    expect((await gateway.graphql(`mutation { resumeTenant(id: "${tenant.id}") { id } }`)).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    await run(`deleteTenant(id: "${tenant.id}") { id }`);
    await run(`restoreTenant(id: "${tenant.id}") { id }`);
    const trail = await events(tenant.id);
    expect(trail.map((event) => event.action)).toEqual([
      'tenant.restored',
      'tenant.deleted',
      'tenant.resumed',
      'tenant.suspended',
      'tenant.updated',
      'tenant.created',
    ]);
    const changesOf = (action: string) => trail.find((event) => event.action === action)!.changes;
    expect(changesOf('tenant.updated')).toEqual([
      { path: 'tenant.name', before: 'Lifecycle', after: 'Lifecycle 2' },
      { path: 'tenant.tier', before: 'BASIC', after: 'PRO' },
    ]);
    expect(changesOf('tenant.suspended')).toEqual([{ path: 'tenant.status', before: 'ACTIVE', after: 'SUSPENDED' }]);
    expect(changesOf('tenant.deleted')).toEqual([{ path: 'tenant.status', before: 'ACTIVE', after: 'DELETED' }]);
    expect(changesOf('tenant.created')).toEqual(
      expect.arrayContaining([
        { path: 'tenant.name', before: null, after: 'Lifecycle' },
        { path: 'tenant.tier', before: null, after: 'BASIC' },
      ]),
    );
    await run(`purgeTenant(id: "${tenant.id}") { id }`);
    // The trail outlives the tenant: the purge is its last event.
    const after = await gateway.database.prisma.auditEvent.findMany({ where: { tenantId: tenant.id }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
    expect(after.map((event) => event.action)).toContain('tenant.purged');
    expect(after).toHaveLength(7);
  });
});

describe('features and resource limits', () => {
  test('a feature switch that changes, and limits added, changed and removed, are events; a switch to what it already is writes none', async () => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE' });
    const feature = (name: string, enabled: boolean) =>
      gateway.graphql(`mutation { setTenantFeature(tenant: "${tenant.id}", feature: "${name}", enabled: ${enabled}) { totalEnabled } }`);
    const limits = (list: string) => gateway.graphql(`mutation { setResourceLimits(tenant: "${tenant.id}", limits: [${list}]) { resource } }`);
    expect((await feature('ml_features', true)).errors).toBeUndefined();
    // api_access is on by default: switching it on again changes nothing.
    expect((await feature('api_access', true)).errors).toBeUndefined();
    expect(
      (await limits('{ resource: "api", metric: "calls", period: DAY, limit: 100 }, { resource: "llm", metric: "tokens", period: MONTH, limit: 5 }')).errors,
    ).toBeUndefined();
    expect((await limits('{ resource: "api", metric: "calls", period: DAY, limit: 200 }')).errors).toBeUndefined();
    const trail = (await events(tenant.id)).filter((event) => event.action !== 'tenant.created');
    expect(trail.map(({ action, target, changes }) => ({ action, target, changes }))).toEqual([
      {
        action: 'limits.updated',
        target: 'limits',
        changes: [
          { path: 'limits.api.calls.day', before: { limit: 100, tiers: {}, gateAction: 'BLOCK' }, after: { limit: 200, tiers: {}, gateAction: 'BLOCK' } },
          { path: 'limits.llm.tokens.month', before: { limit: 5, tiers: {}, gateAction: 'BLOCK' }, after: null },
        ],
      },
      {
        action: 'limits.updated',
        target: 'limits',
        changes: [
          { path: 'limits.api.calls.day', before: null, after: { limit: 100, tiers: {}, gateAction: 'BLOCK' } },
          { path: 'limits.llm.tokens.month', before: null, after: { limit: 5, tiers: {}, gateAction: 'BLOCK' } },
        ],
      },
      { action: 'feature.updated', target: 'feature:ml_features', changes: [{ path: 'features.ml_features', before: false, after: true }] },
    ]);
  });
});

describe('auditLog', () => {
  test('filters by action (exact or prefix), actor and time', async () => {
    const { tenant, call, label } = await tenantWithKey();
    await call('POST', '/tenant/rbac/roles', { name: 'editor', permissions: ['read'] });
    const between = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await call('DELETE', '/tenant/rbac/roles/editor');
    await gateway.graphql(`mutation { storeTenantSecret(tenant: "${tenant.id}", name: "BY_OPERATOR", value: "x") { name } }`);
    const actions = async (filter: string) => (await events(tenant.id, `, filter: ${filter}`)).map((event) => event.action);
    expect(await actions('{ action: "role.*" }')).toEqual(['role.deleted', 'role.created']);
    expect(await actions('{ action: "role.created" }')).toEqual(['role.created']);
    expect(await actions('{ actor: "operator" }')).toEqual(['secret.stored', 'api_key.created', 'tenant.created']);
    expect(await actions(`{ actor: "${label}" }`)).toEqual(['role.deleted', 'role.created']);
    expect(await actions(`{ since: "${between}" }`)).toEqual(['secret.stored', 'role.deleted']);
    expect(await actions(`{ until: "${between}" }`)).toEqual(['role.created', 'api_key.created', 'tenant.created']);
  });

  test("operator-wide without a tenant; a tenant key reads only its own tenant's", async () => {
    const one = await tenantWithKey();
    const two = await tenantWithKey();
    await one.call('POST', '/tenant/secrets', { key: 'ONE', value: 'x' });
    await two.call('POST', '/tenant/secrets', { key: 'TWO', value: 'x' });
    const all = (await auditLog('first: 100')).data!.auditLog.edges.map((edge) => edge.node.tenantId);
    expect(all).toEqual(expect.arrayContaining([one.tenant.id, two.tenant.id]));
    expect((await auditLog('first: 10', one.key)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await auditLog(`tenant: "${two.tenant.id}"`, one.key)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const own = (await auditLog(`tenant: "${one.tenant.id}"`, one.key)).data!.auditLog.edges.map((edge) => edge.node.target);
    expect(own).toEqual(['secret:ONE', `api_key:${one.prefix}`, `tenant:${one.tenant.slug}`]);
  });
});

test('events older than AUDIT_RETENTION_DAYS are pruned', async () => {
  const { pruneAuditEvents } = await import('../src/modules/audit/audit-retention.js');
  const { tenant, call, prefix } = await tenantWithKey();
  await call('POST', '/tenant/secrets', { key: 'OLD', value: 'x' });
  await call('POST', '/tenant/secrets', { key: 'NEW', value: 'x' });
  const { prisma } = gateway.database;
  await prisma.auditEvent.updateMany({ where: { tenantId: tenant.id, target: 'secret:OLD' }, data: { createdAt: new Date(Date.now() - 31 * 86_400_000) } });
  // The sealed version the old event names goes with it; the newer one stays.
  const [oldChange] = (await prisma.auditEvent.findFirstOrThrow({ where: { tenantId: tenant.id, target: 'secret:OLD' } })).changes as {
    sealedVersion: string;
  }[];
  await prisma.tenantSecretVersion.update({ where: { id: oldChange!.sealedVersion }, data: { createdAt: new Date(Date.now() - 31 * 86_400_000) } });
  expect(await pruneAuditEvents(prisma, 30)).toBeGreaterThanOrEqual(1);
  expect((await prisma.tenantSecretVersion.findMany({ where: { tenantId: tenant.id } })).map((version) => version.name)).toEqual(['NEW']);
  // The current value is not a version: OLD is still stored.
  expect(await prisma.tenantSecret.count({ where: { tenantId: tenant.id, name: 'OLD' } })).toBe(1);
  expect((await events(tenant.id)).map((event) => event.target)).toEqual(['secret:NEW', `api_key:${prefix}`, `tenant:${tenant.slug}`]);
});
