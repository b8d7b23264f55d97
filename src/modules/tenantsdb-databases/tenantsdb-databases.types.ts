import { builder } from '../../graphql/builder.js';
import { TenantRecoveryRef } from '../backups/backups.types.js';
import { IsolationLevel, TenantRef, TenantState } from '../tenants/tenants.types.js';
import { tenantState } from '../../kernel/tenant-state.js';
import { databaseName, databaseUser } from './placement.js';
import { tenantConnectionPassword } from '../accounts/connection-passwords.js';

const DatabaseStatus = builder.enumType('DatabaseStatus', {
  values: {
    PROVISIONING: { description: 'A dedicated server is being set up; do not connect yet' },
    READY: {},
    SYNCING: { description: 'Migration: data is replicating; queries keep working on the original server' },
    MIGRATING: { description: 'Migration cutover: queries are held until routing switches' },
  } as const,
});

export const TenantDatabaseRef = builder.prismaObject('TenantDatabase', {
  description: 'A tenant database created from a blueprint: shared (L1) or dedicated (L2)',
  fields: (t) => ({
    id: t.exposeID('id'),
    blueprint: t.exposeString('blueprint'),
    databaseType: t.exposeString('databaseType'),
    isolation: t.expose('isolation', { type: IsolationLevel }),
    region: t.exposeString('region', { description: 'The zone it runs in (shared databases: the default zone)' }),
    status: t.expose('status', { type: DatabaseStatus }),
    phaseEndsAt: t.expose('phaseEndsAt', { type: 'DateTime', nullable: true, description: 'When the current phase is due to end' }),
    targetIsolation: t.expose('targetIsolation', { type: IsolationLevel, nullable: true }),
    targetRegion: t.exposeString('targetRegion', { nullable: true }),
    version: t.exposeInt('schemaVersion', {
      description: "The blueprint version its schema is at: what the last deployment to reach it applied (0 before the blueprint's first version)",
    }),
    databaseName: t.string({
      description: 'Its name on its server: {blueprint}__{tenant slug}',
      select: { blueprint: true, tenant: { select: { slug: true } } },
      resolve: (database) => databaseName(database.blueprint, database.tenant.slug),
    }),
    connectionString: t.string({
      description:
        "How to connect through the gateway's database proxy (TENANTSDB_PROXY_HOST, the port it listens on), without the password: psql asks for it (the tenant's databasePassword)",
      select: { blueprint: true, tenant: { select: { slug: true, projectId: true } } },
      resolve: (database, _args, ctx) =>
        `postgresql://${databaseUser(database.tenant)}@${ctx.databaseProxy.proxyHost}:${ctx.databaseProxy.proxyPort}/${databaseName(database.blueprint, database.tenant.slug)}?sslmode=require`,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectFields(TenantRef, (t) => ({
  databases: t.relation('databases', { description: 'By blueprint name', query: { orderBy: { blueprint: 'asc' } } }),
  databaseUser: t.string({
    description: 'The role its databases are reached as',
    select: { projectId: true, slug: true },
    resolve: (tenant) => databaseUser(tenant),
  }),
  databasePassword: t.string({
    nullable: true,
    description: "The password its connection strings take (the project's proxy password): only for the project's own keys with tenants:write, else null",
    select: { projectId: true },
    resolve: (tenant, _args, ctx) => tenantConnectionPassword(ctx, ctx.keyring, tenant),
  }),
  state: t.field({
    type: TenantState,
    // The same arguments as the `databases` field's, so that both are one selection (one statement).
    select: { status: true, databases: { select: { status: true }, orderBy: { blueprint: 'asc' } } },
    resolve: (tenant) => tenantState(tenant.status, tenant.databases),
  }),
  undoableRecovery: t.field({
    type: TenantRecoveryRef,
    nullable: true,
    description: 'The latest point-in-time recovery while recover-undo can still reverse it',
    select: () => ({ recoveries: { where: { undoneAt: null, expiresAt: { gt: new Date() } }, orderBy: { createdAt: 'desc' }, take: 1 } }),
    resolve: (tenant) => tenant.recoveries[0] ?? null,
  }),
}));
