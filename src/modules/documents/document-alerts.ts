import type { DocumentKind, Tenant } from '../../generated/prisma/client.js';
import type { Actor } from '../../kernel/principal.js';
import { documentKinds } from './document-kinds.js';

/**
 * Raises, changes or resolves the alert on one of a tenant's document limits after its count
 * changed: WARNING from 80 %, CRITICAL from 100 %, resolved below 80 %. A level change resolves
 * the old alert and raises a new one, so the history shows when each threshold was crossed.
 */
export async function reconcileDocumentAlert(
  db: Actor['prisma'],
  tenant: Pick<Tenant, 'id' | 'maxPolicies' | 'maxBouncers'>,
  kind: DocumentKind,
): Promise<void> {
  const field = documentKinds[kind].limitField;
  if (!field) return;
  const limit = tenant[field];
  const used = await db.tenantDocument.count({ where: { tenantId: tenant.id, kind } });
  const level = limit <= 0 ? null : used >= limit ? 'CRITICAL' : used * 100 >= limit * 80 ? 'WARNING' : null;
  const active = await db.documentLimitAlert.findFirst({ where: { tenantId: tenant.id, kind, resolvedAt: null } });
  if (active?.level === level && active.limit === limit) return;
  if (active) await db.documentLimitAlert.update({ where: { id: active.id }, data: { resolvedAt: new Date() } });
  if (level) await db.documentLimitAlert.create({ data: { tenantId: tenant.id, kind, level, used, limit } });
}

/** "Approaching policy limit (80% of 1000)", "Policy limit reached (100% of 1000)" */
export function documentAlertMessage(alert: { kind: DocumentKind; level: 'WARNING' | 'CRITICAL'; limit: number }): string {
  const noun = documentKinds[alert.kind].noun;
  return alert.level === 'WARNING'
    ? `Approaching ${noun} limit (80% of ${alert.limit})`
    : `${noun.charAt(0).toUpperCase()}${noun.slice(1)} limit reached (100% of ${alert.limit})`;
}
