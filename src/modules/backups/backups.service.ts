import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { z } from 'zod';
import type { BackupRecord, Prisma, Tenant } from '../../generated/prisma/client.js';
import { DomainError, NotFoundError } from '../../lib/errors.js';
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
 * Restores a tenant to a backup: the file's checksum is verified first (a missing or corrupt
 * file changes nothing), the current state is backed up, then everything restorable is
 * replaced in one transaction; the configuration change is a new revision.
 */
export async function rollbackTenant(actor: Actor, storage: BackupStorage, ref: string, storagePath: string): Promise<RollbackResult> {
  const tenant = await resolveTenant(actor, ref, 'backups:write');
  const record = await actor.prisma.backupRecord.findFirst({ where: { tenantId: tenant.id, storagePath, status: 'COMPLETED' } });
  if (!record) throw new NotFoundError(`No completed backup of this tenant at "${storagePath}"`, { field: 'storagePath' });
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

  const safetyBackup = await writeBackup(actor, storage, tenant, 'SAFETY');
  const principal = actor.principal!;
  const restored = await actor.prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM "TenantConfig" WHERE "tenantId" = ${tenant.id}::uuid FOR UPDATE`;
    const { id: _id, slug: _slug, expiresAt, settings, ...fields } = snapshot.tenant;
    const updated = await tx.tenant.update({
      where: { id: tenant.id },
      data: { ...fields, settings: settings as Prisma.InputJsonObject, expiresAt: expiresAt ? new Date(expiresAt) : null },
    });
    const current = await tx.tenantConfig.findUniqueOrThrow({ where: { tenantId: tenant.id } });
    const document = snapshot.config.document as Prisma.InputJsonObject;
    const version = current.version + 1;
    await tx.tenantConfig.update({ where: { tenantId: tenant.id }, data: { version, document, updatedBy: `${principal.label} (rollback)`, updatedAt: new Date() } });
    await tx.tenantConfigRevision.create({
      data: {
        tenantId: tenant.id,
        version,
        principal: `${principal.label} (rollback to ${storagePath})`,
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
  return { tenant: restored, restoredFrom: record, safetyBackup };
}
