import type { PlanTier } from '../generated/prisma/enums.js';
import { type Environment, readEnvironment } from '../env.js';
import { DomainError } from '../lib/errors.js';
import type { CounterStore } from './store.js';

/**
 * What seed 000 limits per tenant, named after the field that first served it: a
 * configuration read (Query.tenantConfig, Tenant.config), a configuration update and a
 * feature query (Query.tenantFeatures, Tenant.features).
 */
export type FieldPolicy = 'Query.tenantConfig' | 'Mutation.updateTenantConfig' | 'Query.tenantFeatures';

export type RateLimitSettings = {
  ip: { perSecond: number; banAfterViolations: number; banSeconds: number };
  tierPerMinute: Record<PlanTier, number>;
  /** On-demand backup requests an hour, by tier (seed 002: dedicated tenants are exempt). */
  backupsPerHour: Record<PlanTier, number>;
  /** Uses per tenant a minute of what these fields serve, wherever it is served (seed 000's Rate Limits). */
  fields: Record<FieldPolicy, number>;
};

export function rateLimitsFromEnvironment(env: Pick<Environment, `RATE_LIMIT_${string}` & keyof Environment>): RateLimitSettings {
  const [free, basic, pro, enterprise] = env.RATE_LIMIT_TIER_PER_MINUTE.split(',').map(Number) as [number, number, number, number];
  const backups = env.RATE_LIMIT_BACKUPS_PER_HOUR.split(',').map(Number) as [number, number, number, number];
  return {
    backupsPerHour: { FREE: backups[0], BASIC: backups[1], PRO: backups[2], ENTERPRISE: backups[3] },
    ip: { perSecond: env.RATE_LIMIT_IP_PER_SECOND, banAfterViolations: env.RATE_LIMIT_IP_BAN_AFTER, banSeconds: env.RATE_LIMIT_IP_BAN_SECONDS },
    tierPerMinute: { FREE: free, BASIC: basic, PRO: pro, ENTERPRISE: enterprise },
    fields: {
      'Query.tenantConfig': env.RATE_LIMIT_CONFIG_READS_PER_MINUTE,
      'Mutation.updateTenantConfig': env.RATE_LIMIT_CONFIG_UPDATES_PER_MINUTE,
      'Query.tenantFeatures': env.RATE_LIMIT_FEATURE_QUERIES_PER_MINUTE,
    },
  };
}

/** Seed 000's per-tenant field limits, seed 002's IP limiter and tier quotas. */
export const defaultRateLimits: RateLimitSettings = rateLimitsFromEnvironment(readEnvironment({}));

/** RATE_LIMITED with what the IETF RateLimit headers and Retry-After need. */
export class RateLimitedError extends DomainError {
  /** `more`: what else the refusal is about, such as the tenant whose quota it is. */
  constructor(message: string, policy: string, limit: number, windowSeconds: number, retryAfter: number, more: Record<string, unknown> = {}) {
    super('RATE_LIMITED', message, { ...more, policy, limit, windowSeconds, retryAfter: Math.max(1, Math.ceil(retryAfter)) });
  }

  override get headers(): Record<string, string> {
    return rateLimitHeaders(this.details);
  }
}

/** `Retry-After`, `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers) from an error's details. */
function rateLimitHeaders(details: Record<string, unknown>): Record<string, string> {
  const retryAfter = Number(details.retryAfter ?? 1);
  const policy = String(details.policy ?? 'default');
  return {
    'retry-after': String(retryAfter),
    'ratelimit-policy': `"${policy}";q=${details.limit};w=${details.windowSeconds}`,
    ratelimit: `"${policy}";r=0;t=${retryAfter}`,
  };
}

/** Before authentication: N requests a second per address; repeated violations ban the address. */
export async function checkClientAddress(store: CounterStore, settings: RateLimitSettings['ip'], address: string, operator = false): Promise<void> {
  // The operator's own key is counted like any caller but never refused nor banned: a burst must not lock the operator out.
  if (operator) {
    await store.increment(`ip:${address}`, 1000);
    return;
  }
  const banned = await store.flagged(`ban:${address}`);
  if (banned > 0) {
    throw new RateLimitedError('Too many requests: this address is temporarily banned', 'ip-ban', settings.perSecond, settings.banSeconds, banned / 1000);
  }
  const { count, resetMs } = await store.increment(`ip:${address}`, 1000);
  if (count <= settings.perSecond) return;
  if (await recordViolation(store, settings, address))
    throw new RateLimitedError('Too many requests: this address is temporarily banned', 'ip-ban', settings.perSecond, settings.banSeconds, settings.banSeconds);
  throw new RateLimitedError(`Rate limit exceeded: max ${settings.perSecond} requests per second`, 'ip', settings.perSecond, 1, resetMs / 1000);
}

/**
 * One violation by the address (a burst past its rate, a wrong database password at the proxy):
 * `banAfterViolations` of them within `banSeconds` ban it, from the API and the database proxy
 * alike (seed 002: bans apply across both). Answers whether the address is banned now.
 */
export async function recordViolation(store: CounterStore, settings: RateLimitSettings['ip'], address: string): Promise<boolean> {
  const violations = await store.increment(`violations:${address}`, settings.banSeconds * 1000);
  if (violations.count < settings.banAfterViolations) return false;
  await store.flag(`ban:${address}`, settings.banSeconds * 1000);
  return true;
}

/**
 * After authentication: a tenant's API requests per minute, by tier, or the tenant's own lower
 * limit (its gateway configuration's rateLimit), never above the tier's. The refusal names the
 * tenant (`slug`, the id its credential's holder knows it by), however the request named it or
 * whether it did.
 */
export async function checkTenantQuota(
  store: CounterStore,
  settings: RateLimitSettings,
  tenant: { id: string; slug?: string },
  tier: PlanTier,
  ownPerMinute?: number,
): Promise<void> {
  const tierLimit = settings.tierPerMinute[tier];
  const own = ownPerMinute !== undefined && ownPerMinute < tierLimit;
  const limit = own ? ownPerMinute : tierLimit;
  const { count, resetMs } = await store.increment(`quota:${tenant.id}`, 60_000);
  if (count > limit) {
    const reason = own ? "the tenant's own rateLimit" : `the ${tier} tier`;
    throw new RateLimitedError(
      `Rate limit exceeded: max ${limit} requests per minute for ${reason}`,
      own ? 'tenant-rate-limit' : `tier-${tier.toLowerCase()}`,
      limit,
      60,
      resetMs / 1000,
      {
        tenant: tenant.slug ?? tenant.id,
      },
    );
  }
}

/**
 * After authentication: a project key's API requests per minute, by the project's plan (seed 002's
 * tier-based limits, scope project): every key of the project counts on one counter.
 */
export async function checkProjectQuota(store: CounterStore, settings: RateLimitSettings, projectId: string, tier: PlanTier): Promise<void> {
  const limit = settings.tierPerMinute[tier];
  const { count, resetMs } = await store.increment(`quota:project:${projectId}`, 60_000);
  if (count > limit) {
    throw new RateLimitedError(
      `Rate limit exceeded: max ${limit} requests per minute for the project's ${tier} plan`,
      `project-tier-${tier.toLowerCase()}`,
      limit,
      60,
      resetMs / 1000,
    );
  }
}

/** On-demand backups an hour per project (or tenant outside projects), by tier. */
export async function checkBackupRequests(store: CounterStore, settings: RateLimitSettings, key: string, tier: PlanTier): Promise<void> {
  const limit = settings.backupsPerHour[tier];
  const { count, resetMs } = await store.increment(`backups:${key}`, 3_600_000);
  if (count > limit) {
    throw new RateLimitedError(
      `Backup rate limit exceeded: max ${limit} backup requests per hour for the ${tier} tier`,
      `backups-${tier.toLowerCase()}`,
      limit,
      3600,
      resetMs / 1000,
    );
  }
}

/**
 * A tenant route's calls (issue 29): the tenant's own `rateLimit` from its gateway
 * configuration, a sliding window per tenant and limit (`key`: the route entry it follows, or
 * the default), so a burst at a window's edge cannot double the rate. A refused call is not
 * counted and never reaches the upstream.
 */
export async function checkRouteLimit(
  store: CounterStore,
  tenant: { id: string; slug: string },
  limit: { key: string; max: number; windowSeconds: number; label: string },
): Promise<void> {
  const { admitted, retryMs } = await store.take(`route:${tenant.id}:${limit.key}`, limit.max, limit.windowSeconds * 1000);
  if (!admitted) {
    throw new RateLimitedError(
      `Rate limit exceeded: max ${limit.max} requests per ${limit.windowSeconds} s for ${limit.label}`,
      'tenant-route',
      limit.max,
      limit.windowSeconds,
      retryMs / 1000,
      { tenant: tenant.slug },
    );
  }
}
