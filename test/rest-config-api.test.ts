import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TenantConfigDocument, TenantFeaturesDocument } from '../src/generated/graphql/graphql.js';
import { renameKeysDeep, snakeCase } from '../src/lib/case.js';
import { configRules } from '../src/modules/configs/config-changes.js';
import { createKey, createTenant } from './support/fixtures.js';
import { allowedBuckets, startGateway, type TestGateway } from './support/gateway.js';

// Tenant Configuration API v1 (seed 000): every documented request and response.

let gateway: TestGateway;
let auth: Record<string, string>;
beforeAll(async () => {
  // The documented example names the bucket heliosdb-backups; the operator allows it.
  gateway = await startGateway({ env: { BACKUP_S3_BUCKETS: allowedBuckets('heliosdb-backups') } });
  auth = { authorization: `Bearer ${gateway.adminKey}` };
});
afterAll(() => gateway.close());

const enterprise = () => createTenant(gateway, { tier: 'ENTERPRISE' });
const put = (id: string, body: unknown, headers: Record<string, string> = {}) =>
  gateway.rest('PUT', `/api/v1/tenants/${id}/config`, { headers: { ...auth, ...headers }, body });
const get = (id: string, path = 'config', headers = auth) => gateway.rest('GET', `/api/v1/tenants/${id}/${path}`, { headers });

const seedConfig = {
  performance: {
    cache_size_mb: 1024,
    max_parallel_workers: 8,
    enable_query_optimization: true,
    enable_result_caching: true,
    enable_adaptive_indexing: true,
    query_timeout_secs: 300,
    query_memory_limit_mb: 4096,
    collect_query_stats: true,
  },
  security: {
    encryption_at_rest: true,
    encryption_in_transit: true,
    encryption_algorithm: 'AES-256-GCM',
    kms_key_id: 'arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012',
    enable_rls: true,
    enable_column_encryption: false,
    password_complexity: 3,
    session_timeout_mins: 30,
    require_mfa: false,
    allowed_ips: ['10.0.0.0/8', '172.16.0.0/12'],
    enable_audit_log: true,
    audit_retention_days: 90,
  },
  backup: {
    enabled: true,
    frequency_hours: 24,
    retention_days: 30,
    full_backup_interval: 7,
    destinations: [{ destination_type: 's3', bucket: 'heliosdb-backups', region: 'us-east-1', path: '/tenant-550e8400', credentials_id: 'aws-creds-123' }],
    enable_pitr: true,
    pitr_retention_days: 7,
    encrypt_backups: true,
    compress_backups: true,
  },
  replication: {
    enabled: false,
    mode: 'async',
    regions: [],
    consistency_level: 'eventual',
    max_lag_seconds: 60,
    enable_auto_failover: true,
    failover_priority: [],
  },
  compliance: {
    gdpr: false,
    hipaa: false,
    soc2: false,
    pci_dss: false,
    data_residency: [],
    enable_retention_policies: false,
    default_retention_days: 365,
    enable_anonymization: false,
    enable_rtbf: false,
  },
  custom_settings: { custom_key: 'custom_value' },
};

describe('GET /tenants/{id}/config', () => {
  test('answers the documented JSON, every field, in the documented order', async () => {
    const tenant = await enterprise();
    const { performance: _p, replication: _r, compliance: _c, ...changes } = seedConfig;
    expect((await put(tenant.id, changes)).status).toBe(200);
    const response = await get(tenant.id);
    expect(response.status).toBe(200);
    const { tenant_id, updated_at, ...config } = response.body;
    expect(tenant_id).toBe(tenant.id);
    expect(updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(config).toEqual(seedConfig);
    expect(Object.keys(response.body)).toEqual([
      'tenant_id',
      'performance',
      'security',
      'backup',
      'replication',
      'compliance',
      'custom_settings',
      'updated_at',
    ]);
    expect(Object.keys(response.body.security)).toEqual(Object.keys(seedConfig.security));
    expect(response.headers.get('etag')).toBe('"v2"');
  });

  test('the same tenant read through GraphQL and through this route gives the same values', async () => {
    const tenant = await enterprise();
    await put(tenant.id, { performance: { cache_size_mb: 777 }, security: { allowed_ips: ['192.168.0.0/16'] }, custom_settings: { a: 1 } });
    const rest = (await get(tenant.id)).body;
    const { tenantConfig } = await gateway.data(TenantConfigDocument, { tenant: tenant.id });
    const { tenantId, version: _version, updatedBy: _author, updatedAt, ...categories } = tenantConfig;
    expect(rest).toEqual({
      tenant_id: tenantId,
      ...(renameKeysDeep(categories, snakeCase, new Set(['customSettings'])) as object),
      updated_at: updatedAt,
    });
    expect(rest.performance.cache_size_mb).toBe(777);
  });

  test('404 "Tenant does not exist" in the documented error body', async () => {
    const id = '550e8400-e29b-41d4-a716-446655440000';
    const response = await get(id);
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: 'Not Found', message: 'Tenant does not exist', code: 404, tenant_id: id });
  });

  test('401 without a token and with a wrong one', async () => {
    const tenant = await enterprise();
    const none = await get(tenant.id, 'config', {});
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: 'Unauthorized', code: 401, tenant_id: tenant.id });
    const wrong = await get(tenant.id, 'config', { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'Unauthorized', message: 'The API key is not valid', code: 401, tenant_id: tenant.id });
  });

  test('403 for a key without the scope', async () => {
    const tenant = await enterprise();
    const key = await createKey(gateway, { scopes: ['TENANTS_READ'], tenant: tenant.id });
    const response = await get(tenant.id, 'config', { authorization: `Bearer ${key.secret}` });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ error: 'Forbidden', message: 'This API key lacks the "config:read" scope', code: 403, tenant_id: tenant.id });
  });
});

describe('PUT /tenants/{id}/config', () => {
  test('Example 1: update performance settings', async () => {
    const tenant = await enterprise();
    const response = await put(tenant.id, { performance: { cache_size_mb: 2048, max_parallel_workers: 16, enable_adaptive_indexing: true } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      tenant_id: tenant.id,
      message: 'Successfully updated 3 configuration field(s)',
      updated_fields: ['performance.cache_size_mb', 'performance.max_parallel_workers', 'performance.enable_adaptive_indexing'],
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  test('Example 2: enable HIPAA compliance', async () => {
    const tenant = await enterprise();
    const response = await put(tenant.id, {
      security: { encryption_at_rest: true, enable_audit_log: true, password_complexity: 4, require_mfa: true },
      compliance: { hipaa: true },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      tenant_id: tenant.id,
      message: 'Successfully updated 5 configuration field(s)',
      updated_fields: ['security.encryption_at_rest', 'security.enable_audit_log', 'security.password_complexity', 'security.require_mfa', 'compliance.hipaa'],
    });
    expect((await get(tenant.id)).body.compliance.hipaa).toBe(true);
  });

  test('Example 3: configure multi-region replication', async () => {
    const tenant = await enterprise();
    const replication = {
      enabled: true,
      mode: 'async',
      regions: ['us-east-1', 'us-west-2', 'eu-west-1'],
      consistency_level: 'eventual',
      enable_auto_failover: true,
      failover_priority: ['us-east-1', 'us-west-2', 'eu-west-1'],
    };
    const response = await put(tenant.id, { replication });
    expect(response.status).toBe(200);
    expect(response.body.updated_fields).toEqual(Object.keys(replication).map((key) => `replication.${key}`));
    expect((await get(tenant.id)).body.replication).toEqual({ ...replication, max_lag_seconds: 60 });
  });

  test('the request example enables GDPR against the GDPR rules: 400, nothing written', async () => {
    const tenant = await enterprise();
    const response = await put(tenant.id, {
      performance: { cache_size_mb: 2048, max_parallel_workers: 16 },
      security: { require_mfa: true, session_timeout_mins: 60 },
      compliance: { gdpr: true, data_residency: ['EU'] },
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: 'Bad Request',
      message: 'GDPR compliance requires right to be forgotten (enable_rtbf); GDPR compliance requires data anonymization (enable_anonymization)',
      code: 400,
      tenant_id: tenant.id,
    });
    expect((await get(tenant.id)).body.performance.cache_size_mb).toBe(1024);
  });

  test.each([
    ['Example 1: exceeding cache limit', { performance: { cache_size_mb: 200000 } }, 'Cache size exceeds maximum (100 GB)'],
    [
      'Example 2: HIPAA compliance violation',
      { security: { encryption_at_rest: false }, compliance: { hipaa: true } },
      'HIPAA compliance requires encryption at rest',
    ],
    ['Example 3: invalid password complexity', { security: { password_complexity: 7 } }, 'Password complexity must be between 1 and 5'],
  ])('validation error %s', async (_name, body, message) => {
    const tenant = await enterprise();
    const response = await put(tenant.id, body);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: 'Bad Request', message, code: 400, tenant_id: tenant.id });
    expect((await get(tenant.id)).headers.get('etag')).toBe('"v1"');
  });

  test('an s3 destination outside BACKUP_S3_BUCKETS is 400 naming it, as in GraphQL; nothing written', async () => {
    const tenant = await enterprise();
    const response = await put(tenant.id, { backup: { destinations: [{ destination_type: 's3', bucket: 'someone-elses-bucket', region: 'us-east-1' }] } });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: 'Bad Request',
      message: 'Bucket "someone-elses-bucket" (backup.destinations.0.bucket) is not a backup bucket this gateway allows',
      code: 400,
      tenant_id: tenant.id,
    });
    expect((await get(tenant.id)).headers.get('etag')).toBe('"v1"');
  });

  test('an unknown field and a wrong type are 400 naming the field as the caller wrote it', async () => {
    const tenant = await enterprise();
    const unknown = await put(tenant.id, { performance: { cache_size_gb: 2 } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('cache_size_gb');
    const wrongType = await put(tenant.id, { performance: { cache_size_mb: 'big' } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.message).toContain('performance.cache_size_mb');
    const outOfRange = await put(tenant.id, { performance: { cache_size_mb: 2 ** 40 } });
    expect(outOfRange.status).toBe(400);
    expect(outOfRange.body.message).toContain('performance.cache_size_mb');
    expect((await get(tenant.id)).headers.get('etag')).toBe('"v1"');
  });

  test('malformed JSON 400, wrong content type 415, oversized body 413, nothing written', async () => {
    const tenant = await enterprise();
    const malformed = await gateway.rest('PUT', `/api/v1/tenants/${tenant.id}/config`, {
      headers: { ...auth, 'content-type': 'application/json' },
      rawBody: '{"performance": {',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: 'Bad Request', code: 400, tenant_id: tenant.id });
    const text = await gateway.rest('PUT', `/api/v1/tenants/${tenant.id}/config`, {
      headers: { ...auth, 'content-type': 'text/plain' },
      rawBody: 'performance.cache_size_mb=2048',
    });
    expect(text.status).toBe(415);
    expect(text.body).toMatchObject({ error: 'Unsupported Media Type', code: 415 });
    const huge = await put(tenant.id, { custom_settings: { blob: 'x'.repeat(2_000_000) } });
    expect(huge.status).toBe(413);
    expect(huge.body).toMatchObject({ error: 'Payload Too Large', code: 413 });
    expect((await get(tenant.id)).headers.get('etag')).toBe('"v1"');
  });

  test('If-Match with a stale version is 409 Conflict', async () => {
    const tenant = await enterprise();
    expect((await put(tenant.id, { performance: { cache_size_mb: 1 } }, { 'if-match': '"v1"' })).status).toBe(200);
    const stale = await put(tenant.id, { performance: { cache_size_mb: 2 } }, { 'if-match': '"v1"' });
    expect(stale.status).toBe(409);
    expect(stale.body).toEqual({
      error: 'Conflict',
      message: 'Configuration version 1 is stale; the current version is 2',
      code: 409,
      tenant_id: tenant.id,
    });
  });

  test('a rule added to the configs service reaches GraphQL and REST callers alike', async () => {
    const tenant = await enterprise();
    const evenCache = configRules.push((config) =>
      config.performance.cache_size_mb % 2 ? [{ field: 'performance.cache_size_mb', rule: 'even', message: 'Cache size must be even' }] : [],
    );
    try {
      const rest = await put(tenant.id, { performance: { cache_size_mb: 1025 } });
      expect(rest.status).toBe(400);
      expect(rest.body.message).toBe('Cache size must be even');
      const graphql = await gateway.graphql(
        `mutation { updateTenantConfig(tenant: "${tenant.id}", input: { performance: { cacheSizeMb: 1025 } }) { message } }`,
      );
      expect(graphql.errors?.[0]?.message).toBe('Cache size must be even');
    } finally {
      configRules.splice(evenCache - 1, 1);
    }
    expect((await put(tenant.id, { performance: { cache_size_mb: 1025 } })).status).toBe(200);
  });
});

describe('GET /tenants/{id}/features', () => {
  test('Example 4: list available features', async () => {
    const tenant = await enterprise();
    const response = await get(tenant.id, 'features');
    expect(response.status).toBe(200);
    expect(Object.keys(response.body)).toEqual(['tenant_id', 'features', 'total_enabled', 'total_available']);
    expect(response.body.tenant_id).toBe(tenant.id);
    expect(response.body.features).toEqual(
      expect.arrayContaining([
        { name: 'advanced_analytics', enabled: true, available: true, description: 'Advanced analytics and reporting capabilities', tier_required: 'Pro' },
        { name: 'ml_features', enabled: false, available: true, description: 'Machine learning and AI features', tier_required: 'Enterprise' },
        { name: 'row_level_security', enabled: true, available: true, description: 'Row-level security for data isolation', tier_required: 'Basic' },
        { name: 'encryption_at_rest', enabled: true, available: true, description: 'Data encryption at rest', tier_required: 'Basic' },
        { name: 'multi_factor_auth', enabled: false, available: true, description: 'Multi-factor authentication requirement', tier_required: 'Pro' },
      ]),
    );
    expect(Object.keys(response.body.features[0])).toEqual(['name', 'enabled', 'available', 'description', 'tier_required']);
    expect(response.body.total_available).toBe(18);
    expect(response.body.total_enabled).toBe(response.body.features.filter((feature: { enabled: boolean }) => feature.enabled).length);
    const { tenantFeatures } = await gateway.data(TenantFeaturesDocument, { tenant: tenant.id });
    expect(response.body.total_enabled).toBe(tenantFeatures.totalEnabled);
  });
});

describe('the engine around the routes', () => {
  test('a known path with the wrong method is 405 with an Allow header', async () => {
    const tenant = await enterprise();
    const response = await gateway.rest('DELETE', `/api/v1/tenants/${tenant.id}/config`, { headers: auth });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, PUT');
    expect(response.body).toMatchObject({ error: 'Method Not Allowed', code: 405 });
  });

  test("a path parameter that is not valid percent-encoding is 400 in the dialect's body, not a 500", async () => {
    const response = await gateway.rest('GET', '/api/v1/tenants/%E0%A4%A/config', { headers: auth });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: 'Bad Request', message: 'The request path is not valid percent-encoding', code: 400 });
  });

  test('an unknown path is 404 in a neutral body', async () => {
    const response = await gateway.rest('GET', '/api/v1/tenants/abc/nothing', { headers: auth });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: 'not_found', message: 'No route for GET /api/v1/tenants/abc/nothing' });
  });
});
