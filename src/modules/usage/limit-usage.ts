import type { ResourceLimit, Tenant, UsageAlert } from '../../generated/prisma/client.js';
import type { PlanTier } from '../../generated/prisma/enums.js';
import type { Actor } from '../../kernel/principal.js';
import { RateLimitedError } from '../../rate-limit/limits.js';
import type { UsageMeter } from './meter.js';
import { currentWindow } from './periods.js';

// What the limits service and the gates of metered calls (tenant routes) share: usage against a
// limit in its window, the alerts it raises, and the refusal that names it.

/** The limit in force for the tenant's tier: the per-tier value when the definition has one. */
export function effectiveLimit(limit: Pick<ResourceLimit, 'limit' | 'tiers'>, tier: PlanTier): number {
  const tiers = (limit.tiers ?? {}) as Record<string, number>;
  return tiers[tier.toLowerCase()] ?? limit.limit;
}

export type LimitUsage = {
  limit: ResourceLimit;
  current: number;
  effectiveLimit: number;
  percentage: number;
  scope: 'TENANT' | 'USER';
  resetsAt: Date;
};

/** Usage of the limit's resource in its current window: what is stored, plus (tenant-wide) what this process's meter holds unwritten. */
export async function usageAgainst(db: Actor['prisma'], tenant: Tenant, limit: ResourceLimit, userId?: string | null, meter?: UsageMeter): Promise<LimitUsage> {
  const window = currentWindow(limit.period);
  const { _sum } = await db.usageRecord.aggregate({
    where: { tenantId: tenant.id, resource: limit.resource, metric: limit.metric, recordedAt: { gte: window.start }, ...(userId ? { userId } : {}) },
    _sum: { amount: true },
  });
  const pending = userId
    ? 0
    : (meter?.pendingResources(tenant.id) ?? [])
        .filter((entry) => entry.resource === limit.resource && entry.metric === limit.metric && entry.minute >= window.start)
        .reduce((sum, entry) => sum + entry.amount, 0);
  const current = (_sum.amount ?? 0) + pending;
  const max = effectiveLimit(limit, tenant.tier);
  return {
    limit,
    current,
    effectiveLimit: max,
    percentage: max > 0 ? Math.round((current / max) * 10_000) / 100 : current > 0 ? 100 : 0,
    scope: userId ? 'USER' : 'TENANT',
    resetsAt: window.end,
  };
}

/** RATE_LIMITED naming the limit: resource, metric, limit, period, current usage, and when the window resets. */
export function limitExceeded(blocking: LimitUsage, asked: string): RateLimitedError {
  const { resource, metric, period } = blocking.limit;
  return new RateLimitedError(
    `Limit exceeded: ${resource} ${metric} is limited to ${blocking.effectiveLimit} per ${period.toLowerCase()} (current ${blocking.current}, ${asked})`,
    `${resource}-${metric}-${period.toLowerCase()}`,
    blocking.effectiveLimit,
    Math.round((blocking.resetsAt.getTime() - currentWindow(period).start.getTime()) / 1000),
    (blocking.resetsAt.getTime() - Date.now()) / 1000,
  );
}

/** Warning at 80 %, critical at 100 %, resolved when usage falls back below 80 %. */
export async function reconcileAlerts(db: Actor['prisma'], tenant: Tenant, usage: LimitUsage[], userId: string | null): Promise<UsageAlert[]> {
  const raised: UsageAlert[] = [];
  for (const entry of usage) {
    const level = entry.percentage >= 100 ? 'CRITICAL' : entry.percentage >= 80 ? 'WARNING' : null;
    const active = await db.usageAlert.findFirst({ where: { limitId: entry.limit.id, userId, status: 'ACTIVE' } });
    if (active && active.level === level) continue;
    if (active) await db.usageAlert.update({ where: { id: active.id }, data: { status: 'RESOLVED', resolvedAt: new Date() } });
    if (level) {
      raised.push(
        await db.usageAlert.create({
          data: {
            tenantId: tenant.id,
            limitId: entry.limit.id,
            userId,
            level,
            current: entry.current,
            threshold: entry.effectiveLimit,
            percentage: entry.percentage,
          },
        }),
      );
    }
  }
  return raised;
}

/** The limits that let a metered call through with a warning: their usage, each at or past its limit. */
export type GateWarnings = LimitUsage[];

/**
 * The resource limits of a call the gateway meters as it goes (a tenant route's bytes, an LLM
 * upstream's tokens), checked before the call since its amount is known only after: a `BLOCK`
 * limit whose window's budget is spent refuses the call (RATE_LIMITED naming the limit); a
 * spent `WARN` limit lets it through and is answered as a warning. Alerts (80 %, 100 %) are
 * raised or resolved as `trackUsage` does. `limits` are the tenant's limits on the call's
 * resources (read with the tenant); none, no statement.
 */
export async function gateMeteredCall(db: Actor['prisma'], meter: UsageMeter | undefined, tenant: Tenant, limits: ResourceLimit[]): Promise<GateWarnings> {
  if (limits.length === 0) return [];
  const usage = await Promise.all(limits.map((limit) => usageAgainst(db, tenant, limit, null, meter)));
  // Under the lock trackUsage takes per tenant, resource and metric (in one order): concurrent calls raise one alert, not one each.
  await db.$transaction(async (tx) => {
    for (const key of [...new Set(limits.map((limit) => `${tenant.id}/${limit.resource}/${limit.metric}`))].sort()) {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${key}))`;
    }
    await reconcileAlerts(tx as Actor['prisma'], tenant, usage, null);
  });
  const spent = usage.filter((entry) => entry.current >= entry.effectiveLimit);
  const blocking = spent.find((entry) => entry.limit.gateAction === 'BLOCK');
  if (blocking) throw limitExceeded(blocking, 'the budget of this window is spent');
  return spent;
}
