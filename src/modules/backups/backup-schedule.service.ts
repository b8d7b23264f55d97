import type { BackupRecord, Tenant } from '../../generated/prisma/client.js';
import { DomainError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { readConfigDocument } from '../configs/config-document.js';
import type { Actor } from '../../kernel/principal.js';
import { auditedChange, recordAudit } from '../../kernel/audit-trail.js';
import { auditedBackup, type BackupDeps, loadSnapshot, removeBackupFiles, writeBackup } from './backup-files.js';

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
  // A tenant whose scheduled backups keep failing (a destination that refuses) is retried after
  // 1, 2, 4 … minutes, never more often than its frequency: one failure a period, not one a round.
  const due = await prisma.$queryRaw<{ id: string; failures: number }[]>`
    SELECT t.id::text AS id, f.failures::int AS failures
    FROM "Tenant" t
    JOIN "TenantConfig" c ON c."tenantId" = t.id
    LEFT JOIN LATERAL (
      SELECT count(*) AS failures, max(b."createdAt") AS last_failure
      FROM "BackupRecord" b
      WHERE b."tenantId" = t.id AND b.trigger = 'SCHEDULED' AND b.status = 'FAILED'
        AND b."createdAt" > COALESCE(
          (SELECT max(ok."createdAt") FROM "BackupRecord" ok WHERE ok."tenantId" = t.id AND ok.trigger = 'SCHEDULED' AND ok.status = 'COMPLETED'),
          'epoch'::timestamp)
    ) f ON true
    WHERE t.status IN ('ACTIVE', 'SUSPENDED')
      AND (c.document -> 'backup' ->> 'enabled') = 'true'
      AND NOT EXISTS (
        SELECT 1 FROM "BackupRecord" b
        WHERE b."tenantId" = t.id AND b.trigger = 'SCHEDULED' AND b.status IN ('COMPLETED', 'RUNNING', 'PENDING')
          AND b."createdAt" > ${now.toISOString()}::timestamp - make_interval(hours => (c.document -> 'backup' ->> 'frequency_hours')::int)
      )
      AND (f.failures = 0 OR f.last_failure <= ${now.toISOString()}::timestamp - LEAST(
        make_interval(hours => (c.document -> 'backup' ->> 'frequency_hours')::int),
        make_interval(mins => power(2, LEAST(f.failures - 1, 16))::int)))
    ORDER BY t.id
    LIMIT ${options.limit ?? 200}`;
  const taken: BackupRecord[] = [];
  let failed = 0;
  for (const { id, failures } of due) {
    const tenant = await prisma.tenant.findUnique({ where: { id }, include: { config: true } });
    if (!tenant?.config) continue;
    try {
      const { backup } = readConfigDocument(tenant.config.document);
      const base = await nextScheduledBase(actor, deps, tenant, backup.full_backup_interval, options.logger);
      taken.push(await writeBackup(actor, deps, tenant, 'SCHEDULED', base));
    } catch (error) {
      failed += 1;
      // The gateway's own failures say what went wrong in a sentence; only unexpected ones need a stack.
      const reason = error instanceof DomainError ? { reason: error.message } : { error };
      const retryInMinutes = 2 ** Math.min(failures, 16);
      if (failures === 0) options.logger?.error('scheduled backup failed; retrying with backoff', { tenant: tenant.slug, retryInMinutes, ...reason });
      else options.logger?.warn('scheduled backup still failing', { tenant: tenant.slug, attempts: failures + 1, retryInMinutes, ...reason });
    }
  }
  return { taken, failed };
}

/**
 * Retention: backups older than the tenant's `retention_days` go, file and record, except a
 * backup a kept incremental builds on and the safety backup of a recovery that can still be
 * undone, or one a job is using. Files are removed before records, so a failed removal is
 * retried next round (a failed backup's record goes whatever its destination answers).
 */
export async function pruneBackups(prisma: Actor['prisma'], deps: BackupDeps, options: { now?: Date; limit?: number; logger?: Logger } = {}): Promise<number> {
  const now = options.now ?? new Date();
  const expired = await prisma.$queryRaw<{ id: string; tenantId: string }[]>`
    SELECT b.id::text AS id, b."tenantId"::text AS "tenantId"
    FROM "BackupRecord" b JOIN "TenantConfig" c ON c."tenantId" = b."tenantId"
    WHERE b.status IN ('COMPLETED', 'FAILED')
      -- A backup a job is about to restore (or write) stays until the job ends.
      AND NOT EXISTS (SELECT 1 FROM "BackupJob" j WHERE j."backupId" = b.id AND j.status IN ('PENDING', 'RUNNING'))
      AND b."createdAt" < ${now.toISOString()}::timestamp - make_interval(days => (c.document -> 'backup' ->> 'retention_days')::int)
    ORDER BY b."createdAt"
    LIMIT ${options.limit ?? 1000}`;
  if (expired.length === 0) return 0;
  const tenantIds = [...new Set(expired.map((row) => row.tenantId))];
  const candidates = new Set(expired.map((row) => row.id));
  const [records, recoveries] = await Promise.all([
    prisma.backupRecord.findMany({
      where: { tenantId: { in: tenantIds } },
      select: {
        id: true,
        tenantId: true,
        status: true,
        baseBackupId: true,
        storagePath: true,
        destination: true,
        copies: true,
        files: { select: { storagePath: true } },
        trigger: true,
        kind: true,
        compressed: true,
        encrypted: true,
      },
    }),
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
      if (record.storagePath && record.status === 'FAILED') {
        // A failed backup's file was removed when it failed, or never got its name: what is left
        // is removed if the destination answers, and the record goes either way (a destination
        // gone for good must not hold retention up).
        await removeBackupFiles(deps, record).catch(() => undefined);
      } else if (record.storagePath) {
        await removeBackupFiles(deps, record);
      }
      await auditedChange(prisma, async (tx) => {
        await tx.backupRecord.delete({ where: { id: record.id } });
        await recordAudit(tx, systemActor(prisma), {
          tenantId: record.tenantId,
          action: 'backup.deleted',
          target: `backup:${record.storagePath ?? record.id}`,
          changes: [{ path: `backups.${record.id}`, before: auditedBackup(record), after: null }],
        });
      });
      pruned += 1;
    } catch (error) {
      options.logger?.error('pruning a backup failed; it is retried next round', { backup: record.id, error });
    }
  }
  return pruned;
}
