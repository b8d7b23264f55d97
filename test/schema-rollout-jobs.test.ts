import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Database } from '../src/db/client.js';
import type { SchemaRollout, SchemaRolloutTarget } from '../src/generated/prisma/client.js';
import { createLogger } from '../src/lib/logger.js';
import { type ApplyOutcome, type RolloutApplier, SchemaRolloutWorker } from '../src/modules/schema-rollouts/schema-rollout.worker.js';
import { enqueueSchemaRollout } from '../src/modules/schema-rollouts/schema-rollouts.service.js';
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
  database.prisma.schemaRolloutTarget.findMany({ where: { rolloutId }, orderBy: { position: 'asc' }, select: { tenantId: true, status: true, durationMs: true, error: true } });

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

const settings = { pollMs: 3_600_000, leaseMs: 60_000 };

describe('a deployment job', () => {
  test("one tenant's failure does not stop the others: partial, with every result", async () => {
    const { rollout, tenantIds } = await rolloutOf(3);
    const { calls, apply } = recorder([tenantIds[1]!]);
    const worker = new SchemaRolloutWorker(database.prisma, apply, settings, false, logger);
    expect(await worker.runOnce()).toBe(true);
    expect(calls).toEqual(tenantIds);
    expect(await results(rollout.id)).toEqual([
      { tenantId: tenantIds[0], status: 'COMPLETED', durationMs: expect.any(Number), error: null },
      { tenantId: tenantIds[1], status: 'FAILED', durationMs: expect.any(Number), error: 'relation "orders" already exists' },
      { tenantId: tenantIds[2], status: 'COMPLETED', durationMs: expect.any(Number), error: null },
    ]);
    const done = await database.prisma.schemaRollout.findUniqueOrThrow({ where: { id: rollout.id } });
    expect(done).toMatchObject({ status: 'PARTIAL', leaseToken: null, leaseUntil: null, attempts: 1 });
    expect(done.completedAt).not.toBeNull();
  });

  test('every tenant failing is failed; none failing is completed; a finished job is not run again', async () => {
    const failing = await rolloutOf(2);
    const worker = new SchemaRolloutWorker(database.prisma, recorder(failing.tenantIds).apply, settings, false, logger);
    await worker.runOnce();
    expect((await database.prisma.schemaRollout.findUniqueOrThrow({ where: { id: failing.rollout.id } })).status).toBe('FAILED');
    const fine = await rolloutOf(2);
    const second = recorder();
    await new SchemaRolloutWorker(database.prisma, second.apply, settings, false, logger).drain();
    expect((await database.prisma.schemaRollout.findUniqueOrThrow({ where: { id: fine.rollout.id } })).status).toBe('COMPLETED');
    expect(await new SchemaRolloutWorker(database.prisma, recorder().apply, settings, false, logger).runOnce()).toBe(false);
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
    const first = new SchemaRolloutWorker(database.prisma, dying.apply, settings, false, logger);
    const firstRun = first.runOnce();
    await dying.reached;
    expect((await results(rollout.id)).map((result) => result.status)).toEqual(['COMPLETED', 'PENDING', 'PENDING']);
    expect((await database.prisma.schemaRollout.findUniqueOrThrow({ where: { id: rollout.id } })).status).toBe('IN_PROGRESS');

    // The next start: alone with the database, it takes the job over at once.
    const next = recorder();
    const restarted = new SchemaRolloutWorker(database.prisma, next.apply, settings, true, logger);
    restarted.start();
    await expect.poll(async () => (await database.prisma.schemaRollout.findUniqueOrThrow({ where: { id: rollout.id } })).status, { timeout: 5_000 }).toBe('COMPLETED');
    await restarted.stop();
    expect(next.calls).toEqual([tenantIds[1], tenantIds[2]]);
    expect((await database.prisma.schemaRollout.findUniqueOrThrow({ where: { id: rollout.id } })).attempts).toBe(2);

    // The stalled worker wakes with a failure: the job is no longer its own, so nothing changes.
    dying.release(new Error('connection terminated'));
    await firstRun;
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
    const first = new SchemaRolloutWorker(database.prisma, dying.apply, { pollMs: 3_600_000, leaseMs: 400 }, false, logger);
    const firstRun = first.runOnce();
    await dying.reached;
    const other = recorder();
    const replica = new SchemaRolloutWorker(database.prisma, other.apply, settings, false, logger);
    expect(await replica.runOnce()).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await replica.runOnce()).toBe(true);
    expect(other.calls).toEqual(tenantIds);
    dying.release('applied');
    await firstRun;
    expect((await database.prisma.schemaRollout.findUniqueOrThrow({ where: { id: rollout.id } })).status).toBe('COMPLETED');
    expect((await results(rollout.id)).map((result) => result.status)).toEqual(['COMPLETED', 'COMPLETED']);
  });

  test('a stopping process hands its job back at once', async () => {
    const { rollout, tenantIds } = await rolloutOf(2);
    const slow = stalling(tenantIds[0]!);
    const worker = new SchemaRolloutWorker(database.prisma, slow.apply, { pollMs: 3_600_000, leaseMs: 60_000 }, false, logger);
    worker.start();
    await slow.reached;
    const stopping = worker.stop();
    slow.release('applied');
    await stopping;
    const job = await database.prisma.schemaRollout.findUniqueOrThrow({ where: { id: rollout.id } });
    expect(job).toMatchObject({ status: 'IN_PROGRESS', leaseToken: null, leaseUntil: null });
    expect((await results(rollout.id)).map((result) => result.status)).toEqual(['COMPLETED', 'PENDING']);
    const next = recorder();
    expect(await new SchemaRolloutWorker(database.prisma, next.apply, settings, false, logger).runOnce()).toBe(true);
    expect(next.calls).toEqual([tenantIds[1]]);
  });
});
