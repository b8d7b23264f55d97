import type { PrismaClient } from '../../generated/prisma/client.js';
import { ForbiddenError, UnauthenticatedError } from '../../lib/errors.js';

export const scopes = [
  'tenants:read',
  'tenants:write',
  'config:read',
  'config:write',
  'features:read',
  'features:write',
  'usage:read',
  'usage:write',
  'limits:read',
  'limits:write',
  'backups:read',
  'backups:write',
  'keys:write',
  'admin',
] as const;
export type Scope = (typeof scopes)[number];

export type Principal = {
  /** The API key's id, or `operator` for GATEWAY_ADMIN_KEY. */
  id: string;
  /** What revisions and logs record as the author. */
  label: string;
  owner: 'GLOBAL' | 'PROJECT' | 'TENANT';
  projectId: string | null;
  tenantId: string | null;
  /** The owning tenant's tier, for tenant keys: what their request quota follows. */
  tenantTier?: 'FREE' | 'BASIC' | 'PRO' | 'ENTERPRISE';
  scopes: ReadonlySet<Scope>;
};

/** What every service function acts as: a database and who is asking. */
export type Actor = {
  prisma: PrismaClient;
  principal: Principal | null;
  /** The first tenant this request resolved: whose usage meter the request counts on. */
  meteredTenantId?: string;
  /** Why the presented credential was refused, when one was presented and refused. */
  authFailure?: string;
};

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has('admin') || principal.scopes.has(scope);
}

export function requireScope(actor: Actor, scope: Scope): Principal {
  const { principal } = actor;
  if (!principal) throw new UnauthenticatedError(actor.authFailure);
  if (!hasScope(principal, scope)) {
    throw new ForbiddenError(`This API key lacks the "${scope}" scope`, { scope });
  }
  return principal;
}
