import { z } from 'zod';
import {
  type TenantsDbTenantFragment,
  TenantsDbBackupDocument,
  TenantsDbCreateTenantDocument,
  TenantsDbDeleteTenantDocument,
  TenantsDbMigrateDocument,
  TenantsDbRestoreTenantDocument,
  TenantsDbResumeTenantDocument,
  TenantsDbSuspendTenantDocument,
  TenantsDbTenantDocument,
  TenantsDbTenantsDocument,
  TenantsDbBackupsDocument,
  TenantsDbRecoverDocument,
  TenantsDbRecoverUndoDocument,
  TenantsDbRegionsDocument,
  TenantsDbRollbackDocument,
} from '../../../generated/graphql/graphql.js';
import type { ErrorCode } from '../../../lib/errors.js';
import type { Dialect, Failure, RequestProblem, RestRequest, RestResult, Route } from '../../types.js';

// TenantsDB API (seed 002_2ffda2178d53cdca.txt): the envelope, its error codes, the public
// /errors and /regions, the tenant lifecycle and isolation routes, and the backup, rollback,
// recovery and recover-undo routes. Signup, projects, workspaces, blueprints, deployments,
// logs, metrics and /admin/query are not served.
//
// Choices where the seed is vague or contradicts itself:
// - "Every API response includes a standard envelope": /errors and /regions get it too,
//   alongside the fields their examples show.
// - Status: the seed's GET examples say "active" where POST, restore and suspend say "ready";
//   a live tenant is "ready" everywhere, or the work in progress on its databases
//   ("provisioning", "syncing", "migrating"); then "suspended", "deleted", "restoring", "recovering".
// - isolation_level: the request takes 1 or 2 (also "L1"/"L2", as GET shows them); POST and
//   PATCH answer with numbers as their examples do, GET with "L1"/"L2" as its examples do.
// - Blueprints and workspaces are not served yet, so any well-formed blueprint name is accepted
//   (lowercase letters, digits, underscores). Connection details name the configured proxy host
//   (TENANTSDB_PROXY_HOST) and the database `{blueprint}__{tenant}`; the gateway holds no
//   database passwords, so the password is always masked.
// - A tenant's plan is its project's (createProject tier); "L2 dedicated VMs require a paid
//   plan" is 403 for FREE ones. POST /tenants may name a `tier` (an extra) for operator keys.
// - Any request on a tenant in the trash that needs a live one (suspend, backup, isolation,
//   a second soft delete, or creating a tenant with its id) is the seed's 409 trash message.
// - GET /tenants lists up to 100 tenants, oldest first; `?status=deleted` lists the trash.
// - DELETE answers `{message, tenant}` (soft) or `{message, tenant_id}` (hard): undocumented.
//   `?hard=` takes true or false.
// - PATCH isolation answers status "migrating" as its example does (the migration is under
//   way); GET /tenants/{id} shows the phase: syncing, then migrating (cutover), then ready.
// - Backups here are taken and restored synchronously, so rollback answers status "ready"
//   where the seed's asynchronous service answers "restoring"; the messages keep its wording.
// - A corrupt or missing backup file (PRECONDITION_FAILED) is bad_request: the seed has no 412.
// - recovery_undo: the gateway restores state rather than swapping VMs, so there is no
//   original_host; `available`, `expires_at`, `expires_in` and `command` are as documented.

const codes: Record<string, { status: number; description: string }> = {
  ok: { status: 200, description: 'Request succeeded' },
  created: { status: 201, description: 'Resource was created' },
  bad_request: { status: 400, description: 'Invalid input or missing fields' },
  auth_required: { status: 401, description: 'Authorization header missing' },
  unauthorized: { status: 401, description: 'Invalid API key' },
  forbidden: { status: 403, description: 'Tier limit reached or wrong project' },
  not_found: { status: 404, description: 'Resource does not exist' },
  conflict: { status: 409, description: 'Already exists or operation in progress' },
  rate_limited: { status: 429, description: 'Too many requests' },
  internal_error: { status: 500, description: 'Server error' },
};

const codeByTaxonomy: Record<ErrorCode, keyof typeof codes> = {
  BAD_USER_INPUT: 'bad_request',
  UNAUTHENTICATED: 'unauthorized',
  FORBIDDEN: 'forbidden',
  NOT_FOUND: 'not_found',
  CONFLICT: 'conflict',
  PRECONDITION_FAILED: 'bad_request',
  RATE_LIMITED: 'rate_limited',
  INTERNAL: 'internal_error',
};

function ok(fields: Record<string, unknown>, code: 'ok' | 'created' = 'ok'): RestResult {
  const status = codes[code]!.status;
  return { status, body: { success: true, http_status: status, code, ...fields } };
}

function failure(code: keyof typeof codes, message: string): RestResult {
  const status = codes[code]!.status;
  return { status, body: { success: false, http_status: status, code, error: message } };
}

/** GraphQL input paths as this dialect's callers name them: slug → tenant_id, databases.0.isolation → databases[0].isolation_level. */
function restField(field: string): string {
  return field
    .replace(/^(input\.)?slug$/, 'tenant_id')
    .replace(/^(input\.)?databases\.(\d+)\.(\w+)$/, (_m, _p, index: string, key: string) => `databases[${index}].${key === 'isolation' ? 'isolation_level' : key}`)
    .replace(/^(input\.)?isolation$/, 'isolation_level')
    .replace(/^input\./, '');
}

const trashMessage = (slug: string) => `Tenant '${slug}' is in trash. Use POST /tenants/${slug}/restore or DELETE /tenants/${slug}?hard=true`;

function error(failed: Failure, request: RestRequest): RestResult {
  if (failed.code === 'UNAUTHENTICATED' && failed.extensions.credential === 'missing') return failure('auth_required', 'Authorization header required');
  if (failed.code === 'CONFLICT' && failed.extensions.currentStatus === 'DELETED') {
    return failure('conflict', trashMessage(String(request.params.id ?? failed.extensions.slug)));
  }
  if (failed.code === 'BAD_USER_INPUT' && Array.isArray(failed.extensions.violations)) {
    const violations = failed.extensions.violations as { field: string; message: string }[];
    const described = violations.map((violation) => {
      const field = restField(violation.field);
      const message = violation.message.replace(/^slug\b/, 'tenant_id');
      return message.startsWith(field) ? message : `${field}: ${message}`;
    });
    return failure('bad_request', described.join('; '));
  }
  if (failed.code === 'NOT_FOUND' && failed.extensions.tenant !== undefined) return failure('not_found', `Tenant not found: ${request.params.id ?? failed.extensions.tenant}`);
  if (failed.code === 'INTERNAL') return failure('internal_error', 'Internal server error');
  return failure(codeByTaxonomy[failed.code], failed.message);
}

function problem(problem: RequestProblem): RestResult {
  switch (problem.kind) {
    case 'malformed_json':
      return failure('bad_request', problem.message);
    case 'unsupported_media_type':
      return { ...failure('bad_request', problem.message), status: 415, body: { success: false, http_status: 415, code: 'bad_request', error: problem.message } };
    case 'payload_too_large':
      return { status: 413, body: { success: false, http_status: 413, code: 'bad_request', error: problem.message } };
    case 'invalid_body':
      return failure(
        'bad_request',
        problem.issues
          .map((issue) => {
            const field = issue.path.map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`)).join('');
            return issue.code === 'invalid_type' && issue.input === undefined ? `${field} is required` : issue.message.startsWith(field) ? issue.message : `${field}: ${issue.message}`;
          })
          .join('; '),
      );
  }
}

/** 2026-02-15T14:30:00.123Z → 2026-02-15T14-30-00, the seed's backup timestamp. */
const stamp = (iso: string) => iso.slice(0, 19).replace(/:/g, '-');

const envelope = { success: z.boolean(), http_status: z.number().int(), code: z.string() };

const errorsRoute: Route = {
  method: 'GET',
  path: '/errors',
  summary: 'Every error code and its HTTP status (public)',
  public: true,
  variables: () => ({}),
  respond: () => ok({ codes }),
  success: { status: 200, description: 'The codes', schema: z.object({ ...envelope, codes: z.record(z.string(), z.object({ status: z.number(), description: z.string() })) }) },
};

const regionsRoute: Route = {
  method: 'GET',
  path: '/regions',
  summary: 'Regions for dedicated tenants (public)',
  public: true,
  operation: TenantsDbRegionsDocument,
  variables: () => ({}),
  respond: (data: { regions: { id: string; label: string; kind: string; isDefault: boolean }[] }) =>
    ok({
      regions: data.regions
        .filter((region) => region.kind === 'ZONE')
        .map((region) => ({ zone: region.id, label: region.label, ...(region.isDefault ? { is_default: true } : {}) })),
    }),
  success: {
    status: 200,
    description: 'The zones',
    schema: z.object({ ...envelope, regions: z.array(z.object({ zone: z.string(), label: z.string(), is_default: z.boolean().optional() })) }),
  },
};

const backupRoute: Route = {
  method: 'POST',
  path: '/tenants/{id}/backup',
  summary: 'Back up the tenant now',
  operation: TenantsDbBackupDocument,
  variables: (request) => ({ tenant: request.params.id! }),
  respond: (data: { backupTenant: { trigger: string; storagePath: string; createdAt: string } }, request) =>
    ok({
      message: `Backup scheduled for tenant: ${request.params.id}`,
      tenant_id: request.params.id,
      type: data.backupTenant.trigger.toLowerCase(),
      timestamp: stamp(data.backupTenant.createdAt),
      paths: [data.backupTenant.storagePath],
    }),
  success: {
    status: 200,
    description: 'The backup was taken',
    schema: z.object({ ...envelope, message: z.string(), tenant_id: z.string(), type: z.string(), timestamp: z.string(), paths: z.array(z.string()) }),
  },
};

const backupsRoute: Route = {
  method: 'GET',
  path: '/tenants/{id}/backups',
  summary: "The tenant's backups",
  operation: TenantsDbBackupsDocument,
  variables: (request) => ({ tenant: request.params.id! }),
  respond: (data: { tenant: { slug: string }; tenantBackups: { trigger: string; status: string; storagePath: string | null; sizeBytes: number | null; createdAt: string }[] }) => {
    const backups = data.tenantBackups
      .filter((backup) => backup.status === 'COMPLETED')
      .map((backup) => ({
        type: backup.trigger.toLowerCase(),
        date: stamp(backup.createdAt),
        database_type: 'gateway',
        storage_path: backup.storagePath,
        size_bytes: backup.sizeBytes,
        created_at: backup.createdAt,
      }));
    return ok({ tenant_id: data.tenant.slug, count: backups.length, backups });
  },
  success: {
    status: 200,
    description: 'The backups, newest first',
    schema: z.object({
      ...envelope,
      tenant_id: z.string(),
      count: z.number().int(),
      backups: z.array(z.object({ type: z.string(), date: z.string(), database_type: z.string(), storage_path: z.string(), size_bytes: z.number(), created_at: z.string() })),
    }),
  },
};

const rollbackRoute: Route = {
  method: 'POST',
  path: '/tenants/{id}/rollback',
  summary: 'Restore the tenant from a backup, by its exact storage path',
  operation: TenantsDbRollbackDocument,
  body: z.object({ storage_path: z.string().min(1).describe('Exact storage path from GET /tenants/{id}/backups') }),
  variables: (request) => ({ tenant: request.params.id!, storagePath: (request.body as { storage_path: string }).storage_path }),
  respond: (data: { rollbackTenant: { tenant: { slug: string }; restoredFrom: { storagePath: string } } }, request) =>
    ok({
      message: `Rollback scheduled for tenant: ${request.params.id}`,
      tenant_id: data.rollbackTenant.tenant.slug,
      status: 'ready',
      paths: [data.rollbackTenant.restoredFrom.storagePath],
    }),
  success: {
    status: 200,
    description: 'Restored',
    schema: z.object({ ...envelope, message: z.string(), tenant_id: z.string(), status: z.string(), paths: z.array(z.string()) }),
  },
};

const isoSeconds = (iso: string) => `${iso.slice(0, 19)}Z`;

const recoverRoute: Route = {
  method: 'POST',
  path: '/tenants/{id}/recover',
  summary: 'Point-in-time recovery (L2 dedicated tenants only); undoable for 24 hours',
  operation: TenantsDbRecoverDocument,
  body: z.object({ timestamp: z.string().describe('ISO 8601 timestamp, e.g. 2026-02-03T17:10:59Z') }),
  variables: (request) => ({ tenant: request.params.id!, timestamp: (request.body as { timestamp: string }).timestamp }),
  respond: (data: { recoverTenant: { tenant: { slug: string }; recovery: { targetTimestamp: string } } }, request) => {
    const target = isoSeconds(data.recoverTenant.recovery.targetTimestamp);
    return ok({
      message: `Recovery initiated for tenant '${request.params.id}' to ${target}. Original VM preserved for 24h.`,
      tenant: { tenant_id: data.recoverTenant.tenant.slug, status: 'ready', target_timestamp: target },
    });
  },
  success: {
    status: 200,
    description: 'Recovered',
    schema: z.object({ ...envelope, message: z.string(), tenant: z.object({ tenant_id: z.string(), status: z.string(), target_timestamp: z.string() }) }),
  },
};

const recoverUndoRoute: Route = {
  method: 'POST',
  path: '/tenants/{id}/recover-undo',
  summary: 'Undo the latest point-in-time recovery, within 24 hours (L2 only)',
  operation: TenantsDbRecoverUndoDocument,
  variables: (request) => ({ tenant: request.params.id! }),
  respond: (data: { undoRecovery: { tenant: { slug: string } } }, request) =>
    ok({
      message: `Recovery undone for tenant '${request.params.id}'. Original VM restored.`,
      tenant: { tenant_id: data.undoRecovery.tenant.slug, status: 'ready' },
    }),
  success: {
    status: 200,
    description: 'Undone',
    schema: z.object({ ...envelope, message: z.string(), tenant: z.object({ tenant_id: z.string(), status: z.string() }) }),
  },
};


const level = (isolation: string) => (isolation === 'DEDICATED' ? 2 : 1);
const status = (state: string) => state.toLowerCase();
/** 1, 2, "L1" or "L2" → the GraphQL isolation level. */
const isolationLevel = z
  .union([z.literal(1), z.literal(2), z.literal('L1'), z.literal('L2')], { error: 'isolation_level must be 1 (shared) or 2 (dedicated)' })
  .transform((value) => (value === 2 || value === 'L2' ? 'DEDICATED' : 'SHARED'));

type Connection = { proxyHost: string; proxyPort: number };

/** `tdb_` and the first 8 hex digits of the project (the tenant outside projects), as the seed's connection strings show. */
const username = (tenant: TenantsDbTenantFragment) => `tdb_${(tenant.projectId ?? tenant.slug).replace(/-/g, '').slice(0, 8)}`;
const connectionString = (tenant: TenantsDbTenantFragment, database: string, connection: Connection) =>
  `postgresql://${username(tenant)}:••••••••@${connection.proxyHost}:${connection.proxyPort}/${database}?sslmode=require`;

const tenantsRoute: Route = {
  method: 'GET',
  path: '/tenants',
  summary: "The project's tenants (up to 100, oldest first; ?status=deleted lists the trash)",
  operation: TenantsDbTenantsDocument,
  variables: (request) => {
    const wanted = request.query.get('status');
    if (wanted === null) return { status: null };
    const known = ['active', 'suspended', 'deleted', 'restoring', 'recovering'];
    if (!known.includes(wanted)) return { answer: failure('bad_request', `status must be one of ${known.join(', ')}`) };
    return { status: wanted.toUpperCase() };
  },
  respond: (data: { tenants: { edges: { node: TenantsDbTenantFragment }[] } }) => {
    const tenants = data.tenants.edges.map(({ node }) => ({
      tenant_id: node.slug,
      status: status(node.state),
      databases: node.databases.map((database) => ({ blueprint: database.blueprint, database_type: database.databaseType.toLowerCase(), isolation_level: `L${level(database.isolation)}` })),
      created_at: isoSeconds(node.createdAt),
    }));
    return ok({ tenants, count: tenants.length });
  },
  success: {
    status: 200,
    description: 'The tenants',
    schema: z.object({
      ...envelope,
      tenants: z.array(z.object({ tenant_id: z.string(), status: z.string(), databases: z.array(z.object({ blueprint: z.string(), database_type: z.string(), isolation_level: z.string() })), created_at: z.string() })),
      count: z.number().int(),
    }),
  },
};

const createTenantBody = z.object({
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

function createTenantRoute(connection: Connection): Route {
  return {
    method: 'POST',
    path: '/tenants',
    summary: 'Create a tenant with databases from blueprints: shared ones ready at once, dedicated ones provisioning',
    operation: TenantsDbCreateTenantDocument,
    body: createTenantBody,
    variables: (request) => {
      const body = request.body as z.output<typeof createTenantBody>;
      return {
        input: {
          slug: body.tenant_id,
          name: body.tenant_id,
          tier: body.tier?.toUpperCase(),
          databases: body.databases.map((database) => ({ blueprint: database.blueprint, isolation: database.isolation_level, region: database.region })),
        },
      };
    },
    respond: (data: { createTenant: TenantsDbTenantFragment }) => {
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
              ? { connection: { database: database.databaseName, connection_string: connectionString(tenant, database.databaseName, connection) } }
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
  };
}

/** "23h 45m" */
function expiresIn(iso: string): string {
  const minutes = Math.max(0, Math.floor((Date.parse(iso) - Date.now()) / 60_000));
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

function tenantRoute(connection: Connection): Route {
  return {
    method: 'GET',
    path: '/tenants/{id}',
    summary: 'A tenant with its database connections',
    operation: TenantsDbTenantDocument,
    variables: (request) => ({ tenant: request.params.id! }),
    respond: (data: { tenant: TenantsDbTenantFragment & { undoableRecovery: { expiresAt: string } | null } }) => {
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
          connection: { host: connection.proxyHost, port: connection.proxyPort, database: database.databaseName, username: username(tenant), password: '••••••••' },
          connection_string: connectionString(tenant, database.databaseName, connection),
          version: database.version,
        })),
        ...(tenant.undoableRecovery
          ? {
              recovery_undo: {
                available: true,
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
        recovery_undo: z.object({ available: z.boolean(), expires_at: z.string(), expires_in: z.string(), command: z.string() }).optional(),
        created_at: z.string(),
      }),
    },
  };
}

const deleteTenantRoute: Route = {
  method: 'DELETE',
  path: '/tenants/{id}',
  summary: 'Soft-delete a tenant (to the trash); ?hard=true deletes it permanently. 409 while provisioning or migrating',
  operation: TenantsDbDeleteTenantDocument,
  variables: (request) => {
    const hard = request.query.get('hard');
    if (hard !== null && hard !== 'true' && hard !== 'false') return { answer: failure('bad_request', 'hard must be true or false') };
    return { tenant: request.params.id!, hard: hard === 'true' };
  },
  respond: (data: { deleteTenant?: { slug: string; state: string } | null; purgeTenant?: { slug: string } | null }) => {
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
    schema: z.object({ ...envelope, message: z.string(), tenant: z.object({ tenant_id: z.string(), status: z.string() }).optional(), tenant_id: z.string().optional() }),
  },
};

function lifecycleRoute(action: 'restore' | 'suspend' | 'resume', document: Route['operation'], summary: string, done: string): Route {
  const field = `${action}Tenant`;
  return {
    method: 'POST',
    path: `/tenants/{id}/${action}`,
    summary,
    operation: document,
    variables: (request) => ({ tenant: request.params.id! }),
    respond: (data: Record<string, { slug: string; state: string }>) => {
      const tenant = data[field]!;
      return ok({ message: `Tenant '${tenant.slug}' ${done}`, tenant: { tenant_id: tenant.slug, status: status(tenant.state) } });
    },
    success: { status: 200, description: 'Done', schema: z.object({ ...envelope, message: z.string(), tenant: z.object({ tenant_id: z.string(), status: z.string() }) }) },
  };
}

const isolationBody = z.object({
  isolation_level: isolationLevel.describe('Target level: 1 (shared) or 2 (dedicated)'),
  blueprint: z.string().describe('Which database blueprint to migrate'),
  region: z.string().optional().describe('Target zone (e.g. eu-central, us-east); see GET /regions'),
});

const isolationRoute: Route = {
  method: 'PATCH',
  path: '/tenants/{id}/isolation',
  summary: 'Migrate a database between shared and dedicated, or between zones: syncing → migrating → ready',
  operation: TenantsDbMigrateDocument,
  body: isolationBody,
  variables: (request) => {
    const body = request.body as z.output<typeof isolationBody>;
    return { tenant: request.params.id!, input: { blueprint: body.blueprint, isolation: body.isolation_level, region: body.region } };
  },
  respond: (data: {
    migrateTenantDatabase: { tenant: { slug: string }; database: { blueprint: string }; fromIsolation: string; toIsolation: string; fromRegion: string; toRegion: string };
  }) => {
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
  fieldName: (field) => restField(field),
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
};

export function tenantsDbDialect(prefix: string, connection: Connection = { proxyHost: 'localhost', proxyPort: 5432 }): Dialect {
  return {
    name: 'tenantsdb',
    title: 'TenantsDB API',
    prefix,
    authorization: (headers) => headers.get('authorization'),
    security: { scheme: 'bearer' },
    error,
    problem,
    methodNotAllowed: () => ({ status: 405, body: { success: false, http_status: 405, code: 'bad_request', error: 'Method not allowed' } }),
    errorStatuses: [400, 401, 403, 404, 405, 409, 413, 415, 429, 500],
    errorSchema: z.object({ ...envelope, error: z.string() }),
    routes: [
      errorsRoute,
      regionsRoute,
      tenantsRoute,
      createTenantRoute(connection),
      tenantRoute(connection),
      deleteTenantRoute,
      lifecycleRoute('restore', TenantsDbRestoreTenantDocument, 'Restore a tenant from the trash', 'restored successfully'),
      lifecycleRoute('suspend', TenantsDbSuspendTenantDocument, 'Suspend a ready tenant (block all queries)', 'suspended'),
      lifecycleRoute('resume', TenantsDbResumeTenantDocument, 'Resume a suspended tenant', 'resumed'),
      isolationRoute,
      backupRoute,
      backupsRoute,
      rollbackRoute,
      recoverRoute,
      recoverUndoRoute,
    ],
  };
}
