import type { Environment } from '../src/env.js';
import type { Database } from '../src/gateway-db/client.js';
import type { ConfigPatch } from '../src/modules/configs/configs.service.js';
import { updateTenantConfig } from '../src/modules/configs/configs.service.js';
import { setTenantFeature } from '../src/modules/features/features.service.js';
import type { Actor } from '../src/kernel/principal.js';
import { createLogger } from '../src/lib/logger.js';
import { type ResourceLimitInput, setResourceLimits } from '../src/modules/usage/limits.service.js';
import { createTenant, type CreateTenantInput, transitionTenant } from '../src/modules/tenant-lifecycle/tenant-lifecycle.service.js';
import { demoUsageDays, recordDemoUsage } from './demo-usage.js';

// A demo project for GraphiQL and the console: tenants on every tier with non-default configurations
// and five weeks of usage.
// It goes through the same services as the API, so every rule applies; re-running skips what exists.
type DemoTenant = CreateTenantInput & { config: ConfigPatch; features?: Record<string, boolean>; limits?: ResourceLimitInput[]; suspend?: boolean };

const demo: DemoTenant[] = [
  {
    slug: 'acme',
    name: 'Acme Health',
    tier: 'ENTERPRISE',
    isolation: 'DEDICATED',
    region: 'us-east-1',
    settings: { industry: 'healthcare' },
    config: {
      performance: { cache_size_mb: 8192, max_parallel_workers: 32 },
      security: {
        password_complexity: 5,
        require_mfa: true,
        kms_key_id: 'arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012',
        allowed_ips: ['10.0.0.0/8', '172.16.0.0/12'],
        audit_retention_days: 365,
      },
      backup: {
        frequency_hours: 6,
        retention_days: 90,
        pitr_retention_days: 30,
        // Local: s3 destinations need a bucket the operator allows (BACKUP_S3_BUCKETS).
        destinations: [{ destination_type: 'local', bucket: null, region: null, path: null, credentials_id: null }],
      },
      replication: { enabled: true, mode: 'semi-sync', regions: ['us-east-1', 'us-west-2'], failover_priority: ['us-west-2'] },
      compliance: { hipaa: true, soc2: true, data_residency: ['US'] },
      custom_settings: { account_manager: 'dana@example.com' },
    },
    features: { ml_features: true, scim_provisioning: true },
    limits: [
      // Above what the demo usage reaches by a month's end (about 4 million tokens): a seed late in
      // a month must not leave acme's LLM routes refused by its own blocking limit.
      { resource: 'llm', metric: 'tokens', period: 'MONTH', limit: 6_000_000 },
      { resource: 'bandwidth', metric: 'bytes', period: 'DAY', limit: 4_000_000, gateAction: 'WARN' },
    ],
  },
  {
    slug: 'globex',
    name: 'Globex Retail',
    tier: 'PRO',
    region: 'eu-west-1',
    config: {
      performance: { cache_size_mb: 2048, max_parallel_workers: 16 },
      security: { session_timeout_mins: 60 },
      compliance: { gdpr: true, pci_dss: true, data_residency: ['EU'], enable_rtbf: true, enable_anonymization: true },
    },
    features: { read_replicas: true },
    limits: [{ resource: 'llm', metric: 'tokens', period: 'MONTH', limit: 300_000, gateAction: 'WARN' }],
  },
  {
    slug: 'initech',
    name: 'Initech',
    tier: 'BASIC',
    region: 'us-west',
    config: { performance: { query_timeout_secs: 120 }, backup: { frequency_hours: 12 } },
    features: { sandbox_environments: true },
  },
  {
    slug: 'tenant-hooli-123',
    name: 'Hooli (trial)',
    tier: 'FREE',
    config: { custom_settings: { trial: true } },
    suspend: true,
  },
];

/**
 * Loads the demo project into `prisma`'s database, skipping tenants already there: what
 * `npm run db:seed` runs, and what the README's first-hour test seeds its gateway with.
 */
export async function loadDemoProject(prisma: Database['prisma'], backupS3Buckets: Environment['BACKUP_S3_BUCKETS'], log: (line: string) => void) {
  // Its tenants go up to ENTERPRISE, and a tenant's plan never exceeds its project's.
  const project = await prisma.project.upsert({
    where: { slug: 'demo' },
    create: { slug: 'demo', name: 'Demo project', tier: 'ENTERPRISE' },
    update: { tier: 'ENTERPRISE' },
  });
  const actor: Actor = {
    prisma,
    principal: { id: 'seed', label: 'db:seed', owner: 'GLOBAL', projectId: null, tenantId: null, scopes: new Set(['admin']) },
  };
  for (const { config, features = {}, limits, suspend, ...input } of demo) {
    if (await prisma.tenant.findUnique({ where: { slug: input.slug! } })) {
      log(`  ${input.slug}: already there`);
      continue;
    }
    const tenant = await createTenant(actor, { ...input, projectId: project.id });
    await updateTenantConfig(actor, tenant.id, config, null, backupS3Buckets);
    for (const [feature, enabled] of Object.entries(features)) await setTenantFeature(actor, tenant.id, feature, enabled);
    if (limits) await setResourceLimits(actor, tenant.id, limits);
    if (suspend) await transitionTenant(actor, tenant.id, 'suspend');
    log(`  ${input.slug}: ${input.tier}, ${tenant.region}${suspend ? ', suspended' : ''}`);
  }
  // The demo project's own tenants only: a tenant of that name elsewhere never gets made-up usage.
  const tenants = await prisma.tenant.findMany({
    where: { projectId: project.id, slug: { in: demo.map((tenant) => tenant.slug!) } },
    orderBy: { slug: 'asc' },
  });
  const recorded = await recordDemoUsage(prisma, tenants, createLogger('warn'));
  if (recorded.length) log(`  usage of the last ${demoUsageDays} days (API calls, LLM tokens, bandwidth) recorded for ${recorded.join(', ')}`);
  return project;
}
