import { getGraphQLRateLimiter } from 'graphql-rate-limit';
import type { GraphQLFieldResolver, GraphQLSchema } from 'graphql';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import type { PlanTier } from '../generated/prisma/enums.js';
import { type Environment, readEnvironment } from '../env.js';
import { DomainError } from '../lib/errors.js';
import type { CounterStore } from './store.js';

export type RateLimitSettings = {
  ip: { perSecond: number; banAfterViolations: number; banSeconds: number };
  tierPerMinute: Record<PlanTier, number>;
  /** On-demand backup requests an hour, by tier (seed 002: dedicated tenants are exempt). */
  backupsPerHour: Record<PlanTier, number>;
  /** Root fields limited per tenant argument, per minute (seed 000's Rate Limits). */
  fields: Record<string, number>;
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
  constructor(message: string, policy: string, limit: number, windowSeconds: number, retryAfter: number) {
    super('RATE_LIMITED', message, { policy, limit, windowSeconds, retryAfter: Math.max(1, Math.ceil(retryAfter)) });
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
export async function checkClientAddress(store: CounterStore, settings: RateLimitSettings['ip'], address: string): Promise<void> {
  const banned = await store.flagged(`ban:${address}`);
  if (banned > 0) {
    throw new RateLimitedError('Too many requests: this address is temporarily banned', 'ip-ban', settings.perSecond, settings.banSeconds, banned / 1000);
  }
  const { count, resetMs } = await store.increment(`ip:${address}`, 1000);
  if (count <= settings.perSecond) return;
  const violations = await store.increment(`violations:${address}`, settings.banSeconds * 1000);
  if (violations.count >= settings.banAfterViolations) {
    await store.flag(`ban:${address}`, settings.banSeconds * 1000);
    throw new RateLimitedError('Too many requests: this address is temporarily banned', 'ip-ban', settings.perSecond, settings.banSeconds, settings.banSeconds);
  }
  throw new RateLimitedError(`Rate limit exceeded: max ${settings.perSecond} requests per second`, 'ip', settings.perSecond, 1, resetMs / 1000);
}

/** After authentication: a tenant's API requests per minute, by tier. */
export async function checkTenantQuota(store: CounterStore, settings: RateLimitSettings, tenantId: string, tier: PlanTier): Promise<void> {
  const limit = settings.tierPerMinute[tier];
  const { count, resetMs } = await store.increment(`quota:${tenantId}`, 60_000);
  if (count > limit) {
    throw new RateLimitedError(`Rate limit exceeded: max ${limit} requests per minute for the ${tier} tier`, `tier-${tier.toLowerCase()}`, limit, 60, resetMs / 1000);
  }
}

/** On-demand backups an hour per project (or tenant outside projects), by tier. */
export async function checkBackupRequests(store: CounterStore, settings: RateLimitSettings, key: string, tier: PlanTier): Promise<void> {
  const limit = settings.backupsPerHour[tier];
  const { count, resetMs } = await store.increment(`backups:${key}`, 3_600_000);
  if (count > limit) {
    throw new RateLimitedError(`Backup rate limit exceeded: max ${limit} backup requests per hour for the ${tier} tier`, `backups-${tier.toLowerCase()}`, limit, 3600, resetMs / 1000);
  }
}

/**
 * Wraps the configured root fields with graphql-rate-limit, keyed by the tenant argument,
 * so GraphQL callers and every REST route running the same field share one limit.
 */
export function withFieldRateLimits(schema: GraphQLSchema, store: CounterStore, fields: Record<string, number>): GraphQLSchema {
  // The calls the limiter saw before this one, kept to tell a refused caller when to retry.
  const seen = new Map<string, readonly number[]>();
  const limiter = getGraphQLRateLimiter({
    identifyContext: () => 'tenant',
    store: {
      getForIdentity: async (identity) => {
        const log = await store.fieldStore.getForIdentity(identity);
        seen.set(identity.fieldIdentity, log);
        return log;
      },
      setForIdentity: (identity, timestamps, windowMs) => store.fieldStore.setForIdentity(identity, timestamps, windowMs),
    },
  });
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const max = fields[`${typeName}.${fieldName}`];
      if (!max) return field;
      const resolve = field.resolve as GraphQLFieldResolver<unknown, unknown>;
      return {
        ...field,
        resolve: async (parent, args, context, info) => {
          const tenant = String((args as Record<string, unknown>).tenant ?? (args as Record<string, unknown>).id ?? '').toLowerCase();
          const limited = await limiter({ parent, args: { tenant }, context, info }, { max, window: '1m', identityArgs: ['tenant'] });
          const log = seen.get(`${fieldName}:${tenant}`) ?? [];
          seen.delete(`${fieldName}:${tenant}`);
          if (limited) {
            const oldest = Math.min(...log.filter((timestamp) => timestamp > Date.now() - 60_000));
            const retryAfter = Number.isFinite(oldest) ? (oldest + 60_000 - Date.now()) / 1000 : 60;
            throw new RateLimitedError(`Rate limit exceeded: max ${max} ${fieldName} requests per minute per tenant`, `${typeName}.${fieldName}`, max, 60, retryAfter);
          }
          return resolve(parent, args, context, info);
        },
      };
    },
  });
}
