import { readFile, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyIncremental, diffSnapshots, incrementalSchema, takeSnapshot } from '../src/modules/backups/snapshot.js';
import { openDataKey, openSecretValue } from '../src/modules/secrets/envelope.js';
import { createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway, testSecretsKey } from './support/gateway.js';

// Issue 15: backups hold the gateway configuration and the roles; backups and restores are
// audited; point-in-time recovery is exact, the backup carried forward by the audit events.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.close());

const pause = () => new Promise((resolve) => setTimeout(resolve, 40));

function operatorOn(tenantId: string) {
  const headers = { authorization: `Bearer ${gateway.adminKey}`, 'x-tenant-id': tenantId };
  return async (method: string, route: string, body?: unknown) => {
    const response = await gateway.rest(method, route, { headers, body });
    if (response.status >= 300) throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as Record<string, unknown>;
  };
}

async function run(operation: string) {
  const result = await gateway.graphql<Record<string, Record<string, unknown>>, object>(operation);
  if (result.errors) throw new Error(`${operation}\n${JSON.stringify(result.errors)}`);
  return result.data!;
}

const backup = async (tenantId: string) =>
  (await run(`mutation { backupTenant(tenant: "${tenantId}") { id storagePath } }`)).backupTenant as { id: string; storagePath: string };
const setLimit = (tenantId: string, limit: number) =>
  run(`mutation { setResourceLimits(tenant: "${tenantId}", limits: [{ resource: "api", metric: "calls", period: DAY, limit: ${limit} }]) { id } }`);

async function openSecret(tenantId: string, name: string): Promise<string | null> {
  const { prisma } = gateway.database;
  const row = await prisma.tenantSecret.findUnique({ where: { tenantId_name: { tenantId, name } } });
  if (!row) return null;
  const dataKey = openDataKey(
    { current: Buffer.from(testSecretsKey, 'hex'), previous: [] },
    await prisma.tenantDataKey.findUniqueOrThrow({ where: { tenantId } }),
  )!;
  return openSecretValue(dataKey, tenantId, name, row.sealed);
}

/** The gateway-held state the recovery restores, field by field. */
async function state(tenantId: string) {
  const call = operatorOn(tenantId);
  const { prisma } = gateway.database;
  const tenant = await prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } });
  const limits = await prisma.resourceLimit.findMany({ where: { tenantId } });
  const rbac = (await call('GET', '/tenant/rbac')) as { roles: { name: string; permissions: string[] }[]; defaultRole: string };
  const config = (await call('GET', '/tenant/config')) as { rateLimit: { enabled: boolean; default: { max: number } } };
  return {
    region: tenant.region,
    name: tenant.name,
    limits: limits.map((limit) => `${limit.resource}.${limit.metric}.${limit.period}=${limit.limit}`),
    secrets: (await call('GET', '/tenant/secrets')).secrets,
    apiToken: await openSecret(tenantId, 'API_TOKEN'),
    roles: rbac.roles.map((role) => `${role.name}:${role.permissions.join('+')}`),
    defaultRole: rbac.defaultRole,
    rateLimit: { enabled: config.rateLimit.enabled, max: config.rateLimit.default.max },
  };
}

const recover = (tenantId: string, at: Date) =>
  run(`mutation { recoverTenant(tenant: "${tenantId}", timestamp: "${at.toISOString()}") { tenant { region } } }`);

describe('exact point-in-time recovery', () => {
  test('region, limits, a secret, a role and the gateway configuration changed at known instants: recovering to each instant gives the state as it was then', async () => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE', isolation: 'DEDICATED', region: 'us-east-1', name: 'Recoverable' });
    const call = operatorOn(tenant.id);
    await call('POST', '/tenant/secrets', { key: 'API_TOKEN', value: 'token-1' });
    await call('POST', '/tenant/secrets', { key: 'OLD_TOKEN', value: 'old' });
    await setLimit(tenant.id, 100);
    await backup(tenant.id);
    await pause();
    const atBackup = new Date();
    await pause();
    await run(`mutation { updateTenant(id: "${tenant.id}", input: { region: "us-west-2" }) { id } }`);
    await pause();
    const inUsWest = new Date();
    await pause();
    await setLimit(tenant.id, 200);
    await pause();
    const afterLimits = new Date();
    await pause();
    await call('POST', '/tenant/secrets', { key: 'API_TOKEN', value: 'token-2' });
    await call('DELETE', '/tenant/secrets/OLD_TOKEN');
    await pause();
    const afterSecret = new Date();
    await pause();
    await call('POST', '/tenant/rbac/roles', { name: 'editor', permissions: ['read', 'write'] });
    await call('PUT', '/tenant/rbac', { defaultRole: 'editor' });
    await pause();
    const afterRole = new Date();
    await pause();
    await call('POST', '/tenant/config', { rateLimit: { enabled: true, default: { max: 500, windowSeconds: 60 } } });
    await pause();
    const afterGateway = new Date();
    await pause();
    await run(`mutation { updateTenant(id: "${tenant.id}", input: { region: "eu-west-1", name: "Moved" }) { id } }`);
    await call('POST', '/tenant/secrets', { key: 'API_TOKEN', value: 'token-3' });
    await pause();

    const atStart = {
      region: 'us-east-1',
      name: 'Recoverable',
      limits: ['api.calls.DAY=100'],
      secrets: ['API_TOKEN', 'OLD_TOKEN'],
      apiToken: 'token-1',
      roles: ['viewer:read', 'admin:read+write+delete'],
      defaultRole: 'viewer',
      rateLimit: { enabled: false, max: 60 },
    };
    const expected: [Date, typeof atStart][] = [
      [atBackup, atStart],
      [inUsWest, { ...atStart, region: 'us-west-2' }],
      [afterLimits, { ...atStart, region: 'us-west-2', limits: ['api.calls.DAY=200'] }],
      [afterSecret, { ...atStart, region: 'us-west-2', limits: ['api.calls.DAY=200'], secrets: ['API_TOKEN'], apiToken: 'token-2' }],
      [
        afterRole,
        {
          ...atStart,
          region: 'us-west-2',
          limits: ['api.calls.DAY=200'],
          secrets: ['API_TOKEN'],
          apiToken: 'token-2',
          roles: [...atStart.roles, 'editor:read+write'],
          defaultRole: 'editor',
        },
      ],
      [
        afterGateway,
        {
          ...atStart,
          region: 'us-west-2',
          limits: ['api.calls.DAY=200'],
          secrets: ['API_TOKEN'],
          apiToken: 'token-2',
          roles: [...atStart.roles, 'editor:read+write'],
          defaultRole: 'editor',
          rateLimit: { enabled: true, max: 500 },
        },
      ],
    ];
    // Later instants first, then earlier ones: each recovery starts again from the backup.
    for (const index of [2, 5, 0, 3, 1, 4]) {
      const [at, want] = expected[index]!;
      await recover(tenant.id, at);
      expect({ at: at.toISOString(), ...(await state(tenant.id)) }).toEqual({ at: at.toISOString(), ...want });
    }
  });

  test('the recovery is an audit event with what it changed; undoing it is one too, and both replay like any change', async () => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE', isolation: 'DEDICATED', region: 'us-east-1' });
    const call = operatorOn(tenant.id);
    await backup(tenant.id);
    await pause();
    const before = new Date();
    await pause();
    await run(`mutation { updateTenant(id: "${tenant.id}", input: { region: "us-west-2" }) { id } }`);
    await call('POST', '/tenant/secrets', { key: 'LATER', value: 'later-value' });
    await pause();
    await recover(tenant.id, before);
    const recovered = await gateway.database.prisma.auditEvent.findFirstOrThrow({ where: { tenantId: tenant.id, action: 'backup.recovered' } });
    expect(recovered).toMatchObject({ actor: 'operator', target: `recovery:${before.toISOString()}` });
    expect(recovered.changes).toEqual(
      expect.arrayContaining([
        { path: 'tenant.region', before: 'us-west-2', after: 'us-east-1' },
        { path: 'secrets.LATER', before: '[sealed]', after: null },
      ]),
    );
    expect(JSON.stringify(recovered.changes)).not.toContain('later-value');
    await pause();
    const afterRecovery = new Date();
    await pause();
    await run(`mutation { undoRecovery(tenant: "${tenant.id}") { tenant { id } } }`);
    const undone = await gateway.database.prisma.auditEvent.findFirstOrThrow({ where: { tenantId: tenant.id, action: 'backup.recovery_undone' } });
    expect(undone.changes).toEqual(
      expect.arrayContaining([
        { path: 'tenant.region', before: 'us-east-1', after: 'us-west-2' },
        expect.objectContaining({ path: 'secrets.LATER', before: null, after: '[sealed]' }),
      ]),
    );
    expect((await state(tenant.id)).region).toBe('us-west-2');
    expect(await openSecret(tenant.id, 'LATER')).toBe('later-value');
    // The instant between the recovery and its undo: the recovered state, replayed through the recovery's own event.
    await recover(tenant.id, afterRecovery);
    expect(await state(tenant.id)).toMatchObject({ region: 'us-east-1', secrets: [] });
  });

  test('secret values are in no audit event: a stored secret names the sealed version recovery replays', async () => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE' });
    const call = operatorOn(tenant.id);
    await call('POST', '/tenant/secrets', { key: 'SIGNING_KEY', value: 'plaintext-signing-key' });
    const event = await gateway.database.prisma.auditEvent.findFirstOrThrow({ where: { tenantId: tenant.id, action: 'secret.stored' } });
    const [change] = event.changes as { path: string; before: unknown; after: unknown; sealedVersion: string }[];
    expect(change).toEqual({ path: 'secrets.SIGNING_KEY', before: null, after: '[sealed]', sealedVersion: expect.any(String) });
    const version = await gateway.database.prisma.tenantSecretVersion.findUniqueOrThrow({ where: { id: change!.sealedVersion } });
    const stored = await gateway.database.prisma.tenantSecret.findUniqueOrThrow({ where: { tenantId_name: { tenantId: tenant.id, name: 'SIGNING_KEY' } } });
    expect(Buffer.from(version.sealed).equals(Buffer.from(stored.sealed))).toBe(true);
    expect(Buffer.from(version.sealed).toString('latin1')).not.toContain('plaintext-signing-key');
    expect(JSON.stringify(event)).not.toContain('plaintext-signing-key');
  });
});

describe('recovery needs the audit events it replays', () => {
  test('a base backup older than AUDIT_RETENTION_DAYS is PRECONDITION_FAILED naming the variable, and nothing changes', async () => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE', isolation: 'DEDICATED', region: 'us-east-1' });
    const { id } = await backup(tenant.id);
    const { prisma } = gateway.database;
    // As if the tenant and its only backup were 400 days old: the events after it (365 days kept) are gone.
    const old = new Date(Date.now() - 400 * 86_400_000);
    await prisma.tenant.update({ where: { id: tenant.id }, data: { createdAt: old } });
    await prisma.backupRecord.update({ where: { id }, data: { completedAt: old, createdAt: old } });
    const before = await state(tenant.id);
    const result = await gateway.graphql(
      `mutation { recoverTenant(tenant: "${tenant.id}", timestamp: "${new Date(Date.now() - 60_000).toISOString()}") { tenant { region } } }`,
    );
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'PRECONDITION_FAILED' }, message: expect.stringContaining('AUDIT_RETENTION_DAYS 365') });
    expect(await state(tenant.id)).toEqual(before);
  });
});

describe('the gateway configuration and roles in backups', () => {
  test('a rollback puts back the gateway configuration (webhook secret still sealed) and the roles, with a gateway revision and an audit event', async () => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE' });
    const call = operatorOn(tenant.id);
    await call('POST', '/tenant/config', {
      rateLimit: { enabled: true, default: { max: 120, windowSeconds: 60 } },
      webhooks: [{ url: 'https://hooks.example.com/gw', events: ['secret.stored'], secret: 'whsec_0123456789abcdef' }],
    });
    await call('POST', '/tenant/rbac/roles', { name: 'auditor', permissions: ['read', 'audit'] });
    const saved = await backup(tenant.id);
    const atBackup = await state(tenant.id);
    const sealedAtBackup = (await gateway.database.prisma.tenantGatewayConfig.findUniqueOrThrow({ where: { tenantId: tenant.id } })).document;

    await call('POST', '/tenant/config', { rateLimit: { enabled: false }, webhooks: [] });
    await call('DELETE', '/tenant/rbac/roles/auditor');
    await call('POST', '/tenant/rbac/roles', { name: 'intruder', permissions: ['delete'] });
    expect(await state(tenant.id)).not.toEqual(atBackup);

    await run(`mutation { rollbackTenant(tenant: "${tenant.id}", storagePath: "${saved.storagePath}") { tenant { id } } }`);
    expect(await state(tenant.id)).toEqual(atBackup);
    const row = await gateway.database.prisma.tenantGatewayConfig.findUniqueOrThrow({ where: { tenantId: tenant.id } });
    expect(row.document).toEqual(sealedAtBackup);
    expect(row).toMatchObject({ version: 3, quotaPerMinute: 120, updatedBy: `operator (rollback to ${saved.storagePath})` });
    const webhooks = (await call('GET', '/tenant/config')).webhooks;
    expect(webhooks).toEqual([{ url: 'https://hooks.example.com/gw', events: ['secret.stored'], hasSecret: true }]);
    const revision = await gateway.database.prisma.tenantConfigRevision.findFirstOrThrow({
      where: { tenantId: tenant.id, kind: 'gateway' },
      orderBy: { version: 'desc' },
    });
    expect(revision).toMatchObject({ version: 3, principal: `operator (rollback to ${saved.storagePath})` });

    const restored = await gateway.database.prisma.auditEvent.findFirstOrThrow({ where: { tenantId: tenant.id, action: 'backup.restored' } });
    expect(restored.target).toBe(`backup:${saved.storagePath}`);
    expect(restored.changes).toEqual(
      expect.arrayContaining([
        { path: 'roles.auditor', before: null, after: { description: null, permissions: ['read', 'audit'] } },
        { path: 'roles.intruder', before: { description: null, permissions: ['delete'] }, after: null },
      ]),
    );
    expect(JSON.stringify(restored.changes)).not.toContain('whsec_');
  });

  test('saves racing a rollback take versions one after another: every request succeeds, the revisions are 1..n with none twice', async () => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE' });
    const headers = { authorization: `Bearer ${gateway.adminKey}`, 'x-tenant-id': tenant.id };
    await operatorOn(tenant.id)('POST', '/tenant/config', { rateLimit: { enabled: true, default: { max: 100, windowSeconds: 60 } } });
    const saved = await backup(tenant.id);
    await operatorOn(tenant.id)('POST', '/tenant/config', { rateLimit: { enabled: true, default: { max: 50, windowSeconds: 60 } } });
    const saves = [60, 70, 80, 90].map((max) =>
      gateway.rest('POST', '/tenant/config', { headers, body: { rateLimit: { enabled: true, default: { max, windowSeconds: 60 } } } }),
    );
    const rollback = gateway.graphql(`mutation { rollbackTenant(tenant: "${tenant.id}", storagePath: "${saved.storagePath}") { tenant { id } } }`);
    const [rolledBack, ...answers] = await Promise.all([rollback, ...saves]);
    expect(rolledBack.errors).toBeUndefined();
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    const revisions = await gateway.database.prisma.tenantConfigRevision.findMany({
      where: { tenantId: tenant.id, kind: 'gateway' },
      orderBy: { version: 'asc' },
    });
    expect(revisions.map((revision) => revision.version)).toEqual(revisions.map((_revision, index) => index + 1));
    const row = await gateway.database.prisma.tenantGatewayConfig.findUniqueOrThrow({ where: { tenantId: tenant.id } });
    expect(row.version).toBe(revisions.at(-1)!.version);
  });

  test('an incremental holds the gateway configuration and roles when they changed, and applying it gives them back', async () => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE' });
    const call = operatorOn(tenant.id);
    const base = await takeSnapshot(gateway.database.prisma, tenant.id);
    expect({ gatewayConfig: base.gatewayConfig, rbac: base.rbac }).toEqual({ gatewayConfig: null, rbac: null });
    await call('POST', '/tenant/config', { cache: { enabled: true } });
    await call('POST', '/tenant/rbac/roles', { name: 'auditor', permissions: ['read'] });
    const current = await takeSnapshot(gateway.database.prisma, tenant.id);
    const changes = diffSnapshots(base, current);
    expect(Object.keys(changes).sort()).toEqual(['gatewayConfig', 'rbac']);
    const incremental = incrementalSchema.parse({
      formatVersion: 1,
      kind: 'INCREMENTAL',
      takenAt: current.takenAt,
      tenantId: tenant.id,
      baseBackupId: 'base',
      changes,
    });
    expect(applyIncremental(base, incremental)).toEqual(current);
  });

  test('an older backup without these sections still restores, and leaves the gateway configuration and roles as they are', async () => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE' });
    const call = operatorOn(tenant.id);
    await call('POST', '/tenant/rbac/roles', { name: 'auditor', permissions: ['read'] });
    await run(
      `mutation { updateTenantConfig(tenant: "${tenant.id}", input: { backup: { encryptBackups: false, compressBackups: false } }) { updatedFields } }`,
    );
    const saved = await backup(tenant.id);
    // The file as a gateway before this change wrote it: no gatewayConfig, no rbac.
    const file = path.join(gateway.backupDir, saved.storagePath);
    const { gatewayConfig: _gateway, rbac: _rbac, ...older } = JSON.parse(await readFile(file, 'utf8'));
    const bytes = Buffer.from(JSON.stringify(older));
    await writeFile(file, bytes);
    await gateway.database.prisma.backupRecord.update({
      where: { id: saved.id },
      data: { checksum: createHash('sha256').update(bytes).digest('hex'), sizeBytes: bytes.length },
    });

    await run(`mutation { updateTenant(id: "${tenant.id}", input: { name: "Renamed" }) { id } }`);
    await call('POST', '/tenant/config', { rateLimit: { enabled: true, default: { max: 30, windowSeconds: 60 } } });
    await call('POST', '/tenant/rbac/roles', { name: 'later', permissions: ['write'] });
    const now = await state(tenant.id);
    await run(`mutation { rollbackTenant(tenant: "${tenant.id}", storagePath: "${saved.storagePath}") { tenant { id } } }`);
    expect(await state(tenant.id)).toEqual({ ...now, name: 'Acme Corp' });
  });
});

describe('backups are audited', () => {
  test('a backup taken (on demand, and the safety backup of a rollback) is backup.created; the rollback is backup.restored', async () => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE' });
    const saved = await backup(tenant.id);
    await run(`mutation { updateTenant(id: "${tenant.id}", input: { name: "Renamed" }) { id } }`);
    const { rollbackTenant } = await run(
      `mutation { rollbackTenant(tenant: "${tenant.id}", storagePath: "${saved.storagePath}") { safetyBackup { id storagePath } } }`,
    );
    const safety = (rollbackTenant as { safetyBackup: { id: string; storagePath: string } }).safetyBackup;
    const events = await gateway.database.prisma.auditEvent.findMany({
      where: { tenantId: tenant.id, action: { startsWith: 'backup.' } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    expect(events.map(({ action, target, actor }) => ({ action, target, actor }))).toEqual([
      { action: 'backup.created', target: `backup:${saved.storagePath}`, actor: 'operator' },
      { action: 'backup.created', target: `backup:${safety.storagePath}`, actor: 'operator' },
      { action: 'backup.restored', target: `backup:${saved.storagePath}`, actor: 'operator' },
    ]);
    expect(events[0]!.changes).toEqual([
      {
        path: `backups.${saved.id}`,
        before: null,
        after: { storagePath: saved.storagePath, trigger: 'MANUAL', kind: 'FULL', destination: 'local', copies: [], compressed: true, encrypted: true },
      },
    ]);
    expect(events[2]!.changes).toEqual([{ path: 'tenant.name', before: 'Renamed', after: 'Acme Corp' }]);
  });
});
