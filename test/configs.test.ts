import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  TenantConfigDocument,
  TenantConfigHistoryDocument,
  UpdateTenantConfigDocument,
  type UpdateTenantConfigInput,
} from '../src/generated/graphql/graphql.js';
import { codes, createKey, createTenant } from './support/fixtures.js';
import { allowedBuckets, startGateway, type TestGateway } from './support/gateway.js';

let gateway: TestGateway;
beforeAll(async () => {
  // The documented example names the bucket heliosdb-backups; the operator allows it.
  gateway = await startGateway({ env: { BACKUP_S3_BUCKETS: allowedBuckets('heliosdb-backups') } });
});
afterAll(() => gateway.close());

const enterprise = () => createTenant(gateway, { tier: 'ENTERPRISE' });

async function configOf(tenant: string) {
  return (await gateway.data(TenantConfigDocument, { tenant })).tenantConfig;
}

async function rejected(tenant: string, input: UpdateTenantConfigInput) {
  const before = await configOf(tenant);
  const result = await gateway.graphql(UpdateTenantConfigDocument, { tenant, input });
  expect(result.data).toBeNull();
  expect(result.errors).toHaveLength(1);
  const after = await configOf(tenant);
  expect(after).toEqual(before);
  return result.errors![0]!;
}

describe('defaults (seed 000, Data Models)', () => {
  test('a new tenant reads every documented default', async () => {
    const tenant = await enterprise();
    const { tenantId, updatedAt, updatedBy, ...config } = await configOf(tenant.id);
    expect(tenantId).toBe(tenant.id);
    expect(updatedBy).toBe('operator');
    expect(new Date(updatedAt).getTime()).not.toBeNaN();
    expect(config).toEqual({
      version: 1,
      performance: {
        cacheSizeMb: 1024,
        maxParallelWorkers: 8,
        enableQueryOptimization: true,
        enableResultCaching: true,
        enableAdaptiveIndexing: true,
        queryTimeoutSecs: 300,
        queryMemoryLimitMb: 4096,
        collectQueryStats: true,
      },
      security: {
        encryptionAtRest: true,
        encryptionInTransit: true,
        encryptionAlgorithm: 'AES-256-GCM',
        kmsKeyId: null,
        enableRls: true,
        enableColumnEncryption: false,
        passwordComplexity: 3,
        sessionTimeoutMins: 30,
        requireMfa: false,
        allowedIps: [],
        enableAuditLog: true,
        auditRetentionDays: 90,
      },
      backup: {
        enabled: true,
        frequencyHours: 24,
        retentionDays: 30,
        fullBackupInterval: 7,
        destinations: [],
        enablePitr: true,
        pitrRetentionDays: 7,
        encryptBackups: true,
        compressBackups: true,
      },
      replication: {
        enabled: false,
        mode: 'async',
        regions: [],
        consistencyLevel: 'eventual',
        maxLagSeconds: 60,
        enableAutoFailover: true,
        failoverPriority: [],
      },
      compliance: {
        gdpr: false,
        hipaa: false,
        soc2: false,
        pciDss: false,
        dataResidency: [],
        enableRetentionPolicies: false,
        defaultRetentionDays: 365,
        enableAnonymization: false,
        enableRtbf: false,
      },
      customSettings: {},
    });
  });

  test('the configuration is reachable by slug as well as by id', async () => {
    const tenant = await enterprise();
    expect((await configOf(tenant.slug)).tenantId).toBe(tenant.id);
  });
});

describe("partial updates: the seed's worked examples", () => {
  test('Example 1: update performance settings', async () => {
    const tenant = await enterprise();
    const { updateTenantConfig } = await gateway.data(UpdateTenantConfigDocument, {
      tenant: tenant.id,
      input: { performance: { cacheSizeMb: 2048, maxParallelWorkers: 16, enableAdaptiveIndexing: true } },
    });
    expect(updateTenantConfig.message).toBe('Successfully updated 3 configuration field(s)');
    expect(updateTenantConfig.updatedFields).toEqual(['performance.cache_size_mb', 'performance.max_parallel_workers', 'performance.enable_adaptive_indexing']);
    expect(updateTenantConfig.config.performance).toMatchObject({ cacheSizeMb: 2048, maxParallelWorkers: 16, enableAdaptiveIndexing: true });
    expect(updateTenantConfig.config.performance.queryTimeoutSecs).toBe(300);
    expect(updateTenantConfig.config.version).toBe(2);
  });

  test('Example 2: enable HIPAA compliance', async () => {
    const tenant = await enterprise();
    const { updateTenantConfig } = await gateway.data(UpdateTenantConfigDocument, {
      tenant: tenant.id,
      input: {
        security: { encryptionAtRest: true, enableAuditLog: true, passwordComplexity: 4, requireMfa: true },
        compliance: { hipaa: true },
      },
    });
    // GraphQL coerces input objects in schema order, so paths come in the seed's Data Models order.
    expect(updateTenantConfig.updatedFields).toEqual([
      'security.encryption_at_rest',
      'security.password_complexity',
      'security.require_mfa',
      'security.enable_audit_log',
      'compliance.hipaa',
    ]);
    expect(updateTenantConfig.message).toBe('Successfully updated 5 configuration field(s)');
    expect(updateTenantConfig.config.compliance.hipaa).toBe(true);
    expect(updateTenantConfig.config.security.passwordComplexity).toBe(4);
  });

  test('Example 3: configure multi-region replication', async () => {
    const tenant = await enterprise();
    const regions = ['us-east-1', 'us-west-2', 'eu-west-1'];
    const { updateTenantConfig } = await gateway.data(UpdateTenantConfigDocument, {
      tenant: tenant.id,
      input: {
        replication: {
          enabled: true,
          mode: 'async',
          regions,
          consistencyLevel: 'eventual',
          enableAutoFailover: true,
          failoverPriority: regions,
        },
      },
    });
    expect(updateTenantConfig.updatedFields).toEqual([
      'replication.enabled',
      'replication.mode',
      'replication.regions',
      'replication.consistency_level',
      'replication.enable_auto_failover',
      'replication.failover_priority',
    ]);
    expect(updateTenantConfig.config.replication).toEqual({
      enabled: true,
      mode: 'async',
      regions,
      consistencyLevel: 'eventual',
      maxLagSeconds: 60,
      enableAutoFailover: true,
      failoverPriority: regions,
    });
  });

  test('the PUT request example enables GDPR without its required settings, so it is refused as a whole', async () => {
    const tenant = await enterprise();
    const error = await rejected(tenant.id, {
      performance: { cacheSizeMb: 2048, maxParallelWorkers: 16 },
      security: { requireMfa: true, sessionTimeoutMins: 60 },
      compliance: { gdpr: true, dataResidency: ['EU'] },
    });
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.extensions?.violations).toEqual([
      { field: 'compliance.enable_rtbf', rule: 'gdpr', message: 'GDPR compliance requires right to be forgotten (enable_rtbf)' },
      { field: 'compliance.enable_anonymization', rule: 'gdpr', message: 'GDPR compliance requires data anonymization (enable_anonymization)' },
    ]);
  });

  test('with its GDPR requirements met, the same request lists every field it set', async () => {
    const tenant = await enterprise();
    const { updateTenantConfig } = await gateway.data(UpdateTenantConfigDocument, {
      tenant: tenant.id,
      input: {
        performance: { cacheSizeMb: 2048, maxParallelWorkers: 16 },
        security: { requireMfa: true, sessionTimeoutMins: 60 },
        compliance: { gdpr: true, dataResidency: ['EU'], enableRtbf: true, enableAnonymization: true },
      },
    });
    expect(updateTenantConfig.updatedFields).toEqual([
      'performance.cache_size_mb',
      'performance.max_parallel_workers',
      'security.session_timeout_mins',
      'security.require_mfa',
      'compliance.gdpr',
      'compliance.data_residency',
      'compliance.enable_anonymization',
      'compliance.enable_rtbf',
    ]);
  });

  test('custom settings merge key by key, and null removes a key', async () => {
    const tenant = await enterprise();
    await gateway.data(UpdateTenantConfigDocument, { tenant: tenant.id, input: { customSettings: { custom_key: 'custom_value', limit: 5 } } });
    const { updateTenantConfig } = await gateway.data(UpdateTenantConfigDocument, {
      tenant: tenant.id,
      input: { customSettings: { limit: null, flag: true } },
    });
    expect(updateTenantConfig.updatedFields).toEqual(['custom_settings.limit', 'custom_settings.flag']);
    expect(updateTenantConfig.config.customSettings).toEqual({ custom_key: 'custom_value', flag: true });
  });

  test('backup destinations are stored with every documented field', async () => {
    const tenant = await enterprise();
    const destination = {
      destinationType: 's3',
      bucket: 'heliosdb-backups',
      region: 'us-east-1',
      path: '/tenant-550e8400',
      credentialsId: 'aws-creds-123',
    };
    const { updateTenantConfig } = await gateway.data(UpdateTenantConfigDocument, {
      tenant: tenant.id,
      input: { backup: { destinations: [destination] } },
    });
    expect(updateTenantConfig.config.backup.destinations).toEqual([destination]);
  });

  test('kms_key_id accepts a KMS ARN and null clears it', async () => {
    const tenant = await enterprise();
    const arn = 'arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012';
    const set = await gateway.data(UpdateTenantConfigDocument, { tenant: tenant.id, input: { security: { kmsKeyId: arn } } });
    expect(set.updateTenantConfig.config.security.kmsKeyId).toBe(arn);
    const cleared = await gateway.data(UpdateTenantConfigDocument, { tenant: tenant.id, input: { security: { kmsKeyId: null } } });
    expect(cleared.updateTenantConfig.config.security.kmsKeyId).toBeNull();
  });
});

describe("validation rules: each refused with the seed's message, nothing written", () => {
  const cases: [string, UpdateTenantConfigInput, string, string][] = [
    ['cache size above 100 GB', { performance: { cacheSizeMb: 100001 } }, 'performance.cache_size_mb', 'Cache size exceeds maximum (100 GB)'],
    ['negative cache size', { performance: { cacheSizeMb: -1 } }, 'performance.cache_size_mb', 'Cache size must be between 0 and 100000'],
    ['more than 128 workers', { performance: { maxParallelWorkers: 129 } }, 'performance.max_parallel_workers', 'Parallel workers must be between 1 and 128'],
    ['zero workers', { performance: { maxParallelWorkers: 0 } }, 'performance.max_parallel_workers', 'Parallel workers must be between 1 and 128'],
    ['query timeout over an hour', { performance: { queryTimeoutSecs: 3601 } }, 'performance.query_timeout_secs', 'Query timeout must be between 1 and 3600'],
    [
      'query memory under 256 MB',
      { performance: { queryMemoryLimitMb: 255 } },
      'performance.query_memory_limit_mb',
      'Query memory limit must be between 256 and 65536',
    ],
    ['password complexity 6', { security: { passwordComplexity: 6 } }, 'security.password_complexity', 'Password complexity must be between 1 and 5'],
    ['password complexity 0', { security: { passwordComplexity: 0 } }, 'security.password_complexity', 'Password complexity must be between 1 and 5'],
    ['session timeout 4 minutes', { security: { sessionTimeoutMins: 4 } }, 'security.session_timeout_mins', 'Session timeout must be between 5 and 1440'],
    ['audit retention 3651 days', { security: { auditRetentionDays: 3651 } }, 'security.audit_retention_days', 'Audit retention must be between 1 and 3650'],
    [
      'unknown encryption algorithm',
      { security: { encryptionAlgorithm: 'DES' } },
      'security.encryption_algorithm',
      'Encryption algorithm must be one of AES-256-GCM, AES-128-GCM',
    ],
    [
      'KMS key that is not an ARN',
      { security: { kmsKeyId: 'my-key' } },
      'security.kms_key_id',
      'KMS key id must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>)',
    ],
    [
      'allowed IP without a prefix length',
      { security: { allowedIps: ['10.0.0.0/8', '10.0.0.1'] } },
      'security.allowed_ips.1',
      '"10.0.0.1" is not valid CIDR notation (e.g. 10.0.0.0/8)',
    ],
    [
      'allowed IP prefix out of range',
      { security: { allowedIps: ['10.0.0.0/33'] } },
      'security.allowed_ips.0',
      '"10.0.0.0/33" is not valid CIDR notation (e.g. 10.0.0.0/8)',
    ],
    ['backup every 169 hours', { backup: { frequencyHours: 169 } }, 'backup.frequency_hours', 'Backup frequency must be between 1 and 168'],
    ['backup retention 366 days', { backup: { retentionDays: 366 } }, 'backup.retention_days', 'Backup retention must be between 1 and 365'],
    ['full backup interval 31', { backup: { fullBackupInterval: 31 } }, 'backup.full_backup_interval', 'Full backup interval must be between 1 and 30'],
    ['PITR retention 31 days', { backup: { pitrRetentionDays: 31 } }, 'backup.pitr_retention_days', 'PITR retention must be between 1 and 30'],
    [
      'an s3 destination without a bucket',
      { backup: { destinations: [{ destinationType: 's3', region: 'us-east-1' }] } },
      'backup.destinations.0.bucket',
      'An s3 destination requires bucket',
    ],
    [
      'an unknown destination type',
      { backup: { destinations: [{ destinationType: 'ftp' }] } },
      'backup.destinations.0.destination_type',
      'destination_type must be one of s3, local',
    ],
    [
      'an s3 bucket outside BACKUP_S3_BUCKETS',
      { backup: { destinations: [{ destinationType: 'local' }, { destinationType: 's3', bucket: 'elsewhere', region: 'us-east-1' }] } },
      'backup.destinations.1.bucket',
      'Bucket "elsewhere" (backup.destinations.1.bucket) is not a backup bucket this gateway allows',
    ],
    [
      'backup retention shorter than PITR retention',
      { backup: { retentionDays: 5, pitrRetentionDays: 7 } },
      'backup.retention_days',
      'Backup retention must be >= PITR retention period',
    ],
    ['unknown replication mode', { replication: { mode: 'eventual' } }, 'replication.mode', 'Replication mode must be one of async, sync, semi-sync'],
    [
      'unknown consistency level',
      { replication: { consistencyLevel: 'weak' } },
      'replication.consistency_level',
      'Consistency level must be one of eventual, read_after_write, strong',
    ],
    [
      'replication lag over 300 seconds',
      { replication: { maxLagSeconds: 301 } },
      'replication.max_lag_seconds',
      'Max replication lag must be between 1 and 300',
    ],
    [
      'a replication region that is not an AWS region',
      { replication: { regions: ['mars-1'] } },
      'replication.regions.0',
      '"mars-1" is not an AWS region name (e.g. us-east-1)',
    ],
    [
      'a failover region that is not replicated',
      { replication: { regions: ['us-east-1'], failoverPriority: ['eu-west-1'] } },
      'replication.failover_priority',
      'Failover region "eu-west-1" must be one of the replication regions',
    ],
    [
      'data residency that is not a country code',
      { compliance: { dataResidency: ['europe'] } },
      'compliance.data_residency.0',
      '"europe" is not a country code (two capital letters, or EU)',
    ],
    [
      'default retention 0 days',
      { compliance: { defaultRetentionDays: 0 } },
      'compliance.default_retention_days',
      'Default retention must be between 1 and 3650',
    ],
    [
      'HIPAA with encryption at rest off',
      { security: { encryptionAtRest: false }, compliance: { hipaa: true } },
      'security.encryption_at_rest',
      'HIPAA compliance requires encryption at rest',
    ],
    [
      'HIPAA with audit logging off',
      { security: { enableAuditLog: false }, compliance: { hipaa: true } },
      'security.enable_audit_log',
      'HIPAA compliance requires audit logging',
    ],
    [
      'HIPAA with password complexity 2',
      { security: { passwordComplexity: 2 }, compliance: { hipaa: true } },
      'security.password_complexity',
      'HIPAA compliance requires password complexity of at least 3',
    ],
    [
      'PCI-DSS with audit logging off',
      { security: { enableAuditLog: false }, compliance: { pciDss: true } },
      'security.enable_audit_log',
      'PCI-DSS compliance requires audit logging',
    ],
    [
      'PCI-DSS with encryption at rest off',
      { security: { encryptionAtRest: false }, compliance: { pciDss: true } },
      'security.encryption_at_rest',
      'PCI-DSS compliance requires encryption at rest',
    ],
    [
      'PCI-DSS with 30 days of audit retention',
      { security: { auditRetentionDays: 30 }, compliance: { pciDss: true } },
      'security.audit_retention_days',
      'PCI-DSS compliance requires audit retention of at least 90 days',
    ],
    [
      'GDPR without EU residency',
      { compliance: { gdpr: true, enableRtbf: true, enableAnonymization: true, dataResidency: ['US'] } },
      'compliance.data_residency',
      'GDPR compliance requires data residency to include EU',
    ],
    [
      'GDPR without right to be forgotten',
      { compliance: { gdpr: true, enableAnonymization: true, dataResidency: ['EU'] } },
      'compliance.enable_rtbf',
      'GDPR compliance requires right to be forgotten (enable_rtbf)',
    ],
    [
      'GDPR without anonymization',
      { compliance: { gdpr: true, enableRtbf: true, dataResidency: ['EU'] } },
      'compliance.enable_anonymization',
      'GDPR compliance requires data anonymization (enable_anonymization)',
    ],
    [
      'a custom setting holding an object',
      { customSettings: { nested: { a: 1 } } },
      'custom_settings.nested',
      'custom_settings values must be strings (at most 1024 characters), numbers or booleans',
    ],
  ];

  test.each(cases)('%s', async (_name, input, field, message) => {
    const tenant = await enterprise();
    const error = await rejected(tenant.id, input);
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.message).toBe(message);
    expect(error.extensions?.violations).toEqual([expect.objectContaining({ field, message })]);
  });

  test('compliance is checked on the merged configuration: turning encryption off later breaks HIPAA', async () => {
    const tenant = await enterprise();
    await gateway.data(UpdateTenantConfigDocument, { tenant: tenant.id, input: { compliance: { hipaa: true } } });
    const error = await rejected(tenant.id, { security: { encryptionAtRest: false } });
    expect(error.message).toBe('HIPAA compliance requires encryption at rest');
  });

  test('every violation is reported together, each with its field path', async () => {
    const tenant = await enterprise();
    const error = await rejected(tenant.id, {
      performance: { cacheSizeMb: 200000, maxParallelWorkers: 500 },
      security: { passwordComplexity: 9 },
    });
    expect(error.extensions?.violations).toEqual([
      { field: 'performance.cache_size_mb', rule: 'too_big', message: 'Cache size exceeds maximum (100 GB)' },
      { field: 'performance.max_parallel_workers', rule: 'too_big', message: 'Parallel workers must be between 1 and 128' },
      { field: 'security.password_complexity', rule: 'too_big', message: 'Password complexity must be between 1 and 5' },
    ]);
    expect(error.message).toBe('Cache size exceeds maximum (100 GB); Parallel workers must be between 1 and 128; Password complexity must be between 1 and 5');
  });

  test('an unknown field or a wrong type is BAD_USER_INPUT naming the field, before anything runs', async () => {
    const tenant = await enterprise();
    const unknown = await gateway.graphql(UpdateTenantConfigDocument, {
      tenant: tenant.id,
      input: { performance: { cacheSizeGb: 2 } } as never,
    });
    expect(codes(unknown)).toEqual(['BAD_USER_INPUT']);
    expect(unknown.errors![0]!.message).toContain('cacheSizeGb');
    const wrongType = await gateway.graphql(UpdateTenantConfigDocument, {
      tenant: tenant.id,
      input: { performance: { cacheSizeMb: 'big' } } as never,
    });
    expect(codes(wrongType)).toEqual(['BAD_USER_INPUT']);
    expect(wrongType.errors![0]!.message).toContain('input.performance.cacheSizeMb');
    expect((await configOf(tenant.id)).version).toBe(1);
  });
});

describe('revisions and optimistic concurrency', () => {
  test('every accepted change is a revision with its version, author, paths and whole configuration', async () => {
    const tenant = await enterprise();
    const writer = await createKey(gateway, { name: 'config writer', scopes: ['CONFIG_READ', 'CONFIG_WRITE'], tenant: tenant.id });
    await gateway.data(UpdateTenantConfigDocument, { tenant: tenant.id, input: { performance: { cacheSizeMb: 2048 } } }, writer.secret);
    await gateway.data(UpdateTenantConfigDocument, { tenant: tenant.id, input: { security: { sessionTimeoutMins: 45 } } });
    const { tenantConfigHistory } = await gateway.data(TenantConfigHistoryDocument, { tenant: tenant.id });
    const revisions = tenantConfigHistory.edges.map((edge) => edge.node);
    expect(revisions.map((revision) => [revision.version, revision.principal, revision.updatedFields])).toEqual([
      [3, 'operator', ['security.session_timeout_mins']],
      [2, `config writer (${writer.apiKey.prefix})`, ['performance.cache_size_mb']],
      [1, 'operator', []],
    ]);
    const [latest, middle] = revisions as [(typeof revisions)[0], (typeof revisions)[0]];
    expect(latest.config).toMatchObject({ performance: { cache_size_mb: 2048 }, security: { session_timeout_mins: 45 } });
    expect(middle.config).toMatchObject({ performance: { cache_size_mb: 2048 }, security: { session_timeout_mins: 30 } });
  });

  test('a refused change leaves no revision', async () => {
    const tenant = await enterprise();
    await gateway.graphql(UpdateTenantConfigDocument, { tenant: tenant.id, input: { performance: { cacheSizeMb: -5 } } });
    const { tenantConfigHistory } = await gateway.data(TenantConfigHistoryDocument, { tenant: tenant.id });
    expect(tenantConfigHistory.edges).toHaveLength(1);
  });

  test('a stale expectedVersion is CONFLICT with the current version; the current one succeeds', async () => {
    const tenant = await enterprise();
    await gateway.data(UpdateTenantConfigDocument, { tenant: tenant.id, input: { expectedVersion: 1, performance: { cacheSizeMb: 10 } } });
    const error = await rejected(tenant.id, { expectedVersion: 1, performance: { cacheSizeMb: 20 } });
    expect(error.extensions).toMatchObject({ code: 'CONFLICT', currentVersion: 2, expectedVersion: 1 });
    const ok = await gateway.data(UpdateTenantConfigDocument, { tenant: tenant.id, input: { expectedVersion: 2, performance: { cacheSizeMb: 20 } } });
    expect(ok.updateTenantConfig.config.version).toBe(3);
  });

  test('concurrent writers without expectedVersion are all applied, each as its own version', async () => {
    const tenant = await enterprise();
    const results = await Promise.all(
      [100, 200, 300, 400].map((size, index) =>
        gateway.data(UpdateTenantConfigDocument, {
          tenant: tenant.id,
          input: index % 2 ? { performance: { cacheSizeMb: size } } : { customSettings: { [`writer${index}`]: size } },
        }),
      ),
    );
    const versions = results.map((result) => result.updateTenantConfig.config.version).sort();
    expect(versions).toEqual([2, 3, 4, 5]);
    const final = await configOf(tenant.id);
    expect(final.customSettings).toEqual({ writer0: 100, writer2: 300 });
  });

  test('a revision restored is the next version with its whole configuration, conditional on expectedVersion', async () => {
    const tenant = await enterprise();
    await gateway.data(UpdateTenantConfigDocument, { tenant: tenant.id, input: { performance: { cacheSizeMb: 2048 }, customSettings: { theme: 'dark' } } });
    await gateway.data(UpdateTenantConfigDocument, { tenant: tenant.id, input: { security: { sessionTimeoutMins: 45 }, customSettings: { region: 'eu' } } });
    const restore = `mutation ($tenant: ID!, $version: Int!, $expectedVersion: Int) {
      restoreTenantConfigRevision(tenant: $tenant, version: $version, expectedVersion: $expectedVersion) { config { version performance { cacheSizeMb } security { sessionTimeoutMins } customSettings } }
    }`;
    const stale = await gateway.graphql(restore, { tenant: tenant.id, version: 2, expectedVersion: 2 });
    expect(stale.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', currentVersion: 3, expectedVersion: 2 });
    const missing = await gateway.graphql(restore, { tenant: tenant.id, version: 9 });
    expect(missing.errors?.[0]).toMatchObject({ message: `Tenant ${tenant.slug} has no configuration revision 9`, extensions: { code: 'NOT_FOUND' } });
    const restored = await gateway.graphql(restore, { tenant: tenant.id, version: 2, expectedVersion: 3 });
    expect(restored.errors).toBeUndefined();
    expect(restored.data).toEqual({
      restoreTenantConfigRevision: {
        config: { version: 4, performance: { cacheSizeMb: 2048 }, security: { sessionTimeoutMins: 30 }, customSettings: { theme: 'dark' } },
      },
    });
    const { tenantConfigHistory } = await gateway.data(TenantConfigHistoryDocument, { tenant: tenant.id });
    expect(tenantConfigHistory.edges[0]!.node).toMatchObject({ version: 4, updatedFields: expect.arrayContaining(['security.session_timeout_mins']) });
  });

  test("a deleted tenant's configuration cannot change", async () => {
    const tenant = await enterprise();
    await gateway.graphql(`mutation { deleteTenant(id: "${tenant.id}") { status } }`);
    const error = await rejected(tenant.id, { performance: { cacheSizeMb: 10 } });
    expect(error.extensions).toMatchObject({ code: 'CONFLICT', currentStatus: 'DELETED' });
  });
});
