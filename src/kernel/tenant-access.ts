import type { Prisma, Tenant } from '../generated/prisma/client.js';
import type { PlanTier, TenantStatus } from '../generated/prisma/enums.js';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../lib/errors.js';
import { extend } from '../lib/extend.js';
import { type TenantState, tenantStateWhere } from './tenant-state.js';
import { type Actor, type Principal, requireScope, type Scope, type TenantStanding } from './principal.js';

/** Cached answers' tags (graphql/response-cache-store.ts): every tenant's (a list), and one that must not be kept (it depends on more than the change feed announces). */
export const everyTenant = '*';
export const uncacheable = '!';

/** The longest a tenant reference can be: a slug (2 to 64 characters) or a UUID (36). A longer one names no tenant. */
export const maxTenantRefLength = 64;

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The tenants a principal may see: anything outside this is, to them, a tenant that does not exist. */
export function reachableTenants(principal: Principal): Prisma.TenantWhereInput {
  switch (principal.owner) {
    case 'GLOBAL':
      return {};
    case 'PROJECT':
      return { projectId: principal.projectId };
    case 'TENANT':
      return { id: principal.tenantId ?? undefined };
  }
}

/**
 * A tenant as its own keys see it. A restore or recovery in progress keeps the standing it
 * started from; past `expiresAt` the tenant is EXPIRED until an operator extends or clears it.
 */
export function tenantStanding(tenant: Pick<Tenant, 'status' | 'statusBeforeRestore' | 'expiresAt'>, now = Date.now()): TenantStanding | 'DELETED' {
  const status = tenant.status === 'RESTORING' || tenant.status === 'RECOVERING' ? (tenant.statusBeforeRestore ?? 'ACTIVE') : tenant.status;
  if (status === 'DELETED') return 'DELETED';
  if (status === 'SUSPENDED') return 'SUSPENDED';
  if (tenant.expiresAt && tenant.expiresAt.getTime() <= now) return 'EXPIRED';
  return 'ACTIVE';
}

/**
 * Plan, limits, isolation, expiry and lifecycle are set for a tenant, never by it: an operator
 * or the tenant's project decides them. `act` says what was refused ("change tier", "suspend
 * the tenant"); `field` names the input field when there is one.
 */
export function assertNotTenantsOwnAct(principal: Principal, act: string, field?: string): void {
  if (principal.owner !== 'TENANT') return;
  throw new ForbiddenError(
    `A tenant API key cannot ${act}: plan, limits, isolation, expiry and lifecycle are set by an operator or the tenant's project`,
    field ? { field } : {},
  );
}

export function tenantRefWhere(ref: string): Prisma.TenantWhereInput {
  return uuidPattern.test(ref) ? { id: ref.toLowerCase() } : { slug: ref };
}

/** The tenants a reference matches, fetched in this order and at most two at a time, for `tenantNamed`. */
export const tenantRefLookup = { orderBy: { projectId: { sort: 'asc', nulls: 'first' } }, take: 2 } satisfies Pick<
  Prisma.TenantFindManyArgs,
  'orderBy' | 'take'
>;

/**
 * Slugs are unique within a project and among tenants with no project, so for a caller who
 * reaches several projects (an operator) one slug may match several tenants. A tenant with no
 * project wins: the other dialects' tenants keep their names whatever a TenantsDB project calls
 * its own. Otherwise two project tenants by that slug are CONFLICT: name the tenant by its id.
 * `found` is what `tenantRefLookup` fetched.
 */
export function tenantNamed<T extends Pick<Tenant, 'id' | 'projectId'>>(found: T[], ref: string): T | null {
  const [first, second] = found;
  if (!first || first.projectId === null || !second) return first ?? null;
  throw new ConflictError(`Tenant "${ref}" is ambiguous: tenants in several projects have that id; name the tenant by its UUID (for example ${first.id})`, {
    field: 'tenant',
    tenant: ref,
    ambiguous: true,
  });
}

/**
 * The one way into a tenant: checks the scope, then finds the tenant by UUID or slug
 * among those the principal may see (a project key's slugs are its project's; an operator's
 * follow `tenantNamed`). A tenant out of reach is NOT_FOUND, exactly like one that does not
 * exist. `query` (a Prisma include/select, e.g. Pothos's) loads relations in the same statement.
 */
export async function resolveTenant<T extends Tenant = Tenant>(
  actor: Actor,
  ref: string | null | undefined,
  scope: Scope,
  query: { include?: Prisma.TenantInclude; select?: Prisma.TenantSelect } = {},
): Promise<T> {
  const principal = requireScope(actor, scope);
  // Given empty, a tenant is not absent: read as the key's own tenant (or, for a list, as every
  // tenant) it would answer a question the caller did not ask.
  if (ref != null && !ref.trim()) {
    throw new InvalidInputError([{ field: 'tenant', rule: 'required', message: 'tenant must not be empty: name a tenant by UUID or slug' }]);
  }
  if (!ref) {
    if (!principal.tenantId) {
      throw new InvalidInputError([{ field: 'tenant', rule: 'required', message: 'Name the tenant: this API key is not owned by one tenant' }]);
    }
    ref = principal.tenantId;
  }
  const found = await actor.prisma.tenant.findMany(
    extend(query, {
      where: { AND: [tenantRefWhere(ref), reachableTenants(principal)] },
      relationLoadStrategy: 'join' as const,
      ...tenantRefLookup,
      ...(query.select ? { select: extend(query.select, { id: true, projectId: true }) } : {}),
    }),
  );
  const tenant = tenantNamed(found, ref);
  if (!tenant) throw new NotFoundError('Tenant does not exist', { tenant: ref });
  actor.meteredTenantId ??= (tenant as Tenant).id;
  const tags = (actor.cacheTags ??= new Set());
  tags.add((tenant as Tenant).id);
  // Which tenant a slug names (or whether it is ambiguous) depends on other tenants' rows.
  if (!uuidPattern.test(ref)) tags.add(everyTenant);
  return tenant as T;
}

/**
 * The one rule for work that needs a live tenant: a tenant in the trash is CONFLICT with
 * `currentStatus: DELETED` (dialects render their own trash message from it); a tenant being
 * restored or recovered is CONFLICT until that ends, so no change lands under a restore (a
 * rollback job would overwrite it, or be mixed with it).
 */
export function assertLive(tenant: Pick<Tenant, 'slug' | 'status'>, action: string): void {
  if (tenant.status === 'DELETED') {
    throw new ConflictError(`Cannot ${action} tenant "${tenant.slug}": it is DELETED; restore it first`, {
      currentStatus: tenant.status,
      slug: tenant.slug,
    });
  }
  assertNotRestoring(tenant, action);
}

export function assertNotRestoring(tenant: Pick<Tenant, 'slug' | 'status'>, action: string): void {
  if (tenant.status === 'RESTORING' || tenant.status === 'RECOVERING') {
    throw new ConflictError(`Cannot ${action} tenant "${tenant.slug}" while it is ${tenant.status.toLowerCase()}; wait for it to finish`, {
      currentStatus: tenant.status,
    });
  }
}

export type TenantFilter = {
  status?: TenantStatus | null;
  state?: TenantState | null;
  tier?: PlanTier | null;
  region?: string | null;
  /** Part of the name or the slug, any case. */
  search?: string | null;
};

const maxSearchLength = 100;

function searchWhere(search: string | null | undefined): Prisma.TenantWhereInput {
  const text = search?.trim();
  if (!text) return {};
  if (text.length > maxSearchLength) {
    throw new InvalidInputError([{ field: 'filter.search', rule: 'maxLength', message: `filter.search is at most ${maxSearchLength} characters` }]);
  }
  return { OR: [{ name: { contains: text, mode: 'insensitive' } }, { slug: { contains: text.toLowerCase() } }] };
}

export function listTenantsWhere(actor: Actor, filter: TenantFilter = {}): Prisma.TenantWhereInput {
  const principal = requireScope(actor, 'tenants:read');
  // A list changes with any tenant: its cached answer goes with every change. Filtered by
  // state it also moves with databases' phases and the clock: not kept at all.
  (actor.cacheTags ??= new Set()).add(filter.state ? uncacheable : everyTenant);
  return {
    AND: [
      reachableTenants(principal),
      filter.status || filter.state === 'DELETED' ? {} : { status: { not: 'DELETED' } },
      filter.status ? { status: filter.status } : {},
      filter.state ? tenantStateWhere(filter.state) : {},
      filter.tier ? { tier: filter.tier } : {},
      filter.region ? { region: filter.region } : {},
      searchWhere(filter.search),
    ],
  };
}
