import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { z } from 'zod';
import type { BackupRecord, Prisma, Tenant, TenantRecovery } from '../../generated/prisma/client.js';
import type { PlanTier } from '../../generated/prisma/enums.js';
import { ConflictError, DomainError, ForbiddenError, InvalidInputError, NotFoundError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { seal, unseal } from '../../lib/sealing.js';
import { readConfigDocument } from '../configs/configs.service.js';
import { assertNoDatabaseWork } from '../databases/databases.service.js';
import type { Actor } from '../identity/principal.js';
import { resolveTenant } from '../tenants/tenants.service.js';
import type { BackupStorage, BackupStorages } from './storage.js';

const formatVersion = 1;

/** What the backup services work with besides the database. */
export type BackupDeps = {
  storages: BackupStorages;
  /** AES-256-GCM key for tenants whose configuration sets backup.encrypt_backups. */
  key: Buffer;
  /** Keys `key` replaced: backups they sealed still open (rotation). */
  previousKeys?: Buffer[];
  /** Counts an on-demand backup request against the hourly limit (throws RATE_LIMITED); absent when limits are off. */
  requestQuota?: (key: string, tier: PlanTier) => Promise<void>;
};

const tenantFields = z.object({
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
});

const sections = {
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
  /** TenantsDB databases: their blueprints and placement (absent in backups taken before databases existed). */
  databases: z
    .array(z.object({ blueprint: z.string(), databaseType: z.string(), isolation: z.enum(['SHARED', 'DEDICATED']), region: z.string(), version: z.number() }))
    .optional(),
};

/**
 * Everything restorable about one tenant. API keys and usage history are deliberately left
 * out: a rollback never revives a revoked key nor rewrites what was consumed.
 */
const snapshotSchema = z.object({
  formatVersion: z.literal(formatVersion),
  kind: z.literal('FULL').optional(),
  takenAt: z.string(),
  tenant: tenantFields,
  ...sections,
});

export type TenantSnapshot = z.infer<typeof snapshotSchema>;

/** An incremental backup: only what changed since its base (a full or another incremental). */
const incrementalSchema = z.object({
  formatVersion: z.literal(formatVersion),
  kind: z.literal('INCREMENTAL'),
  takenAt: z.string(),
  tenantId: z.string(),
  baseBackupId: z.string(),
  changes: z.object({
    tenant: tenantFields.partial().optional(),
    config: sections.config.optional(),
    features: sections.features.optional(),
    resourceLimits: sections.resourceLimits.optional(),
    databases: sections.databases,
  }),
});

type Incremental = z.infer<typeof incrementalSchema>;

async function takeSnapshot(db: Actor['prisma'], tenantId: string): Promise<TenantSnapshot> {
  const tenant = await db.tenant.findUniqueOrThrow({
    where: { id: tenantId },
    include: { config: true, features: true, resourceLimits: true, databases: true },
    relationLoadStrategy: 'join',
  });
  return {
    formatVersion,
    kind: 'FULL',
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
    databases: tenant.databases
      .map(({ blueprint, databaseType, isolation, region, version }) => ({ blueprint, databaseType, isolation, region, version }))
      .sort((a, b) => a.blueprint.localeCompare(b.blueprint)),
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What changed from `base` to `current`: tenant fields one by one, the other sections whole. */
export function diffSnapshots(base: TenantSnapshot, current: TenantSnapshot): Incremental['changes'] {
  const changes: Incremental['changes'] = {};
  const tenant = Object.fromEntries(
    Object.entries(current.tenant).filter(([key, value]) => !same(base.tenant[key as keyof TenantSnapshot['tenant']], value)),
  );
  if (Object.keys(tenant).length) changes.tenant = tenant;
  for (const section of ['config', 'features', 'resourceLimits', 'databases'] as const) {
    if (!same(base[section], current[section])) (changes as Record<string, unknown>)[section] = current[section];
  }
  return changes;
}

export function applyIncremental(base: TenantSnapshot, incremental: Pick<Incremental, 'takenAt' | 'changes'>): TenantSnapshot {
  const { tenant, ...rest } = incremental.changes;
  return { ...base, ...rest, takenAt: incremental.takenAt, tenant: { ...base.tenant, ...tenant } };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** 2026-02-15T14:30:00.123Z → 2026-02-15T14-30-00-123 */
const fileStamp = (iso: string) => iso.replace(/[:.]/g, '-').replace(/Z$/, '');

type Trigger = 'MANUAL' | 'SCHEDULED' | 'SAFETY';

/**
 * Writes one backup of the tenant to every destination its configuration names (the local
 * directory when none): gzip'd when backup.compress_backups, AES-256-GCM sealed when
 * backup.encrypt_backups, with the SHA-256 of the stored bytes in the record. An incremental
 * holds only what changed since `base`. The record is RUNNING while the files are written and
 * COMPLETED after, or FAILED with the reason (naming the destination) when any destination
 * refused it; files already written elsewhere are then removed.
 */
async function writeBackup(
  actor: Actor,
  deps: BackupDeps,
  tenant: Tenant,
  trigger: Trigger,
  base?: { record: BackupRecord; snapshot: TenantSnapshot },
): Promise<BackupRecord> {
  const config = await actor.prisma.tenantConfig.findUniqueOrThrow({ where: { tenantId: tenant.id }, select: { document: true } });
  const { backup } = readConfigDocument(config.document);
  const [primary, ...copies] = deps.storages.forDestinations(backup.destinations);
  const kind = base ? 'INCREMENTAL' : 'FULL';
  const record = await actor.prisma.backupRecord.create({
    data: {
      tenantId: tenant.id,
      trigger,
      kind,
      status: 'RUNNING',
      destination: primary!.name,
      copies: copies.map((storage) => storage.name),
      baseBackupId: base?.record.id ?? null,
      compressed: backup.compress_backups,
      encrypted: backup.encrypt_backups,
    },
  });
  const written: BackupStorage[] = [];
  let storagePath: string | null = null;
  try {
    const snapshot = await takeSnapshot(actor.prisma, tenant.id);
    const payload: TenantSnapshot | Incremental = base
      ? { formatVersion, kind: 'INCREMENTAL', takenAt: snapshot.takenAt, tenantId: tenant.id, baseBackupId: base.record.id, changes: diffSnapshots(base.snapshot, snapshot) }
      : snapshot;
    let bytes: Buffer = Buffer.from(JSON.stringify(payload));
    if (backup.compress_backups) bytes = await promisify(gzip)(bytes);
    if (backup.encrypt_backups) bytes = seal(deps.key, bytes);
    storagePath = `${tenant.id}/${fileStamp(snapshot.takenAt)}-${trigger.toLowerCase()}-${kind.toLowerCase()}-${record.id}.json${backup.compress_backups ? '.gz' : ''}${backup.encrypt_backups ? '.enc' : ''}`;
    for (const storage of [primary!, ...copies]) {
      try {
        await storage.put(storagePath, bytes);
      } catch (error) {
        // The tenant's configuration names the destination: say which one refused and why.
        throw new DomainError('PRECONDITION_FAILED', `Backup failed: writing to ${storage.name} failed: ${(error as Error).message}`, {
          field: 'backup.destinations',
        });
      }
      written.push(storage);
    }
    return await actor.prisma.backupRecord.update({
      where: { id: record.id },
      data: { status: 'COMPLETED', storagePath, sizeBytes: bytes.length, checksum: sha256(bytes), formatVersion, completedAt: new Date() },
    });
  } catch (error) {
    await Promise.allSettled(written.map((storage) => storage.remove(storagePath!)));
    await actor.prisma.backupRecord.update({
      where: { id: record.id },
      data: { status: 'FAILED', failureReason: (error as Error).message, completedAt: new Date() },
    });
    throw error;
  }
}

/** A full backup of the current state, taken before anything replaces it (rollback, recovery, migration). */
export function takeSafetyBackup(actor: Actor, deps: BackupDeps, tenant: Tenant): Promise<BackupRecord> {
  return writeBackup(actor, deps, tenant, 'SAFETY');
}

/**
 * An on-demand full backup. Counts against the hourly backup-request limit of the tenant's
 * project (the tenant's own outside projects), except for dedicated tenants, whose backups
 * run on their own servers.
 */
export async function backupTenant(actor: Actor, deps: BackupDeps, ref: string): Promise<BackupRecord> {
  const tenant = await resolveTenant(actor, ref, 'backups:write');
  if (tenant.status === 'DELETED') {
    throw new ConflictError(`Cannot back up tenant "${tenant.slug}": it is DELETED; restore it first`, { currentStatus: tenant.status, slug: tenant.slug });
  }
  if (tenant.isolation !== 'DEDICATED') await deps.requestQuota?.(tenant.projectId ?? tenant.id, tenant.tier);
  return writeBackup(actor, deps, tenant, 'MANUAL');
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
 * Work a process that died left half done, once its mark is `interruptedAfterMs` old (so a
 * replica never settles what another is still doing): tenants left RESTORING or RECOVERING
 * return to their status (the restore itself is one transaction, so the data is as before or
 * as after), and backups left RUNNING become FAILED (their file, written under a temporary
 * name, never got its real name). Run at start and every minute. A process alone with its
 * database (PGlite) settles everything at start: nobody else can be mid-restore.
 */
export async function settleInterruptedWork(
  prisma: Actor['prisma'],
  now = Date.now(),
  olderThanMs = interruptedAfterMs,
): Promise<{ tenants: number; backups: number }> {
  const cutoff = new Date(now - olderThanMs);
  const stuck = await prisma.tenant.findMany({
    where: { status: { in: ['RESTORING', 'RECOVERING'] }, updatedAt: { lt: cutoff } },
    select: { id: true, status: true, statusBeforeRestore: true },
  });
  let tenants = 0;
  for (const tenant of stuck) {
    const { count } = await prisma.tenant.updateMany({
      where: { id: tenant.id, status: tenant.status },
      data: { status: tenant.statusBeforeRestore === 'SUSPENDED' ? 'SUSPENDED' : 'ACTIVE', statusBeforeRestore: null },
    });
    tenants += count;
  }
  const { count: backups } = await prisma.backupRecord.updateMany({
    where: { status: { in: ['RUNNING', 'PENDING'] }, createdAt: { lt: cutoff } },
    data: { status: 'FAILED', failureReason: 'Interrupted: the process taking this backup stopped before it finished', completedAt: new Date(now) },
  });
  return { tenants, backups };
}

/**
 * The stored bytes of a backup, from the first of its destinations whose copy matches the
 * record's checksum, opened and parsed.
 */
async function readBackupFile(deps: BackupDeps, record: BackupRecord): Promise<unknown> {
  const storagePath = record.storagePath!;
  let bytes: Buffer | null = null;
  let corrupt = false;
  for (const destination of [record.destination, ...record.copies]) {
    const candidate = await deps.storages.byName(destination).get(storagePath);
    if (candidate && sha256(candidate) === record.checksum) {
      bytes = candidate;
      break;
    }
    if (candidate) corrupt = true;
  }
  if (!bytes && corrupt) {
    throw new DomainError('PRECONDITION_FAILED', `The backup file "${storagePath}" is corrupt: its checksum does not match`, { field: 'storagePath' });
  }
  if (!bytes) throw new DomainError('PRECONDITION_FAILED', `The backup file "${storagePath}" is missing`, { field: 'storagePath' });
  let opened = bytes;
  if (record.encrypted) {
    const sealed = opened;
    const key = [deps.key, ...(deps.previousKeys ?? [])].find((candidate) => {
      try {
        opened = unseal(candidate, sealed);
        return true;
      } catch {
        return false;
      }
    });
    if (!key) {
      throw new DomainError('PRECONDITION_FAILED', `The backup file "${storagePath}" cannot be decrypted with this gateway's SECRETS_KEY (nor SECRETS_KEY_PREVIOUS)`, {
        field: 'storagePath',
      });
    }
  }
  try {
    if (record.compressed) opened = await promisify(gunzip)(opened);
    return JSON.parse(opened.toString('utf8'));
  } catch {
    throw new DomainError('PRECONDITION_FAILED', `The backup file "${storagePath}" cannot be read as a format ${formatVersion} backup`, { field: 'storagePath' });
  }
}

/**
 * The tenant's state as a backup holds it: a full backup's snapshot, or for an incremental
 * its chain back to the full one applied in order, every file verified first.
 */
async function loadSnapshot(actor: Actor, deps: BackupDeps, tenant: Tenant, record: BackupRecord, depth = 0): Promise<TenantSnapshot> {
  const unreadable = () => new DomainError('PRECONDITION_FAILED', `The backup file "${record.storagePath}" cannot be read as a format ${formatVersion} backup`, { field: 'storagePath' });
  const content = await readBackupFile(deps, record);
  if (record.kind === 'FULL') {
    const parsed = snapshotSchema.safeParse(content);
    if (!parsed.success) throw unreadable();
    if (parsed.data.tenant.id !== tenant.id) throw new DomainError('PRECONDITION_FAILED', 'The backup belongs to another tenant', { field: 'storagePath' });
    return parsed.data;
  }
  const parsed = incrementalSchema.safeParse(content);
  if (!parsed.success || depth > 64) throw unreadable();
  if (parsed.data.tenantId !== tenant.id) throw new DomainError('PRECONDITION_FAILED', 'The backup belongs to another tenant', { field: 'storagePath' });
  const base = await actor.prisma.backupRecord.findFirst({ where: { id: parsed.data.baseBackupId, tenantId: tenant.id, status: 'COMPLETED' } });
  if (!base) {
    throw new DomainError('PRECONDITION_FAILED', `The incremental backup "${record.storagePath}" cannot be restored: the backup it builds on is gone`, { field: 'storagePath' });
  }
  return applyIncremental(await loadSnapshot(actor, deps, tenant, base, depth + 1), parsed.data);
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
    if (snapshot.databases) {
      await tx.tenantDatabase.deleteMany({ where: { tenantId: tenant.id } });
      await tx.tenantDatabase.createMany({ data: snapshot.databases.map((database) => ({ tenantId: tenant.id, ...database, status: 'READY' as const })) });
    }
    return updated;
  });
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
    where: { tenantId: tenant.id, createdAt: { lte: timestamp } },
    orderBy: { version: 'desc' },
  });
  if (revision) snapshot.config = { version: revision.version, document: readConfigDocument(revision.document) as unknown as Record<string, unknown> };
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
  const undone = await whileRestoring(actor, tenant, 'RECOVERING', async () => {
    await restoreSnapshot(actor, tenant, snapshot, `${actor.principal!.label} (recovery undone)`);
    return actor.prisma.tenantRecovery.update({ where: { id: recovery.id }, data: { undoneAt: new Date() } });
  });
  return { tenant: await actor.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } }), recovery: undone };
}

/** Deletes a backup's file from every destination holding it. */
export async function removeBackupFiles(deps: Pick<BackupDeps, 'storages'>, record: Pick<BackupRecord, 'destination' | 'copies' | 'storagePath'>): Promise<void> {
  for (const destination of [record.destination, ...record.copies]) await deps.storages.byName(destination).remove(record.storagePath!);
}

/** Who scheduled work acts as. */
function systemActor(prisma: Actor['prisma']): Actor {
  return { prisma, principal: { id: 'scheduler', label: 'backup scheduler', owner: 'GLOBAL', projectId: null, tenantId: null, scopes: new Set(['admin']) } };
}

/**
 * The next scheduled backup of a tenant: full when `full_backup_interval` says so (every Nth
 * scheduled backup) or when the chain cannot be read, otherwise an incremental on top of the
 * previous scheduled backup.
 */
async function nextScheduledBase(actor: Actor, deps: BackupDeps, tenant: Tenant, interval: number, logger?: Logger) {
  const recent = await actor.prisma.backupRecord.findMany({
    where: { tenantId: tenant.id, trigger: 'SCHEDULED', status: 'COMPLETED' },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: interval,
  });
  const sinceFull = recent.findIndex((record) => record.kind === 'FULL');
  if (sinceFull === -1 || sinceFull + 1 >= interval) return undefined;
  try {
    return { record: recent[0]!, snapshot: await loadSnapshot(actor, deps, tenant, recent[0]!) };
  } catch (error) {
    logger?.warn('the previous scheduled backup cannot be read; taking a full backup', { tenant: tenant.slug, error });
    return undefined;
  }
}

/**
 * One round of scheduled backups: every tenant whose backup configuration is enabled and
 * whose last scheduled backup is `frequency_hours` old (or missing) gets one, at most `limit`
 * a round (the rest wait for the next). Returns the backups taken.
 */
export async function runScheduledBackups(
  prisma: Actor['prisma'],
  deps: BackupDeps,
  options: { now?: Date; limit?: number; logger?: Logger } = {},
): Promise<{ taken: BackupRecord[]; failed: number }> {
  const now = options.now ?? new Date();
  const actor = systemActor(prisma);
  const due = await prisma.$queryRaw<{ id: string }[]>`
    SELECT t.id::text AS id
    FROM "Tenant" t JOIN "TenantConfig" c ON c."tenantId" = t.id
    WHERE t.status IN ('ACTIVE', 'SUSPENDED')
      AND (c.document -> 'backup' ->> 'enabled') = 'true'
      AND NOT EXISTS (
        SELECT 1 FROM "BackupRecord" b
        WHERE b."tenantId" = t.id AND b.trigger = 'SCHEDULED' AND b.status IN ('COMPLETED', 'RUNNING', 'PENDING')
          AND b."createdAt" > ${now.toISOString()}::timestamp - make_interval(hours => (c.document -> 'backup' ->> 'frequency_hours')::int)
      )
    ORDER BY t.id
    LIMIT ${options.limit ?? 200}`;
  const taken: BackupRecord[] = [];
  let failed = 0;
  for (const { id } of due) {
    const tenant = await prisma.tenant.findUnique({ where: { id }, include: { config: true } });
    if (!tenant?.config) continue;
    try {
      const { backup } = readConfigDocument(tenant.config.document);
      const base = await nextScheduledBase(actor, deps, tenant, backup.full_backup_interval, options.logger);
      taken.push(await writeBackup(actor, deps, tenant, 'SCHEDULED', base));
    } catch (error) {
      failed += 1;
      options.logger?.error('scheduled backup failed', { tenant: tenant.slug, error });
    }
  }
  return { taken, failed };
}

/**
 * Retention: backups older than the tenant's `retention_days` go, file and record, except a
 * backup a kept incremental builds on and the safety backup of a recovery that can still be
 * undone. Files are removed before records, so a failed removal is retried next round.
 */
export async function pruneBackups(prisma: Actor['prisma'], deps: BackupDeps, options: { now?: Date; limit?: number; logger?: Logger } = {}): Promise<number> {
  const now = options.now ?? new Date();
  const expired = await prisma.$queryRaw<{ id: string; tenantId: string }[]>`
    SELECT b.id::text AS id, b."tenantId"::text AS "tenantId"
    FROM "BackupRecord" b JOIN "TenantConfig" c ON c."tenantId" = b."tenantId"
    WHERE b.status IN ('COMPLETED', 'FAILED')
      AND b."createdAt" < ${now.toISOString()}::timestamp - make_interval(days => (c.document -> 'backup' ->> 'retention_days')::int)
    ORDER BY b."createdAt"
    LIMIT ${options.limit ?? 1000}`;
  if (expired.length === 0) return 0;
  const tenantIds = [...new Set(expired.map((row) => row.tenantId))];
  const candidates = new Set(expired.map((row) => row.id));
  const [records, recoveries] = await Promise.all([
    prisma.backupRecord.findMany({ where: { tenantId: { in: tenantIds } }, select: { id: true, baseBackupId: true, storagePath: true, destination: true, copies: true } }),
    prisma.tenantRecovery.findMany({ where: { tenantId: { in: tenantIds }, undoneAt: null, expiresAt: { gt: now } }, select: { safetyPath: true } }),
  ]);
  const protectedPaths = new Set(recoveries.map((recovery) => recovery.safetyPath));
  for (const record of records) if (record.storagePath && protectedPaths.has(record.storagePath)) candidates.delete(record.id);
  // A base stays while anything kept builds on it, and so on down the chain.
  let changed = true;
  while (changed) {
    changed = false;
    for (const record of records) {
      if (!candidates.has(record.id) && record.baseBackupId && candidates.delete(record.baseBackupId)) changed = true;
    }
  }
  let pruned = 0;
  for (const record of records) {
    if (!candidates.has(record.id)) continue;
    try {
      if (record.storagePath) await removeBackupFiles(deps, record);
      await prisma.backupRecord.delete({ where: { id: record.id } });
      pruned += 1;
    } catch (error) {
      options.logger?.error('pruning a backup failed; it is retried next round', { backup: record.id, error });
    }
  }
  return pruned;
}
