import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import { enqueueWebhooks } from './webhook-outbox.js';

/**
 * Who the trail records, as far as it needs to know: the part of an Actor it reads, so the
 * gateway acting on its own (`systemActor`) needs no principal or scopes to be recorded.
 */
export type AuditActor = {
  prisma: PrismaClient;
  principal: { id: string; label: string } | null;
  origin?: { requestId?: string; clientAddress?: string };
};

/** What replaces a secret's value in the trail: it is never written, not even sealed. */
export const sealedMark = '[sealed]';

/** `sealedVersion`: for a secret, the TenantSecretVersion holding the sealed value after the change (point-in-time recovery replays it). */
export type AuditChange = { path: string; before: unknown; after: unknown; sealedVersion?: string };
export type AuditEntry = { tenantId: string | null; action: string; target: string; changes: AuditChange[] };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `section.key` for what changed inside object sections, `section` for a changed array or value. */
export function changedPaths(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const paths: string[] = [];
  for (const section of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[section];
    const b = after[section];
    if (isRecord(a) || isRecord(b)) {
      const left = isRecord(a) ? a : {};
      const right = isRecord(b) ? b : {};
      for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
        if (JSON.stringify(left[key]) !== JSON.stringify(right[key])) paths.push(`${section}.${key}`);
      }
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      paths.push(section);
    }
  }
  return paths;
}

function valueAt(document: Record<string, unknown>, path: string): unknown {
  let current: unknown = document;
  for (const key of path.split('.')) current = current && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined;
  return current ?? null;
}

/** The changed paths of two documents, each with its value before and after. */
export function documentChanges(before: Record<string, unknown>, after: Record<string, unknown>): AuditChange[] {
  return changedPaths(before, after).map((path) => ({ path, before: valueAt(before, path), after: valueAt(after, path) }));
}

/** The gateway acting on its own (a migration's cutover, a deployment ending), not at a caller's request. */
export function systemActor(prisma: PrismaClient, id: string, label: string): AuditActor {
  return { prisma, principal: { id: `system:${id}`, label } };
}

/**
 * Records what the gateway changed on a tenant record by itself, as `tenant.updated` with the
 * paths point-in-time recovery replays (`tenant.region`, …); nothing when nothing changed.
 */
export async function recordTenantChange(
  tx: AuditClient,
  actor: AuditActor,
  tenant: { id: string; slug: string },
  before: Record<string, unknown>,
  after: Record<string, unknown>,
) {
  const changes = documentChanges({ tenant: before }, { tenant: after });
  if (changes.length) await recordAudit(tx, actor, { tenantId: tenant.id, action: 'tenant.updated', target: `tenant:${tenant.slug}`, changes });
}

type AuditClient = Pick<Prisma.TransactionClient, 'auditEvent' | 'tenantGatewayConfig' | 'webhookDelivery' | '$queryRaw' | '$executeRaw'>;

/**
 * Runs `change` in a transaction with the audit event it records; when `prisma` is already a
 * transaction (a caller composing several changes, handed on as an Actor's client), in that one.
 */
export function auditedChange<T>(prisma: AuditActor['prisma'], change: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
  // A transaction client has $transaction too (nested, by savepoints, which PGlite's adapter
  // lacks) but never $connect: that tells the two apart.
  const client = prisma as AuditActor['prisma'] & { $connect?: unknown };
  return typeof client.$connect === 'function' ? prisma.$transaction(change) : change(prisma as unknown as Prisma.TransactionClient);
}

/**
 * Writes one audit event with the transaction of the change it records, so a change that rolls
 * back leaves no event and no committed change lacks one; the tenant's webhooks subscribed to
 * the action get it through the outbox in that transaction too.
 */
export async function recordAudit(tx: AuditClient, actor: AuditActor, entry: AuditEntry) {
  const event = await tx.auditEvent.create({ data: eventRow(actor, entry) });
  // The same change, told to the tenant's webhooks through the outbox, in the same transaction.
  if (entry.tenantId) {
    await enqueueWebhooks(tx, {
      id: event.id,
      event: entry.action,
      tenantId: entry.tenantId,
      target: entry.target,
      changes: entry.changes,
      occurredAt: event.createdAt.toISOString(),
    });
  }
  return event;
}

/** The event as stored: who acted, from which request (a write of its own SQL inserts exactly this row). */
export const eventRow = (actor: Pick<AuditActor, 'principal' | 'origin'>, entry: AuditEntry) => ({
  ...entry,
  changes: entry.changes as unknown as Prisma.InputJsonArray,
  actor: actor.principal!.label,
  actorId: actor.principal!.id,
  requestId: actor.origin?.requestId ?? null,
  clientAddress: actor.origin?.clientAddress ?? null,
});

/**
 * A data-plane change's event (a deployment's DDL, an admin query's rows), written before the
 * change commits in the data plane, which is another database: the caller takes it back (the
 * returned function) if that commit then fails, so the trail never holds less than what
 * committed. No webhooks: data-plane events are not in the webhook catalog.
 */
export async function recordDataPlaneAudit(
  prisma: AuditClient,
  actor: Pick<AuditActor, 'principal' | 'origin'>,
  entry: AuditEntry,
): Promise<() => Promise<void>> {
  const event = await prisma.auditEvent.create({ data: eventRow(actor, entry), select: { id: true } });
  return async () => {
    await prisma.auditEvent.deleteMany({ where: { id: event.id } });
  };
}

/** The project-owned state of the data plane (workspaces, blueprints): operator-wide events with the project as target. */
export const projectTarget = (projectId: string) => `project:${projectId}`;
