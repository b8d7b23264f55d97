import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BackupDeps } from '../src/modules/backups/backup-files.js';
import { pruneBackups, runScheduledBackups } from '../src/modules/backups/backup-schedule.service.js';
import { settleInterruptedWork } from '../src/modules/tenants/interrupted-work.js';
import { BackupStorages, LocalBackupStorage } from '../src/modules/backups/storage.js';
import { createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway, testKeyring } from './support/gateway.js';

// Scheduled backups, incrementals and retention, run the way the scheduler runs them, with the
// clock passed in: `now` moves forward by hours while the records keep their real times.

let gateway: TestGateway;
let deps: BackupDeps;
beforeAll(async () => {
  gateway = await startGateway();
  deps = { storages: new BackupStorages(new LocalBackupStorage(gateway.backupDir)), keyring: testKeyring };
});
afterAll(() => gateway.close());

const hours = (n: number) => new Date(Date.now() + n * 3_600_000 + 1_000);

type Backup = { id: string; trigger: string; kind: string; status: string; storagePath: string; baseBackupId: string | null; createdAt: string };
async function backups(tenant: string): Promise<Backup[]> {
  const result = await gateway.graphql<{ tenantBackups: Backup[] }, object>(
    `{ tenantBackups(tenant: "${tenant}") { id trigger kind status storagePath baseBackupId createdAt } }`,
  );
  return result.data!.tenantBackups.reverse();
}

const configure = (tenant: string, backup: Record<string, unknown>) =>
  gateway.graphql(`mutation ($backup: BackupConfigInput!) { updateTenantConfig(tenant: "${tenant}", input: { backup: $backup }) { message } }`, { backup });
const rename = (tenant: string, name: string) => gateway.graphql(`mutation { updateTenant(id: "${tenant}", input: { name: "${name}" }) { id } }`);
const nameOf = async (tenant: string) =>
  (await gateway.graphql<{ tenant: { name: string } }, object>(`{ tenant(id: "${tenant}") { name } }`)).data!.tenant.name;

/** Only this test's tenants: others in the same database are due too. */
async function round(tenant: string, now: Date) {
  const { taken } = await runScheduledBackups(gateway.database.prisma, deps, { now });
  return taken.filter((backup) => backup.tenantId === tenant);
}

describe('scheduled backups', () => {
  test('every Nth is full, incrementals hold only what changed, and a restore applies the full plus its incrementals', async () => {
    const tenant = await createTenant(gateway, { name: 'v0' });
    // Plain files, so the test can read what an incremental holds.
    expect((await configure(tenant.id, { frequencyHours: 1, fullBackupInterval: 3, encryptBackups: false, compressBackups: false })).errors).toBeUndefined();

    expect((await round(tenant.id, hours(0))).map((backup) => backup.kind)).toEqual(['FULL']);
    expect(await round(tenant.id, hours(0.5))).toEqual([]);
    await rename(tenant.id, 'v1');
    expect((await round(tenant.id, hours(1))).map((backup) => backup.kind)).toEqual(['INCREMENTAL']);
    await rename(tenant.id, 'v2');
    expect((await round(tenant.id, hours(2))).map((backup) => backup.kind)).toEqual(['INCREMENTAL']);
    await rename(tenant.id, 'v3');
    expect((await round(tenant.id, hours(3))).map((backup) => backup.kind)).toEqual(['FULL']);

    const all = await backups(tenant.id);
    expect(all.map((backup) => `${backup.trigger} ${backup.kind}`)).toEqual([
      'SCHEDULED FULL',
      'SCHEDULED INCREMENTAL',
      'SCHEDULED INCREMENTAL',
      'SCHEDULED FULL',
    ]);
    expect(all[1]!.baseBackupId).toBe(all[0]!.id);
    expect(all[2]!.baseBackupId).toBe(all[1]!.id);
    expect(all[3]!.baseBackupId).toBeNull();

    const incremental = JSON.parse(await readFile(path.join(gateway.backupDir, all[2]!.storagePath), 'utf8'));
    expect(incremental).toMatchObject({ formatVersion: 1, kind: 'INCREMENTAL', tenantId: tenant.id, baseBackupId: all[1]!.id });
    expect(incremental.changes).toEqual({ tenant: { name: 'v2' } });
    const full = await stat(path.join(gateway.backupDir, all[0]!.storagePath));
    expect((await stat(path.join(gateway.backupDir, all[2]!.storagePath))).size).toBeLessThan(full.size / 4);

    for (const [index, name] of [
      [2, 'v2'],
      [1, 'v1'],
      [0, 'v0'],
      [3, 'v3'],
    ] as const) {
      const result = await gateway.graphql(
        `mutation { rollbackTenant(tenant: "${tenant.id}", storagePath: "${all[index]!.storagePath}") { tenant { name } } }`,
      );
      expect(result.errors).toBeUndefined();
      expect(await nameOf(tenant.id)).toBe(name);
    }
  });

  test('an incremental whose base is gone is a clear error, and the next scheduled backup is full', async () => {
    const tenant = await createTenant(gateway);
    await configure(tenant.id, { frequencyHours: 1, fullBackupInterval: 5 });
    await round(tenant.id, hours(0));
    await round(tenant.id, hours(1));
    const [base, incremental] = await backups(tenant.id);
    await gateway.database.prisma.backupRecord.delete({ where: { id: base!.id } });
    const result = await gateway.graphql(`mutation { rollbackTenant(tenant: "${tenant.id}", storagePath: "${incremental!.storagePath}") { tenant { name } } }`);
    expect(result.errors![0]).toMatchObject({
      extensions: { code: 'PRECONDITION_FAILED' },
      message: expect.stringContaining('the backup it builds on is gone'),
    });
    expect((await round(tenant.id, hours(2))).map((backup) => backup.kind)).toEqual(['FULL']);
  });

  test('a destination that keeps failing is retried after 1, 2, 4 … minutes (never more often than the frequency), logged as an error once', async () => {
    const tenant = await createTenant(gateway);
    await configure(tenant.id, { frequencyHours: 1 });
    // A backup directory below a file: every write fails.
    const failing: BackupDeps = { ...deps, storages: new BackupStorages(new LocalBackupStorage('/dev/null/backups')) };
    const logged: [string, string, Record<string, unknown>][] = [];
    const log =
      (level: string) =>
      (message: string, fields: Record<string, unknown> = {}) =>
        void logged.push([level, message, fields]);
    const logger = {
      trace: log('trace'),
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      fatal: log('fatal'),
      child: () => logger,
    };
    const start = Date.now();
    const attempted: number[] = [];
    const seen: string[] = [];
    for (const minutes of [0, 0.5, 1.1, 1.5, 2.2, 3.4, 4.5, 8.6, 16.7, 30, 40, 61, 100, 130, 155]) {
      const now = new Date(start + minutes * 60_000);
      await runScheduledBackups(gateway.database.prisma, failing, { now, logger });
      // The failed record is dated as the round that made it: the clock here is `now`.
      const { count } = await gateway.database.prisma.backupRecord.updateMany({
        where: { tenantId: tenant.id, id: { notIn: seen } },
        data: { createdAt: now },
      });
      if (count) attempted.push(minutes);
      seen.push(...(await backups(tenant.id)).map((record) => record.id).filter((id) => !seen.includes(id)));
    }
    // Each attempt waits twice as long as the one before (1, 2, 4 … minutes), at most the tenant's hourly frequency.
    expect(attempted).toEqual([0, 1.1, 3.4, 8.6, 16.7, 40, 100]);
    const mine = logged.filter(([, , fields]) => fields.tenant === tenant.slug);
    expect(mine.map(([level, message]) => `${level} ${message}`)).toEqual([
      'error scheduled backup failed; retrying with backoff',
      ...Array.from({ length: 6 }, () => 'warn scheduled backup still failing'),
    ]);
    expect(mine[0]![2]).toMatchObject({ reason: expect.stringContaining('Backup failed: writing to local failed'), retryInMinutes: 1 });
    expect(mine[0]![2].error).toBeUndefined();
    const records = await backups(tenant.id);
    expect(records.map((record) => record.status)).toEqual(Array.from({ length: 7 }, () => 'FAILED'));
    // Once it works again, the next round backs it up and the streak is over.
    expect((await round(tenant.id, new Date(start + 200 * 60_000))).map((backup) => backup.status)).toEqual(['COMPLETED']);
  });

  test('tenants with backups disabled, deleted tenants and suspended ones', async () => {
    const disabled = await createTenant(gateway);
    await configure(disabled.id, { enabled: false });
    expect(await round(disabled.id, hours(100))).toEqual([]);
    const deleted = await createTenant(gateway);
    await gateway.graphql(`mutation { deleteTenant(id: "${deleted.id}") { id } }`);
    expect(await round(deleted.id, hours(100))).toEqual([]);
    const suspended = await createTenant(gateway);
    await gateway.graphql(`mutation { suspendTenant(id: "${suspended.id}") { id } }`);
    expect((await round(suspended.id, hours(100))).map((backup) => backup.trigger)).toEqual(['SCHEDULED']);
  });
});

describe('retention', () => {
  test("backups older than retention_days go, file and record; a base a kept incremental needs and an undoable recovery's safety backup stay", async () => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE', isolation: 'DEDICATED' });
    expect((await configure(tenant.id, { frequencyHours: 1, fullBackupInterval: 3, retentionDays: 2, pitrRetentionDays: 1 })).errors).toBeUndefined();
    await round(tenant.id, hours(0));
    await round(tenant.id, hours(1));
    await gateway.graphql(`mutation { backupTenant(tenant: "${tenant.id}") { id } }`);
    const listed = await backups(tenant.id);
    expect(listed.map((backup) => `${backup.trigger} ${backup.kind}`)).toEqual(['SCHEDULED FULL', 'SCHEDULED INCREMENTAL', 'MANUAL FULL']);
    const [full, incremental, manual] = listed;
    const age = (id: string, days: number) =>
      gateway.database.prisma.backupRecord.update({ where: { id }, data: { createdAt: new Date(Date.now() - days * 86_400_000) } });

    // The full is expired but the incremental on it is not: both stay. The manual one is expired: it goes.
    await age(full!.id, 5);
    await age(manual!.id, 3);
    expect(await pruneBackups(gateway.database.prisma, deps)).toBe(1);
    expect((await backups(tenant.id)).map((backup) => backup.id)).toEqual([full!.id, incremental!.id]);
    await expect(stat(path.join(gateway.backupDir, manual!.storagePath))).rejects.toThrow(/ENOENT/);
    // The deletion is in the tenant's audit trail, by the scheduler.
    const deleted = await gateway.database.prisma.auditEvent.findMany({ where: { tenantId: tenant.id, action: 'backup.deleted' } });
    expect(deleted.map(({ actor, target, changes }) => ({ actor, target, changes }))).toEqual([
      {
        actor: 'backup scheduler',
        target: `backup:${manual!.storagePath}`,
        changes: [
          {
            path: `backups.${manual!.id}`,
            before: expect.objectContaining({ storagePath: manual!.storagePath, trigger: 'MANUAL', kind: 'FULL' }),
            after: null,
          },
        ],
      },
    ]);

    // Once the incremental expires too, the chain goes whole.
    await age(incremental!.id, 3);
    expect(await pruneBackups(gateway.database.prisma, deps)).toBe(2);
    expect(await backups(tenant.id)).toEqual([]);
    await expect(stat(path.join(gateway.backupDir, full!.storagePath))).rejects.toThrow(/ENOENT/);

    // The safety backup of a recovery that can still be undone is kept whatever its age.
    await gateway.graphql(`mutation { backupTenant(tenant: "${tenant.id}") { id } }`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const recovered = await gateway.graphql(`mutation { recoverTenant(tenant: "${tenant.id}", timestamp: "${new Date().toISOString()}") { recovery { id } } }`);
    expect(recovered.errors).toBeUndefined();
    for (const backup of await backups(tenant.id)) await age(backup.id, 10);
    expect(await pruneBackups(gateway.database.prisma, deps)).toBe(1);
    expect((await backups(tenant.id)).map((backup) => backup.trigger)).toEqual(['SAFETY']);
    expect((await gateway.graphql(`mutation { undoRecovery(tenant: "${tenant.id}") { tenant { id } } }`)).errors).toBeUndefined();
  });

  test('an expired failed backup goes even when its destination is gone; an expired backup a job is about to use stays until the job ends', async () => {
    const tenant = await createTenant(gateway);
    expect((await configure(tenant.id, { retentionDays: 2, pitrRetentionDays: 1 })).errors).toBeUndefined();
    const prisma = gateway.database.prisma;
    const old = new Date(Date.now() - 5 * 86_400_000);
    const failed = await prisma.backupRecord.create({
      data: {
        tenantId: tenant.id,
        status: 'FAILED',
        destination: 's3://gone-bucket/prefix?region=eu-west-1',
        storagePath: `${tenant.id}/failed.json.gz`,
        createdAt: old,
      },
    });
    await gateway.graphql(`mutation { backupTenant(tenant: "${tenant.id}") { id } }`);
    const [used] = (await backups(tenant.id)).filter((backup) => backup.status === 'COMPLETED');
    await prisma.backupRecord.update({ where: { id: used!.id }, data: { createdAt: old } });
    // Recorded without its queue job: it stays pending here, as one another process is about to run.
    const job = await prisma.backupJob.create({ data: { kind: 'ROLLBACK', tenantId: tenant.id, backupId: used!.id, actorId: 'test', actorLabel: 'test' } });

    // (Other tests' expired backups in this database may go in the same round.)
    await pruneBackups(prisma, deps);
    expect(await prisma.backupRecord.findUnique({ where: { id: failed.id } })).toBeNull();
    expect(await prisma.backupRecord.findUnique({ where: { id: used!.id } })).not.toBeNull();
    await prisma.backupJob.update({ where: { id: job.id }, data: { status: 'COMPLETED' } });
    await pruneBackups(prisma, deps);
    expect(await prisma.backupRecord.findUnique({ where: { id: used!.id } })).toBeNull();
  });
});

describe('work a stopped process left', () => {
  test("old RESTORING marks and RUNNING backups are settled; fresh ones, which may be another replica's, are left alone", async () => {
    const [old, fresh] = [await createTenant(gateway), await createTenant(gateway)];
    const prisma = gateway.database.prisma;
    const longAgo = new Date(Date.now() - 20 * 60_000);
    await prisma.tenant.update({ where: { id: old.id }, data: { status: 'RESTORING', statusBeforeRestore: 'SUSPENDED', updatedAt: longAgo } });
    await prisma.tenant.update({ where: { id: fresh.id }, data: { status: 'RESTORING', statusBeforeRestore: 'ACTIVE' } });
    const oldBackup = await prisma.backupRecord.create({ data: { tenantId: old.id, status: 'RUNNING', createdAt: longAgo } });
    const freshBackup = await prisma.backupRecord.create({ data: { tenantId: fresh.id, status: 'RUNNING' } });

    expect(await settleInterruptedWork(prisma)).toEqual({ tenants: 1, backups: 1 });
    expect((await prisma.tenant.findUniqueOrThrow({ where: { id: old.id } })).status).toBe('SUSPENDED');
    expect((await prisma.tenant.findUniqueOrThrow({ where: { id: fresh.id } })).status).toBe('RESTORING');
    expect(await prisma.backupRecord.findUniqueOrThrow({ where: { id: oldBackup.id } })).toMatchObject({
      status: 'FAILED',
      failureReason: expect.stringContaining('Interrupted'),
    });
    expect((await prisma.backupRecord.findUniqueOrThrow({ where: { id: freshBackup.id } })).status).toBe('RUNNING');
    await prisma.tenant.update({ where: { id: fresh.id }, data: { status: 'ACTIVE', statusBeforeRestore: null } });
    await prisma.backupRecord.update({ where: { id: freshBackup.id }, data: { status: 'FAILED' } });
  });
});

describe('keys and leftovers', () => {
  test('a rotated SECRETS_KEY still opens backups sealed before, through SECRETS_KEY_PREVIOUS; without it the error says so', async () => {
    const oldKey = Buffer.alloc(32, 7);
    const rotated = await startGateway({ env: { SECRETS_KEY_PREVIOUS: `${'ab'.repeat(32)},${oldKey.toString('hex')}` } });
    try {
      for (const [target, opens] of [
        [rotated, true],
        [gateway, false],
      ] as const) {
        const tenant = await createTenant(target, { name: 'Sealed' });
        const sealedWithOld: BackupDeps = {
          storages: new BackupStorages(new LocalBackupStorage(target.backupDir)),
          keyring: { current: oldKey, previous: [] },
        };
        const { taken } = await runScheduledBackups(target.database.prisma, sealedWithOld, { now: hours(1000) });
        const backup = taken.find((candidate) => candidate.tenantId === tenant.id)!;
        expect(backup.encrypted).toBe(true);
        await target.graphql(`mutation { updateTenant(id: "${tenant.id}", input: { name: "Changed" }) { id } }`);
        const result = await target.graphql(`mutation { rollbackTenant(tenant: "${tenant.id}", storagePath: "${backup.storagePath}") { tenant { name } } }`);
        if (opens) {
          expect(result.errors).toBeUndefined();
        } else {
          expect(result.errors![0]).toMatchObject({
            extensions: { code: 'PRECONDITION_FAILED' },
            message: expect.stringContaining("cannot be decrypted with this gateway's SECRETS_KEY (nor SECRETS_KEY_PREVIOUS)"),
          });
        }
        const { data } = await target.graphql<{ tenant: { name: string } }, object>(`{ tenant(id: "${tenant.id}") { name } }`);
        expect(data!.tenant.name).toBe(opens ? 'Sealed' : 'Changed');
      }
    } finally {
      await rotated.close();
    }
  });

  test('partial files a killed writer left (*.tmp) are removed once old; fresh ones and backups stay', async () => {
    const storage = new LocalBackupStorage(path.join(gateway.backupDir, 'leftovers'));
    await storage.put('t/complete.json.gz', Buffer.from('done'));
    const dir = path.join(gateway.backupDir, 'leftovers', 't');
    await writeFile(path.join(dir, 'old.json.gz.1234.tmp'), 'partial');
    await writeFile(path.join(dir, 'fresh.json.gz.5678.tmp'), 'partial');
    const longAgo = new Date(Date.now() - 3_600_000);
    await utimes(path.join(dir, 'old.json.gz.1234.tmp'), longAgo, longAgo);
    expect(await storage.removeStaleTemporaryFiles(10 * 60_000)).toBe(1);
    expect((await readdir(dir)).sort()).toEqual(['complete.json.gz', 'fresh.json.gz.5678.tmp']);
  });
});
