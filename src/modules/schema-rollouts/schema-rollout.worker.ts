import { randomUUID } from 'node:crypto';
import type { PrismaClient, SchemaRollout, SchemaRolloutTarget } from '../../generated/prisma/client.js';
import { JobLoop, yieldToEventLoop } from '../../lib/job-loop.js';
import type { Logger } from '../../lib/logger.js';
import { utcNow } from '../../db/sql-time.js';

/** What applying a version to one tenant database came to; a failure throws with PostgreSQL's message. */
export type ApplyOutcome = 'applied' | 'already_applied';

/**
 * Applies the rollout's version to one tenant's database of its blueprint, atomically (the DDL
 * and the database's recorded version in one transaction) and idempotently (a database already
 * at the version is left alone): a process that dies between applying and recording the result
 * leaves a target that the next attempt finds already applied.
 */
export type RolloutApplier = (rollout: SchemaRollout, target: SchemaRolloutTarget) => Promise<ApplyOutcome>;

export type RolloutSettings = {
  /** How often the worker looks for jobs (a job created here is started at once, without waiting). */
  pollMs: number;
  /** How long a worker holds a job without renewing: past it, another process takes the job over. */
  leaseMs: number;
};

const finalStatus = (targets: Pick<SchemaRolloutTarget, 'status'>[]) => {
  const failed = targets.filter((target) => target.status === 'FAILED').length;
  if (failed === 0) return 'COMPLETED' as const;
  return failed === targets.length ? ('FAILED' as const) : ('PARTIAL' as const);
};

/**
 * Runs deployments (schema rollouts) as durable jobs: the SchemaRollout row is the job, claimed
 * with FOR UPDATE SKIP LOCKED under a lease that each finished tenant renews, so replicas never
 * run one job twice at once, and a job whose process died is taken over once its lease runs out.
 * A process alone with its database (PGlite) takes over every unfinished job at start: nobody
 * else can hold one. Tenants are applied one at a time, each in its own transaction, with a turn
 * of the event loop between them (requests are answered while a job runs on PGlite); one
 * tenant's failure is recorded and the next goes on.
 */
export class SchemaRolloutWorker {
  private readonly loop: JobLoop;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly apply: RolloutApplier,
    private readonly settings: RolloutSettings,
    private readonly aloneWithDatabase: boolean,
    private readonly logger: Logger,
  ) {
    this.loop = new JobLoop(() => this.runOnce(), settings.pollMs, logger, 'deployment');
  }

  private get stopped(): boolean {
    return this.loop.stopped;
  }

  start(): void {
    this.loop.start(async () => {
      if (!this.aloneWithDatabase) return;
      const { count } = await this.prisma.schemaRollout.updateMany({ where: { status: { in: ['PENDING', 'IN_PROGRESS'] }, leaseUntil: { not: null } }, data: { leaseUntil: null, leaseToken: null } });
      if (count) this.logger.warn('resuming deployments a stopped process left unfinished', { deployments: count });
    });
  }

  /** Looks for work now (a deployment was just created), or as soon as the current round ends. */
  kick(): void {
    this.loop.kick();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Runs claimable jobs until none is left; returns how many it ran. */
  drain(): Promise<number> {
    return this.loop.drain();
  }

  /** Claims one job and runs its remaining tenants; false when there was none to claim. */
  async runOnce(): Promise<boolean> {
    const token = randomUUID();
    const [claimed] = await this.prisma.$queryRaw<SchemaRollout[]>`
      UPDATE "SchemaRollout"
         SET "leaseToken" = ${token}::uuid, "leaseUntil" = ${utcNow} + (${this.settings.leaseMs}::int * interval '1 millisecond'),
             "attempts" = "attempts" + 1, "status" = 'IN_PROGRESS', "startedAt" = coalesce("startedAt", ${utcNow})
       WHERE id = (
         SELECT id FROM "SchemaRollout"
          WHERE status IN ('PENDING', 'IN_PROGRESS') AND ("leaseUntil" IS NULL OR "leaseUntil" < ${utcNow})
          ORDER BY "createdAt", id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING *`;
    if (!claimed) return false;
    await this.run(claimed, token);
    return true;
  }

  private async holds(rolloutId: string, token: string): Promise<boolean> {
    const { count } = await this.prisma.schemaRollout.updateMany({
      where: { id: rolloutId, leaseToken: token },
      data: { leaseUntil: new Date(Date.now() + this.settings.leaseMs) },
    });
    return count === 1;
  }

  /** A stopping process hands the job back at once rather than when its lease runs out. */
  private async release(rolloutId: string, token: string): Promise<void> {
    await this.prisma.schemaRollout.updateMany({ where: { id: rolloutId, leaseToken: token }, data: { leaseToken: null, leaseUntil: null } });
  }

  private async run(rollout: SchemaRollout, token: string): Promise<void> {
    const pending = await this.prisma.schemaRolloutTarget.findMany({ where: { rolloutId: rollout.id, status: 'PENDING' }, orderBy: { position: 'asc' } });
    for (const target of pending) {
      // Requests get their turn between tenants (PGlite: see yieldToEventLoop).
      await yieldToEventLoop();
      if (this.stopped) return this.release(rollout.id, token);
      if (!(await this.holds(rollout.id, token))) return;
      const started = performance.now();
      let error: string | null = null;
      try {
        await this.apply(rollout, target);
      } catch (failure) {
        error = failure instanceof Error ? failure.message : String(failure);
      }
      const durationMs = Math.max(0, Math.round(performance.now() - started));
      // Recorded only while the lease is still ours: a worker that lost it (it stalled past the
      // lease and another took over) never overwrites the other's result.
      const recorded = await this.prisma.$transaction(async (tx) => {
        const owner = await tx.schemaRollout.count({ where: { id: rollout.id, leaseToken: token } });
        if (!owner) return false;
        await tx.schemaRolloutTarget.updateMany({
          where: { id: target.id, status: 'PENDING' },
          data: { status: error ? 'FAILED' : 'COMPLETED', durationMs, error, completedAt: new Date() },
        });
        return true;
      });
      if (!recorded) return;
      if (error) this.logger.warn('a tenant database failed its deployment', { deployment: rollout.id, tenantId: target.tenantId, error });
    }
    if (this.stopped) return this.release(rollout.id, token);
    const targets = await this.prisma.schemaRolloutTarget.findMany({ where: { rolloutId: rollout.id }, select: { status: true } });
    if (targets.some((target) => target.status === 'PENDING')) return;
    await this.prisma.schemaRollout.updateMany({
      where: { id: rollout.id, leaseToken: token },
      data: { status: finalStatus(targets), completedAt: new Date(), leaseToken: null, leaseUntil: null },
    });
  }
}
