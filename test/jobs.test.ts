import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Database, openDatabase } from '../src/gateway-db/client.js';
import { applyMigrations, prismaDir } from '../src/gateway-db/schema-engine.js';
import type { JobHandler } from '../src/jobs/handler.js';
import { createJobs } from '../src/jobs/jobs.js';
import { claimJob, enqueueJob, type Lane, leaseOf } from '../src/jobs/queue.js';
import { createLogger } from '../src/lib/logger.js';
import { schemaRolloutHandler } from '../src/modules/schema-rollouts/schema-rollout.job.js';
import { openTestDatabase } from './support/gateway.js';
import { eventually } from './support/server-process.js';
import { createEffectsTable, effectsOf, killTestKind } from './support/test-jobs.js';

// The one durable queue (src/jobs/): claim order, run_at, backoff, max attempts, serialization
// and unique keys, leases taken over; then a real process killed mid-job, its job resumed by
// another process and its effect committed exactly once.

let database: Database;
let dispose: () => Promise<void>;
beforeAll(async () => {
  ({ database, dispose } = await openTestDatabase({ migrated: true }));
  await createEffectsTable(database);
});
afterAll(() => dispose?.());

const logger = createLogger('silent');
/** Each test its own kinds: nothing claims another test's jobs. */
const kindOf = (what: string) => `test-${what}-${randomBytes(3).toString('hex')}`;
const lane = (kind: string, leaseMs = 60_000, maxAttempts: number | null = null): Lane => ({ kind, leaseMs, maxAttempts });
const ago = (ms: number) => new Date(Date.now() - ms);
const claim = (lanes: Lane[]) => claimJob(database.prisma, lanes, randomUUID());
const jobRow = (id: string) => database.prisma.job.findUnique({ where: { id } });

/** A runner of its own (polling only hourly: what runs was woken by NOTIFY or a due instant). */
async function runnerWith(...handlers: JobHandler[]) {
  const jobs = createJobs(database, logger, { pollMs: 3_600_000 });
  for (const handler of handlers) jobs.handle(handler);
  await jobs.start();
  return jobs;
}

test('one room: nothing outside src/jobs/ claims, leases or runs on an interval', async () => {
  const root = path.resolve(import.meta.dirname, '../src');
  const files = (await readdir(root, { recursive: true })).filter((file) => file.endsWith('.ts') && !file.startsWith('generated'));
  const found: string[] = [];
  for (const file of files) {
    const text = await readFile(path.join(root, file), 'utf8');
    if (/SKIP LOCKED|"?lease(Token|Until)"?|setInterval\(/.test(text)) found.push(file.split(path.sep).join('/'));
  }
  expect(found).toContain('jobs/queue.ts');
  expect(found.filter((file) => !file.startsWith('jobs/'))).toEqual([]);
});

describe('claims', () => {
  test('due jobs are claimed by run_at, then in the order they were enqueued; a job not yet due is left', async () => {
    const kind = kindOf('order');
    const a = await enqueueJob(database.prisma, { kind, runAt: ago(2_000) });
    const b = await enqueueJob(database.prisma, { kind, runAt: ago(3_000) });
    const later = await enqueueJob(database.prisma, { kind, runAt: new Date(Date.now() + 60_000) });
    const c = await enqueueJob(database.prisma, { kind, runAt: b.runAt });
    const claimed: string[] = [];
    for (let job = await claim([lane(kind)]); job; job = await claim([lane(kind)])) claimed.push(job.id);
    expect(claimed).toEqual([b.id, c.id, a.id]);
    expect(await jobRow(later.id)).toMatchObject({ status: 'WAITING', attempts: 0, leaseToken: null });
    expect(await jobRow(a.id)).toMatchObject({ status: 'RUNNING', attempts: 1 });
  });

  test('only the kinds asked for are claimed', async () => {
    const mine = kindOf('mine');
    const other = kindOf('other');
    const job = await enqueueJob(database.prisma, { kind: other });
    expect(await claim([lane(mine)])).toBeNull();
    expect((await claim([lane(mine), lane(other)]))?.id).toBe(job.id);
  });

  test('a serialization key runs one job at a time, oldest first, while other keys go on', async () => {
    const kind = kindOf('serial');
    const key = `tenant:${randomUUID()}`;
    const first = await enqueueJob(database.prisma, { kind, serialKey: key, runAt: ago(10) });
    const second = await enqueueJob(database.prisma, { kind, serialKey: key, runAt: ago(1_000) });
    const elsewhere = await enqueueJob(database.prisma, { kind, serialKey: `tenant:${randomUUID()}`, runAt: ago(10) });
    // The second is due earlier, but the first of its key was enqueued first.
    const running = await claim([lane(kind)]);
    expect(running?.id).toBe(first.id);
    expect((await claim([lane(kind)]))?.id).toBe(elsewhere.id);
    expect(await claim([lane(kind)])).toBeNull();
    expect(await database.prisma.$transaction((tx) => leaseOf(tx, running!, 60_000).end(tx))).toBe(true);
    expect((await claim([lane(kind)]))?.id).toBe(second.id);
  });

  test('claimers racing for one key take one job between them', async () => {
    const kind = kindOf('race');
    const key = `tenant:${randomUUID()}`;
    for (let index = 0; index < 4; index++) await enqueueJob(database.prisma, { kind, serialKey: key });
    const claims = await Promise.all(Array.from({ length: 4 }, () => claim([lane(kind)])));
    expect(claims.filter((job) => job !== null)).toHaveLength(1);
  });

  test('a unique key keeps one job: enqueued again it moves to the earlier run_at; enqueued while running, it runs again after', async () => {
    const kind = kindOf('unique');
    const uniqueKey = `${kind}:${randomUUID()}`;
    const inAMinute = new Date(Date.now() + 60_000);
    const first = await enqueueJob(database.prisma, { kind, uniqueKey, runAt: inAMinute });
    const sooner = await enqueueJob(database.prisma, { kind, uniqueKey, runAt: new Date(Date.now() + 10_000) });
    await enqueueJob(database.prisma, { kind, uniqueKey, runAt: new Date(Date.now() + 30_000) });
    expect(sooner.id).toBe(first.id);
    expect(await database.prisma.job.findMany({ where: { uniqueKey } })).toEqual([expect.objectContaining({ id: first.id, runAt: sooner.runAt, revision: 2 })]);

    await enqueueJob(database.prisma, { kind, uniqueKey, runAt: ago(10) });
    const running = (await claim([lane(kind)]))!;
    await enqueueJob(database.prisma, { kind, uniqueKey, runAt: ago(5) });
    expect(await database.prisma.$transaction((tx) => leaseOf(tx, running, 60_000).end(tx))).toBe(true);
    expect(await jobRow(first.id)).toMatchObject({ status: 'WAITING', attempts: 0, leaseToken: null });
    expect((await claim([lane(kind)]))?.id).toBe(first.id);
  });
});

describe('leases', () => {
  test('a lease that ran out is taken over; the first holder can neither renew nor end the job, and what it wrote with its end rolls back', async () => {
    const kind = kindOf('lease');
    const enqueued = await enqueueJob(database.prisma, { kind });
    await database.prisma.$executeRawUnsafe('INSERT INTO job_test_effects (job) VALUES ($1::uuid)', enqueued.id);
    const stalled = leaseOf(database.prisma, (await claim([lane(kind, 200)]))!, 200);
    expect(await claim([lane(kind, 200)])).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const taken = (await claim([lane(kind, 60_000)]))!;
    expect(taken).toMatchObject({ id: enqueued.id, attempts: 2 });

    expect(await stalled.renew()).toBe(false);
    expect(await stalled.holds()).toBe(false);
    const late = database.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('UPDATE job_test_effects SET runs = runs + 1 WHERE job = $1::uuid', enqueued.id);
      if (!(await stalled.end(tx))) throw new Error('lease lost');
    });
    await expect(late).rejects.toThrow('lease lost');
    expect(await effectsOf(database, enqueued.id)).toBe(0);

    const holder = leaseOf(database.prisma, taken, 60_000);
    await database.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('UPDATE job_test_effects SET runs = runs + 1 WHERE job = $1::uuid', enqueued.id);
      expect(await holder.end(tx)).toBe(true);
    });
    expect(await effectsOf(database, enqueued.id)).toBe(1);
    expect(await jobRow(enqueued.id)).toBeNull();
  });

  test('the heartbeat keeps a job running past its lease with its worker', async () => {
    const kind = kindOf('heartbeat');
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    const jobs = await runnerWith({
      kind,
      leaseMs: 300,
      async run() {
        runs += 1;
        await released;
      },
    });
    try {
      const job = await enqueueJob(database.prisma, { kind });
      await eventually(async () => runs === 1, 'the job to start');
      await new Promise((resolve) => setTimeout(resolve, 900));
      expect(await claim([lane(kind, 300)])).toBeNull();
      release();
      await eventually(async () => (await jobRow(job.id)) === null, 'the job to end');
      expect(runs).toBe(1);
    } finally {
      release();
      await jobs.stop();
    }
  });
});

describe('a runner', () => {
  test('stopped while still starting, it waits for its start: nothing it sent reaches a database closed after the stop', async () => {
    // A gateway closed at once after it was made (a test's second gateway, a failed start) closed its
    // database under the start's first query; PGlite then spun forever on that query.
    const jobs = createJobs(database, logger, { pollMs: 3_600_000 });
    let startSettled = false;
    const started = jobs.start().finally(() => (startSettled = true));
    await jobs.stop();
    expect(startSettled).toBe(true);
    await started;
  });

  test('wakes for a job enqueued anywhere (NOTIFY), and for one due later at its run_at, without polling', async () => {
    const kind = kindOf('wake');
    const ran: { id: string; at: number }[] = [];
    const jobs = await runnerWith({ kind, leaseMs: 10_000, run: async (job) => void ran.push({ id: job.id, at: Date.now() }) });
    try {
      const now = await enqueueJob(database.prisma, { kind });
      const dueAt = new Date(Date.now() + 500);
      const later = await enqueueJob(database.prisma, { kind, runAt: dueAt });
      await eventually(async () => ran.length === 2, 'both jobs to run', 5_000);
      expect(ran.map((run) => run.id)).toEqual([now.id, later.id]);
      expect(ran[1]!.at).toBeGreaterThanOrEqual(dueAt.getTime());
    } finally {
      await jobs.stop();
    }
  });

  test('retries a failing job with exponential backoff up to its max attempts, then keeps it FAILED with the error', async () => {
    const kind = kindOf('backoff');
    const runs: number[] = [];
    const failures: { attempts: number; retryAt: Date | null }[] = [];
    const jobs = await runnerWith({
      kind,
      leaseMs: 10_000,
      maxAttempts: 3,
      backoff: { baseMs: 200, maxMs: 300 },
      async run() {
        runs.push(Date.now());
        throw new Error('the receiver answered 503');
      },
      async failed(_tx, job, { retryAt }) {
        failures.push({ attempts: job.attempts, retryAt });
      },
    });
    try {
      const job = await enqueueJob(database.prisma, { kind });
      await eventually(async () => (await jobRow(job.id))?.status === 'FAILED', 'the job to be given up', 10_000);
      expect(await jobRow(job.id)).toMatchObject({ status: 'FAILED', attempts: 3, lastError: 'the receiver answered 503', leaseToken: null });
      expect(runs).toHaveLength(3);
      // 200 ms after the first attempt, then 2 × 200 capped at 300.
      expect(runs[1]! - runs[0]!).toBeGreaterThanOrEqual(190);
      expect(runs[2]! - runs[1]!).toBeGreaterThanOrEqual(290);
      expect(failures.map((failure) => [failure.attempts, failure.retryAt !== null])).toEqual([
        [1, true],
        [2, true],
        [3, false],
      ]);
      expect(await claim([lane(kind, 10_000, 3)])).toBeNull();
    } finally {
      await jobs.stop();
    }
  });

  test('a job whose last allowed attempt died with its process is given up, not left running', async () => {
    const kind = kindOf('last');
    const job = await enqueueJob(database.prisma, { kind });
    await claim([lane(kind, 100, 1)]);
    let ran = 0;
    let gaveUp: Date | null | undefined;
    const jobs = createJobs(database, logger, { pollMs: 100 });
    jobs.handle({ kind, leaseMs: 100, maxAttempts: 1, run: async () => void (ran += 1), failed: async (_tx, _job, { retryAt }) => void (gaveUp = retryAt) });
    await jobs.start();
    try {
      await eventually(async () => (await jobRow(job.id))?.status === 'FAILED', 'the job to be given up');
      expect(ran).toBe(0);
      expect(gaveUp).toBeNull();
      expect((await jobRow(job.id))?.lastError).toBe('the process running its last attempt stopped');
    } finally {
      await jobs.stop();
    }
  });

  test('a handler that returns `again` makes its job wait until then', async () => {
    const kind = kindOf('again');
    const ran: number[] = [];
    const jobs = await runnerWith({
      kind,
      leaseMs: 10_000,
      run: async () => {
        ran.push(Date.now());
        return ran.length < 2 ? { again: new Date(Date.now() + 300) } : undefined;
      },
    });
    try {
      const job = await enqueueJob(database.prisma, { kind });
      await eventually(async () => ran.length === 2 && (await jobRow(job.id)) === null, 'the second run to end the job');
      expect(ran[1]! - ran[0]!).toBeGreaterThanOrEqual(290);
    } finally {
      await jobs.stop();
    }
  });

  test('a stopping runner waits for the job under way; one that hands itself back waits again, unclaimed', async () => {
    const kind = kindOf('release');
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const jobs = await runnerWith({
      kind,
      leaseMs: 60_000,
      async run(_job, { stopping }) {
        started();
        while (!stopping()) await new Promise((resolve) => setTimeout(resolve, 20));
        return 'release';
      },
    });
    const job = await enqueueJob(database.prisma, { kind });
    await running;
    await jobs.stop();
    expect(await jobRow(job.id)).toMatchObject({ status: 'WAITING', leaseToken: null, leaseUntil: null, attempts: 1 });
    expect((await claim([lane(kind)]))?.id).toBe(job.id);
  });
});

// A real process killed mid-job: its lease ends with it (on PGlite, the next process alone with
// the directory takes the lease over at start; on PostgreSQL, another process once the lease
// runs out), the job runs again there, and its effect commits exactly once.
const backends = process.env.TEST_POSTGRES_URL ? ['pglite', 'postgres'] : ['pglite'];

function startJobProcess(url: string, mode: 'stall' | 'finish', leaseMs: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/job-process.ts', url, mode, String(leaseMs)], {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: { ...process.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    exited,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    said: (line: string, what: string) => eventually(async () => stdout.includes(line), `${what}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`, 60_000),
  };
}

async function kill(running: { child: ChildProcess; exited: Promise<void> }) {
  running.child.kill('SIGKILL');
  await running.exited;
}

test.each(backends)(
  'SIGKILL mid-job (%s): the lease dies with the process, another process resumes the job, its effect commits once',
  { timeout: 180_000 },
  async (backend) => {
    const leaseMs = 1_000;
    const directory = backend === 'pglite' ? await mkdtemp(path.join(tmpdir(), 'gateway-jobs-')) : null;
    let shared: { database: Database; dispose(): Promise<void> } | null = null;
    let url: string;
    if (directory) {
      url = path.join(directory, 'pglite');
      const template = process.env.TEST_PGLITE_TEMPLATE;
      const setup = openDatabase(url, template ? { loadDataDir: new Blob([await readFile(template)]) } : {});
      if (!template) await applyMigrations(setup.adapterFactory);
      await createEffectsTable(setup);
      shared = { database: setup, dispose: () => setup.close() };
    } else {
      shared = await openTestDatabase({ migrated: true });
      url = shared.database.url;
      await createEffectsTable(shared.database);
    }
    const processes: ReturnType<typeof startJobProcess>[] = [];
    try {
      const job = await enqueueJob(shared.database.prisma, { kind: killTestKind });
      await shared.database.prisma.$executeRawUnsafe('INSERT INTO job_test_effects (job) VALUES ($1::uuid)', job.id);
      if (directory) await shared.dispose();

      const first = startJobProcess(url, 'stall', leaseMs);
      processes.push(first);
      await first.said(`started ${job.id} 1`, 'the first process to start the job');
      if (!directory) {
        // Held past its lease by the heartbeat while the process lives: no other claim takes it.
        await new Promise((resolve) => setTimeout(resolve, leaseMs * 1.5));
        expect(await claimJob(shared.database.prisma, [lane(killTestKind, leaseMs)], randomUUID())).toBeNull();
      }
      await kill(first);

      const second = startJobProcess(url, 'finish', leaseMs);
      processes.push(second);
      await second.said(`ended ${job.id}`, 'the second process to finish the job');
      expect(second.stdout).toContain(`started ${job.id} 2`);
      // Log lines go out at the end of their event-loop turn, through a pipe apart from stdout's.
      if (directory) await expect.poll(() => second.stderr).toContain('resuming test jobs a stopped process left unfinished');
      second.child.kill('SIGTERM');
      await second.exited;

      const check = directory ? openDatabase(url) : shared.database;
      try {
        expect(await effectsOf(check, job.id)).toBe(1);
        expect(await check.prisma.job.count({ where: { id: job.id } })).toBe(0);
      } finally {
        if (directory) await check.close();
      }
    } finally {
      for (const running of processes) if (running.child.exitCode === null && running.child.signalCode === null) await kill(running);
      if (!directory) await shared?.dispose();
      if (directory) await rm(directory, { recursive: true, force: true });
    }
  },
);

describe('the upgrade', () => {
  /** Runs a migration script as it is (several statements) on `target`. */
  async function runScript(target: Database, sql: string) {
    if (target.kind === 'pglite') {
      await target.pglite!.exec(sql);
      return;
    }
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  test('every job an older process left unfinished gets its queue row, a held one keeping its lease, and runs after the upgrade', async () => {
    const { database: old, dispose: drop } = await openTestDatabase();
    try {
      const directory = path.join(prismaDir, 'migrations');
      const migrations = (await readdir(directory)).filter((name) => /^\d+_/.test(name)).sort();
      const jobs = migrations.findIndex((name) => /^\d+_jobs$/.test(name));
      for (const name of migrations.slice(0, jobs)) await runScript(old, await readFile(path.join(directory, name, 'migration.sql'), 'utf8'));

      // What an older process left: jobs of every kind, unfinished, one held under its lease, and finished ones.
      const prisma = old.prisma;
      const project = await prisma.project.create({ data: { slug: `upgrade_${randomBytes(3).toString('hex')}`, name: 'Upgrade' } });
      const tenant = await prisma.tenant.create({
        data: { slug: 'upgraded', name: 'Upgraded', region: 'us-east-1', maxUsers: 5, maxApiCallsPerMonth: 1000, maxStorageMb: 100, projectId: project.id },
      });
      const backup = await prisma.backupRecord.create({ data: { tenantId: tenant.id, status: 'COMPLETED' } });
      const heldUntil = new Date(Date.now() + 3_600_000);
      const backupJob = (status: string, leaseUntil: Date | null) =>
        prisma
          .$queryRawUnsafe<{ id: string }[]>(
            `INSERT INTO "BackupJob" (id, kind, "tenantId", "backupId", status, "actorId", "actorLabel", "leaseToken", "leaseUntil", attempts)
           VALUES (gen_random_uuid(), 'ROLLBACK', $1::uuid, $2::uuid, $3::"BackupJobStatus", 'old', 'old', $4::uuid, $5::timestamp, $6) RETURNING id`,
            tenant.id,
            backup.id,
            status,
            leaseUntil ? randomUUID() : null,
            leaseUntil?.toISOString() ?? null,
            leaseUntil ? 1 : 0,
          )
          .then(([row]) => row!.id);
      const waiting = await backupJob('PENDING', null);
      const held = await backupJob('RUNNING', heldUntil);
      await backupJob('COMPLETED', null);
      const [rollout] = await prisma.$queryRawUnsafe<{ id: string }[]>(
        `INSERT INTO "SchemaRollout" (id, "projectId", blueprint, version, status, "leaseToken", "leaseUntil", attempts)
         VALUES (gen_random_uuid(), $1::uuid, 'main', 2, 'IN_PROGRESS', gen_random_uuid(), $2::timestamp, 1) RETURNING id`,
        project.id,
        new Date(Date.now() - 60_000).toISOString(),
      );
      await prisma.schemaRolloutTarget.create({ data: { rolloutId: rollout!.id, tenantId: tenant.id, position: 0 } });
      const retryAt = new Date(Date.now() + 120_000);
      const delivery = await prisma.webhookDelivery.create({
        data: { tenantId: tenant.id, event: 'secret.stored', url: 'https://hooks.example.com/in', payload: {}, attempts: 2, nextAttemptAt: retryAt },
      });
      await prisma.webhookDelivery.create({
        data: { tenantId: tenant.id, event: 'secret.stored', url: 'https://hooks.example.com/in', payload: {}, status: 'DELIVERED' },
      });
      const provisionedAt = new Date(Date.now() + 30_000);
      // In SQL: the client knows columns later migrations add, which this older schema lacks.
      await prisma.$executeRawUnsafe(
        `INSERT INTO "TenantDatabase" (id, "tenantId", blueprint, isolation, region, status, "phaseEndsAt", "updatedAt")
         VALUES (gen_random_uuid(), $1::uuid, 'main', 'DEDICATED', 'us-east-1', 'PROVISIONING', $2::timestamp, now())`,
        tenant.id,
        provisionedAt.toISOString(),
      );
      const phaseEndsAt = new Date(Date.now() + 45_000);
      await prisma.tenantDeployment.create({
        data: {
          tenantId: tenant.id,
          fromRegion: 'us-east-1',
          region: 'eu-west-1',
          migrateData: false,
          phase: 'DNS_UPDATE',
          phaseEndsAt,
          runningTenantId: tenant.id,
          startedAt: new Date(),
          estimatedCompletion: phaseEndsAt,
        },
      });

      for (const name of migrations.slice(jobs)) await runScript(old, await readFile(path.join(directory, name, 'migration.sql'), 'utf8'));

      const rows = await prisma.job.findMany({ orderBy: [{ kind: 'asc' }, { attempts: 'asc' }] });
      expect(
        rows.map(({ kind, payload, serialKey, uniqueKey, status, attempts, runAt, leaseUntil }) => ({
          kind,
          payload,
          serialKey,
          uniqueKey,
          status,
          attempts,
          runAt,
          leaseUntil,
        })),
      ).toEqual([
        {
          kind: 'backup-job',
          payload: { backupJobId: waiting },
          serialKey: `tenant:${tenant.id}`,
          uniqueKey: null,
          status: 'WAITING',
          attempts: 0,
          runAt: expect.any(Date),
          leaseUntil: null,
        },
        {
          kind: 'backup-job',
          payload: { backupJobId: held },
          serialKey: `tenant:${tenant.id}`,
          uniqueKey: null,
          status: 'RUNNING',
          attempts: 1,
          runAt: expect.any(Date),
          leaseUntil: heldUntil,
        },
        {
          kind: 'database-phases',
          payload: { tenantId: tenant.id },
          serialKey: null,
          uniqueKey: `database-phases:${tenant.id}`,
          status: 'WAITING',
          attempts: 0,
          runAt: provisionedAt,
          leaseUntil: null,
        },
        {
          kind: 'regional-deployment-phases',
          payload: { tenantId: tenant.id },
          serialKey: null,
          uniqueKey: `regional-deployment-phases:${tenant.id}`,
          status: 'WAITING',
          attempts: 0,
          runAt: phaseEndsAt,
          leaseUntil: null,
        },
        {
          kind: 'schema-rollout',
          payload: { rolloutId: rollout!.id },
          serialKey: null,
          uniqueKey: null,
          status: 'RUNNING',
          attempts: 1,
          runAt: expect.any(Date),
          leaseUntil: expect.any(Date),
        },
        {
          kind: 'webhook-delivery',
          payload: { deliveryId: delivery.id },
          serialKey: null,
          uniqueKey: null,
          status: 'WAITING',
          attempts: 2,
          runAt: retryAt,
          leaseUntil: null,
        },
      ]);

      // The backup job an older process still held is not taken before its lease ends; its tenant's waiting one queues behind it.
      expect(await claimJob(prisma, [lane('backup-job')], randomUUID())).toBeNull();
      // The deployment whose process died runs to its end on this version's queue.
      const applied: string[] = [];
      const runner = createJobs(old, logger, { pollMs: 100 });
      runner.handle(
        schemaRolloutHandler(
          prisma,
          async (_rollout, target) => {
            applied.push(target.tenantId);
            return 'applied';
          },
          { leaseMs: 10_000 },
        ),
      );
      await runner.start();
      try {
        await eventually(
          async () => (await prisma.schemaRollout.findUniqueOrThrow({ where: { id: rollout!.id } })).status === 'COMPLETED',
          'the old deployment to finish',
        );
      } finally {
        await runner.stop();
      }
      expect(applied).toEqual([tenant.id]);
      expect(await prisma.schemaRollout.findUniqueOrThrow({ where: { id: rollout!.id } })).toMatchObject({ attempts: 2 });
    } finally {
      await drop();
    }
  });
});
