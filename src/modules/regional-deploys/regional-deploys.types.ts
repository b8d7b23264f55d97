import { builder } from '../../graphql/builder.js';
import { deploymentProgress, type PhaseProgress } from './regional-deploy-state.js';

const DeploymentStatus = builder.enumType('DeploymentStatus', {
  values: {
    SCHEDULED: { description: 'Waiting for its maintenance window' },
    IN_PROGRESS: {},
    COMPLETED: { description: 'The tenant now runs in the new region' },
  } as const,
});
const PhaseProgressEnum = builder.enumType('DeploymentPhaseProgress', {
  values: ['PENDING', 'IN_PROGRESS', 'COMPLETED', 'SKIPPED'] as const,
});

const DeploymentProgressRef = builder.objectRef<Record<'DATABASE_MIGRATION' | 'DNS_UPDATE' | 'SSL_SETUP', PhaseProgress>>('DeploymentProgress').implement({
  fields: (t) => ({
    databaseMigration: t.field({
      type: PhaseProgressEnum,
      description: 'SKIPPED when migrateData is false',
      resolve: (progress) => progress.DATABASE_MIGRATION,
    }),
    dnsUpdate: t.field({ type: PhaseProgressEnum, resolve: (progress) => progress.DNS_UPDATE }),
    sslSetup: t.field({ type: PhaseProgressEnum, resolve: (progress) => progress.SSL_SETUP }),
  }),
});

export const TenantDeploymentRef = builder.prismaObject('TenantDeployment', {
  description: "A tenant's move to another cloud region: safety backup, then database migration, DNS update and SSL setup",
  fields: (t) => ({
    id: t.exposeID('id'),
    tenantId: t.exposeID('tenantId'),
    fromRegion: t.exposeString('fromRegion'),
    region: t.exposeString('region', { description: 'Where the tenant is going' }),
    migrateData: t.exposeBoolean('migrateData'),
    maintenanceWindow: t.expose('maintenanceWindow', { type: 'DateTime', nullable: true }),
    status: t.field({
      type: DeploymentStatus,
      resolve: (deployment) => (deployment.phase === 'SCHEDULED' ? 'SCHEDULED' : deployment.status),
    }),
    progress: t.field({ type: DeploymentProgressRef, resolve: (deployment) => deploymentProgress(deployment) }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'Now, or the maintenance window when it lay ahead' }),
    estimatedCompletion: t.expose('estimatedCompletion', { type: 'DateTime' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    newDomain: t.string({
      nullable: true,
      description: "The tenant's domain in its new region, once completed",
      resolve: (deployment) => (deployment.status === 'COMPLETED' ? deployment.newDomain : null),
    }),
    safetyBackupPath: t.exposeString('safetyBackupPath', { nullable: true, description: 'The backup taken before anything moved (rollbackTenant takes it)' }),
  }),
});

export const DeployTenantInput = builder.inputType('DeployTenantInput', {
  fields: (t) => ({
    region: t.string({ required: true, description: 'One of the nine cloud regions (regions query, kind CLOUD), not the current one' }),
    migrateData: t.boolean({ required: false, description: 'Move the data too (default true)' }),
    maintenanceWindow: t.field({ type: 'DateTime', required: false, description: 'When to start; now when absent or past' }),
  }),
});
