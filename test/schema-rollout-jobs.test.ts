import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Database } from '../src/gateway-db/client.js';
import type { SchemaRollout, SchemaRolloutTarget } from '../src/generated/prisma/client.js';
import { claimJob, leaseOf } from '../src/jobs/queue.js';
import { JobRunner } from '../src/jobs/runner.js';
import { openWakeUps } from '../src/jobs/wake-ups.js';
import { createLogger } from '../src/lib/logger.js';
import { type ApplyOutcome, type RolloutApplier, schemaRolloutHandler } from '../src/modules/schema-rollouts/schema-rollout.job.js';
import { enqueueSchemaRollout, schemaRolloutKind } from '../src/modules/schema-rollouts/schema-rollouts.service.js';
import { openTestDatabase, uniqueSlug } from './support/gateway.js';

// The durable job under TenantsDB deployments, on its own database (no gateway workers
// compete for the jobs): the outcome per tenant, and what happens when a process dies mid-job.

let database: Database;
let dispose: () => Promise<void>;
beforeAll(async () => {
  ({ database, dispose } = await openTestDatabase({ migrated: true }));
});
afterAll(() => dispose());

const logger = createLogger('silent');

async function rolloutOf(count: number): Promise<{ rollout: SchemaRollout; tenantIds: string[] }> {
  const prisma = database.prisma;
  const project = await prisma.project.create({ data: { slug: uniqueSlug('project'), name: 'Jobs' } });
  const tenantIds: string[] = [];
  for (let index = 0; index < count; index++) {
    const tenant = await prisma.tenant.create({
      data: { slug: uniqueSlug('acme'), name: 'Acme', region: 'eu-central', maxUsers: 10, maxApiCallsPerMonth: 1000, maxStorageMb: 100, projectId: project.id },
    });
    tenantIds.push(tenant.id);
  }
  const rollout = await prisma.$transaction((tx) => enqueueSchemaRollout(tx, { projectId: project.id, blueprint: 'main', version: 2, tenantIds }));
  return { rollout, tenantIds };
}

const results = (rolloutId: string) =>
  database.prisma.schemaRolloutTarget.findMany({
    where: { rolloutId },
    orderBy: { position: 'asc' },
    select: { tenantId: true, status: true, durationMs: true, error: true },
  });

/** An applier that records what it was asked to do and fails for the tenants in `failing`. */
function recorder(failing: string[] = []) {
  const calls: string[] = [];
  const apply: RolloutApplier = async (_rollout, target) => {
    calls.push(target.tenantId);
    if (failing.includes(target.tenantId)) throw new Error('relation "orders" already exists');
    return 'applied';
  };
  return { calls, apply };
}

const leaseMs = 60_000;
const rolloutOf_ = (id: string) => database.prisma.schemaRollout.findUniqueOrThrow({ where: { id } });
const queueJobOf = (rolloutId: string) =>
  database.prisma.job.findFirst({ where: { kind: schemaRolloutKind, payload: { path: ['rolloutId'], equals: rolloutId } } });

/** A process's queue runner with the deployment handler (`alone`: with its database, as on PGlite). */
async function runner(apply: RolloutApplier, options: { alone?: boolean; leaseMs?: number } = {}) {
  const running = new JobRunner(database.prisma, openWakeUps(database, logger), { pollMs: 100, alone: options.alone ?? false }, logger);
  running.register(schemaRolloutHandler(database.prisma, apply, { leaseMs: options.leaseMs ?? leaseMs }));
  await running.start();
  return running;
}

const ended = (rolloutId: string) => expect.poll(async () => (await rolloutOf_(rolloutId)).status, { timeout: 10_000 }).not.toMatch(/^(PENDING|IN_PROGRESS)$/);

describe('a deployment job', () => {
  test("one tenant's failure does not stop the others: partial, with every result", async () => {
    const { rollout, tenantIds } = await rolloutOf(3);
    const { calls, apply } = recorder([tenantIds[1]!]);
    const worker = await runner(apply);
    await ended(rollout.id);
    await worker.stop();
    expect(calls).toEqual(tenantIds);
    expect(await results(rollout.id)).toEqual([
      { tenantId: tenantIds[0], status: 'COMPLETED', durationMs: expect.any(Number), error: null },
      { tenantId: tenantIds[1], status: 'FAILED', durationMs: expect.any(Number), error: 'relation "orders" already exists' },
      { tenantId: tenantIds[2], status: 'COMPLETED', durationMs: expect.any(Number), error: null },
    ]);
    const done = await rolloutOf_(rollout.id);
    expect(done).toMatchObject({ status: 'PARTIAL', attempts: 1 });
    expect(done.completedAt).not.toBeNull();
    // The job ended with it.
    expect(await queueJobOf(rollout.id)).toBeNull();
  });

  test('every tenant failing is failed; none failing is completed; a finished job is not run again', async () => {
    const failing = await rolloutOf(2);
    const fine = await rolloutOf(2);
    const failingRecorder = recorder(failing.tenantIds);
    const worker = await runner(failingRecorder.apply);
    await ended(failing.rollout.id);
    await ended(fine.rollout.id);
    await worker.stop();
    expect((await rolloutOf_(failing.rollout.id)).status).toBe('FAILED');
    expect((await rolloutOf_(fine.rollout.id)).status).toBe('COMPLETED');
    expect(await claimJob(database.prisma, [{ kind: schemaRolloutKind, leaseMs, maxAttempts: null }], randomUUID())).toBeNull();
  });
});

describe('a process that dies mid-deployment', () => {
  /** An applier that hangs on `stallOn` until released, like a process that stopped there. */
  function stalling(stallOn: string) {
    const calls: string[] = [];
    let reachedStall!: () => void;
    const reached = new Promise<void>((resolve) => (reachedStall = resolve));
    let release!: (outcome: ApplyOutcome | Error) => void;
    const released = new Promise<ApplyOutcome | Error>((resolve) => (release = resolve));
    const apply: RolloutApplier = async (_rollout: SchemaRollout, target: SchemaRolloutTarget) => {
      calls.push(target.tenantId);
      if (target.tenantId !== stallOn) return 'applied';
      reachedStall();
      const outcome = await released;
      if (outcome instanceof Error) throw outcome;
      return outcome;
    };
    return { calls, apply, reached, release };
  }

  test('a process starting alone with its database (PGlite) finishes the remaining tenants; the dead one never overwrites them', async () => {
    const { rollout, tenantIds } = await rolloutOf(3);
    const dying = stalling(tenantIds[1]!);
    const first = await runner(dying.apply);
    await dying.reached;
    expect((await results(rollout.id)).map((result) => result.status)).toEqual(['COMPLETED', 'PENDING', 'PENDING']);
    expect((await rolloutOf_(rollout.id)).status).toBe('IN_PROGRESS');

    // The next start: alone with the database, it takes the job over at once.
    const next = recorder();
    const restarted = await runner(next.apply, { alone: true });
    await expect.poll(async () => (await rolloutOf_(rollout.id)).status, { timeout: 5_000 }).toBe('COMPLETED');
    await restarted.stop();
    expect(next.calls).toEqual([tenantIds[1], tenantIds[2]]);
    expect((await rolloutOf_(rollout.id)).attempts).toBe(2);

    // The stalled worker wakes with a failure: the job is no longer its own, so nothing changes.
    dying.release(new Error('connection terminated'));
    await first.stop();
    expect(dying.calls).toEqual([tenantIds[0], tenantIds[1]]);
    expect((await results(rollout.id)).map((result) => [result.status, result.error])).toEqual([
      ['COMPLETED', null],
      ['COMPLETED', null],
      ['COMPLETED', null],
    ]);
  });

  test('among replicas (PostgreSQL) a live lease keeps the job with its worker; once it runs out another takes over', async () => {
    const { rollout, tenantIds } = await rolloutOf(2);
    const dying = stalling(tenantIds[0]!);
    // A claim whose process stopped renewing it (no runner, no heartbeat): its lease runs 400 ms.
    const claimed = (await claimJob(database.prisma, [{ kind: schemaRolloutKind, leaseMs: 400, maxAttempts: null }], randomUUID()))!;
    const firstRun = schemaRolloutHandler(database.prisma, dying.apply, { leaseMs: 400 }).run(claimed, {
      lease: leaseOf(database.prisma, claimed, 400),
      stopping: () => false,
      logger,
    });
    await dying.reached;
    expect(await claimJob(database.prisma, [{ kind: schemaRolloutKind, leaseMs, maxAttempts: null }], randomUUID())).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const other = recorder();
    const replica = await runner(other.apply);
    await expect.poll(async () => (await rolloutOf_(rollout.id)).status, { timeout: 5_000 }).toBe('COMPLETED');
    await replica.stop();
    expect(other.calls).toEqual(tenantIds);
    dying.release('applied');
    await firstRun;
    expect((await rolloutOf_(rollout.id)).status).toBe('COMPLETED');
    expect((await results(rollout.id)).map((result) => result.status)).toEqual(['COMPLETED', 'COMPLETED']);
  });

  test('a stopping process hands its job back at once', async () => {
    const { rollout, tenantIds } = await rolloutOf(2);
    const slow = stalling(tenantIds[0]!);
    const worker = await runner(slow.apply);
    await slow.reached;
    const stopping = worker.stop();
    slow.release('applied');
    await stopping;
    expect(await rolloutOf_(rollout.id)).toMatchObject({ status: 'IN_PROGRESS' });
    expect(await queueJobOf(rollout.id)).toMatchObject({ status: 'WAITING', leaseToken: null, leaseUntil: null });
    expect((await results(rollout.id)).map((result) => result.status)).toEqual(['COMPLETED', 'PENDING']);
    const next = recorder();
    const resumed = await runner(next.apply);
    await ended(rollout.id);
    await resumed.stop();
    expect(next.calls).toEqual([tenantIds[1]]);
  });
});
