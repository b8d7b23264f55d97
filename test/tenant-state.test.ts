import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  BackupTenantDocument,
  CreateProjectDocument,
  DeleteTenantDocument,
  PurgeTenantDocument,
  RestoreTenantDocument,
  ResumeTenantDocument,
  RollbackTenantDocument,
  type Scope,
  SuspendTenantDocument,
  TenantConfigDocument,
  TenantDocument,
  TenantPlanDocument,
  TrackUsageDocument,
  type UpdateTenantInput,
  UpdateTenantConfigDocument,
  UpdateTenantDocument,
} from '../src/generated/graphql/graphql.js';
import { createKey, createTenant, setProjectTier } from './support/fixtures.js';
import { startGateway, type TestGateway, uniqueSlug } from './support/gateway.js';

// What a tenant's own credentials may do depends on the tenant's state, and never extends to
// the tenant's plan or lifecycle: those are an operator's or the owning project's acts.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.close());

const everyScope: Scope[] = [
  'TENANTS_READ',
  'TENANTS_WRITE',
  'CONFIG_READ',
  'CONFIG_WRITE',
  'FEATURES_READ',
  'FEATURES_WRITE',
  'USAGE_READ',
  'USAGE_WRITE',
  'LIMITS_READ',
  'LIMITS_WRITE',
  'BACKUPS_READ',
  'BACKUPS_WRITE',
  'KEYS_WRITE',
];

/** A tenant and a key of its own with every scope a tenant key can hold. */
async function tenantWithKey(input: Parameters<typeof createTenant>[1] = {}) {
  const tenant = await createTenant(gateway, input);
  const { secret } = await createKey(gateway, { scopes: everyScope, tenant: tenant.id });
  return { tenant, key: secret };
}

const plan = async (id: string) => (await gateway.data(TenantPlanDocument, { id })).tenant;

function refusal(result: { errors?: { message: string; extensions?: Record<string, unknown> }[] }) {
  expect(result.errors, JSON.stringify(result)).toHaveLength(1);
  const [error] = result.errors!;
  return { code: error!.extensions?.code, message: error!.message, field: error!.extensions?.field };
}

describe("a suspended tenant's keys only read", () => {
  test('after the operator suspends a tenant, its key reads it but cannot update, track, back up or resume it', async () => {
    const { tenant, key } = await tenantWithKey();
    await gateway.data(SuspendTenantDocument, { id: tenant.id });

    expect((await gateway.data(TenantDocument, { id: tenant.id }, key)).tenant.status).toBe('SUSPENDED');
    expect((await gateway.data(TenantConfigDocument, { tenant: tenant.id }, key)).tenantConfig.version).toBe(1);

    const suspended = { code: 'FORBIDDEN', message: "This API key's tenant is SUSPENDED: its keys may only read", field: undefined };
    const writes = [
      await gateway.graphql(UpdateTenantConfigDocument, { tenant: tenant.id, input: { performance: { cacheSizeMb: 2048 } } }, key),
      await gateway.graphql(TrackUsageDocument, { tenant: tenant.id, input: { resource: 'llm', metric: 'tokens', amount: 5 } }, key),
      await gateway.graphql(BackupTenantDocument, { tenant: tenant.id }, key),
      await gateway.graphql(ResumeTenantDocument, { id: tenant.id }, key),
    ];
    expect(writes.map(refusal)).toEqual([suspended, suspended, suspended, suspended]);

    expect((await plan(tenant.id)).status).toBe('SUSPENDED');
    expect((await gateway.data(TenantConfigDocument, { tenant: tenant.id })).tenantConfig.version).toBe(1);
    expect(await gateway.database.prisma.usageRecord.count({ where: { tenantId: tenant.id } })).toBe(0);
    expect(await gateway.database.prisma.backupRecord.count({ where: { tenantId: tenant.id } })).toBe(0);
  });

  test('legacy routes answer the same refusal in their dialect: POST /tenant/limits/resources/track is 403', async () => {
    const { tenant, key } = await tenantWithKey();
    await gateway.data(SuspendTenantDocument, { id: tenant.id });
    const response = await gateway.rest('POST', '/tenant/limits/resources/track', {
      headers: { authorization: `Bearer ${key}` },
      body: { resource: 'llm', metric: 'tokens', amount: 5 },
    });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ success: false, error: 'forbidden', message: "This API key's tenant is SUSPENDED: its keys may only read" });
  });

  test('once the operator resumes the tenant, the same key writes again', async () => {
    const { tenant, key } = await tenantWithKey();
    await gateway.data(SuspendTenantDocument, { id: tenant.id });
    await gateway.data(ResumeTenantDocument, { id: tenant.id });
    const { updateTenantConfig } = await gateway.data(UpdateTenantConfigDocument, { tenant: tenant.id, input: { performance: { cacheSizeMb: 2048 } } }, key);
    expect(updateTenantConfig.config.version).toBe(2);
  });
});

describe("an expired tenant's keys only read", () => {
  test("past its expiresAt, a tenant's key reads but cannot clear its own expiry", async () => {
    const { tenant, key } = await tenantWithKey({ expiresAt: new Date(Date.now() + 60_000).toISOString() });
    await gateway.database.prisma.tenant.update({ where: { id: tenant.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });

    expect((await gateway.data(TenantDocument, { id: tenant.id }, key)).tenant.id).toBe(tenant.id);
    const cleared = await gateway.graphql(UpdateTenantDocument, { id: tenant.id, input: { expiresAt: null } }, key);
    expect(refusal(cleared)).toEqual({ code: 'FORBIDDEN', message: "This API key's tenant is EXPIRED: its keys may only read", field: undefined });
    expect((await plan(tenant.id)).expiresAt).not.toBeNull();

    await gateway.data(UpdateTenantDocument, { id: tenant.id, input: { expiresAt: null } });
    expect((await gateway.data(UpdateTenantDocument, { id: tenant.id, input: { name: 'Renewed' } }, key)).updateTenant.name).toBe('Renewed');
  });
});

describe("a deleted tenant's keys do nothing", () => {
  test("a soft-deleted tenant's key is not valid, so it cannot restore itself", async () => {
    const { tenant, key } = await tenantWithKey();
    await gateway.data(DeleteTenantDocument, { id: tenant.id });

    const restore = await gateway.graphql(RestoreTenantDocument, { id: tenant.id }, key);
    const unknown = await gateway.graphql(RestoreTenantDocument, { id: tenant.id }, 'tgw_AAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(restore.status).toBe(401);
    expect(restore.errors).toEqual([{ message: 'The API key is not valid', extensions: { code: 'UNAUTHENTICATED' } }]);
    expect(restore.errors).toEqual(unknown.errors);
    expect((await plan(tenant.id)).status).toBe('DELETED');

    await gateway.data(RestoreTenantDocument, { id: tenant.id });
    expect((await gateway.data(TenantDocument, { id: tenant.id }, key)).tenant.status).toBe('ACTIVE');
  });
});

describe("plan, limits, isolation, expiry and lifecycle are not the tenant's own acts", () => {
  test("a FREE tenant's key cannot raise its own plan", async () => {
    const { tenant, key } = await tenantWithKey({ tier: 'FREE' });
    const result = await gateway.graphql(UpdateTenantDocument, { id: tenant.id, input: { tier: 'ENTERPRISE', maxApiCallsPerMonth: 2_000_000_000 } }, key);
    expect(refusal(result)).toEqual({
      code: 'FORBIDDEN',
      message: "A tenant API key cannot change tier: plan, limits, isolation, expiry and lifecycle are set by an operator or the tenant's project",
      field: 'tier',
    });
    expect(await plan(tenant.id)).toMatchObject({ tier: 'FREE', maxApiCallsPerMonth: 10_000 });
  });

  const planChanges: [string, string, UpdateTenantInput][] = [
    ['tier', 'BASIC', { tier: 'BASIC' }],
    ['maxUsers', '6', { maxUsers: 6 }],
    ['maxApiCallsPerMonth', '20000', { maxApiCallsPerMonth: 20_000 }],
    ['maxStorageMb', '2048', { maxStorageMb: 2_048 }],
    ['maxLlmTokensPerMonth', '200000', { maxLlmTokensPerMonth: 200_000 }],
    ['isolation', 'DEDICATED', { isolation: 'DEDICATED' }],
    ['expiresAt', 'a later date', { expiresAt: new Date(Date.now() + 86_400_000).toISOString() }],
    ['expiresAt', 'null (no expiry)', { expiresAt: null }],
  ];

  test.each(planChanges)('a tenant key setting %s to %s is FORBIDDEN naming the field, nothing changes', async (field, _value, input) => {
    const { tenant, key } = await tenantWithKey({ tier: 'PRO', expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    const before = await plan(tenant.id);
    const result = await gateway.graphql(UpdateTenantDocument, { id: tenant.id, input: { name: 'Renamed', ...input } }, key);
    expect(refusal(result)).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining(`cannot change ${field}:`), field });
    expect(await plan(tenant.id)).toEqual(before);
  });

  test('a tenant key still renames its tenant and changes its settings', async () => {
    const { tenant, key } = await tenantWithKey();
    const { updateTenant } = await gateway.data(UpdateTenantDocument, { id: tenant.id, input: { name: 'Renamed', settings: { theme: 'dark' } } }, key);
    expect(updateTenant).toMatchObject({ name: 'Renamed', settings: { theme: 'dark' } });
  });

  test.each([
    ['suspendTenant', 'suspend', SuspendTenantDocument],
    ['resumeTenant', 'resume', ResumeTenantDocument],
    ['deleteTenant', 'delete', DeleteTenantDocument],
    ['restoreTenant', 'restore', RestoreTenantDocument],
    ['purgeTenant', 'delete', PurgeTenantDocument],
  ] as const)('%s with the tenant\'s own key is FORBIDDEN ("cannot %s its tenant"), the tenant stays ACTIVE', async (_field, act, document) => {
    const { tenant, key } = await tenantWithKey();
    const result = await gateway.graphql(document as typeof SuspendTenantDocument, { id: tenant.id }, key);
    expect(refusal(result)).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(new RegExp(`^A tenant API key cannot ${act} its tenant: `)) });
    expect((await plan(tenant.id)).status).toBe('ACTIVE');
  });

  test("the owning project's key sets plan, expiry and lifecycle", async () => {
    const { createProject } = await gateway.data(CreateProjectDocument, { slug: uniqueSlug('project'), name: 'Owner' });
    // Within its own plan: a tenant's plan never exceeds its project's.
    await setProjectTier(gateway, createProject.id, 'PRO');
    const { secret: projectKey } = await createKey(gateway, { scopes: ['ADMIN'], projectId: createProject.id });
    const tenant = await createTenant(gateway, { projectId: createProject.id, tier: 'FREE' });
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    await gateway.data(UpdateTenantDocument, { id: tenant.id, input: { tier: 'PRO', maxUsers: 50, expiresAt } }, projectKey);
    expect(await plan(tenant.id)).toMatchObject({ tier: 'PRO', maxUsers: 50, expiresAt });
    expect((await gateway.data(SuspendTenantDocument, { id: tenant.id }, projectKey)).suspendTenant.status).toBe('SUSPENDED');
    expect((await gateway.data(ResumeTenantDocument, { id: tenant.id }, projectKey)).resumeTenant.status).toBe('ACTIVE');
  });

  test('a tenant key cannot undo a downgrade by rolling back to a backup taken on the old plan', async () => {
    const { tenant, key } = await tenantWithKey({ tier: 'PRO' });
    const { backupTenant } = await gateway.data(BackupTenantDocument, { tenant: tenant.id });
    await gateway.data(UpdateTenantDocument, { id: tenant.id, input: { tier: 'FREE', maxUsers: 5 } });

    const rollback = await gateway.graphql(RollbackTenantDocument, { tenant: tenant.id, storagePath: backupTenant.storagePath! }, key);
    expect(refusal(rollback)).toEqual({
      code: 'FORBIDDEN',
      message:
        "A tenant API key cannot restore a backup with another tier: plan, limits, isolation, expiry and lifecycle are set by an operator or the tenant's project",
      field: 'tier',
    });
    expect(await plan(tenant.id)).toMatchObject({ tier: 'FREE', maxUsers: 5 });

    await gateway.data(RollbackTenantDocument, { tenant: tenant.id, storagePath: backupTenant.storagePath! });
    expect(await plan(tenant.id)).toMatchObject({ tier: 'PRO', maxUsers: 100 });
  });
});
