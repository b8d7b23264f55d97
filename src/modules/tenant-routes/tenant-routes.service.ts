import { randomUUID } from 'node:crypto';
import type { ResourceLimit, Tenant } from '../../generated/prisma/client.js';
import { DomainError, ForbiddenError, InvalidInputError, NotFoundError } from '../../lib/errors.js';
import type { Keyring } from '../../lib/keyring.js';
import { type Actor, hasScope, requireScope } from '../../kernel/principal.js';
import type { RememberedTenants } from '../../kernel/remembered-tenants.js';
import { type GatewayConfigDocument, readGatewayConfig } from '../../kernel/gateway-config-spec.js';
import { assertLive, everyTenant, reachableTenants, resolveTenant, tenantStanding, uuidPattern } from '../../kernel/tenant-access.js';
import { defaultDomainSettings } from '../tenants/default-domains.js';
import { hostClaim, tenantIdByHost } from '../tenants/tenant-hosts.js';
import { enqueueWebhooks } from '../../kernel/webhook-outbox.js';
import { openSecretValue, tenantDataKey } from '../secrets/envelope.js';
import { callStats } from '../usage/call-stats.js';
import { parseMonth } from '../usage/periods.js';
import { type GateWarnings, gateMeteredCall } from '../usage/limit-usage.js';
import type { UsageMeter } from '../usage/meter.js';
import { type RouteCachePolicy, routeCachePolicy } from './route-cache-policy.js';
import { endUserLimitFor, type RouteLimit, routeLimitFor } from './route-limits.js';
import { matchRoute, type TenantRoute, upstreamUrl } from './route-table.js';

/** What one call to a tenant's route goes out as. */
export type PlannedCall = {
  tenant: Pick<Tenant, 'id' | 'slug'>;
  route: TenantRoute;
  /** `GET /items/{id}`: what the call is metered and logged as. */
  endpoint: string;
  /** The upstream URL, without a query credential (what a kept answer is keyed by). */
  url: URL;
  /** Opens the route's credential for this call only: the URL to send (a query credential added) and the headers it adds. */
  credential: () => Promise<{ url: URL; headers: Record<string, string> }>;
  timeoutMs: number;
  /** The tenant's own limit the call counts on (counted by the caller of this function, before the credential is opened). */
  limit: RouteLimit | null;
  /** Whether the answer's `usage` is metered as llm tokens (an OpenAI-compatible upstream). */
  llm: boolean;
  /** Spent `WARN` resource limits: the call goes through, answered with a warning. */
  warnings: GateWarnings;
  /** How the answer may be kept, and under which configuration version; null when it is not. */
  cache: (RouteCachePolicy & { version: number }) | null;
  /** Whether a webhook subscribes to `route.called` (every call) or `route.failed`. */
  announces: { called: boolean; failed: boolean };
};

/** The resources a tenant route's call is metered in as it goes (bytes each way; tokens for an LLM upstream). */
export const routeResources = { bandwidth: { resource: 'bandwidth', metric: 'bytes' }, llm: { resource: 'llm', metric: 'tokens' } } as const;

/** A route the configuration holds but that sends nowhere yet. */
export class RouteWithoutUpstreamError extends DomainError {
  constructor(route: TenantRoute, index: number) {
    super(
      'PRECONDITION_FAILED',
      `Route ${route.method} ${route.path} has no upstream: set routes.${index}.upstream.url in the tenant's gateway configuration`,
      {
        field: `routes.${index}.upstream`,
        rule: 'required',
      },
    );
  }
}

/** The call's path matched routes, none with its method. */
export class MethodNotAllowedError extends DomainError {
  constructor(
    method: string,
    path: string,
    readonly methodsAllowed: string[],
  ) {
    super('NOT_FOUND', `No route of this tenant for ${method} ${path}; its routes there take ${methodsAllowed.join(', ')}`, { methodsAllowed });
  }

  override get headers(): Record<string, string> {
    return { allow: this.methodsAllowed.join(', ') };
  }
}

/** The headers (or query parameter) a route's credential adds, its secret opened for this call only. */
async function credentialFor(
  actor: Actor,
  keyring: Keyring,
  tenantId: string,
  document: GatewayConfigDocument,
  route: TenantRoute,
  url: URL,
): Promise<Record<string, string>> {
  if (!route.credential) return {};
  const credential = document.credentials[route.credential];
  if (!credential) throw new NotFoundError(`Route ${route.method} ${route.path} names credential "${route.credential}", which is not defined`);
  const row = await actor.prisma.tenantSecret.findUnique({ where: { tenantId_name: { tenantId, name: credential.secret } }, select: { sealed: true } });
  if (!row) {
    throw new NotFoundError(`Credential "${route.credential}" names secret ${credential.secret}, which is not stored`, {
      field: `credentials.${route.credential}.secret`,
      rule: 'unknown_secret',
    });
  }
  const secret = openSecretValue(await tenantDataKey(actor.prisma, keyring, tenantId), tenantId, credential.secret, row.sealed);
  switch (credential.type) {
    case 'bearer':
      return { authorization: `Bearer ${secret}` };
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`${credential.username ?? ''}:${secret}`).toString('base64')}` };
    case 'api_key':
      return { [(credential.header ?? 'X-API-Key').toLowerCase()]: secret };
    case 'header':
      return { [credential.header!.toLowerCase()]: secret };
    case 'query':
      url.searchParams.set(credential.parameter!, secret);
      return {};
  }
}

type Call = { method: string; path: string; search: string };
type TenantWithGatewayConfig = Tenant & { gatewayConfig: { document: unknown; version?: number } | null };

/** The route a call names in the tenant's gateway configuration, and where it would go: NOT_FOUND, 405 or 501 when nowhere. */
function routeOf(document: GatewayConfigDocument, call: Call) {
  const matched = matchRoute(document.routes, call.method, call.path);
  if (!('route' in matched)) {
    if (matched.methodsAllowed.length) throw new MethodNotAllowedError(call.method, call.path, matched.methodsAllowed);
    throw new NotFoundError(`No route of this tenant for ${call.method} ${call.path}`, { path: call.path });
  }
  const { route, index, parameters } = matched;
  if (!route.upstream) throw new RouteWithoutUpstreamError(route, index);
  const url = upstreamUrl(route.upstream.url, parameters, call.search);
  if (!url) throw new NotFoundError(`No route of this tenant for ${call.method} ${call.path}: its parameters do not make an upstream URL`, { path: call.path });
  return { route, index, url, limit: routeLimitFor(document.rateLimit, route) };
}

type RoutingTenant = TenantWithGatewayConfig & { resourceLimits: ResourceLimit[] };

/**
 * The tenant a call names (as `resolveTenant` finds it for the caller), with its gateway
 * configuration read and the limits a route's call is gated on: one statement, or none when
 * `remembered` holds it (kept per reach of the caller, since who may see a tenant is part of the read).
 */
async function routingTenant(
  actor: Actor,
  ref: string | null,
  host: string | null | undefined,
  remembered: RememberedTenants | undefined,
): Promise<{ tenant: RoutingTenant; document: GatewayConfigDocument }> {
  const principal = requireScope(actor, 'routes:call');
  const settings = actor.domains ?? defaultDomainSettings;
  const claim = hostClaim(host, settings);
  const load = async () => {
    // The Host names a tenant when it is one's default domain or verified custom domain, among those the caller reaches.
    const hostTenant = await tenantIdByHost(actor.prisma, claim, settings.baseDomain, reachableTenants(principal));
    if (!hostTenant && claim.kind === 'tenant') throw new NotFoundError('Tenant does not exist', { tenant: claim.name });
    const tenant = await resolveTenant<RoutingTenant>(actor, ref || hostTenant, 'routes:call', {
      include: {
        gatewayConfig: { select: { document: true, version: true } },
        resourceLimits: { where: { OR: Object.values(routeResources).map(({ resource, metric }) => ({ resource, metric })) } },
      },
    });
    if (hostTenant && hostTenant !== tenant.id) {
      throw new InvalidInputError([
        {
          field: 'host',
          rule: 'tenant_context_conflict',
          message: `The X-Tenant-ID header names tenant ${ref} but the Host header names ${(claim as { name: string }).name}`,
        },
      ]);
    }
    return { tenant, document: readGatewayConfig(tenant.gatewayConfig?.document) };
  };
  // One entry per tenant however its UUID is spelled.
  const given = ref || principal.tenantId;
  const named = given && uuidPattern.test(given) ? given.toLowerCase() : given;
  if (!remembered || (!named && claim.kind === 'none')) return load();
  // Which tenant a Host names depends on other tenants' rows (their domains): such a read is dropped on any tenant's change.
  const key = `routes ${principal.owner} ${principal.projectId ?? ''} ${principal.tenantId ?? ''} ${named ?? ''} ${claim.kind === 'none' ? '' : claim.name}`;
  // Weighed by its configuration's text: what a tenant's routes, credentials and rules hold.
  const weigh = ({ tenant }: Awaited<ReturnType<typeof load>>) => 2_048 + JSON.stringify(tenant.gatewayConfig?.document ?? null).length * 2;
  return remembered.through(key, claim.kind === 'none' && named ? named : everyTenant, load, weigh);
}

/**
 * The one rule of a call to a tenant's route: the caller's key may call the tenant's routes
 * (`routes:call`; the tenant from the key, or `X-Tenant-ID` for operator and project keys), the
 * tenant is active, a route of its gateway configuration matches the method and the path (what
 * follows the routes' prefix), it has an upstream, and the tenant's own rate limit for it is not
 * spent. Answers the call to send: the upstream URL with the path's parameters, and the route's
 * credential.
 */
export async function planTenantCall(
  actor: Actor,
  keyring: Keyring,
  call: Call & { tenantRef: string | null; host?: string | null; header?: (name: string) => string | null },
  options: {
    /** Counts the call on the tenant's limit (the rate-limit store); throws RATE_LIMITED when spent. Absent when rate limits are off. */
    countLimit?: (tenant: Pick<Tenant, 'id' | 'slug'>, limit: RouteLimit) => Promise<void>;
    /** This process's metering, whose unwritten amounts count against resource limits; absent when metering is off. */
    meter?: UsageMeter;
    /** Where the tenant's rows are kept between calls (dropped when the tenant changes); absent, every call reads them. */
    remembered?: RememberedTenants;
  } = {},
): Promise<PlannedCall> {
  const { tenant, document } = await routingTenant(actor, call.tenantRef, call.host, options.remembered);
  assertLive(tenant, 'call the routes of');
  // Suspended or past its expiry: whoever calls, operator included, the routes do not answer (and no credential is opened).
  const standing = tenantStanding(tenant);
  if (standing !== 'ACTIVE') throw new ForbiddenError(`Tenant "${tenant.slug}" is ${standing}: its routes do not answer`, { tenantStatus: standing });
  const { route, url, limit } = routeOf(document, call);
  const llm = route.upstream!.llm === true;
  // A spent BLOCK limit on bytes (or on tokens, for an LLM upstream) refuses the call before anything is sent (and before it counts on the rate limit).
  const gated = tenant.resourceLimits.filter((entry) => llm || entry.resource !== routeResources.llm.resource);
  const warnings = await gateMeteredCall(actor.prisma, options.meter, tenant, gated);
  // The end user's window after the route's limit admits the call: end users' windows are made only as fast as the tenant's limit allows.
  const endUserLimit = endUserLimitFor(document.rateLimit, call.header ?? (() => null));
  if (limit) await options.countLimit?.(tenant, limit);
  if (endUserLimit) await options.countLimit?.(tenant, endUserLimit);
  const policy = routeCachePolicy(document.cache, route, call.method);
  return {
    tenant,
    route,
    endpoint: `${route.method} ${route.path}`,
    url,
    credential: async () => {
      const sent = new URL(url);
      return { url: sent, headers: await credentialFor(actor, keyring, tenant.id, document, route, sent) };
    },
    timeoutMs: route.upstream!.timeoutMs,
    limit,
    llm,
    warnings,
    cache: policy && { ...policy, version: tenant.gatewayConfig?.version ?? 0 },
    announces: {
      called: document.webhooks.some((webhook) => (webhook.events as string[]).includes('route.called')),
      failed: document.webhooks.some((webhook) => (webhook.events as string[]).includes('route.failed')),
    },
  };
}

/** What a route call's webhook event tells: the call, its answer's status, how long it took, whether a kept answer served it, and the gateway's error code when it failed. */
export type RouteCallOutcome = {
  method: string;
  path: string;
  status: number;
  latencyMs: number;
  cache: 'HIT' | 'MISS' | 'BYPASS' | null;
  error: string | null;
};

/** A failed call: the upstream's 5xx, or the gateway's own 413/502/504 for it (an `error` code; an upstream's own 413 is an answer). */
export const isFailedCall = (outcome: Pick<RouteCallOutcome, 'status' | 'error'>) => outcome.status >= 500 || outcome.error !== null;

/**
 * Announces a call to the webhooks that subscribe: `route.called` for every call, `route.failed`
 * for a failed one; each delivery a record and a job, written together. The route's template
 * is the event's target; the payload never holds a header, body or credential.
 */
export async function announceRouteCall(prisma: Actor['prisma'], plan: PlannedCall, outcome: RouteCallOutcome): Promise<void> {
  const events = [...(plan.announces.called ? ['route.called'] : []), ...(plan.announces.failed && isFailedCall(outcome) ? ['route.failed'] : [])];
  for (const event of events) {
    await prisma.$transaction((tx) =>
      enqueueWebhooks(tx, {
        id: randomUUID(),
        event,
        tenantId: plan.tenant.id,
        target: `route ${plan.endpoint}`,
        changes: { ...outcome, latencyMs: Math.round(outcome.latencyMs * 100) / 100 },
        occurredAt: new Date().toISOString(),
      }),
    );
  }
}

/** What a call would do, told without making it (GraphQL `testTenantRoute`). */
export type RouteTest = {
  matched: boolean;
  /** Why the call would not go upstream: the message the call would be answered with. */
  problem: string | null;
  /** The answer's status the gateway itself would give (404, 405, 501), when it would not go upstream. */
  status: number | null;
  route: TenantRoute | null;
  /** The upstream URL, a query credential's value shown as `<SECRET_NAME>`. */
  upstreamUrl: string | null;
  credential: string | null;
  rateLimit: string | null;
};

/**
 * A dry run of a call to the tenant's routes, for a configuration's author (`config:read`): the
 * route that would serve it, the upstream URL and which credential and limit would apply. Opens
 * no secret, counts no limit, sends nothing.
 */
export async function testTenantRoute(actor: Actor, ref: string | null | undefined, call: Call): Promise<RouteTest> {
  const tenant = await resolveTenant<TenantWithGatewayConfig>(actor, ref, 'config:read', { include: { gatewayConfig: { select: { document: true } } } });
  const document = readGatewayConfig(tenant.gatewayConfig?.document);
  try {
    const { route, url, limit } = routeOf(document, call);
    const credential = route.credential ? document.credentials[route.credential] : undefined;
    if (credential?.type === 'query') url.searchParams.set(credential.parameter!, `<${credential.secret}>`);
    return {
      matched: true,
      problem: null,
      status: null,
      route,
      upstreamUrl: url.toString(),
      credential: route.credential ?? null,
      rateLimit: limit?.label ?? null,
    };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const status = error instanceof MethodNotAllowedError ? 405 : error instanceof RouteWithoutUpstreamError ? 501 : 404;
    const route = error instanceof RouteWithoutUpstreamError ? (document.routes[Number(String(error.details.field).split('.')[1])] ?? null) : null;
    return { matched: route !== null, problem: error.message, status, route, upstreamUrl: null, credential: route?.credential ?? null, rateLimit: null };
  }
}

/** One of the tenant's routes as it is served, with its calls this month (UTC). */
export type RouteSummary = {
  route: TenantRoute;
  /** Where it answers: the routes' prefix and its path. */
  servedAt: string;
  /** Whether its GET answers are kept (the cache section). */
  cached: boolean;
  /** The tenant's own limit its calls count on, when rate limits are enabled. */
  rateLimit: string | null;
  /** This month's calls, failures and mean latency: null unless the key may read usage (`usage:read`). */
  calls: number | null;
  failures: number | null;
  averageLatencyMs: number | null;
};

/**
 * The tenant's routes as served (`config:read`): where each answers, whether it is cached, which
 * limit it counts on, and its calls and failures this month (what is stored plus what this
 * process's meter still holds).
 */
export async function listTenantRoutes(actor: Actor, ref: string | null | undefined, prefix: string, meter?: UsageMeter): Promise<RouteSummary[]> {
  const tenant = await resolveTenant<TenantWithGatewayConfig>(actor, ref, 'config:read', { include: { gatewayConfig: { select: { document: true } } } });
  const document = readGatewayConfig(tenant.gatewayConfig?.document);
  const month = parseMonth(null);
  const mayReadUsage = actor.principal !== null && hasScope(actor.principal, 'usage:read');
  const stats = !mayReadUsage
    ? []
    : meter
      ? await callStats(actor, meter, tenant.id, month.start, month.end)
      : await actor.prisma.apiCallStat.findMany({ where: { tenantId: tenant.id, hour: { gte: month.start, lt: month.end } } });
  return document.routes.map((route) => {
    const mine = stats.filter((stat) => stat.endpoint === `route ${route.method} ${route.path}`);
    const calls = mine.reduce((sum, stat) => sum + stat.calls, 0);
    return {
      route,
      servedAt: `${prefix}${route.path}`,
      cached: routeCachePolicy(document.cache, route, 'GET') !== null,
      rateLimit: routeLimitFor(document.rateLimit, route)?.label ?? null,
      calls: mayReadUsage ? calls : null,
      failures: mayReadUsage ? mine.reduce((sum, stat) => sum + stat.failures, 0) : null,
      averageLatencyMs: mayReadUsage ? (calls ? Math.round((mine.reduce((sum, stat) => sum + stat.latencyMsSum, 0) / calls) * 100) / 100 : 0) : null,
    };
  });
}
