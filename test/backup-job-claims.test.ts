import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Database } from '../src/gateway-db/client.js';
import { readEnvironment } from '../src/env.js';
import { backupStoragesFrom } from '../src/modules/backups/storage.js';
import { openTestDatabase, testKeyring } from './support/gateway.js';
import { queueBackupJob, runOneBackupJob } from './support/queue-jobs.js';

let database: Database;
let dispose: () => Promise<void>;
beforeAll(async () => {
  ({ database, dispose } = await openTestDatabase({ migrated: true }));
});
afterAll(() => dispose?.());

test('one job of a tenant at a time: a waiting job is not claimed while another process runs one of the same tenant, and is once that one ended', async () => {
  const prisma = database.prisma;
  const tenant = await prisma.tenant.create({
    data: { slug: 'one-at-a-time', name: 'One', region: 'us-east-1', maxUsers: 5, maxApiCallsPerMonth: 1000, maxStorageMb: 100 },
  });
  const record = () => prisma.backupRecord.create({ data: { tenantId: tenant.id, status: 'PENDING' } });
  const job = { tenantId: tenant.id, actorId: 'test', actorLabel: 'test' };
  const running = await prisma.backupJob.create({ data: { ...job, kind: 'ROLLBACK', backupId: (await record()).id, status: 'RUNNING' } });
  const held = await queueBackupJob(prisma, running, { leaseToken: '00000000-0000-4000-8000-00000000000a' });
  const waiting = await prisma.backupJob.create({ data: { ...job, kind: 'BACKUP', backupId: (await record()).id } });
  await queueBackupJob(prisma, waiting);
  const deps = { storages: backupStoragesFrom({ ...readEnvironment({}), BACKUP_DIR: '/nonexistent-backup-dir' }), keyring: testKeyring };

  expect(await runOneBackupJob(prisma, deps)).toBe(false);
  expect(await prisma.backupJob.findUniqueOrThrow({ where: { id: waiting.id } })).toMatchObject({ status: 'PENDING', attempts: 0 });

  await prisma.backupJob.update({ where: { id: running.id }, data: { status: 'COMPLETED' } });
  await prisma.job.delete({ where: { id: held.id } });
  expect(await runOneBackupJob(prisma, deps)).toBe(true);
  // Claimed now (it then fails: this tenant has no configuration to back up, which is not what is tested).
  expect(await prisma.backupJob.findUniqueOrThrow({ where: { id: waiting.id } })).toMatchObject({ attempts: 1 });
});
