import { z } from 'zod';
import {
  TenantsDbBackupDocument,
  TenantsDbBackupsDocument,
  TenantsDbRecoverDocument,
  TenantsDbRecoverUndoDocument,
  TenantsDbRollbackDocument,
} from '../../../generated/graphql/graphql.js';
import { defineRoute } from '../../types.js';
import { envelope, isoSeconds, ok, stamp, status } from './envelope.js';

/** A backup's paths as seed 002 shows them: its SQL files, one per tenant database; its own file when it has none. */
const filePaths = (backup: { storagePath?: string | null; files: { storagePath: string }[] }) =>
  backup.files.length ? backup.files.map((file) => file.storagePath) : [backup.storagePath];

export const backupRoute = defineRoute(TenantsDbBackupDocument, {
  method: 'POST',
  path: '/tenants/{id}/backup',
  summary: 'Back up the tenant now',
  variables: (request) => ({ tenant: request.params.id! }),
  respond: (data, request) =>
    ok({
      message: `Backup scheduled for tenant: ${request.params.id}`,
      tenant_id: request.params.id,
      type: data.backupTenant.trigger.toLowerCase(),
      timestamp: stamp(data.backupTenant.createdAt),
      paths: filePaths(data.backupTenant),
    }),
  success: {
    status: 200,
    description: "The backup was taken, or for a tenant whose databases hold rows the backup job recorded (the path is its file's, listed once written)",
    schema: z.object({ ...envelope, message: z.string(), tenant_id: z.string(), type: z.string(), timestamp: z.string(), paths: z.array(z.string()) }),
  },
});

export const backupsRoute = defineRoute(TenantsDbBackupsDocument, {
  method: 'GET',
  path: '/tenants/{id}/backups',
  summary: "The tenant's backups",
  variables: (request) => ({ tenant: request.params.id! }),
  respond: (data) => {
    // One entry per file a customer can take (a tenant database as SQL); a backup of a tenant without databases is its own file.
    const backups = data.tenantBackups
      .filter((backup) => backup.status === 'COMPLETED')
      .flatMap((backup) => {
        const files = backup.files.filter((file) => file.sizeBytes !== null);
        const entries = files.length
          ? files.map((file) => ({ database_type: file.databaseType, storage_path: file.storagePath, size_bytes: file.sizeBytes }))
          : [{ database_type: 'gateway', storage_path: backup.storagePath, size_bytes: backup.sizeBytes }];
        return entries.map((entry) => ({ type: backup.trigger.toLowerCase(), date: stamp(backup.createdAt), ...entry, created_at: backup.createdAt }));
      });
    return ok({ tenant_id: data.tenant.slug, count: backups.length, backups });
  },
  success: {
    status: 200,
    description: 'The backups, newest first',
    schema: z.object({
      ...envelope,
      tenant_id: z.string(),
      count: z.number().int(),
      backups: z.array(
        z.object({ type: z.string(), date: z.string(), database_type: z.string(), storage_path: z.string(), size_bytes: z.number(), created_at: z.string() }),
      ),
    }),
  },
});

export const rollbackRoute = defineRoute(TenantsDbRollbackDocument, {
  method: 'POST',
  path: '/tenants/{id}/rollback',
  summary: 'Restore the tenant from a backup, by its exact storage path',
  body: z.object({ storage_path: z.string().min(1).describe('Exact storage path from GET /tenants/{id}/backups') }),
  variables: (request) => ({ tenant: request.params.id!, storagePath: (request.body as { storage_path: string }).storage_path }),
  respond: (data, request) =>
    ok({
      message: `Rollback scheduled for tenant: ${request.params.id}`,
      tenant_id: data.rollbackTenant.tenant.slug,
      // A job's answer says the status the job holds the tenant in, whether or not it has ended since.
      status: data.rollbackTenant.job ? 'restoring' : status(data.rollbackTenant.tenant.state),
      paths: filePaths(data.rollbackTenant.restoredFrom),
    }),
  success: {
    status: 200,
    description: 'Restored (status ready), or for a tenant whose databases hold rows the rollback job recorded (status restoring until it ends)',
    schema: z.object({ ...envelope, message: z.string(), tenant_id: z.string(), status: z.string(), paths: z.array(z.string()) }),
  },
});

export const recoverRoute = defineRoute(TenantsDbRecoverDocument, {
  method: 'POST',
  path: '/tenants/{id}/recover',
  summary: 'Point-in-time recovery (L2 dedicated tenants only); undoable for 24 hours',
  // GraphQL's DateTime checks it (a date-time with a time zone): documented here, not checked twice.
  body: z.object({ timestamp: z.string().meta({ format: 'date-time' }).describe('ISO 8601 timestamp with a time zone, e.g. 2026-02-03T17:10:59Z') }),
  variables: (request) => ({ tenant: request.params.id!, timestamp: (request.body as { timestamp: string }).timestamp }),
  respond: (data, request) => {
    const target = isoSeconds(data.recoverTenant.targetTimestamp);
    return ok({
      message: `Recovery initiated for tenant '${request.params.id}' to ${target}. Original VM preserved for 24h.`,
      tenant: {
        tenant_id: data.recoverTenant.tenant.slug,
        status: data.recoverTenant.job ? 'recovering' : status(data.recoverTenant.tenant.state),
        target_timestamp: target,
      },
    });
  },
  success: {
    status: 200,
    description: 'Recovered (status ready), or for a tenant whose databases hold rows the recovery job recorded (status recovering until it ends)',
    schema: z.object({ ...envelope, message: z.string(), tenant: z.object({ tenant_id: z.string(), status: z.string(), target_timestamp: z.string() }) }),
  },
});

export const recoverUndoRoute = defineRoute(TenantsDbRecoverUndoDocument, {
  method: 'POST',
  path: '/tenants/{id}/recover-undo',
  summary: 'Undo the latest point-in-time recovery, within 24 hours (L2 only)',
  variables: (request) => ({ tenant: request.params.id! }),
  respond: (data, request) =>
    ok({
      message: `Recovery undone for tenant '${request.params.id}'. Original VM restored.`,
      tenant: { tenant_id: data.undoRecovery.tenant.slug, status: data.undoRecovery.job ? 'recovering' : status(data.undoRecovery.tenant.state) },
    }),
  success: {
    status: 200,
    description: 'Undone (status ready), or for a tenant whose databases hold rows the undo job recorded (status recovering until it ends)',
    schema: z.object({ ...envelope, message: z.string(), tenant: z.object({ tenant_id: z.string(), status: z.string() }) }),
  },
});
