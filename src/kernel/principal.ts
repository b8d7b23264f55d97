import type { PrismaClient } from '../generated/prisma/client.js';
import { ForbiddenError, UnauthenticatedError } from '../lib/errors.js';

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
  'policies:read',
  'policies:write',
  'resources:read',
  'resources:write',
  'bouncers:read',
  'bouncers:write',
  'billing:read',
  'billing:write',
  'domains:read',
  'domains:write',
  'deployments:read',
  'deployments:write',
  'secrets:read',
  'secrets:write',
  'workspaces:read',
  'workspaces:write',
  'routes:call',
  'admin',
] as const;
export type Scope = (typeof scopes)[number];

/** Where a tenant stands as its own keys see it; a deleted tenant's keys authenticate as nothing. */
export type TenantStanding = 'ACTIVE' | 'SUSPENDED' | 'EXPIRED';

export type Principal = {
  /** The API key's id, or `operator` for GATEWAY_ADMIN_KEY. */
  id: string;
  /** The stored API key this principal authenticated with (none for the operator key or a JWT): whose `lastUsedAt` a request moves. */
  keyId?: string;
  /** When the credential stops being valid of itself (a JWT's `exp`): a subscription opened with it ends then. */
  expiresAt?: Date;
  /** What revisions and logs record as the author. */
  label: string;
  owner: 'GLOBAL' | 'PROJECT' | 'TENANT';
  projectId: string | null;
  tenantId: string | null;
  /** The owning tenant's id as the legacy APIs show it (its slug), for tenant keys: what a refusal about its own tenant names. */
  tenantSlug?: string;
  /** The owning tenant's tier, for tenant keys: what their request quota follows. */
  tenantTier?: 'FREE' | 'BASIC' | 'PRO' | 'ENTERPRISE';
  /** The owning tenant's own per-minute limit (its gateway configuration's rateLimit), for tenant keys: it only ever lowers the tier's. */
  tenantQuotaPerMinute?: number;
  /** The owning project's plan, for project keys (not a tenant's): what their per-minute quota follows (seed 002: API requests per minute, per project). */
  projectTier?: 'FREE' | 'BASIC' | 'PRO' | 'ENTERPRISE';
  /** The owning tenant's standing, for tenant keys: a suspended or expired tenant's keys only read. */
  tenantStanding?: TenantStanding;
  scopes: ReadonlySet<Scope>;
};

/** What every service function acts as: a database and who is asking. */
export type Actor = {
  prisma: PrismaClient;
  principal: Principal | null;
  /** The first tenant this request resolved: whose usage meter the request counts on. */
  meteredTenantId?: string;
  /** Every tenant this request resolved (`*` once it listed tenants): what a cached answer of it is dropped with. */
  cacheTags?: Set<string>;
  /** Why the presented credential was refused, when one was presented and refused. */
  authFailure?: string;
  /** Told when a change makes what this process remembers about keys stale (a revocation, a tenant's state or plan). */
  credentialsChanged?: () => void;
  /** The request being served, for the audit trail. */
  origin?: { requestId?: string; clientAddress?: string };
  /** Where tenants' default domains are (CONTROL_CORE_BASE_DOMAIN), and the API's own names there: how a request's Host names a tenant. */
  domains?: { baseDomain: string; apiHosts?: readonly string[] };
  /** Aborted when the request's client goes away: what runs for it on the data plane is cancelled. */
  signal?: AbortSignal;
};

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has('admin') || principal.scopes.has(scope);
}

export const isReadScope = (scope: Scope) => scope.endsWith(':read');

/**
 * The one gate of every credential: the scope, then the owning tenant's standing. The keys
 * of a suspended or expired tenant keep their read scopes and lose every other, whatever
 * route or field asks, so the tenant can neither work on nor undo its own state.
 */
export function requireScope(actor: Actor, scope: Scope): Principal {
  const { principal } = actor;
  if (!principal) throw new UnauthenticatedError(actor.authFailure);
  if (!hasScope(principal, scope)) {
    throw new ForbiddenError(`This API key lacks the "${scope}" scope`, { scope });
  }
  const standing = principal.tenantStanding ?? 'ACTIVE';
  if (principal.owner === 'TENANT' && standing !== 'ACTIVE' && !isReadScope(scope)) {
    throw new ForbiddenError(`This API key's tenant is ${standing}: its keys may only read`, { scope, tenantStatus: standing });
  }
  return principal;
}
