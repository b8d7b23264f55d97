import { builder } from '../../graphql/builder.js';
import { regionCatalog } from '../regions/regions.catalog.js';
import { servedZones } from '../data-plane-schemas/data-plane-servers.js';
import DataLoader from 'dataloader';
import type { GraphQLContext } from '../../graphql/context.js';
import { type TenantCounts, tenantCounts } from './tenant-counts.js';

export const PlanTier = builder.enumType('PlanTier', { values: ['FREE', 'BASIC', 'PRO', 'ENTERPRISE'] as const });
export const IsolationLevel = builder.enumType('IsolationLevel', {
  description: 'SHARED: pooled infrastructure (L1); DEDICATED: the tenant has its own (L2)',
  values: ['SHARED', 'DEDICATED'] as const,
});
export const TenantStatus = builder.enumType('TenantStatus', {
  values: {
    ACTIVE: {},
    SUSPENDED: { description: 'Access stopped; resume to reopen' },
    DELETED: { description: 'Soft-deleted: restorable, slug still reserved until hard deletion' },
    RESTORING: { description: 'A rollback to a backup is in progress' },
    RECOVERING: { description: 'A point-in-time recovery (or its undo) is in progress' },
  } as const,
});

export const TenantState = builder.enumType('TenantState', {
  description: "The tenant's lifecycle status, or the database work in progress on a live tenant (TenantsDB's status)",
  values: ['READY', 'PROVISIONING', 'SYNCING', 'MIGRATING', 'SUSPENDED', 'DELETED', 'RESTORING', 'RECOVERING'] as const,
});

const RegionKind = builder.enumType('RegionKind', { values: ['ZONE', 'CLOUD'] as const });
const Geography = builder.enumType('Geography', { values: ['EUROPE', 'NORTH_AMERICA', 'ASIA_PACIFIC'] as const });

export const RegionRef = builder.objectRef<(typeof regionCatalog)[number]>('Region').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    label: t.exposeString('label'),
    kind: t.expose('kind', { type: RegionKind }),
    geography: t.expose('geography', { type: Geography }),
    isDefault: t.exposeBoolean('isDefault'),
  }),
});

builder.queryField('regions', (t) =>
  t.field({
    description: 'Where tenants can be placed: cloud regions, and the zones a TenantsDB database server here is in',
    type: [RegionRef],
    resolve: (_root, _args, ctx) => {
      const zones = servedZones(ctx.dataPlane.servers);
      return regionCatalog.filter((region) => region.kind !== 'ZONE' || zones.has(region.id));
    },
  }),
);

/** One loader a request: a page of tenants is counted in two statements. */
const countLoaders = new WeakMap<GraphQLContext, DataLoader<string, TenantCounts>>();
function countsOf(ctx: GraphQLContext, tenantId: string): Promise<TenantCounts> {
  let loader = countLoaders.get(ctx);
  if (!loader) countLoaders.set(ctx, (loader = new DataLoader((ids) => tenantCounts(ctx.prisma, ids))));
  return loader.load(tenantId);
}

const TenantCountsRef = builder.objectRef<TenantCounts>('TenantCounts').implement({
  description: "What a tenant uses of its Control Core limits. users: the tenant's administrator plus its active tenant-owned credentials",
  fields: (t) => ({ policies: t.exposeInt('policies'), users: t.exposeInt('users'), bouncers: t.exposeInt('bouncers') }),
});

export const TenantRef = builder.prismaObject('Tenant', {
  fields: (t) => ({
    id: t.exposeID('id'),
    slug: t.exposeString('slug'),
    name: t.exposeString('name'),
    tier: t.expose('tier', { type: PlanTier }),
    region: t.exposeString('region'),
    isolation: t.expose('isolation', { type: IsolationLevel }),
    status: t.expose('status', { type: TenantStatus }),
    settings: t.field({ type: 'JSONObject', resolve: (tenant) => tenant.settings as Record<string, unknown> }),
    maxUsers: t.exposeInt('maxUsers'),
    maxApiCallsPerMonth: t.exposeInt('maxApiCallsPerMonth'),
    maxStorageMb: t.exposeInt('maxStorageMb'),
    maxLlmTokensPerMonth: t.exposeInt('maxLlmTokensPerMonth'),
    maxPolicies: t.exposeInt('maxPolicies'),
    maxBouncers: t.exposeInt('maxBouncers'),
    domain: t.exposeString('domain', { nullable: true, description: 'Control Core default domain (acme.controlcore.io)' }),
    customDomain: t.exposeString('customDomain', { nullable: true }),
    counts: t.field({
      type: TenantCountsRef,
      description: 'Policies, users and bouncers in use, counted now',
      resolve: (tenant, _args, ctx) => countsOf(ctx, tenant.id),
    }),
    projectId: t.exposeID('projectId', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    suspendedAt: t.expose('suspendedAt', { type: 'DateTime', nullable: true }),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true }),
  }),
});
