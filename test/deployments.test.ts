import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { App } from '../src/app.js';
import { DeployTenantDocument, TenantDeploymentDocument, TenantDocument } from '../src/generated/graphql/graphql.js';
import { codes, createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';
import { startReplica } from './support/replica.js';

// Phases long enough to observe one at a time, short enough to finish within a test.
const phaseMs = 400;
let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway({
    env: { REGIONAL_DEPLOY_DATABASE_MIGRATION_MS: phaseMs, REGIONAL_DEPLOY_DNS_UPDATE_MS: phaseMs, REGIONAL_DEPLOY_SSL_SETUP_MS: phaseMs },
  });
});
afterAll(() => gateway.close());

const deploy = (tenant: string, input: { region: string; migrateData?: boolean; maintenanceWindow?: string }) =>
  gateway.graphql(DeployTenantDocument, { tenant, input });
const status = async (tenant: string, id: string) => (await gateway.data(TenantDeploymentDocument, { tenant, id })).regionalDeploy;

describe('deploying a tenant to another region', () => {
  test("the move is audited as the tenant's region changing, so point-in-time recovery to after it keeps the new region", async () => {
    const tenant = await createTenant(gateway, { region: 'us-east-1', tier: 'ENTERPRISE', isolation: 'DEDICATED' });
    const started = (await deploy(tenant.id, { region: 'eu-west-1' })).data!.deployTenantToRegion;
    await expect.poll(async () => (await status(tenant.id, started.id)).status, { timeout: 10_000, interval: 50 }).toBe('COMPLETED');
    const event = await gateway.database.prisma.auditEvent.findFirstOrThrow({ where: { tenantId: tenant.id, action: 'tenant.updated' } });
    expect(event).toMatchObject({ actor: 'regional deployment', changes: [{ path: 'tenant.region', before: 'us-east-1', after: 'eu-west-1' }] });
    // The safety backup holds us-east-1; recovering to now replays the move on top of it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const recovered = await gateway.graphql<{ recoverTenant: { tenant: { region: string } } }, object>(
      `mutation { recoverTenant(tenant: "${tenant.id}", timestamp: "${new Date().toISOString()}") { tenant { region } } }`,
    );
    expect(recovered.errors).toBeUndefined();
    expect(recovered.data!.recoverTenant.tenant.region).toBe('eu-west-1');
  });

  test('the documented request: in progress with the database migrating first, a safety backup taken, then phases in order until the tenant is in eu-west-1 at its regional domain', async () => {
    const tenant = await createTenant(gateway, { slug: `acme-${process.pid}`, region: 'us-east-1', tier: 'PRO' });
    const result = await deploy(tenant.id, { region: 'eu-west-1', migrateData: true, maintenanceWindow: '2025-01-26T02:00:00Z' });
    expect(result.errors).toBeUndefined();
    const started = result.data!.deployTenantToRegion;
    expect(started).toMatchObject({
      tenantId: tenant.id,
      fromRegion: 'us-east-1',
      region: 'eu-west-1',
      migrateData: true,
      maintenanceWindow: '2025-01-26T02:00:00.000Z',
      status: 'IN_PROGRESS',
      progress: { databaseMigration: 'IN_PROGRESS', dnsUpdate: 'PENDING', sslSetup: 'PENDING' },
      completedAt: null,
      newDomain: null,
    });
    expect(Date.parse(started.estimatedCompletion) - Date.parse(started.startedAt)).toBe(3 * phaseMs);
    const backup = await gateway.database.prisma.backupRecord.findFirstOrThrow({ where: { tenantId: tenant.id } });
    expect(backup).toMatchObject({ trigger: 'SAFETY', status: 'COMPLETED', storagePath: started.safetyBackupPath });

    // Phases only move forward, one after another.
    const seen: string[] = [];
    await expect
      .poll(
        async () => {
          const current = await status(tenant.id, started.id);
          const step = `${current.progress.databaseMigration}/${current.progress.dnsUpdate}/${current.progress.sslSetup}`;
          if (seen.at(-1) !== step) seen.push(step);
          return current.status;
        },
        { timeout: 10_000, interval: 50 },
      )
      .toBe('COMPLETED');
    const order = ['IN_PROGRESS/PENDING/PENDING', 'COMPLETED/IN_PROGRESS/PENDING', 'COMPLETED/COMPLETED/IN_PROGRESS', 'COMPLETED/COMPLETED/COMPLETED'];
    expect(seen.map((step) => order.indexOf(step))).toEqual([...seen.map((step) => order.indexOf(step))].sort());
    expect(seen.at(-1)).toBe('COMPLETED/COMPLETED/COMPLETED');
    const done = await status(tenant.id, started.id);
    expect(done).toMatchObject({ status: 'COMPLETED', newDomain: `acme-${process.pid}.eu.controlcore.io`, completedAt: started.estimatedCompletion });
    expect((await gateway.data(TenantDocument, { id: tenant.id })).tenant).toMatchObject({ region: 'eu-west-1' });
  });

  test('without migrate_data the database phase is skipped; a maintenance window ahead schedules it', async () => {
    const tenant = await createTenant(gateway, { region: 'us-east-1' });
    const windowAt = new Date(Date.now() + 3_600_000).toISOString();
    const scheduled = (await deploy(tenant.id, { region: 'ap-south-1', migrateData: false, maintenanceWindow: windowAt })).data!.deployTenantToRegion;
    expect(scheduled).toMatchObject({
      status: 'SCHEDULED',
      startedAt: windowAt,
      progress: { databaseMigration: 'SKIPPED', dnsUpdate: 'PENDING', sslSetup: 'PENDING' },
    });
    expect(Date.parse(scheduled.estimatedCompletion) - Date.parse(windowAt)).toBe(2 * phaseMs);
  });

  test('an unknown region and the current one are BAD_USER_INPUT naming region; nothing is written', async () => {
    const tenant = await createTenant(gateway, { region: 'us-east-1' });
    const unknown = await deploy(tenant.id, { region: 'mars-1' });
    expect(codes(unknown)).toEqual(['BAD_USER_INPUT']);
    expect(unknown.errors![0]!.extensions).toMatchObject({ field: 'region' });
    expect(unknown.errors![0]!.message).toBe(
      'region must be one of us-east-1, us-west-2, ca-central-1, eu-west-1, eu-central-1, eu-north-1, ap-southeast-1, ap-northeast-1, ap-south-1',
    );
    const zone = await deploy(tenant.id, { region: 'eu-central' });
    expect(codes(zone)).toEqual(['BAD_USER_INPUT']);
    const current = await deploy(tenant.id, { region: 'us-east-1' });
    expect(codes(current)).toEqual(['BAD_USER_INPUT']);
    expect(current.errors![0]!.message).toBe(`Tenant ${tenant.slug} is already deployed in us-east-1`);
    const farAway = await deploy(tenant.id, { region: 'eu-west-1', maintenanceWindow: new Date(Date.now() + 100 * 86_400_000).toISOString() });
    expect(farAway.errors![0]!.extensions).toMatchObject({ field: 'maintenanceWindow' });
    expect(await gateway.database.prisma.tenantDeployment.count({ where: { tenantId: tenant.id } })).toBe(0);
    expect(await gateway.database.prisma.backupRecord.count({ where: { tenantId: tenant.id } })).toBe(0);
  });

  test('a suspended tenant is not deployed: CONFLICT naming its status, nothing written', async () => {
    const tenant = await createTenant(gateway, { region: 'us-east-1' });
    await gateway.graphql(`mutation { suspendTenant(id: "${tenant.id}") { id } }`);
    const refused = await deploy(tenant.id, { region: 'eu-west-1' });
    expect(codes(refused)).toEqual(['CONFLICT']);
    expect(refused.errors![0]!.message).toBe(`Cannot deploy tenant "${tenant.slug}": it is SUSPENDED, expected ACTIVE`);
    expect(await gateway.database.prisma.tenantDeployment.count({ where: { tenantId: tenant.id } })).toBe(0);
  });

  test('a second deployment while one runs is CONFLICT naming the running one; an unknown deployment id is NOT_FOUND', async () => {
    const tenant = await createTenant(gateway, { region: 'us-east-1' });
    const windowAt = new Date(Date.now() + 3_600_000).toISOString();
    const first = (await deploy(tenant.id, { region: 'eu-west-1', maintenanceWindow: windowAt })).data!.deployTenantToRegion;
    const second = await deploy(tenant.id, { region: 'eu-north-1' });
    expect(codes(second)).toEqual(['CONFLICT']);
    expect(second.errors![0]!.message).toBe(`Deployment ${first.id} to eu-west-1 is still in progress`);
    expect(await gateway.database.prisma.tenantDeployment.count({ where: { tenantId: tenant.id } })).toBe(1);
    for (const id of ['deploy-123', '00000000-0000-4000-8000-000000000000']) {
      const missing = await gateway.graphql(TenantDeploymentDocument, { tenant: tenant.id, id });
      expect(codes(missing)).toEqual(['NOT_FOUND']);
      expect(missing.errors![0]!.message).toBe(`Deployment ${id} not found`);
    }
    // Another tenant's deployment is not found through this tenant.
    const other = await createTenant(gateway);
    expect(codes(await gateway.graphql(TenantDeploymentDocument, { tenant: other.id, id: first.id }))).toEqual(['NOT_FOUND']);
  });
});

describe('a deployment survives a restart', () => {
  let restarted: App | undefined;
  afterAll(() => restarted?.close());

  test('phases due while no process followed them end when a process starts, and the tenant moves', async () => {
    const tenant = await createTenant(gateway, { region: 'us-east-1' });
    // Scheduled an hour ahead by the running process; the hour passes while no process follows it.
    const windowAt = new Date(Date.now() + 3_600_000).toISOString();
    const started = (await deploy(tenant.id, { region: 'eu-central-1', maintenanceWindow: windowAt })).data!.deployTenantToRegion;
    await gateway.database.prisma.tenantDeployment.update({ where: { id: started.id }, data: { phaseEndsAt: new Date(Date.now() - 5_000) } });
    expect((await status(tenant.id, started.id)).status).toBe('SCHEDULED');
    // The hour passed for its queue job too (src/jobs/): due since then.
    await gateway.database.prisma.job.updateMany({
      where: { uniqueKey: `regional-deployment-phases:${tenant.id}` },
      data: { runAt: new Date(Date.now() - 5_000) },
    });
    // A process that starts now: a replica over the same database, phases a few milliseconds long.
    restarted = await startReplica(gateway, { REGIONAL_DEPLOY_DATABASE_MIGRATION_MS: 10, REGIONAL_DEPLOY_DNS_UPDATE_MS: 10, REGIONAL_DEPLOY_SSL_SETUP_MS: 10 });
    await expect.poll(async () => (await status(tenant.id, started.id)).status, { timeout: 10_000 }).toBe('COMPLETED');
    expect((await gateway.data(TenantDocument, { id: tenant.id })).tenant).toMatchObject({ region: 'eu-central-1' });
  });
});
