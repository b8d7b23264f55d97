import type { Tenant } from '../../generated/prisma/client.js';
import type { Actor, Scope } from '../../kernel/principal.js';
import { resolveTenant } from '../../kernel/tenant-access.js';
import { resolveTenantContext, type TenantContextSources } from './tenant-context.js';

/** A tenant as a GraphQL caller names it (UUID or slug), or as a Control Core request does (its tenant context). */
export type TenantRef = string | null | { context: TenantContextSources };

/** The one way in for fields that take either: the context rule for a context, `resolveTenant` for a reference. */
export function resolveTenantRef(actor: Actor, ref: TenantRef, scope: Scope): Promise<Tenant> {
  return ref !== null && typeof ref === 'object' ? resolveTenantContext(actor, ref.context, scope) : resolveTenant(actor, ref, scope);
}

/** The GraphQL arguments `tenant` and `context` as one reference: the context wins when given. */
export function tenantRefFrom(args: { tenant?: string | number | null; context?: TenantContextSources | null }): TenantRef {
  if (args.context) return { context: args.context };
  return args.tenant == null ? null : String(args.tenant);
}
