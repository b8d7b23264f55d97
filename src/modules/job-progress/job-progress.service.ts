import type { BackupJob, Prisma, TenantDatabase, TenantDeployment } from '../../generated/prisma/client.js';
import type { Actor, Scope } from '../../kernel/principal.js';

import { resolveTenant, uuidPattern } from '../../kernel/tenant-access.js';
import { DomainError, NotFoundError } from '../../lib/errors.js';
import { deploymentProgress } from '../regional-deploys/regional-deploy-state.js';
import { callerProjectId } from '../workspaces/workspace-access.js';

const withTargets = { targets: { orderBy: { position: 'asc' }, include: { tenant: true } } } satisfies Prisma.SchemaRolloutInclude;
type Rollout = Prisma.SchemaRolloutGetPayload<{ include: typeof withTargets }>;

/** What kind of long work a job is: a backup job's kind, a TenantsDB deployment, a regional deploy, a tenant database's provisioning or move. */
export type JobKind = BackupJob['kind'] | 'SCHEMA_ROLLOUT' | 'REGIONAL_DEPLOY' | 'DATABASE';
/** One vocabulary for every job's state: PARTIAL is a deployment where some tenant databases failed. */
export type JobState = 'WAITING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'PARTIAL';

export type JobProgress = {
  id: string;
  kind: JobKind;
  state: JobState;
  /** The job's own status or phase, as its own type names it (RUNNING, IN_PROGRESS, DNS_UPDATE, SYNCING …). */
  phase: string;
  /** Steps done out of `total`: tenant databases for a deployment, phases for a regional deploy or a database move. */
  done: number;
  total: number;
  finished: boolean;
  error: string | null;
  tenantId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  backupJob: BackupJob | null;
  schemaRollout: Rollout | null;
  regionalDeploy: TenantDeployment | null;
  database: TenantDatabase | null;
  /** Whose announced changes can move it (change feed): its tenant, or a deployment's target tenants. */
  watched: string[];
};

const finishedStates: ReadonlySet<JobState> = new Set(['SUCCEEDED', 'FAILED', 'PARTIAL']);

const base = (fields: Omit<JobProgress, 'finished' | 'backupJob' | 'schemaRollout' | 'regionalDeploy' | 'database'>) => ({
  ...fields,
  finished: finishedStates.has(fields.state),
  backupJob: null,
  schemaRollout: null,
  regionalDeploy: null,
  database: null,
});

function ofBackupJob(job: BackupJob): JobProgress {
  const state = ({ PENDING: 'WAITING', RUNNING: 'RUNNING', COMPLETED: 'SUCCEEDED', FAILED: 'FAILED' } as const)[job.status];
  const done = job.status === 'COMPLETED' || job.status === 'FAILED' ? 1 : 0;
  return {
    ...base({
      id: job.id,
      kind: job.kind,
      state,
      phase: job.status,
      done,
      total: 1,
      error: job.error,
      tenantId: job.tenantId,
      createdAt: job.createdAt,
      startedAt: job.startedAt,
      completedAt: job.completedAt,
      watched: [job.tenantId],
    }),
    backupJob: job,
  };
}

function ofRollout(rollout: Rollout): JobProgress {
  const state = ({ PENDING: 'WAITING', IN_PROGRESS: 'RUNNING', COMPLETED: 'SUCCEEDED', PARTIAL: 'PARTIAL', FAILED: 'FAILED' } as const)[rollout.status];
  const failed = rollout.targets.filter((target) => target.status === 'FAILED').length;
  const total = rollout.targets.length;
  return {
    ...base({
      id: rollout.id,
      kind: 'SCHEMA_ROLLOUT',
      state,
      phase: rollout.status,
      done: rollout.targets.filter((target) => target.status !== 'PENDING').length,
      total,
      error: failed ? `${failed} of ${total} tenant databases failed (targets[].error says why)` : null,
      tenantId: null,
      createdAt: rollout.createdAt,
      startedAt: rollout.startedAt,
      completedAt: rollout.completedAt,
      watched: rollout.targets.map((target) => target.tenantId),
    }),
    schemaRollout: rollout,
  };
}

function ofRegionalDeploy(deployment: TenantDeployment): JobProgress {
  const phases = Object.values(deploymentProgress(deployment)).filter((phase) => phase !== 'SKIPPED');
  const state = deployment.status === 'COMPLETED' ? 'SUCCEEDED' : deployment.phase === 'SCHEDULED' ? 'WAITING' : 'RUNNING';
  return {
    ...base({
      id: deployment.id,
      kind: 'REGIONAL_DEPLOY',
      state,
      phase: deployment.phase,
      done: phases.filter((phase) => phase === 'COMPLETED').length,
      total: phases.length,
      error: null,
      tenantId: deployment.tenantId,
      createdAt: deployment.createdAt,
      startedAt: deployment.startedAt,
      completedAt: deployment.completedAt,
      watched: [deployment.tenantId],
    }),
    regionalDeploy: deployment,
  };
}

/** A move runs SYNCING → MIGRATING → READY; a new database PROVISIONING → READY. */
const databaseSteps: Record<TenantDatabase['status'], number> = { PROVISIONING: 0, SYNCING: 0, MIGRATING: 1, READY: 2 };

function ofDatabase(database: TenantDatabase): JobProgress {
  return {
    ...base({
      id: database.id,
      kind: 'DATABASE',
      state: database.status === 'READY' ? 'SUCCEEDED' : 'RUNNING',
      phase: database.status,
      done: databaseSteps[database.status],
      total: 2,
      error: null,
      tenantId: database.tenantId,
      createdAt: database.createdAt,
      startedAt: database.createdAt,
      completedAt: database.status === 'READY' ? database.updatedAt : null,
      watched: [database.tenantId],
    }),
    database,
  };
}

/**
 * A job's progress by its id, whichever kind it is: a backup, rollback or recovery job
 * (backups:read on its tenant), a TenantsDB deployment (the caller's project, deployments:read),
 * a regional deploy (deployments:read on its tenant), or a tenant database being provisioned or
 * moved (tenants:read). A job the key may not see is NOT_FOUND exactly like one that does not exist.
 */
export async function findJobProgress(actor: Actor, id: string): Promise<JobProgress> {
  const notFound = () => new NotFoundError(`Job not found: ${id}`, { id });
  if (!uuidPattern.test(id)) throw notFound();
  const where = { id: id.toLowerCase() };
  const [backupJob, rollout, deployment, database] = await Promise.all([
    actor.prisma.backupJob.findUnique({ where }),
    actor.prisma.schemaRollout.findUnique({ where, include: withTargets }),
    actor.prisma.tenantDeployment.findUnique({ where }),
    actor.prisma.tenantDatabase.findUnique({ where }),
  ]);
  const reachable = async (tenantId: string, scope: Scope) => {
    try {
      await resolveTenant(actor, tenantId, scope);
    } catch (error) {
      // Another tenant's job, or one this key lacks the scope for, is not told apart from none.
      if (error instanceof DomainError && (error.code === 'NOT_FOUND' || error.code === 'FORBIDDEN')) throw notFound();
      throw error;
    }
  };
  if (backupJob) {
    await reachable(backupJob.tenantId, 'backups:read');
    return ofBackupJob(backupJob);
  }
  if (rollout) {
    let projectId: string | null = null;
    try {
      projectId = callerProjectId(actor, 'deployments:read');
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'FORBIDDEN')) throw error;
    }
    if (projectId !== rollout.projectId) throw notFound();
    return ofRollout(rollout);
  }
  if (deployment) {
    await reachable(deployment.tenantId, 'deployments:read');
    return ofRegionalDeploy(deployment);
  }
  if (database) {
    await reachable(database.tenantId, 'tenants:read');
    return ofDatabase(database);
  }
  throw notFound();
}
