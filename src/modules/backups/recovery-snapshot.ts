import type { BackupRecord, Prisma, Tenant } from '../../generated/prisma/client.js';
import type { AuditChange } from '../../kernel/audit-trail.js';
import { readConfigDocument } from '../configs/config-document.js';
import { revisionsWhere } from '../configs/revisions.js';
import type { Actor } from '../../kernel/principal.js';
import { type BackupDeps, loadSnapshot } from './backup-files.js';
import type { TenantSnapshot } from './snapshot.js';
import { replayChange, type SealedVersions } from './snapshot-replay.js';

/**
 * A change whose transaction began before the backup read the tenant commits after it, yet
 * carries an earlier time: replay starts this long before the backup. Safe, since every change
 * sets its paths to their values after it, and they are applied in order.
 */
export const replayOverlapMs = 60_000;

/** The sealed values of the secret versions the events name. */
async function sealedVersions(actor: Actor, tenantId: string, changes: { sealedVersion?: string }[]): Promise<SealedVersions> {
  const ids = changes.flatMap((change) => (change.sealedVersion ? [change.sealedVersion] : []));
  if (ids.length === 0) return new Map();
  const rows = await actor.prisma.tenantSecretVersion.findMany({ where: { tenantId, id: { in: ids } }, select: { id: true, sealed: true } });
  return new Map(rows.map((row) => [row.id, Buffer.from(row.sealed).toString('base64')]));
}

/** The backup's state carried forward to `timestamp` by the tenant's audit events after it, in order. */
async function replayUntil(actor: Actor, tenant: Tenant, snapshot: TenantSnapshot, timestamp: Date): Promise<TenantSnapshot> {
  const events = await actor.prisma.auditEvent.findMany({
    where: { tenantId: tenant.id, createdAt: { gt: new Date(new Date(snapshot.takenAt).getTime() - replayOverlapMs), lte: timestamp } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { changes: true },
  });
  const changes = events.flatMap((event) => event.changes as unknown as AuditChange[]);
  const versions = await sealedVersions(actor, tenant.id, changes);
  for (const change of changes) replayChange(snapshot, change, versions);
  return snapshot;
}

/**
 * The tenant as of `timestamp`: the base backup (the last completed before it), carried
 * forward by the tenant's audit events up to it, with the configuration and gateway
 * configuration revisions in force at it (whole documents, webhook secrets sealed). The same
 * instant gives the same state, so a recovery job resumed after a restart restores what the
 * request checked.
 */
export async function recoverySnapshot(actor: Actor, deps: BackupDeps, tenant: Tenant, base: BackupRecord, timestamp: Date): Promise<TenantSnapshot> {
  const snapshot = await replayUntil(actor, tenant, await loadSnapshot(actor, deps, tenant, base), timestamp);
  const inForce = (kind: 'config' | 'gateway') =>
    actor.prisma.tenantConfigRevision.findFirst({ where: { ...revisionsWhere(tenant.id, kind), createdAt: { lte: timestamp } }, orderBy: { version: 'desc' } });
  const revision = await inForce('config');
  if (revision) snapshot.config = { version: revision.version, document: readConfigDocument(revision.document) as unknown as Record<string, unknown> };
  const gatewayRevision = await inForce('gateway');
  if (gatewayRevision) snapshot.gatewayConfig = { version: gatewayRevision.version, document: gatewayRevision.document as Record<string, unknown> };
  else if (snapshot.gatewayConfig !== undefined) snapshot.gatewayConfig = null;
  return snapshot;
}

export const recoveryUndoWindowMs = 24 * 3_600_000;

/** How a recovery is written in the trail and in the revisions it makes. */
export const recoveryAuthor = (label: string, timestamp: Date) => `${label} (recovery to ${timestamp.toISOString()})`;
export const recoveryAudit = (timestamp: Date) => ({ action: 'backup.recovered', target: `recovery:${timestamp.toISOString()}` });
export const recoveryUndoAuthor = (label: string) => `${label} (recovery undone)`;
export const recoveryUndoAudit = (timestamp: Date) => ({ action: 'backup.recovery_undone', target: `recovery:${timestamp.toISOString()}` });

/**
 * Where the tenant's databases are when it is recovered: the data-plane server of its first
 * database's placement (by blueprint), as seed 002's `recovery_undo.original_host` names it; null
 * for a tenant without a placed database. Recovery restores rows in place, so the undo's state is
 * on that server too.
 */
export async function recoveryHost(prisma: Pick<Prisma.TransactionClient, 'tenantDatabase'>, tenantId: string): Promise<string | null> {
  const first = await prisma.tenantDatabase.findFirst({
    where: { tenantId, placementId: { not: null } },
    orderBy: { blueprint: 'asc' },
    select: { placement: { select: { database: { select: { server: true } } } } },
  });
  return first?.placement?.database.server ?? null;
}
