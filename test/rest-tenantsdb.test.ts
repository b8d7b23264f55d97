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
    expect((await gateway.rest('GET', `/tenants/${slug}/backups`, { headers: auth() })).body.backups.map((entry: { type: string }) => entry.type)).toEqual(['safety', 'manual']);
  });

  test('rollback without storage_path, to an unknown path, or from a corrupt file: the envelope\'s errors, nothing changed', async () => {
    const slug = uniqueSlug('acme');
    await createTenant(gateway, { slug, name: 'Acme' });
    const missing = await gateway.rest('POST', `/tenants/${slug}/rollback`, { headers: auth(), body: {} });
    expect(missing.body).toEqual({ success: false, http_status: 400, code: 'bad_request', error: 'storage_path is required' });
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
