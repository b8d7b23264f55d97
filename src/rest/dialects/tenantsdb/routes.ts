import { z } from 'zod';
import {
  TenantsDbBackupDocument,
  TenantsDbBackupsDocument,
  TenantsDbRecoverDocument,
  TenantsDbRecoverUndoDocument,
  TenantsDbRegionsDocument,
  TenantsDbRollbackDocument,
} from '../../../generated/graphql/graphql.js';
import type { ErrorCode } from '../../../lib/errors.js';
import type { Dialect, Failure, RequestProblem, RestRequest, RestResult, Route } from '../../types.js';

// TenantsDB API (seed 002_2ffda2178d53cdca.txt): the envelope, its error codes, the public
// /errors and /regions, and the backup routes. The tenant lifecycle, isolation, PITR and
// recover-undo routes are not served yet.
//
// Choices where the seed is vague:
// - "Every API response includes a standard envelope": /errors and /regions get it too,
//   alongside the fields their examples show.
// - Backups here are taken and restored synchronously, so rollback answers status "ready"
//   where the seed's asynchronous service answers "restoring"; the messages keep its wording.
// - A corrupt or missing backup file (PRECONDITION_FAILED) is bad_request: the seed has no 412.

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

function error(failed: Failure, request: RestRequest): RestResult {
  if (failed.code === 'UNAUTHENTICATED' && failed.extensions.credential === 'missing') return failure('auth_required', 'Authorization header required');
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
      return failure('bad_request', problem.issues.map((issue) => (issue.code === 'invalid_type' && issue.input === undefined ? `${issue.path.join('.')} is required` : `${issue.path.join('.')}: ${issue.message}`)).join('; '));
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

export function tenantsDbDialect(prefix: string): Dialect {
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
    routes: [errorsRoute, regionsRoute, backupRoute, backupsRoute, rollbackRoute, recoverRoute, recoverUndoRoute],
  };
}
