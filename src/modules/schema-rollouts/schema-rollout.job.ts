import type { PrismaClient, SchemaRollout, SchemaRolloutTarget } from '../../generated/prisma/client.js';
import { type JobHandler, yieldToEventLoop } from '../../jobs/handler.js';
import { schemaRolloutKind } from './schema-rollouts.service.js';

/** What applying a version to one tenant database came to; a failure throws with PostgreSQL's message. */
export type ApplyOutcome = 'applied' | 'already_applied';

/**
 * Applies the rollout's version to one tenant's database of its blueprint, atomically (the DDL
 * and the database's recorded version in one transaction) and idempotently (a database already
 * at the version is left alone): a process that dies between applying and recording the result
 * leaves a target that the next attempt finds already applied.
 */
export type RolloutApplier = (rollout: SchemaRollout, target: SchemaRolloutTarget) => Promise<ApplyOutcome>;

const finalStatus = (targets: Pick<SchemaRolloutTarget, 'status'>[]) => {
  const failed = targets.filter((target) => target.status === 'FAILED').length;
  if (failed === 0) return 'COMPLETED' as const;
  return failed === targets.length ? ('FAILED' as const) : ('PARTIAL' as const);
};

/**
 * Runs deployments (schema rollouts) as queue jobs (kind `schema-rollout`); the SchemaRollout
 * row is the domain record the job names. Tenants are applied one at a time, each result
 * recorded in a transaction that checks the lease (a worker that lost the job never overwrites
 * its successor's results), with a turn of the event loop between them (requests are answered
 * while a job runs on PGlite); one tenant's failure is recorded and the next goes on. The job
 * ends with the rollout's final status in one transaction; a stopping process hands it back.
 */
export function schemaRolloutHandler(prisma: PrismaClient, apply: RolloutApplier, settings: { leaseMs: number }): JobHandler {
  return {
    kind: schemaRolloutKind,
    leaseMs: settings.leaseMs,
    resumedMessage: 'resuming deployments a stopped process left unfinished',
    async run(job, { lease, stopping, logger }) {
      const { rolloutId } = job.payload as { rolloutId: string };
      const found = await prisma.schemaRollout.findUnique({ where: { id: rolloutId } });
      if (!found || (found.status !== 'PENDING' && found.status !== 'IN_PROGRESS')) return;
      const rollout = await prisma.schemaRollout.update({
        where: { id: found.id },
        data: { status: 'IN_PROGRESS', attempts: job.attempts, startedAt: found.startedAt ?? new Date() },
      });
      const pending = await prisma.schemaRolloutTarget.findMany({ where: { rolloutId: rollout.id, status: 'PENDING' }, orderBy: { position: 'asc' } });
      for (const target of pending) {
        // Requests get their turn between tenants (PGlite: see yieldToEventLoop).
        await yieldToEventLoop();
        if (stopping()) return 'release';
        if (!(await lease.renew())) return;
        const started = performance.now();
        let error: string | null = null;
        try {
          await apply(rollout, target);
        } catch (failure) {
          error = failure instanceof Error ? failure.message : String(failure);
        }
        const durationMs = Math.max(0, Math.round(performance.now() - started));
        const recorded = await prisma.$transaction(async (tx) => {
          if (!(await lease.check(tx))) return false;
          await tx.schemaRolloutTarget.updateMany({
            where: { id: target.id, status: 'PENDING' },
            data: { status: error ? 'FAILED' : 'COMPLETED', durationMs, error, completedAt: new Date() },
          });
          return true;
        });
        if (!recorded) return;
        if (error) logger.warn('a tenant database failed its deployment', { deployment: rollout.id, tenantId: target.tenantId, error });
      }
      if (stopping()) return 'release';
      const targets = await prisma.schemaRolloutTarget.findMany({ where: { rolloutId: rollout.id }, select: { status: true } });
      if (targets.some((target) => target.status === 'PENDING')) return { again: new Date() };
      await prisma.$transaction(async (tx) => {
        if (await lease.end(tx)) await tx.schemaRollout.update({ where: { id: rollout.id }, data: { status: finalStatus(targets), completedAt: new Date() } });
      });
    },
  };
}
