import { builder } from '../../graphql/builder.js';
import { BackupJobRef } from '../backups/backups.types.js';
import { TenantDeploymentRef } from '../regional-deploys/regional-deploys.types.js';
import { SchemaRolloutRef } from '../schema-rollouts/schema-rollouts.types.js';
import { TenantDatabaseRef } from '../tenantsdb-databases/tenantsdb-databases.types.js';
import type { JobProgress } from './job-progress.service.js';

const JobKindEnum = builder.enumType('JobKind', {
  values: {
    BACKUP: { description: 'An on-demand backup of a tenant whose databases hold rows (backupTenant)' },
    ROLLBACK: { description: 'A rollback to a backup (rollbackTenant)' },
    RECOVERY: { description: 'A point-in-time recovery (recoverTenant)' },
    RECOVERY_UNDO: { description: 'The undo of a recovery' },
    SCHEMA_ROLLOUT: { description: 'A TenantsDB deployment of a blueprint version to its tenant databases (deployBlueprint)' },
    REGIONAL_DEPLOY: { description: "A tenant's move to another cloud region (deployTenant)" },
    DATABASE: { description: 'A tenant database being provisioned or moved (migrateTenantDatabase): PROVISIONING or SYNCING → MIGRATING → READY' },
  } as const,
});

const JobStateEnum = builder.enumType('JobState', {
  values: {
    WAITING: { description: 'Queued, or waiting for its maintenance window' },
    RUNNING: {},
    SUCCEEDED: {},
    FAILED: { description: 'error says why' },
    PARTIAL: { description: 'A deployment where some tenant databases failed and the others are at the version' },
  } as const,
});

export const JobProgressRef = builder.objectRef<JobProgress>('JobProgress').implement({
  description:
    'Where a long-running job stands, whatever its kind, in one shape: a backup or restore, a TenantsDB deployment, a regional deploy or a database move. The field of its kind (backupJob, schemaRollout, regionalDeploy, database) holds the whole record',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.expose('kind', { type: JobKindEnum }),
    state: t.expose('state', { type: JobStateEnum }),
    phase: t.exposeString('phase', { description: "The job's own status or phase, as its record names it (RUNNING, IN_PROGRESS, DNS_UPDATE, SYNCING …)" }),
    done: t.exposeInt('done', { description: 'Steps done: tenant databases for a deployment, phases otherwise' }),
    total: t.exposeInt('total'),
    finished: t.exposeBoolean('finished', { description: 'SUCCEEDED, FAILED or PARTIAL: nothing more will change' }),
    error: t.exposeString('error', { nullable: true }),
    tenantId: t.exposeID('tenantId', { nullable: true, description: 'The tenant it works on; null for a deployment (it spans tenants)' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    backupJob: t.field({ type: BackupJobRef, nullable: true, resolve: (progress) => progress.backupJob }),
    schemaRollout: t.field({ type: SchemaRolloutRef, nullable: true, resolve: (progress) => progress.schemaRollout }),
    regionalDeploy: t.field({ type: TenantDeploymentRef, nullable: true, resolve: (progress) => progress.regionalDeploy }),
    database: t.field({ type: TenantDatabaseRef, nullable: true, resolve: (progress) => progress.database }),
  }),
});
