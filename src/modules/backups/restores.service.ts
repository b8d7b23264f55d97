import type { BackupRecord, Prisma, Tenant, TenantRecovery } from '../../generated/prisma/client.js';
import { ConflictError, DomainError, ForbiddenError, InvalidInputError, NotFoundError } from '../../lib/errors.js';
import { readConfigDocument } from '../configs/config-document.js';
import { changedPaths, recordRevision, revisionsWhere } from '../configs/revisions.js';
import { assertNoDatabaseWork } from '../databases/database-state.js';
import type { Actor } from '../identity/principal.js';
import { planFields } from '../tenants/plans.js';
import { assertNotTenantsOwnAct, resolveTenant } from '../tenants/tenant-access.js';
import { type BackupDeps, loadSnapshot, writeBackup } from './backup-files.js';
import type { TenantSnapshot } from './snapshot.js';
import { restoreSchemaData } from '../tenant-databases/schema-data.js';
import { deployedChain } from '../workspaces/blueprint-databases.js';

export type RollbackResult = { tenant: Tenant; restoredFrom: BackupRecord; safetyBackup: BackupRecord };

/**
 * Marks the tenant RESTORING or RECOVERING for the duration of `work`, so a second restore
 * (or a lifecycle change) meanwhile is CONFLICT; the status it had comes back after, whether
 * the work succeeded or not. A process that dies meanwhile is mended at the next start
 * (settleInterruptedRestores).
 */
async function whileRestoring<T>(actor: Actor, tenant: Tenant, status: 'RESTORING' | 'RECOVERING', work: () => Promise<T>): Promise<T> {
  const { count } = await actor.prisma.tenant.updateMany({
    where: { id: tenant.id, status: { in: ['ACTIVE', 'SUSPENDED'] } },
    data: { status, statusBeforeRestore: tenant.status },
  });
  if (count === 0) {
    const current = await actor.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id }, select: { status: true } });
    throw new ConflictError(
      current.status === 'RESTORING' || current.status === 'RECOVERING'
        ? `Tenant "${tenant.slug}" is ${current.status.toLowerCase()}; wait for it to finish`
        : `Cannot restore tenant "${tenant.slug}": it is ${current.status}`,
      { currentStatus: current.status },
    );
  }
  try {
    return await work();
  } finally {
    await actor.prisma.tenant.updateMany({
      where: { id: tenant.id, status },
      data: { status: tenant.status === 'SUSPENDED' ? 'SUSPENDED' : 'ACTIVE', statusBeforeRestore: null },
    });
  }
}

/** A backup holds the plan it was taken under; restoring another plan is not the tenant's own act. */
function assertRestoreKeepsPlan(actor: Actor, tenant: Tenant, snapshot: TenantSnapshot): void {
  const current = { ...tenant, expiresAt: tenant.expiresAt?.toISOString() ?? null };
  const changed = planFields.find((field) => current[field] !== snapshot.tenant[field]);
  if (changed) assertNotTenantsOwnAct(actor.principal!, `restore a backup with another ${changed}`, changed);
}

/** Replaces everything restorable in one transaction; the configuration change is a new revision. */
async function restoreSnapshot(actor: Actor, tenant: Tenant, snapshot: TenantSnapshot, author: string): Promise<Tenant> {
  return actor.prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM "TenantConfig" WHERE "tenantId" = ${tenant.id}::uuid FOR UPDATE`;
    const { id: _id, slug: _slug, expiresAt, settings, ...fields } = snapshot.tenant;
    const updated = await tx.tenant.update({
      where: { id: tenant.id },
      data: { ...fields, settings: settings as Prisma.InputJsonObject, expiresAt: expiresAt ? new Date(expiresAt) : null },
    });
    const current = await tx.tenantConfig.findUniqueOrThrow({ where: { tenantId: tenant.id } });
    const document = snapshot.config.document as Prisma.InputJsonObject;
    const version = current.version + 1;
    await tx.tenantConfig.update({ where: { tenantId: tenant.id }, data: { version, document, updatedBy: author, updatedAt: new Date() } });
    await recordRevision(tx, {
      tenantId: tenant.id,
      kind: 'config',
      version,
      principal: author,
      updatedFields: changedPaths(readConfigDocument(current.document) as unknown as Record<string, unknown>, snapshot.config.document),
      document,
    });
    await tx.tenantFeature.deleteMany({ where: { tenantId: tenant.id } });
    await tx.tenantFeature.createMany({ data: snapshot.features.map((entry) => ({ tenantId: tenant.id, ...entry })) });
    await tx.resourceLimit.deleteMany({ where: { tenantId: tenant.id } });
    await tx.resourceLimit.createMany({
      data: snapshot.resourceLimits.map((limit) => ({ tenantId: tenant.id, ...limit, tiers: limit.tiers as Prisma.InputJsonObject })),
    });
    if (snapshot.secrets) {
      const { dataKey, values } = snapshot.secrets;
      // A tenant's data key never changes (rotation re-wraps it): the one held now opens the backup's values too.
      if (dataKey) {
        await tx.tenantDataKey.createMany({ data: [{ tenantId: tenant.id, wrappedKey: new Uint8Array(Buffer.from(dataKey.wrappedKey, 'base64')), wrappedBy: dataKey.wrappedBy }], skipDuplicates: true });
      }
      await tx.tenantSecret.deleteMany({ where: { tenantId: tenant.id } });
      await tx.tenantSecret.createMany({ data: values.map(({ name, sealed }) => ({ tenantId: tenant.id, name, sealed: new Uint8Array(Buffer.from(sealed, 'base64')) })) });
    }
    // The physical schemas stay where they are: the records keep naming them.
    const databases = await tx.tenantDatabase.findMany({ where: { tenantId: tenant.id }, select: { blueprint: true, schemaName: true, blueprintId: true, schemaVersion: true } });
    const now = (blueprint: string) => databases.find((database) => database.blueprint === blueprint);
    const dataOf = (blueprint: string) => (now(blueprint)?.schemaName ? snapshot.data?.find((entry) => entry.blueprint === blueprint) : undefined);
    if (snapshot.databases) {
      await tx.tenantDatabase.deleteMany({ where: { tenantId: tenant.id } });
      await tx.tenantDatabase.createMany({
        data: snapshot.databases.map((database) => ({
          tenantId: tenant.id,
          ...database,
          status: 'READY' as const,
          schemaName: now(database.blueprint)?.schemaName ?? null,
          blueprintId: now(database.blueprint)?.blueprintId ?? null,
          schemaVersion: dataOf(database.blueprint)?.schemaVersion ?? now(database.blueprint)?.schemaVersion ?? 0,
        })),
      });
    }
    // The rows, in this same transaction: a schema at another blueprint version is rebuilt at the backup's first.
    for (const entry of snapshot.data ?? []) {
      const database = now(entry.blueprint);
      if (!database?.schemaName) continue;
      const rebuild = database.schemaVersion !== entry.schemaVersion && database.blueprintId ? (await deployedChain(tx, database.blueprintId, entry.schemaVersion)).statements : undefined;
      await restoreSchemaData(tx, database.schemaName, entry.tables, rebuild);
      if (!snapshot.databases) await tx.tenantDatabase.updateMany({ where: { tenantId: tenant.id, blueprint: entry.blueprint }, data: { schemaVersion: entry.schemaVersion } });
    }
    return updated;
  }, { timeout: 120_000, maxWait: 10_000 });
}

/**
 * Restores a tenant to a backup: the file's checksum is verified first (a missing or corrupt
 * file changes nothing), the current state is backed up, then everything restorable is
 * replaced in one transaction; the configuration change is a new revision.
 */
export async function rollbackTenant(actor: Actor, deps: BackupDeps, ref: string, storagePath: string): Promise<RollbackResult> {
  const tenant = await resolveTenant(actor, ref, 'backups:write');
  const record = await actor.prisma.backupRecord.findFirst({ where: { tenantId: tenant.id, storagePath, status: 'COMPLETED' } });
  if (!record) throw new NotFoundError(`No completed backup of this tenant at "${storagePath}"`, { field: 'storagePath' });
  await assertNoDatabaseWork(actor, tenant, 'roll back');
  const snapshot = await loadSnapshot(actor, deps, tenant, record);
  assertRestoreKeepsPlan(actor, tenant, snapshot);
  return whileRestoring(actor, tenant, 'RESTORING', async () => {
    const safetyBackup = await writeBackup(actor, deps, tenant, 'SAFETY');
    await restoreSnapshot(actor, tenant, snapshot, `${actor.principal!.label} (rollback to ${storagePath})`);
    return { tenant, restoredFrom: record, safetyBackup };
  }).then(async (result) => ({ ...result, tenant: await actor.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } }) }));
}

export const recoveryUndoWindowMs = 24 * 3_600_000;

export type RecoveryResult = { tenant: Tenant; recovery: TenantRecovery; restoredFrom: BackupRecord };

/**
 * Point-in-time recovery for dedicated tenants: the tenant as of `timestamp`, rebuilt from
 * the last backup taken before it and the configuration revision in force at it. The state
 * before the recovery is kept as a safety backup that recover-undo returns to within 24 hours.
 */
export async function recoverTenant(actor: Actor, deps: BackupDeps, ref: string, timestamp: Date): Promise<RecoveryResult> {
  const tenant = await resolveTenant<Tenant & { config: { document: unknown } }>(actor, ref, 'backups:write', { include: { config: true } });
  if (tenant.isolation !== 'DEDICATED') throw new ForbiddenError('PITR is only available for L2 (dedicated) tenants');
  const { backup } = readConfigDocument(tenant.config.document);
  if (!backup.enable_pitr) throw new ForbiddenError('Point-in-time recovery is disabled for this tenant (backup.enable_pitr)', { field: 'backup.enable_pitr' });
  const now = Date.now();
  const oldest = now - backup.pitr_retention_days * 86_400_000;
  if (Number.isNaN(timestamp.getTime()) || timestamp.getTime() > now || timestamp.getTime() < Math.max(oldest, tenant.createdAt.getTime())) {
    throw new InvalidInputError([
      {
        field: 'timestamp',
        rule: 'pitr_window',
        message: `timestamp must be between ${new Date(Math.max(oldest, tenant.createdAt.getTime())).toISOString()} and now (PITR retention ${backup.pitr_retention_days} days)`,
      },
    ]);
  }
  const base = await actor.prisma.backupRecord.findFirst({
    where: { tenantId: tenant.id, status: 'COMPLETED', completedAt: { lte: timestamp } },
    orderBy: { completedAt: 'desc' },
  });
  if (!base) throw new DomainError('PRECONDITION_FAILED', `No backup of this tenant was completed before ${timestamp.toISOString()}`, { field: 'timestamp' });
  await assertNoDatabaseWork(actor, tenant, 'recover');
  const snapshot = await loadSnapshot(actor, deps, tenant, base);
  const revision = await actor.prisma.tenantConfigRevision.findFirst({
    where: { ...revisionsWhere(tenant.id, 'config'), createdAt: { lte: timestamp } },
    orderBy: { version: 'desc' },
  });
  if (revision) snapshot.config = { version: revision.version, document: readConfigDocument(revision.document) as unknown as Record<string, unknown> };
  assertRestoreKeepsPlan(actor, tenant, snapshot);
  const recovery = await whileRestoring(actor, tenant, 'RECOVERING', async () => {
    const safetyBackup = await writeBackup(actor, deps, tenant, 'SAFETY');
    await restoreSnapshot(actor, tenant, snapshot, `${actor.principal!.label} (recovery to ${timestamp.toISOString()})`);
    return actor.prisma.tenantRecovery.create({
      data: { tenantId: tenant.id, targetTimestamp: timestamp, safetyPath: safetyBackup.storagePath!, expiresAt: new Date(now + recoveryUndoWindowMs) },
    });
  });
  return { tenant: await actor.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } }), recovery, restoredFrom: base };
}

/** Back to the state before the latest recovery, within its 24-hour window; CONFLICT after. */
export async function undoRecovery(actor: Actor, deps: BackupDeps, ref: string): Promise<{ tenant: Tenant; recovery: TenantRecovery }> {
  const tenant = await resolveTenant(actor, ref, 'backups:write');
  if (tenant.isolation !== 'DEDICATED') throw new ForbiddenError('PITR is only available for L2 (dedicated) tenants');
  const recovery = await actor.prisma.tenantRecovery.findFirst({ where: { tenantId: tenant.id, undoneAt: null }, orderBy: { createdAt: 'desc' } });
  if (!recovery) throw new ConflictError('There is no recovery to undo for this tenant');
  if (recovery.expiresAt.getTime() <= Date.now()) {
    throw new ConflictError(`The 24-hour undo window of the recovery to ${recovery.targetTimestamp.toISOString()} ended at ${recovery.expiresAt.toISOString()}`, {
      expiredAt: recovery.expiresAt.toISOString(),
    });
  }
  const record = await actor.prisma.backupRecord.findFirstOrThrow({ where: { tenantId: tenant.id, storagePath: recovery.safetyPath } });
  const snapshot = await loadSnapshot(actor, deps, tenant, record);
  assertRestoreKeepsPlan(actor, tenant, snapshot);
  const undone = await whileRestoring(actor, tenant, 'RECOVERING', async () => {
    await restoreSnapshot(actor, tenant, snapshot, `${actor.principal!.label} (recovery undone)`);
    return actor.prisma.tenantRecovery.update({ where: { id: recovery.id }, data: { undoneAt: new Date() } });
  });
  return { tenant: await actor.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } }), recovery: undone };
}

