import { createHash } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  BackupTenantDocument,
  RollbackTenantDocument,
  TenantBackupsDocument,
  TenantConfigDocument,
  TenantConfigHistoryDocument,
  TenantDocument,
  TenantFeaturesDocument,
  UpdateTenantConfigDocument,
  UpdateTenantDocument,
} from '../src/generated/graphql/graphql.js';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { openWithKey } from '../src/lib/sealing.js';
import { openFileKey } from '../src/modules/backups/backup-file-keys.js';
import { codes, createKey, createTenant } from './support/fixtures.js';
import { allowedBuckets, startGateway, type TestGateway, testKeyring, testSecretsKey } from './support/gateway.js';
import { startS3, type TestS3 } from './support/s3.js';

let gateway: TestGateway;
let s3: TestS3;
const s3Env = () => ({
  S3_ENDPOINT: s3.endpoint,
  S3_FORCE_PATH_STYLE: 'on' as const,
  S3_ACCESS_KEY_ID: s3.accessKeyId,
  S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
});
beforeAll(async () => {
  s3 = await startS3(['acme-backups']);
  // The operator lets tenants use acme-backups under the prefix gateway/, and no-such-bucket (which the server lacks).
  gateway = await startGateway({ env: { ...s3Env(), BACKUP_S3_BUCKETS: allowedBuckets('acme-backups/gateway,no-such-bucket') } });
});
afterAll(async () => {
  await gateway.close();
  await s3.close();
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** An object as the S3-compatible server holds it. */
async function s3Object(key: string): Promise<Buffer> {
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: 'acme-backups', Key: key }));
    return Buffer.from(await object.Body!.transformToByteArray());
  } finally {
    client.destroy();
  }
}

const limits = (tenant: string) =>
  gateway.graphql<{ resourceLimits: unknown[] }, object>(`{ resourceLimits(tenant: "${tenant}") { resource metric period limit tiers gateAction } }`);
const setLimits = (tenant: string, limit: number, tiers: Record<string, number>) =>
  gateway.graphql(`mutation ($limits: [ResourceLimitInput!]!) { setResourceLimits(tenant: "${tenant}", limits: $limits) { id } }`, {
    limits: [{ resource: 'llm', metric: 'tokens', period: 'MONTH', limit, tiers, gateAction: 'WARN' }],
  });

/** Every restorable field, as the API shows it. */
async function restorableState(tenant: string) {
  const { tenant: record } = await gateway.data(TenantDocument, { id: tenant });
  const { tenantConfig } = await gateway.data(TenantConfigDocument, { tenant });
  const { tenantFeatures } = await gateway.data(TenantFeaturesDocument, { tenant });
  const { version: _version, updatedAt: _at, updatedBy: _by, ...config } = tenantConfig;
  const { updatedAt: _updated, ...tenantFields } = record;
  return { tenantFields, config, features: tenantFeatures.features, limits: (await limits(tenant)).data!.resourceLimits };
}

describe('backup and rollback', () => {
  test('round trip: non-default everything, back up, change everything, roll back: all equal', async () => {
    const tenant = await createTenant(gateway, {
      tier: 'ENTERPRISE',
      region: 'us-east-1',
      isolation: 'DEDICATED',
      settings: { theme: 'dark' },
      maxUsers: 42,
      expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    });
    await gateway.data(UpdateTenantConfigDocument, {
      tenant: tenant.id,
      input: {
        performance: { cacheSizeMb: 4096, maxParallelWorkers: 32 },
        security: { requireMfa: true, allowedIps: ['10.0.0.0/8'], passwordComplexity: 5 },
        backup: { destinations: [{ destinationType: 's3', bucket: 'acme-backups', region: 'us-east-1', path: '/acme' }] },
        compliance: { hipaa: true, dataResidency: ['US'] },
        customSettings: { plan_note: 'gold' },
      },
    });
    await gateway.graphql(`mutation { setTenantFeature(tenant: "${tenant.id}", feature: "ml_features", enabled: true) { totalEnabled } }`);
    await setLimits(tenant.id, 5000, { enterprise: 9000 });
    const original = await restorableState(tenant.id);

    // The configuration names an s3 destination: the backup is an object under the operator's
    // prefix, the tenant's id and its path, in the S3-compatible server, gzip'd and sealed with
    // a data key of its own (encrypt_backups) that the record keeps wrapped by the gateway's key.
    const { backupTenant } = await gateway.data(BackupTenantDocument, { tenant: tenant.id });
    expect(backupTenant).toMatchObject({ trigger: 'MANUAL', status: 'COMPLETED', formatVersion: 1 });
    const file = await s3Object(`gateway/${tenant.id}/acme/${backupTenant.storagePath!}`);
    expect(file.length).toBe(backupTenant.sizeBytes);
    expect(createHash('sha256').update(file).digest('hex')).toBe(backupTenant.checksum);
    expect(() => gunzipSync(file)).toThrow();
    expect(() => openWithKey(Buffer.from(testSecretsKey, 'hex'), file)).toThrow();
    const record = await gateway.database.prisma.backupRecord.findUniqueOrThrow({ where: { storagePath: backupTenant.storagePath! } });
    const fileKey = openFileKey(testKeyring, record);
    expect(fileKey).toHaveLength(32);
    const opened = JSON.parse(gunzipSync(openWithKey(fileKey!, file)).toString());
    expect(opened).toMatchObject({ formatVersion: 1, tenant: { id: tenant.id, maxUsers: 42 } });
    await expect(readFile(path.join(gateway.backupDir, backupTenant.storagePath!))).rejects.toThrow(/ENOENT/);

    await gateway.data(UpdateTenantDocument, {
      id: tenant.id,
      input: { name: 'Changed', tier: 'PRO', region: 'eu-west-1', settings: { theme: 'light' }, maxUsers: 7 },
    });
    await gateway.data(UpdateTenantConfigDocument, {
      tenant: tenant.id,
      input: {
        performance: { cacheSizeMb: 10 },
        security: { allowedIps: [] },
        compliance: { hipaa: false, dataResidency: [] },
        customSettings: { plan_note: null, other: 1 },
      },
    });
    await gateway.graphql(`mutation { setTenantFeature(tenant: "${tenant.id}", feature: "webhooks", enabled: false) { totalEnabled } }`);
    await setLimits(tenant.id, 1, {});
    expect(await restorableState(tenant.id)).not.toEqual(original);

    const { rollbackTenant } = await gateway.data(RollbackTenantDocument, { tenant: tenant.id, storagePath: backupTenant.storagePath! });
    expect(rollbackTenant.restoredFrom.storagePath).toBe(backupTenant.storagePath);
    expect(rollbackTenant.safetyBackup).toMatchObject({ trigger: 'SAFETY', status: 'COMPLETED' });
    expect(await restorableState(tenant.id)).toEqual(original);

    const { tenantConfigHistory } = await gateway.data(TenantConfigHistoryDocument, { tenant: tenant.id, first: 1 });
    const latest = tenantConfigHistory.edges[0]!.node;
    expect(latest.principal).toBe(`operator (rollback to ${backupTenant.storagePath})`);
    expect(latest.updatedFields).toEqual(expect.arrayContaining(['performance.cache_size_mb', 'compliance.hipaa', 'custom_settings.plan_note']));

    const { tenantBackups } = await gateway.data(TenantBackupsDocument, { tenant: tenant.id });
    expect(tenantBackups.map((backup) => backup.trigger)).toEqual(['SAFETY', 'MANUAL']);
    const undo = await gateway.data(RollbackTenantDocument, { tenant: tenant.id, storagePath: rollbackTenant.safetyBackup!.storagePath! });
    expect(undo.rollbackTenant.tenant.id).toBe(tenant.id);
    expect((await gateway.data(TenantDocument, { id: tenant.id })).tenant.name).toBe('Changed');
  });

  test.each([
    ['corrupt', async (file: string) => writeFile(file, Buffer.concat([await readFile(file), Buffer.from('x')])), 'is corrupt: its checksum does not match'],
    ['missing', (file: string) => rm(file), 'is missing'],
  ])('a %s backup file is PRECONDITION_FAILED and nothing changes', async (_name, damage, message) => {
    const tenant = await createTenant(gateway);
    const { backupTenant } = await gateway.data(BackupTenantDocument, { tenant: tenant.id });
    await gateway.data(UpdateTenantDocument, { id: tenant.id, input: { name: 'After the backup' } });
    const before = await restorableState(tenant.id);
    await damage(path.join(gateway.backupDir, backupTenant.storagePath!));
    const result = await gateway.graphql(RollbackTenantDocument, { tenant: tenant.id, storagePath: backupTenant.storagePath! });
    expect(codes(result)).toEqual(['PRECONDITION_FAILED']);
    expect(result.errors![0]!.message).toContain(message);
    expect(await restorableState(tenant.id)).toEqual(before);
    expect((await gateway.data(TenantBackupsDocument, { tenant: tenant.id })).tenantBackups).toHaveLength(1);
  });

  test("another tenant's backup path is NOT_FOUND", async () => {
    const mine = await createTenant(gateway);
    const theirs = await createTenant(gateway);
    const { backupTenant } = await gateway.data(BackupTenantDocument, { tenant: theirs.id });
    const result = await gateway.graphql(RollbackTenantDocument, { tenant: mine.id, storagePath: backupTenant.storagePath! });
    expect(codes(result)).toEqual(['NOT_FOUND']);
  });

  test('every configured destination gets the file; a restore falls back to a copy when the first is damaged', async () => {
    const tenant = await createTenant(gateway, { name: 'Copied' });
    const configured = await gateway.graphql(
      `mutation { updateTenantConfig(tenant: "${tenant.id}", input: { backup: { destinations: [{ destinationType: "local" }, { destinationType: "s3", bucket: "acme-backups", region: "eu-west-1", path: "copies" }] } }) { message } }`,
    );
    expect(configured.errors).toBeUndefined();
    const backup = await gateway.graphql<{ backupTenant: { storagePath: string; checksum: string; destination: string; copies: string[] } }, object>(
      `mutation { backupTenant(tenant: "${tenant.id}") { storagePath checksum destination copies } }`,
    );
    const { storagePath, checksum, destination, copies } = backup.data!.backupTenant;
    expect({ destination, copies }).toEqual({ destination: 'local', copies: [`s3://acme-backups/gateway/${tenant.id}/copies?region=eu-west-1`] });
    const local = await readFile(path.join(gateway.backupDir, storagePath));
    expect(createHash('sha256').update(local).digest('hex')).toBe(checksum);
    expect((await s3Object(`gateway/${tenant.id}/copies/${storagePath}`)).equals(local)).toBe(true);

    await gateway.data(UpdateTenantDocument, { id: tenant.id, input: { name: 'Changed' } });
    await writeFile(path.join(gateway.backupDir, storagePath), Buffer.from('damaged'));
    const restored = await gateway.graphql(RollbackTenantDocument, { tenant: tenant.id, storagePath });
    expect(restored.errors).toBeUndefined();
    expect((await gateway.data(TenantDocument, { id: tenant.id })).tenant.name).toBe('Copied');
  });

  test('a destination that refuses the file fails the backup, naming it, and leaves no file behind', async () => {
    const tenant = await createTenant(gateway);
    await gateway.graphql(
      `mutation { updateTenantConfig(tenant: "${tenant.id}", input: { backup: { destinations: [{ destinationType: "local" }, { destinationType: "s3", bucket: "no-such-bucket", region: "us-east-1" }] } }) { message } }`,
    );
    const result = await gateway.graphql(BackupTenantDocument, { tenant: tenant.id });
    expect(codes(result)).toEqual(['PRECONDITION_FAILED']);
    // Summarized: the SDK's own message is not passed on.
    expect(result.errors![0]!.message).toBe(`Backup failed: writing to s3://no-such-bucket/${tenant.id}?region=us-east-1 failed: no such bucket`);
    const { tenantBackups } = await gateway.data(TenantBackupsDocument, { tenant: tenant.id });
    expect(tenantBackups).toHaveLength(1);
    const listed = await gateway.graphql<{ tenantBackups: { status: string; failureReason: string }[] }, object>(
      `{ tenantBackups(tenant: "${tenant.id}") { status failureReason } }`,
    );
    expect(listed.data!.tenantBackups[0]).toMatchObject({ status: 'FAILED', failureReason: result.errors![0]!.message });
    await expect(readdir(path.join(gateway.backupDir, tenant.id))).resolves.toEqual([]);
  });

  test('API keys are not rolled back: a key revoked after the backup stays revoked', async () => {
    const tenant = await createTenant(gateway);
    const { backupTenant } = await gateway.data(BackupTenantDocument, { tenant: tenant.id });
    const key = await createKey(gateway, { scopes: ['TENANTS_READ'], tenant: tenant.id });
    await gateway.graphql(`mutation { revokeApiKey(id: "${key.apiKey.id}") { id } }`);
    await gateway.data(RollbackTenantDocument, { tenant: tenant.id, storagePath: backupTenant.storagePath! });
    expect(codes(await gateway.graphql(TenantDocument, { id: tenant.id }, key.secret))).toEqual(['UNAUTHENTICATED']);
  });
});

describe("s3 destinations are the operator's to allow (BACKUP_S3_BUCKETS)", () => {
  const setDestinations = (target: TestGateway, tenant: string, destinations: string) =>
    target.graphql(`mutation { updateTenantConfig(tenant: "${tenant}", input: { backup: { destinations: [${destinations}] } }) { message } }`);
  const backupTo = (target: TestGateway, tenant: string) =>
    target.graphql<{ backupTenant: { destination: string; storagePath: string; sizeBytes: number } }, object>(
      `mutation { backupTenant(tenant: "${tenant}") { destination storagePath sizeBytes } }`,
    );

  test("tenants naming one bucket and path write under their own ids; a path cannot climb into another tenant's", async () => {
    const [first, second] = [await createTenant(gateway), await createTenant(gateway)];
    expect(
      (await setDestinations(gateway, first.id, '{ destinationType: "s3", bucket: "acme-backups", region: "us-east-1", path: "shared" }')).errors,
    ).toBeUndefined();
    const climbing = `{ destinationType: "s3", bucket: "acme-backups", region: "us-east-1", path: "../../${first.id}/./shared" }`;
    expect((await setDestinations(gateway, second.id, climbing)).errors).toBeUndefined();

    const mine = (await backupTo(gateway, first.id)).data!.backupTenant;
    const theirs = (await backupTo(gateway, second.id)).data!.backupTenant;
    expect(mine.destination).toBe(`s3://acme-backups/gateway/${first.id}/shared?region=us-east-1`);
    expect(theirs.destination).toBe(`s3://acme-backups/gateway/${second.id}/${first.id}/shared?region=us-east-1`);
    expect((await s3Object(`gateway/${first.id}/shared/${mine.storagePath}`)).length).toBe(mine.sizeBytes);
    expect((await s3Object(`gateway/${second.id}/${first.id}/shared/${theirs.storagePath}`)).length).toBe(theirs.sizeBytes);
  });

  test('a stored destination outside the allow-list is refused again at backup time, and nothing is written', async () => {
    const tenant = await createTenant(gateway);
    // As a configuration stored before BACKUP_S3_BUCKETS was set, or narrowed, would name it.
    const { prisma } = gateway.database;
    const stored = (await prisma.tenantConfig.findUniqueOrThrow({ where: { tenantId: tenant.id } })).document as { backup: object };
    const destinations = [{ destination_type: 's3', bucket: 'someone-elses-bucket', region: 'us-east-1', path: null, credentials_id: null }];
    await prisma.tenantConfig.update({ where: { tenantId: tenant.id }, data: { document: { ...stored, backup: { ...stored.backup, destinations } } } });

    const result = await gateway.graphql(BackupTenantDocument, { tenant: tenant.id });
    expect(codes(result)).toEqual(['PRECONDITION_FAILED']);
    expect(result.errors![0]!.message).toBe(
      'Backup refused: Bucket "someone-elses-bucket" (backup.destinations.0.bucket) is not a backup bucket this gateway allows',
    );
    expect(result.errors![0]!.extensions?.field).toBe('backup.destinations.0.bucket');
    expect((await gateway.data(TenantBackupsDocument, { tenant: tenant.id })).tenantBackups).toEqual([]);
    // Changes that leave the destinations alone are not held up by them.
    expect(
      (await gateway.graphql(`mutation { updateTenantConfig(tenant: "${tenant.id}", input: { performance: { cacheSizeMb: 10 } }) { message } }`)).errors,
    ).toBeUndefined();
  });

  test('with no BACKUP_S3_BUCKETS, every s3 destination is refused', async () => {
    const plain = await startGateway({ env: s3Env() });
    try {
      const tenant = await createTenant(plain);
      const result = await setDestinations(
        plain,
        tenant.id,
        '{ destinationType: "local" }, { destinationType: "s3", bucket: "acme-backups", region: "us-east-1" }',
      );
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors![0]!.message).toBe('s3 backup destinations are not enabled on this gateway (backup.destinations.1)');
      expect(result.errors![0]!.extensions?.field).toBe('backup.destinations.1.bucket');
      expect((await setDestinations(plain, tenant.id, '{ destinationType: "local" }')).errors).toBeUndefined();
    } finally {
      await plain.close();
    }
  });

  test.each([
    ['credentials the server refuses', 'access denied', async () => ({ ...s3Env(), S3_SECRET_ACCESS_KEY: 'not-the-secret' })],
    ['a server that does not answer', 'unreachable', async () => ({ ...s3Env(), S3_ENDPOINT: `http://127.0.0.1:${await closedPort()}` })],
  ])('an S3 error is summarized, never passed on: %s is "%s"', async (_name, summary, env) => {
    const other = await startGateway({ env: { ...(await env()), BACKUP_S3_BUCKETS: allowedBuckets('acme-backups') } });
    try {
      const tenant = await createTenant(other);
      expect((await setDestinations(other, tenant.id, '{ destinationType: "s3", bucket: "acme-backups", region: "us-east-1" }')).errors).toBeUndefined();
      const result = await other.graphql(BackupTenantDocument, { tenant: tenant.id });
      expect(codes(result)).toEqual(['PRECONDITION_FAILED']);
      expect(result.errors![0]!.message).toBe(`Backup failed: writing to s3://acme-backups/${tenant.id}?region=us-east-1 failed: ${summary}`);
    } finally {
      await other.close();
    }
  });
});

describe('a restore in progress', () => {
  test('a second restore meanwhile is CONFLICT, and the tenant keeps its status around a rollback', async () => {
    const tenant = await createTenant(gateway);
    const { backupTenant } = await gateway.data(BackupTenantDocument, { tenant: tenant.id });
    await gateway.database.prisma.tenant.update({ where: { id: tenant.id }, data: { status: 'RESTORING', statusBeforeRestore: 'ACTIVE' } });
    const busy = await gateway.graphql(RollbackTenantDocument, { tenant: tenant.id, storagePath: backupTenant.storagePath! });
    expect(codes(busy)).toEqual(['CONFLICT']);
    expect(busy.errors![0]!.message).toBe(`Tenant "${tenant.slug}" is restoring; wait for it to finish`);
    expect(codes(await gateway.graphql(`mutation { suspendTenant(id: "${tenant.id}") { id } }`))).toEqual(['CONFLICT']);

    await gateway.database.prisma.tenant.update({ where: { id: tenant.id }, data: { status: 'SUSPENDED', statusBeforeRestore: null } });
    await gateway.data(RollbackTenantDocument, { tenant: tenant.id, storagePath: backupTenant.storagePath! });
    const after = await gateway.graphql<{ tenant: { status: string } }, object>(`{ tenant(id: "${tenant.id}") { status } }`);
    expect(after.data!.tenant.status).toBe('SUSPENDED');
  });

  test('hard-deleting a tenant deletes its backup files', async () => {
    const tenant = await createTenant(gateway);
    const { backupTenant } = await gateway.data(BackupTenantDocument, { tenant: tenant.id });
    const file = path.join(gateway.backupDir, backupTenant.storagePath!);
    await expect(readFile(file)).resolves.toBeInstanceOf(Buffer);
    expect((await gateway.graphql(`mutation { purgeTenant(id: "${tenant.id}") { id } }`)).errors).toBeUndefined();
    await expect(readFile(file)).rejects.toThrow(/ENOENT/);
  });

  test('a deleted tenant cannot be rolled back', async () => {
    const tenant = await createTenant(gateway);
    const { backupTenant } = await gateway.data(BackupTenantDocument, { tenant: tenant.id });
    await gateway.graphql(`mutation { deleteTenant(id: "${tenant.id}") { id } }`);
    const result = await gateway.graphql(RollbackTenantDocument, { tenant: tenant.id, storagePath: backupTenant.storagePath! });
    expect(codes(result)).toEqual(['CONFLICT']);
    expect(result.errors![0]!.extensions?.currentStatus).toBe('DELETED');
  });
});
