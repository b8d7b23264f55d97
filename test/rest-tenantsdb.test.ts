import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TenantDocument, UpdateTenantDocument } from '../src/generated/graphql/graphql.js';
import { createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway, uniqueSlug } from './support/gateway.js';

// TenantsDB API (seed 002): envelope, /errors, /regions, and the backup routes.

let gateway: TestGateway;
let production: TestGateway;
beforeAll(async () => {
  [gateway, production] = await Promise.all([startGateway(), startGateway({ production: true })]);
});
afterAll(() => Promise.all([gateway.close(), production.close()]));

const auth = () => ({ authorization: `Bearer ${gateway.adminKey}` });

describe('public routes', () => {
  test('GET /errors lists every code with its status, in the envelope', async () => {
    const response = await production.rest('GET', '/errors');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      codes: {
        ok: { status: 200, description: 'Request succeeded' },
        created: { status: 201, description: 'Resource was created' },
        bad_request: { status: 400, description: 'Invalid input or missing fields' },
        auth_required: { status: 401, description: 'Authorization header missing' },
        unauthorized: { status: 401, description: 'Invalid API key' },
        forbidden: { status: 403, description: 'Tier limit reached or wrong project' },
        not_found: { status: 404, description: 'Resource does not exist' },
        conflict: { status: 409, description: 'Already exists or operation in progress' },
        rate_limited: { status: 429, description: 'Too many requests' },
        internal_error: { status: 500, description: 'Server error' },
      },
    });
  });

  test('GET /regions answers the documented zones without a key, even in production', async () => {
    const response = await production.rest('GET', '/regions');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      regions: [
        { zone: 'eu-central', label: 'Europe', is_default: true },
        { zone: 'ap-southeast', label: 'Asia Pacific' },
        { zone: 'us-east', label: 'US East' },
        { zone: 'us-west', label: 'US West' },
      ],
    });
  });
});

describe('authentication errors', () => {
  test('no Authorization header: 401 auth_required with the documented body', async () => {
    const response = await gateway.rest('GET', '/tenants/acme/backups');
    expect(response).toMatchObject({ status: 401, body: { success: false, http_status: 401, code: 'auth_required', error: 'Authorization header required' } });
  });

  test('a wrong key: 401 unauthorized', async () => {
    const response = await gateway.rest('GET', '/tenants/acme/backups', { headers: { authorization: 'Bearer nope' } });
    expect(response).toMatchObject({ status: 401, body: { success: false, http_status: 401, code: 'unauthorized' } });
  });

  test('an unknown tenant: 404 "Tenant not found: acme"', async () => {
    const response = await gateway.rest('POST', '/tenants/acme/backup', { headers: auth() });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ success: false, http_status: 404, code: 'not_found', error: 'Tenant not found: acme' });
  });
});

describe('backups', () => {
  test('POST backup, GET backups, POST rollback: documented shapes, and the rollback restores', async () => {
    const slug = uniqueSlug('acme');
    await createTenant(gateway, { slug, name: 'Acme' });
    const backup = await gateway.rest('POST', `/tenants/${slug}/backup`, { headers: auth() });
    expect(backup.status).toBe(200);
    expect(backup.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      message: `Backup scheduled for tenant: ${slug}`,
      tenant_id: slug,
      type: 'manual',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d$/),
      paths: [expect.any(String)],
    });
    const storagePath = backup.body.paths[0];

    const list = await gateway.rest('GET', `/tenants/${slug}/backups`, { headers: auth() });
    expect(list.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      tenant_id: slug,
      count: 1,
      backups: [
        {
          type: 'manual',
          date: backup.body.timestamp,
          database_type: 'gateway',
          storage_path: storagePath,
          size_bytes: expect.any(Number),
          created_at: expect.stringMatching(/Z$/),
        },
      ],
    });

    await gateway.data(UpdateTenantDocument, { id: slug, input: { name: 'Renamed' } });
    const rollback = await gateway.rest('POST', `/tenants/${slug}/rollback`, { headers: auth(), body: { storage_path: storagePath } });
    expect(rollback.status).toBe(200);
    expect(rollback.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      message: `Rollback scheduled for tenant: ${slug}`,
      tenant_id: slug,
      status: 'ready',
      paths: [storagePath],
    });
    expect((await gateway.data(TenantDocument, { id: slug })).tenant.name).toBe('Acme');
    expect((await gateway.rest('GET', `/tenants/${slug}/backups`, { headers: auth() })).body.backups.map((entry: { type: string }) => entry.type)).toEqual([
      'safety',
      'manual',
    ]);
  });

  test("rollback without storage_path, to an unknown path, or from a corrupt file: the envelope's errors, nothing changed", async () => {
    const slug = uniqueSlug('acme');
    await createTenant(gateway, { slug, name: 'Acme' });
    const missing = await gateway.rest('POST', `/tenants/${slug}/rollback`, { headers: auth(), body: {} });
    expect(missing.body).toEqual({ success: false, http_status: 400, code: 'bad_request', error: 'storage_path is required' });
    const wrongType = await gateway.rest('POST', `/tenants/${slug}/rollback`, { headers: auth(), body: { storage_path: 42 } });
    expect(wrongType.body).toEqual({
      success: false,
      http_status: 400,
      code: 'bad_request',
      error: 'storage_path: Invalid input: expected string, received number',
    });
    const unknown = await gateway.rest('POST', `/tenants/${slug}/rollback`, { headers: auth(), body: { storage_path: 'nope.json.gz' } });
    expect(unknown).toMatchObject({ status: 404, body: { code: 'not_found', error: 'No completed backup of this tenant at "nope.json.gz"' } });

    const { body } = await gateway.rest('POST', `/tenants/${slug}/backup`, { headers: auth() });
    await writeFile(path.join(gateway.backupDir, body.paths[0]), 'not a backup');
    await gateway.data(UpdateTenantDocument, { id: slug, input: { name: 'Renamed' } });
    const corrupt = await gateway.rest('POST', `/tenants/${slug}/rollback`, { headers: auth(), body: { storage_path: body.paths[0] } });
    expect(corrupt.status).toBe(400);
    expect(corrupt.body.error).toContain('is corrupt');
    expect((await gateway.data(TenantDocument, { id: slug })).tenant.name).toBe('Renamed');
  });
});

describe('point-in-time recovery', () => {
  const pause = () => new Promise((resolve) => setTimeout(resolve, 60));
  const cacheSize = async (slug: string) =>
    (
      await gateway.graphql<{ tenantConfig: { performance: { cacheSizeMb: number } } }, object>(
        `{ tenantConfig(tenant: "${slug}") { performance { cacheSizeMb } } }`,
      )
    ).data!.tenantConfig.performance.cacheSizeMb;
  const setCache = (slug: string, size: number) =>
    gateway.rest('PUT', `/api/v1/tenants/${slug}/config`, { headers: auth(), body: { performance: { cache_size_mb: size } } });

  test('shared tenants get the documented 403', async () => {
    const slug = uniqueSlug('shared');
    await createTenant(gateway, { slug });
    const response = await gateway.rest('POST', `/tenants/${slug}/recover`, { headers: auth(), body: { timestamp: new Date().toISOString() } });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ success: false, http_status: 403, code: 'forbidden', error: 'PITR is only available for L2 (dedicated) tenants' });
  });

  test('recover to an instant between two changes, then undo it; a second undo is 409', async () => {
    const slug = uniqueSlug('dedicated');
    await createTenant(gateway, { slug, tier: 'ENTERPRISE', isolation: 'DEDICATED', name: 'Before' });
    await setCache(slug, 1000);
    await gateway.rest('POST', `/tenants/${slug}/backup`, { headers: auth() });
    await pause();
    await setCache(slug, 2000);
    await pause();
    const target = new Date();
    await pause();
    await setCache(slug, 3000);
    await gateway.data(UpdateTenantDocument, { id: slug, input: { name: 'After' } });

    const recovered = await gateway.rest('POST', `/tenants/${slug}/recover`, { headers: auth(), body: { timestamp: target.toISOString() } });
    expect(recovered.status).toBe(200);
    const seconds = `${target.toISOString().slice(0, 19)}Z`;
    expect(recovered.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      message: `Recovery initiated for tenant '${slug}' to ${seconds}. Original VM preserved for 24h.`,
      tenant: { tenant_id: slug, status: 'ready', target_timestamp: seconds },
    });
    expect(await cacheSize(slug)).toBe(2000);
    expect((await gateway.data(TenantDocument, { id: slug })).tenant.name).toBe('Before');

    const undone = await gateway.rest('POST', `/tenants/${slug}/recover-undo`, { headers: auth() });
    expect(undone.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      message: `Recovery undone for tenant '${slug}'. Original VM restored.`,
      tenant: { tenant_id: slug, status: 'ready' },
    });
    expect(await cacheSize(slug)).toBe(3000);
    expect((await gateway.data(TenantDocument, { id: slug })).tenant.name).toBe('After');
    const again = await gateway.rest('POST', `/tenants/${slug}/recover-undo`, { headers: auth() });
    expect(again).toMatchObject({ status: 409, body: { code: 'conflict', error: 'There is no recovery to undo for this tenant' } });
  });

  test('after 24 hours the undo is 409', async () => {
    const slug = uniqueSlug('dedicated');
    const tenant = await createTenant(gateway, { slug, tier: 'ENTERPRISE', isolation: 'DEDICATED' });
    await gateway.rest('POST', `/tenants/${slug}/backup`, { headers: auth() });
    await pause();
    expect((await gateway.rest('POST', `/tenants/${slug}/recover`, { headers: auth(), body: { timestamp: new Date().toISOString() } })).status).toBe(200);
    await gateway.database.prisma.tenantRecovery.updateMany({ where: { tenantId: tenant.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const late = await gateway.rest('POST', `/tenants/${slug}/recover-undo`, { headers: auth() });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatch(/^The 24-hour undo window of the recovery to .+ ended at /);
  });

  test('a timestamp in the future, or before any backup, is 400 and nothing changes', async () => {
    const slug = uniqueSlug('dedicated');
    await createTenant(gateway, { slug, tier: 'ENTERPRISE', isolation: 'DEDICATED' });
    await setCache(slug, 1234);
    const future = await gateway.rest('POST', `/tenants/${slug}/recover`, {
      headers: auth(),
      body: { timestamp: new Date(Date.now() + 3_600_000).toISOString() },
    });
    expect(future).toMatchObject({ status: 400, body: { code: 'bad_request' } });
    expect(future.body.error).toContain('timestamp must be between');
    const noBackup = await gateway.rest('POST', `/tenants/${slug}/recover`, { headers: auth(), body: { timestamp: new Date().toISOString() } });
    expect(noBackup).toMatchObject({ status: 400, body: { code: 'bad_request' } });
    expect(noBackup.body.error).toMatch(/^No backup of this tenant was completed before /);
    expect(await cacheSize(slug)).toBe(1234);
  });
});
