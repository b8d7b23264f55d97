import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Database } from '../src/gateway-db/client.js';
import { readEnvironment } from '../src/env.js';
import { claimJob, enqueueJob } from '../src/jobs/queue.js';
import { recordDataPlaneAudit } from '../src/kernel/audit-trail.js';
import { backupStoragesFrom } from '../src/modules/backups/storage.js';
import { openTestDatabase, testKeyring } from './support/gateway.js';
import { queueBackupJob, runOneBackupJob } from './support/queue-jobs.js';

// The gateway's timestamp columns hold UTC wall time (Prisma writes DateTimes so). What SQL
// writes or compares must be UTC too, whatever the server's TimeZone: on a server 14 hours
// ahead of UTC, `now()` would make a lease Prisma renewed look expired 13 hours ago, and an
// audit event written in SQL 14 hours late (recovery replays events in time order).

let database: Database;
let dispose: () => Promise<void>;
beforeAll(async () => {
  ({ database, dispose } = await openTestDatabase({ migrated: true }));
  const zone = 'Pacific/Kiritimati';
  if (database.kind === 'postgres') {
    // Every connection the gateway opens from now on starts in that zone.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(`ALTER DATABASE "${new URL(database.url).pathname.slice(1)}" SET timezone TO '${zone}'`);
    await client.end();
  } else {
    // PGlite has one session, shared by Prisma and the data plane.
    await database.prisma.$executeRawUnsafe(`SET TIME ZONE '${zone}'`);
  }
  const [shown] = await database.prisma.$queryRawUnsafe<{ zone: string }[]>("SELECT current_setting('TimeZone') AS zone");
  expect(shown?.zone).toBe(zone);
});
afterAll(() => dispose?.());

test('a backup job whose lease Prisma renewed an hour ahead is not taken over by another worker', async () => {
  const prisma = database.prisma;
  const tenant = await prisma.tenant.create({
    data: { slug: 'tz-lease', name: 'TZ', region: 'us-east-1', maxUsers: 5, maxApiCallsPerMonth: 1000, maxStorageMb: 100 },
  });
  const backup = await prisma.backupRecord.create({ data: { tenantId: tenant.id, status: 'PENDING', storagePath: `${tenant.id}/tz.json` } });
  const job = await prisma.backupJob.create({
    data: { kind: 'BACKUP', tenantId: tenant.id, backupId: backup.id, actorId: 'test', actorLabel: 'test', status: 'RUNNING' },
  });
  // Its queue job, claimed by another worker whose lease Prisma wrote an hour ahead.
  await queueBackupJob(prisma, job, { leaseToken: '00000000-0000-4000-8000-000000000009' });
  const deps = { storages: backupStoragesFrom({ ...readEnvironment({}), BACKUP_DIR: '/nonexistent-backup-dir' }), keyring: testKeyring };
  expect(await runOneBackupJob(prisma, deps)).toBe(false);
  expect(await prisma.job.findFirstOrThrow({ where: { payload: { path: ['backupJobId'], equals: job.id } } })).toMatchObject({
    attempts: 0,
    leaseToken: '00000000-0000-4000-8000-000000000009',
  });
});

test('a queue job whose run_at a JS Date gave a second ago is due, one an hour ahead is not', async () => {
  const kind = 'test-time-zone';
  const due = await enqueueJob(database.prisma, { kind, runAt: new Date(Date.now() - 1_000) });
  await enqueueJob(database.prisma, { kind, runAt: new Date(Date.now() + 3_600_000) });
  const lanes = [{ kind, leaseMs: 30_000, maxAttempts: null }];
  expect((await claimJob(database.prisma, lanes, randomUUID()))?.id).toBe(due.id);
  expect(await claimJob(database.prisma, lanes, randomUUID())).toBeNull();
});

test('a data-plane audit event (deployments, admin queries) is dated in UTC, as the others are', async () => {
  await recordDataPlaneAudit(
    database.prisma,
    { principal: { id: 'test', label: 'test' } as never },
    { tenantId: null, action: 'test.sql_time', target: 'tz', changes: [] },
  );
  const event = await database.prisma.auditEvent.findFirstOrThrow({ where: { action: 'test.sql_time' } });
  expect(Math.abs(event.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
});
