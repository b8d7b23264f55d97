import type { Prisma, PrismaClient, TenantDeployment } from '../../generated/prisma/client.js';
import { recordTenantChange, systemActor } from '../../kernel/audit-trail.js';
import type { DeploymentPhase } from '../../generated/prisma/enums.js';
import { enqueueJob } from '../../jobs/queue.js';
import type { Actor } from '../../kernel/principal.js';

/** How long each phase of a regional deployment lasts (REGIONAL_DEPLOY_*_MS). */
export type RegionalDeployTimings = { databaseMigrationMs: number; dnsUpdateMs: number; sslSetupMs: number };

/** What starting a regional deployment needs: how long each phase lasts (their ends are a queue job, see followRegionalDeployPhases). */
export type RegionalDeployWork = { timings: RegionalDeployTimings };

/** The queue's kind for ending a tenant's regional deployment phases (src/jobs/): its handler is regional-deploy-phases.job.ts. */
export const regionalDeployPhasesKind = 'regional-deployment-phases';

/** Has the tenant's due deployment phases ended at `at`: a queue job recorded in the transaction that starts the deployment. */
export function followRegionalDeployPhases(tx: Pick<Prisma.TransactionClient, '$queryRaw' | '$executeRaw'>, tenantId: string, at: Date) {
  return enqueueJob(tx, { kind: regionalDeployPhasesKind, payload: { tenantId }, uniqueKey: `${regionalDeployPhasesKind}:${tenantId}`, runAt: at });
}

export type RunningPhase = Exclude<DeploymentPhase, 'SCHEDULED' | 'DONE'>;
export const runningPhases: readonly RunningPhase[] = ['DATABASE_MIGRATION', 'DNS_UPDATE', 'SSL_SETUP'];

/** The phases a deployment runs, in order: without `migrateData` the database stays where it is. */
export function phasesOf(migrateData: boolean): RunningPhase[] {
  return runningPhases.filter((phase) => migrateData || phase !== 'DATABASE_MIGRATION');
}

export function phaseDurationMs(timings: RegionalDeployTimings, phase: RunningPhase): number {
  return { DATABASE_MIGRATION: timings.databaseMigrationMs, DNS_UPDATE: timings.dnsUpdateMs, SSL_SETUP: timings.sslSetupMs }[phase];
}

export type PhaseProgress = 'PENDING' | 'IN_PROGRESS' | 'COMPLETED' | 'SKIPPED';

/** Where each phase stands: the ones before the current phase are done, the ones after it pending. */
export function deploymentProgress(deployment: Pick<TenantDeployment, 'phase' | 'migrateData'>): Record<RunningPhase, PhaseProgress> {
  const phases = phasesOf(deployment.migrateData);
  const current = deployment.phase === 'DONE' ? phases.length : deployment.phase === 'SCHEDULED' ? -1 : phases.indexOf(deployment.phase);
  const progress = {} as Record<RunningPhase, PhaseProgress>;
  for (const phase of runningPhases) {
    const index = phases.indexOf(phase);
    progress[phase] = index === -1 ? 'SKIPPED' : index < current ? 'COMPLETED' : index === current ? 'IN_PROGRESS' : 'PENDING';
  }
  return progress;
}

/**
 * Ends every deployment phase that is due, each from the instant the previous one ended, so a
 * process that was down catches up through several phases at once. The last one moves the
 * tenant to its new region in the same transaction. Every step is conditional on the phase it
 * ends, so a run repeated after a kill applies each once.
 */
export async function advanceRegionalDeploys(
  prisma: Actor['prisma'],
  timings: RegionalDeployTimings,
  tenantId?: string,
  now = new Date(),
): Promise<{ advanced: number; nextPhaseInMs: number | null }> {
  let advanced = 0;
  // A deployment has at most four phases to end: the bound only guards against a runaway loop.
  for (let round = 0; round < 8; round++) {
    const due = await prisma.tenantDeployment.findMany({
      where: { status: 'IN_PROGRESS', phaseEndsAt: { lte: now }, ...(tenantId ? { tenantId } : {}) },
      select: { id: true, tenantId: true, phase: true, phaseEndsAt: true, migrateData: true, region: true },
    });
    if (!due.length) break;
    for (const deployment of due) advanced += await endPhase(prisma, timings, deployment);
  }
  if (!tenantId) return { advanced, nextPhaseInMs: null };
  const next = await prisma.tenantDeployment.findFirst({ where: { tenantId, status: 'IN_PROGRESS' }, select: { phaseEndsAt: true } });
  return { advanced, nextPhaseInMs: next?.phaseEndsAt ? Math.max(0, next.phaseEndsAt.getTime() - Date.now()) : null };
}

async function endPhase(
  prisma: Actor['prisma'],
  timings: RegionalDeployTimings,
  deployment: Pick<TenantDeployment, 'id' | 'tenantId' | 'phase' | 'phaseEndsAt' | 'migrateData' | 'region'>,
): Promise<number> {
  const phases = phasesOf(deployment.migrateData);
  const next = deployment.phase === 'SCHEDULED' ? phases[0] : phases[phases.indexOf(deployment.phase as RunningPhase) + 1];
  const endedAt = deployment.phaseEndsAt!;
  const current = { id: deployment.id, phase: deployment.phase, status: 'IN_PROGRESS' as const };
  if (next) {
    const { count } = await prisma.tenantDeployment.updateMany({
      where: current,
      data: { phase: next, phaseEndsAt: new Date(endedAt.getTime() + phaseDurationMs(timings, next)) },
    });
    return count;
  }
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.tenantDeployment.updateMany({
      where: current,
      data: { status: 'COMPLETED', phase: 'DONE', phaseEndsAt: null, runningTenantId: null, completedAt: endedAt },
    });
    if (count === 1) {
      const before = await tx.tenant.findUniqueOrThrow({ where: { id: deployment.tenantId }, select: { slug: true, region: true } });
      await tx.tenant.update({ where: { id: deployment.tenantId }, data: { region: deployment.region } });
      // Audited like any change to the record, so point-in-time recovery replays the move.
      const actor = systemActor(tx as unknown as PrismaClient, 'deployment', 'regional deployment');
      await recordTenantChange(tx, actor, { id: deployment.tenantId, slug: before.slug }, { region: before.region }, { region: deployment.region });
    }
    return count;
  });
}
