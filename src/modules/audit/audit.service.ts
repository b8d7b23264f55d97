import type { Prisma } from '../../generated/prisma/client.js';
import { ForbiddenError } from '../../lib/errors.js';
import { type Actor, requireScope } from '../../kernel/principal.js';
import { resolveTenant } from '../../kernel/tenant-access.js';

export type AuditFilter = { action?: string | null; actor?: string | null; since?: Date | null; until?: Date | null };

/**
 * Which events a caller reads: one tenant's (whoever may read its configuration), or, without a
 * tenant, every tenant's (operators only). `action` ending in `*` matches a prefix (`role.*`);
 * `actor` is a principal's label or id.
 */
export async function auditLogWhere(actor: Actor, ref: string | null | undefined, filter: AuditFilter = {}): Promise<Prisma.AuditEventWhereInput> {
  let scope: Prisma.AuditEventWhereInput;
  if (ref) {
    scope = { tenantId: (await resolveTenant(actor, ref, 'config:read')).id };
  } else {
    const principal = requireScope(actor, 'admin');
    if (principal.owner !== 'GLOBAL') throw new ForbiddenError('Only an operator reads the audit log of every tenant: name the tenant');
    scope = {};
  }
  const action = filter.action ?? undefined;
  return {
    AND: [
      scope,
      action ? (action.endsWith('*') ? { action: { startsWith: action.slice(0, -1) } } : { action }) : {},
      filter.actor ? { OR: [{ actor: filter.actor }, { actorId: filter.actor }] } : {},
      filter.since || filter.until ? { createdAt: { ...(filter.since ? { gte: filter.since } : {}), ...(filter.until ? { lt: filter.until } : {}) } } : {},
    ],
  };
}
