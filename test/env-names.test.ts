import { expect, test } from 'vitest';
import { jobSettings, phaseTimings, readEnvironment } from '../src/env.js';

test('the phase settings are named for their kind of work; unset, the defaults hold', () => {
  expect(phaseTimings(readEnvironment({}))).toEqual({
    tenantDatabase: { provisionMs: 0, syncMs: 0, cutoverMs: 0 },
    regionalDeploy: { databaseMigrationMs: 60_000, dnsUpdateMs: 30_000, sslSetupMs: 30_000 },
  });
  const env = readEnvironment({
    TENANT_DATABASE_PROVISION_MS: '1',
    TENANT_DATABASE_SYNC_MS: '2',
    TENANT_DATABASE_CUTOVER_MS: '3',
    REGIONAL_DEPLOY_DATABASE_MIGRATION_MS: '4',
    REGIONAL_DEPLOY_DNS_UPDATE_MS: '5',
    REGIONAL_DEPLOY_SSL_SETUP_MS: '6',
  });
  expect(phaseTimings(env)).toEqual({
    tenantDatabase: { provisionMs: 1, syncMs: 2, cutoverMs: 3 },
    regionalDeploy: { databaseMigrationMs: 4, dnsUpdateMs: 5, sslSetupMs: 6 },
  });
});

test('the older phase names are still read, and the new names win over them', () => {
  const older = readEnvironment({
    DATABASE_PROVISION_MS: '11',
    DATABASE_SYNC_MS: '12',
    DATABASE_CUTOVER_MS: '13',
    DEPLOY_DATABASE_MIGRATION_MS: '14',
    DEPLOY_DNS_UPDATE_MS: '15',
    DEPLOY_SSL_SETUP_MS: '16',
  });
  expect(phaseTimings(older)).toEqual({
    tenantDatabase: { provisionMs: 11, syncMs: 12, cutoverMs: 13 },
    regionalDeploy: { databaseMigrationMs: 14, dnsUpdateMs: 15, sslSetupMs: 16 },
  });
  const both = readEnvironment({
    DATABASE_PROVISION_MS: '11',
    TENANT_DATABASE_PROVISION_MS: '1',
    DEPLOY_DNS_UPDATE_MS: '15',
    REGIONAL_DEPLOY_DNS_UPDATE_MS: '5',
  });
  expect(phaseTimings(both).tenantDatabase.provisionMs).toBe(1);
  expect(phaseTimings(both).regionalDeploy.dnsUpdateMs).toBe(5);
});

test('the job queue reads DEPLOYMENT_POLL_MS and DEPLOYMENT_LEASE_MS as its older names', () => {
  expect(jobSettings(readEnvironment({ DEPLOYMENT_POLL_MS: '250', DEPLOYMENT_LEASE_MS: '5000' }))).toMatchObject({
    pollMs: 250,
    backupJobLeaseMs: 5_000,
    schemaRolloutLeaseMs: 5_000,
  });
  expect(
    jobSettings(readEnvironment({ DEPLOYMENT_POLL_MS: '250', JOBS_POLL_MS: '100', DEPLOYMENT_LEASE_MS: '5000', SCHEMA_ROLLOUT_LEASE_MS: '700' })),
  ).toMatchObject({ pollMs: 100, backupJobLeaseMs: 5_000, schemaRolloutLeaseMs: 700 });
});

test('a phase setting out of range is refused by its name', () => {
  expect(() => readEnvironment({ REGIONAL_DEPLOY_SSL_SETUP_MS: '-1' })).toThrow(/REGIONAL_DEPLOY_SSL_SETUP_MS/);
  expect(() => readEnvironment({ DEPLOY_SSL_SETUP_MS: '-1' })).toThrow(/DEPLOY_SSL_SETUP_MS/);
});
