import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { z } from 'zod';
import type { BackupRecord, Prisma, Tenant, TenantRecovery } from '../../generated/prisma/client.js';
import { ConflictError, DomainError, ForbiddenError, InvalidInputError, NotFoundError } from '../../lib/errors.js';
import { readConfigDocument } from '../configs/configs.service.js';
import type { Actor } from '../identity/principal.js';
import { resolveTenant } from '../tenants/tenants.service.js';
import type { BackupStorage } from './storage.js';

const formatVersion = 1;

/**
 * Everything restorable about one tenant. API keys and usage history are deliberately left
 * out: a rollback never revives a revoked key nor rewrites what was consumed.
 */
const snapshotSchema = z.object({
  formatVersion: z.literal(formatVersion),
  takenAt: z.string(),
  tenant: z.object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    tier: z.enum(['FREE', 'BASIC', 'PRO', 'ENTERPRISE']),
    region: z.string(),
    isolation: z.enum(['SHARED', 'DEDICATED']),
    settings: z.record(z.string(), z.unknown()),
    maxUsers: z.number(),
    maxApiCallsPerMonth: z.number(),
    maxStorageMb: z.number(),
    maxLlmTokensPerMonth: z.number(),
    expiresAt: z.string().nullable(),
  }),
  config: z.object({ version: z.number(), document: z.record(z.string(), z.unknown()) }),
  features: z.array(z.object({ feature: z.string(), enabled: z.boolean() })),
  resourceLimits: z.array(
    z.object({
      resource: z.string(),
      metric: z.string(),
      period: z.enum(['MINUTE', 'HOUR', 'DAY', 'MONTH']),
      limit: z.number(),
      tiers: z.record(z.string(), z.unknown()),
      gateAction: z.enum(['BLOCK', 'WARN']),
    }),
  ),
});

export type TenantSnapshot = z.infer<typeof snapshotSchema>;

async function takeSnapshot(db: Actor['prisma'], tenantId: string): Promise<TenantSnapshot> {
  const tenant = await db.tenant.findUniqueOrThrow({
    where: { id: tenantId },
    include: { config: true, features: true, resourceLimits: true },
    relationLoadStrategy: 'join',
  });
  return {
    formatVersion,
    takenAt: new Date().toISOString(),
    tenant: {
      id: tenant.id,
      slug: tenant.slug,
      name: tenant.name,
      tier: tenant.tier,
      region: tenant.region,
      isolation: tenant.isolation,
      settings: tenant.settings as Record<string, unknown>,
      maxUsers: tenant.maxUsers,
      maxApiCallsPerMonth: tenant.maxApiCallsPerMonth,
      maxStorageMb: tenant.maxStorageMb,
      maxLlmTokensPerMonth: tenant.maxLlmTokensPerMonth,
      expiresAt: tenant.expiresAt?.toISOString() ?? null,
    },
    config: { version: tenant.config!.version, document: readConfigDocument(tenant.config!.document) as unknown as Record<string, unknown> },
    features: tenant.features.map(({ feature, enabled }) => ({ feature, enabled })).sort((a, b) => a.feature.localeCompare(b.feature)),
    resourceLimits: tenant.resourceLimits
      .map(({ resource, metric, period, limit, tiers, gateAction }) => ({ resource, metric, period, limit, tiers: tiers as Record<string, unknown>, gateAction }))
      .sort((a, b) => `${a.resource}/${a.metric}/${a.period}`.localeCompare(`${b.resource}/${b.metric}/${b.period}`)),
  };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function writeBackup(
  actor: Actor,
  storage: BackupStorage,
  tenant: Tenant,
  trigger: 'MANUAL' | 'SCHEDULED' | 'SAFETY',
): Promise<BackupRecord> {
  const record = await actor.prisma.backupRecord.create({ data: { tenantId: tenant.id, trigger, status: 'RUNNING', destination: storage.name } });
  try {
    const snapshot = await takeSnapshot(actor.prisma, tenant.id);
    const bytes = await promisify(gzip)(Buffer.from(JSON.stringify(snapshot)));
    const storagePath = `${tenant.id}/${snapshot.takenAt.replace(/[:.]/g, '-')}-${record.id}.json.gz`;
    await storage.put(storagePath, bytes);
    return await actor.prisma.backupRecord.update({
      where: { id: record.id },
      data: { status: 'COMPLETED', storagePath, sizeBytes: bytes.length, checksum: sha256(bytes), formatVersion, completedAt: new Date() },
    });
  } catch (error) {
    await actor.prisma.backupRecord.update({
      where: { id: record.id },
      data: { status: 'FAILED', failureReason: (error as Error).message, completedAt: new Date() },
    });
    throw error;
  }
}

/** An on-demand full backup of the tenant's restorable state. */
export async function backupTenant(actor: Actor, storage: BackupStorage, ref: string): Promise<BackupRecord> {
  const tenant = await resolveTenant(actor, ref, 'backups:write');
  return writeBackup(actor, storage, tenant, 'MANUAL');
}

export async function listBackups(actor: Actor, ref: string): Promise<BackupRecord[]> {
  const tenant = await resolveTenant(actor, ref, 'backups:read');
  return actor.prisma.backupRecord.findMany({ where: { tenantId: tenant.id }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 500 });
}

function changedPaths(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const paths: string[] = [];
  for (const category of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = (before[category] ?? {}) as Record<string, unknown>;
    const b = (after[category] ?? {}) as Record<string, unknown>;
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) paths.push(`${category}.${key}`);
    }
  }
  return paths;
}

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

/** A restore is a few statements in one transaction; one marked longer ago than this was interrupted. */
export const interruptedAfterMs = 10 * 60_000;

/**
 * Tenants left RESTORING or RECOVERING by a process that died return to their status. Run at
 * start and every minute; only marks older than `interruptedAfterMs` count, so a replica never
 * settles a restore another replica is still running.
 */
export async function settleInterruptedRestores(prisma: Actor['prisma'], now = Date.now()): Promise<number> {
  const stuck = await prisma.tenant.findMany({
    where: { status: { in: ['RESTORING', 'RECOVERING'] }, updatedAt: { lt: new Date(now - interruptedAfterMs) } },
    select: { id: true, status: true, statusBeforeRestore: true },
  });
  let settled = 0;
  for (const tenant of stuck) {
    const { count } = await prisma.tenant.updateMany({
      where: { id: tenant.id, status: tenant.status },
      data: { status: tenant.statusBeforeRestore === 'SUSPENDED' ? 'SUSPENDED' : 'ACTIVE', statusBeforeRestore: null },
    });
    settled += count;
  }
  return settled;
}

/** The backup's snapshot, after verifying the file against the record's checksum. */
async function readVerifiedSnapshot(storage: BackupStorage, tenant: Tenant, record: BackupRecord): Promise<TenantSnapshot> {
  const storagePath = record.storagePath!;
  const bytes = await storage.get(storagePath);
  if (!bytes) throw new DomainError('PRECONDITION_FAILED', `The backup file "${storagePath}" is missing`, { field: 'storagePath' });
  if (sha256(bytes) !== record.checksum) {
    throw new DomainError('PRECONDITION_FAILED', `The backup file "${storagePath}" is corrupt: its checksum does not match`, { field: 'storagePath' });
  }
  let snapshot: TenantSnapshot;
  try {
    snapshot = snapshotSchema.parse(JSON.parse((await promisify(gunzip)(bytes)).toString('utf8')));
  } catch {
    throw new DomainError('PRECONDITION_FAILED', `The backup file "${storagePath}" cannot be read as a format ${formatVersion} backup`, { field: 'storagePath' });
  }
  if (snapshot.tenant.id !== tenant.id) throw new DomainError('PRECONDITION_FAILED', 'The backup belongs to another tenant', { field: 'storagePath' });
  return snapshot;
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
    await tx.tenantConfigRevision.create({
      data: {
        tenantId: tenant.id,
        version,
        principal: author,
        updatedFields: changedPaths(readConfigDocument(current.document) as unknown as Record<string, unknown>, snapshot.config.document),
        document,
      },
    });
    await tx.tenantFeature.deleteMany({ where: { tenantId: tenant.id } });
    await tx.tenantFeature.createMany({ data: snapshot.features.map((entry) => ({ tenantId: tenant.id, ...entry })) });
    await tx.resourceLimit.deleteMany({ where: { tenantId: tenant.id } });
    await tx.resourceLimit.createMany({
      data: snapshot.resourceLimits.map((limit) => ({ tenantId: tenant.id, ...limit, tiers: limit.tiers as Prisma.InputJsonObject })),
    });
    return updated;
  });
}

/**
 * Restores a tenant to a backup: the file's checksum is verified first (a missing or corrupt
 * file changes nothing), the current state is backed up, then everything restorable is
 * replaced in one transaction; the configuration change is a new revision.
 */
export async function rollbackTenant(actor: Actor, storage: BackupStorage, ref: string, storagePath: string): Promise<RollbackResult> {
  const tenant = await resolveTenant(actor, ref, 'backups:write');
  const record = await actor.prisma.backupRecord.findFirst({ where: { tenantId: tenant.id, storagePath, status: 'COMPLETED' } });
  if (!record) throw new NotFoundError(`No completed backup of this tenant at "${storagePath}"`, { field: 'storagePath' });
  const snapshot = await readVerifiedSnapshot(storage, tenant, record);
  return whileRestoring(actor, tenant, 'RESTORING', async () => {
    const safetyBackup = await writeBackup(actor, storage, tenant, 'SAFETY');
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
export async function recoverTenant(actor: Actor, storage: BackupStorage, ref: string, timestamp: Date): Promise<RecoveryResult> {
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
  const snapshot = await readVerifiedSnapshot(storage, tenant, base);
  const revision = await actor.prisma.tenantConfigRevision.findFirst({
    where: { tenantId: tenant.id, createdAt: { lte: timestamp } },
    orderBy: { version: 'desc' },
  });
  if (revision) snapshot.config = { version: revision.version, document: readConfigDocument(revision.document) as unknown as Record<string, unknown> };
  const recovery = await whileRestoring(actor, tenant, 'RECOVERING', async () => {
    const safetyBackup = await writeBackup(actor, storage, tenant, 'SAFETY');
    await restoreSnapshot(actor, tenant, snapshot, `${actor.principal!.label} (recovery to ${timestamp.toISOString()})`);
    return actor.prisma.tenantRecovery.create({
      data: { tenantId: tenant.id, targetTimestamp: timestamp, safetyPath: safetyBackup.storagePath!, expiresAt: new Date(now + recoveryUndoWindowMs) },
    });
  });
  return { tenant: await actor.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } }), recovery, restoredFrom: base };
}

/** Back to the state before the latest recovery, within its 24-hour window; CONFLICT after. */
export async function undoRecovery(actor: Actor, storage: BackupStorage, ref: string): Promise<{ tenant: Tenant; recovery: TenantRecovery }> {
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
  const snapshot = await readVerifiedSnapshot(storage, tenant, record);
  const undone = await whileRestoring(actor, tenant, 'RECOVERING', async () => {
    await restoreSnapshot(actor, tenant, snapshot, `${actor.principal!.label} (recovery undone)`);
    return actor.prisma.tenantRecovery.update({ where: { id: recovery.id }, data: { undoneAt: new Date() } });
  });
  return { tenant: await actor.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } }), recovery: undone };
}
