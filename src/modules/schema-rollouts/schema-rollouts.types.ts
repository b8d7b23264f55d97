import { builder } from '../../graphql/builder.js';
import { TenantRef } from '../tenants/tenants.types.js';
import type { findSchemaRollout, tenantSchemaRollouts } from './schema-rollouts.service.js';

type Rollout = Awaited<ReturnType<typeof findSchemaRollout>>;
type TenantRollout = Awaited<ReturnType<typeof tenantSchemaRollouts>>['results'][number];

export const SchemaRolloutStatusEnum = builder.enumType('SchemaRolloutStatus', {
  values: {
    PENDING: { description: 'Queued' },
    IN_PROGRESS: { description: 'Applying, tenant by tenant' },
    COMPLETED: { description: 'Every tenant database is at the version' },
    PARTIAL: { description: 'Some tenant databases failed; the others are at the version' },
    FAILED: { description: 'Every tenant database failed' },
  } as const,
});

export const SchemaRolloutTargetStatusEnum = builder.enumType('SchemaRolloutTargetStatus', { values: ['PENDING', 'COMPLETED', 'FAILED'] as const });

const SchemaRolloutTargetRef = builder.objectRef<Rollout['targets'][number]>('SchemaRolloutTarget').implement({
  description: "One tenant database's part in a deployment",
  fields: (t) => ({
    tenant: t.field({ type: TenantRef, resolve: (target) => target.tenant }),
    status: t.expose('status', { type: SchemaRolloutTargetStatusEnum }),
    durationMs: t.exposeInt('durationMs', { nullable: true }),
    error: t.exposeString('error', { nullable: true, description: "PostgreSQL's message when it failed" }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
  }),
});

export const SchemaRolloutRef = builder.objectRef<Rollout>('SchemaRollout').implement({
  description: 'A TenantsDB deployment: a blueprint version applied to its tenant databases, as a durable job',
  fields: (t) => ({
    id: t.exposeID('id'),
    blueprint: t.exposeString('blueprint'),
    version: t.exposeInt('version'),
    status: t.expose('status', { type: SchemaRolloutStatusEnum }),
    tenantsTotal: t.int({ resolve: (rollout) => rollout.targets.length }),
    tenantsCompleted: t.int({ resolve: (rollout) => rollout.targets.filter((target) => target.status === 'COMPLETED').length }),
    tenantsFailed: t.int({ resolve: (rollout) => rollout.targets.filter((target) => target.status === 'FAILED').length }),
    attempts: t.exposeInt('attempts', { description: 'How many times a worker took the job; more than 1: resumed after a process stopped' }),
    targets: t.field({ type: [SchemaRolloutTargetRef], resolve: (rollout) => rollout.targets }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
  }),
});

export const TenantSchemaRolloutRef = builder.objectRef<TenantRollout>('TenantSchemaRollout').implement({
  description: "A deployment as one tenant saw it: the version, and how applying it to the tenant's database went",
  fields: (t) => ({
    rolloutId: t.exposeID('rolloutId', { description: 'The schema rollout (TenantsDB calls it a deployment: GET /deployments/{id})' }),
    deploymentId: t.exposeID('rolloutId', { deprecationReason: 'Use rolloutId: "deployment" also names a regional deploy (TenantDeployment)' }),
    blueprint: t.string({ resolve: (result) => result.rollout.blueprint }),
    version: t.int({ resolve: (result) => result.rollout.version }),
    status: t.expose('status', { type: SchemaRolloutTargetStatusEnum }),
    durationMs: t.exposeInt('durationMs', { nullable: true }),
    error: t.exposeString('error', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
  }),
});

export const DeployBlueprintInput = builder.inputType('DeployBlueprintInput', {
  fields: (t) => ({
    blueprintName: t.string({ required: true }),
    version: t.int({ required: false, description: "A version already made, to bring lagging tenants up to it; by default the pending changes' new version" }),
    deployAll: t.boolean({ required: false, description: 'false: release the version for new tenants only; default true' }),
  }),
});
