import { builder } from '../../graphql/builder.js';
import { IsolationLevel, TenantRef } from '../tenants/tenants.types.js';
import { type MigrationResult, migrateTenantDatabase } from './tenantsdb-databases.service.js';
import { TenantDatabaseRef } from './tenantsdb-databases.types.js';

export const TenantDatabaseInput = builder.inputType('TenantDatabaseInput', {
  fields: (t) => ({
    blueprint: t.string({ required: true, description: 'Lowercase letters, digits and underscores; no "__"' }),
    isolation: t.field({ type: IsolationLevel, required: true }),
    region: t.string({ required: false, description: 'A zone (regions query, kind ZONE); dedicated databases only' }),
  }),
});

const MigrateTenantDatabaseInput = builder.inputType('MigrateTenantDatabaseInput', {
  fields: (t) => ({
    blueprint: t.string({ required: true, description: "Which of the tenant's databases" }),
    isolation: t.field({ type: IsolationLevel, required: true, description: 'Target level' }),
    region: t.string({ required: false, description: 'Target zone, dedicated only; defaults to the current zone (or the default one)' }),
  }),
});

const MigrationResultRef = builder.objectRef<MigrationResult>('TenantDatabaseMigration').implement({
  fields: (t) => ({
    tenant: t.field({ type: TenantRef, resolve: (result) => result.tenant }),
    database: t.field({ type: TenantDatabaseRef, resolve: (result) => result.database }),
    fromIsolation: t.expose('fromIsolation', { type: IsolationLevel }),
    toIsolation: t.expose('toIsolation', { type: IsolationLevel }),
    fromRegion: t.exposeString('fromRegion'),
    toRegion: t.exposeString('toRegion'),
  }),
});

builder.mutationField('migrateTenantDatabase', (t) =>
  t.field({
    type: MigrationResultRef,
    description: 'Move a tenant database between shared and dedicated, or between zones: safety backup, then SYNCING → MIGRATING → READY',
    args: {
      tenant: t.arg.id({ required: true, description: 'UUID or slug' }),
      input: t.arg({ type: MigrateTenantDatabaseInput, required: true }),
    },
    resolve: (_root, args, ctx) => migrateTenantDatabase(ctx, ctx.backups, ctx.databaseWork, String(args.tenant), args.input),
  }),
);
