import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { z } from 'zod';
import {
  type IsolationLevel,
  type PlanTier,
  type TenantsDbTenantFragment,
  type TenantState,
  TenantsDbCreateTenantDocument,
  TenantsDbDeleteTenantDocument,
  TenantsDbMigrateDocument,
  TenantsDbTenantDocument,
  TenantsDbTenantsDocument,
} from '../../../generated/graphql/graphql.js';
import { defineRoute, type Route } from '../../types.js';
import { envelope, isoSeconds, level, ok, status } from './envelope.js';

/** 1, 2, "L1" or "L2" → the GraphQL isolation level. */
const isolationLevel = z
  .union([z.literal(1), z.literal(2), z.literal('L1'), z.literal('L2')], { error: 'isolation_level must be 1 (shared) or 2 (dedicated)' })
  .transform((value): IsolationLevel => (value === 2 || value === 'L2' ? 'DEDICATED' : 'SHARED'));

export type Connection = { proxyHost: string; proxyPort: number };

/** The password masked unless given (the create answer carries it, as the seed shows; reads mask it). */
const connectionString = (tenant: TenantsDbTenantFragment, database: string, connection: Connection, password?: string | null) =>
  `postgresql://${tenant.databaseUser}:${password ? encodeURIComponent(password) : '••••••••'}@${connection.proxyHost}:${connection.proxyPort}/${database}?sslmode=require`;

/** Every GraphQL TenantState as the answers show it: a state GraphQL adds fails `npm run check` until it is named here. */
const stateByStatus: Record<Lowercase<TenantState>, TenantState> = {
  ready: 'READY',
  provisioning: 'PROVISIONING',
  syncing: 'SYNCING',
  migrating: 'MIGRATING',
  suspended: 'SUSPENDED',
  deleted: 'DELETED',
  restoring: 'RESTORING',
  recovering: 'RECOVERING',
};
const statuses = Object.keys(stateByStatus) as [Lowercase<TenantState>, ...Lowercase<TenantState>[]];

export const tenantsRoute = defineRoute(TenantsDbTenantsDocument, {
  method: 'GET',
  path: '/tenants',
  summary: "The project's tenants (up to 100, oldest first)",
  query: z.object({
    status: z
      .enum(statuses, { error: `status must be one of ${statuses.join(', ')}` })
      .optional()
      .describe('Only the tenants in this status; deleted lists the trash'),
  }),
  variables: ({ query }) => ({ state: query.status ? stateByStatus[query.status] : null }),
  respond: (data) => {
    const tenants = data.tenants.edges.map(({ node }) => ({
      tenant_id: node.slug,
      status: status(node.state),
      databases: node.databases.map((database) => ({
        blueprint: database.blueprint,
        database_type: database.databaseType.toLowerCase(),
        isolation_level: `L${level(database.isolation)}`,
      })),
      created_at: isoSeconds(node.createdAt),
    }));
    return ok({ tenants, count: tenants.length });
  },
  success: {
    status: 200,
    description: 'The tenants',
    schema: z.object({
      ...envelope,
      tenants: z.array(
        z.object({
          tenant_id: z.string(),
          status: z.string(),
          databases: z.array(z.object({ blueprint: z.string(), database_type: z.string(), isolation_level: z.string() })),
          created_at: z.string(),
        }),
      ),
      count: z.number().int(),
    }),
  },
});

export const createTenantBody = z.object({
  tenant_id: z.string().describe('Lowercase letters, digits and underscores; no "__"'),
  databases: z
    .array(
      z.object({
        blueprint: z.string(),
        isolation_level: isolationLevel.describe('1 (shared) or 2 (dedicated)'),
        region: z.string().optional().describe('A zone from GET /regions; dedicated only'),
      }),
    )
    .describe('The databases, one per blueprint'),
  tier: z.enum(['free', 'basic', 'pro', 'enterprise']).optional().describe("Extra: the tenant's plan; defaults to the project's"),
});

export function createTenantRoute(connection: Connection): Route {
  return defineRoute(TenantsDbCreateTenantDocument, {
    method: 'POST',
    path: '/tenants',
    summary: 'Create a tenant with databases from blueprints: shared ones ready at once, dedicated ones provisioning',
    body: createTenantBody,
    variables: (request) => {
      const body = request.body;
      return {
        input: {
          slug: body.tenant_id,
          name: body.tenant_id,
          tier: body.tier ? (body.tier.toUpperCase() as PlanTier) : null,
          databases: body.databases.map((database) => ({ blueprint: database.blueprint, isolation: database.isolation_level, region: database.region })),
        },
      };
    },
    respond: (data) => {
      const tenant = data.createTenant;
      return ok(
        {
          tenant_id: tenant.slug,
          status: status(tenant.state),
          databases: tenant.databases.map((database) => ({
            blueprint: database.blueprint,
            database_type: database.databaseType,
            isolation_level: level(database.isolation),
            ...(database.isolation === 'DEDICATED' ? { region: database.region } : {}),
            ...(database.status === 'READY'
              ? {
                  connection: {
                    database: database.databaseName,
                    connection_string: connectionString(tenant, database.databaseName, connection, tenant.databasePassword),
                  },
                }
              : {}),
          })),
        },
        'created',
      );
    },
    success: {
      status: 201,
      description: 'Created',
      schema: z.object({
        ...envelope,
        tenant_id: z.string(),
        status: z.string(),
        databases: z.array(
          z.object({
            blueprint: z.string(),
            database_type: z.string(),
            isolation_level: z.number().int(),
            region: z.string().optional(),
            connection: z.object({ database: z.string(), connection_string: z.string() }).optional(),
          }),
        ),
      }),
    },
  });
}

/** "23h 45m" */
function expiresIn(iso: string): string {
  const minutes = Math.max(0, Math.floor((Date.parse(iso) - Date.now()) / 60_000));
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

export function tenantRoute(connection: Connection): Route {
  return defineRoute(TenantsDbTenantDocument, {
    method: 'GET',
    path: '/tenants/{id}',
    summary: 'A tenant with its database connections',
    variables: (request) => ({ tenant: request.params.id! }),
    respond: (data) => {
      const tenant = data.tenant;
      return ok({
        tenant_id: tenant.slug,
        status: status(tenant.state),
        databases: tenant.databases.map((database) => ({
          blueprint: database.blueprint,
          database_type: database.databaseType.toLowerCase(),
          isolation_level: `L${level(database.isolation)}`,
          ...(database.isolation === 'DEDICATED' ? { region: database.region } : {}),
          ...(database.status === 'READY' ? {} : { status: status(database.status) }),
          connection: {
            host: connection.proxyHost,
            port: connection.proxyPort,
            database: database.databaseName,
            username: tenant.databaseUser,
            password: '••••••••',
          },
          connection_string: connectionString(tenant, database.databaseName, connection),
          version: database.version,
        })),
        ...(tenant.undoableRecovery
          ? {
              recovery_undo: {
                available: true,
                ...(tenant.undoableRecovery.originalHost ? { original_host: tenant.undoableRecovery.originalHost } : {}),
                expires_at: isoSeconds(tenant.undoableRecovery.expiresAt),
                expires_in: expiresIn(tenant.undoableRecovery.expiresAt),
                command: `tdb tenants recover-undo ${tenant.slug}`,
              },
            }
          : {}),
        created_at: isoSeconds(tenant.createdAt),
      });
    },
    success: {
      status: 200,
      description: 'The tenant',
      schema: z.object({
        ...envelope,
        tenant_id: z.string(),
        status: z.string(),
        databases: z.array(
          z.object({
            blueprint: z.string(),
            database_type: z.string(),
            isolation_level: z.string(),
            region: z.string().optional(),
            status: z.string().optional(),
            connection: z.object({ host: z.string(), port: z.number(), database: z.string(), username: z.string(), password: z.string() }),
            connection_string: z.string(),
            version: z.number().int(),
          }),
        ),
        recovery_undo: z
          .object({ available: z.boolean(), original_host: z.string().optional(), expires_at: z.string(), expires_in: z.string(), command: z.string() })
          .optional(),
        created_at: z.string(),
      }),
    },
  });
}

export const deleteTenantRoute = defineRoute(TenantsDbDeleteTenantDocument, {
  method: 'DELETE',
  path: '/tenants/{id}',
  summary: 'Soft-delete a tenant (to the trash), or delete it permanently. 409 while provisioning or migrating',
  query: z.object({
    hard: z.boolean({ error: 'hard must be true or false' }).optional().describe('true: delete permanently instead of moving to the trash'),
  }),
  variables: ({ params, query }) => ({ tenant: params.id!, hard: query.hard ?? false }),
  respond: (data) => {
    if (data.purgeTenant) return ok({ message: `Tenant '${data.purgeTenant.slug}' permanently deleted`, tenant_id: data.purgeTenant.slug });
    const { slug, state } = data.deleteTenant!;
    return ok({
      message: `Tenant '${slug}' moved to trash. Use POST /tenants/${slug}/restore to restore it or DELETE /tenants/${slug}?hard=true to delete it permanently`,
      tenant: { tenant_id: slug, status: status(state) },
    });
  },
  success: {
    status: 200,
    description: 'Deleted',
    schema: z.object({
      ...envelope,
      message: z.string(),
      tenant: z.object({ tenant_id: z.string(), status: z.string() }).optional(),
      tenant_id: z.string().optional(),
    }),
  },
});

type LifecycleField = 'restoreTenant' | 'suspendTenant' | 'resumeTenant';

export function lifecycleRoute<F extends LifecycleField>(
  action: F extends `${infer A}Tenant` ? A : never,
  document: TypedDocumentNode<Record<F, { slug: string; state: string }>, { tenant: string }>,
  summary: string,
  done: string,
): Route {
  const field = `${action}Tenant` as F;
  return defineRoute(document, {
    method: 'POST',
    path: `/tenants/{id}/${action}`,
    summary,
    variables: (request) => ({ tenant: request.params.id! }),
    respond: (data) => {
      const tenant = data[field];
      return ok({ message: `Tenant '${tenant.slug}' ${done}`, tenant: { tenant_id: tenant.slug, status: status(tenant.state) } });
    },
    success: {
      status: 200,
      description: 'Done',
      schema: z.object({ ...envelope, message: z.string(), tenant: z.object({ tenant_id: z.string(), status: z.string() }) }),
    },
  });
}

export const isolationBody = z.object({
  isolation_level: isolationLevel.describe('Target level: 1 (shared) or 2 (dedicated)'),
  blueprint: z.string().describe('Which database blueprint to migrate'),
  region: z.string().optional().describe('Target zone (e.g. eu-central, us-east); see GET /regions'),
});

export const isolationRoute = defineRoute(TenantsDbMigrateDocument, {
  method: 'PATCH',
  path: '/tenants/{id}/isolation',
  summary: 'Migrate a database between shared and dedicated, or between zones: syncing → migrating → ready',
  body: isolationBody,
  variables: (request) => {
    const body = request.body;
    return { tenant: request.params.id!, input: { blueprint: body.blueprint, isolation: body.isolation_level, region: body.region } };
  },
  respond: (data) => {
    const migration = data.migrateTenantDatabase;
    const regionChange = migration.fromIsolation === migration.toIsolation;
    return ok({
      tenant_id: migration.tenant.slug,
      blueprint: migration.database.blueprint,
      status: 'migrating',
      from: level(migration.fromIsolation),
      to: level(migration.toIsolation),
      ...(regionChange ? { change: 'region', from_region: migration.fromRegion, to_region: migration.toRegion } : {}),
      message: `Migration in progress for '${migration.database.blueprint}'. Check tenant status for completion.`,
    });
  },
  success: {
    status: 200,
    description: 'The migration started',
    schema: z.object({
      ...envelope,
      tenant_id: z.string(),
      blueprint: z.string(),
      status: z.string(),
      from: z.number().int(),
      to: z.number().int(),
      change: z.string().optional(),
      from_region: z.string().optional(),
      to_region: z.string().optional(),
      message: z.string(),
    }),
  },
});
