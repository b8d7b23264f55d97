import { z } from 'zod';
import type { Prisma, ResourceLimit, Tenant, UsageAlert } from '../../generated/prisma/client.js';
import type { AlertStatus, GateAction } from '../../generated/prisma/enums.js';
import { InvalidInputError } from '../../lib/errors.js';
import { auditedChange, recordAudit } from '../../kernel/audit-trail.js';
import { parseInput } from '../../lib/validation.js';
import type { Actor } from '../../kernel/principal.js';
import { resolveTenant } from '../../kernel/tenant-access.js';
import type { UsageMeter } from './meter.js';
import { type LimitUsage, limitExceeded, reconcileAlerts, usageAgainst } from './limit-usage.js';

const name = (field: string) =>
  z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, { error: `${field} must be 1-32 lowercase letters, digits or "_", starting with a letter` });

const amount = z
  .number({ error: 'amount must be a number' })
  .int({ error: 'amount must be a whole number' })
  .min(0, { error: 'amount must be between 0 and 9007199254740991' })
  .max(Number.MAX_SAFE_INTEGER, { error: 'amount must be between 0 and 9007199254740991' });

const tierKeys = ['free', 'basic', 'pro', 'enterprise'] as const;

const limitDefinition = z.object({
  resource: name('resource'),
  metric: name('metric'),
  period: z.enum(['MINUTE', 'HOUR', 'DAY', 'MONTH'], { error: 'period must be one of minute, hour, day, month' }),
  limit: amount,
  tiers: z
    .record(z.string(), amount)
    .refine((tiers) => Object.keys(tiers).every((key) => (tierKeys as readonly string[]).includes(key)), {
      error: `tiers keys must be among ${tierKeys.join(', ')}`,
    })
    .nullish(),
  gateAction: z.enum(['BLOCK', 'WARN']).nullish(),
});

export type ResourceLimitInput = z.input<typeof limitDefinition>;

const limitList = z
  .array(limitDefinition)
  .max(100, { error: 'At most 100 resource limits per tenant' })
  .superRefine((limits, context) => {
    const seen = new Set<string>();
    limits.forEach((limit, index) => {
      const key = `${limit.resource}/${limit.metric}/${limit.period}`;
      if (seen.has(key))
        context.addIssue({ code: 'custom', path: [index], message: `Duplicate limit for ${limit.resource} ${limit.metric} per ${limit.period.toLowerCase()}` });
      seen.add(key);
    });
  });

const usageInput = z.object({
  resource: name('resource'),
  metric: name('metric'),
  amount,
  userId: z.string().min(1).max(128, { error: 'userId must be at most 128 characters' }).nullish(),
  idempotencyKey: z.string().min(1).max(128, { error: 'idempotencyKey must be at most 128 characters' }).nullish(),
});

export type UsageInput = z.input<typeof usageInput>;

/** A Prisma include or select for returned limits (Pothos's query): what their fields need comes in the same statement. */
export type ResourceLimitQuery = { include?: Prisma.ResourceLimitInclude; select?: Prisma.ResourceLimitSelect };

export async function listResourceLimits(
  actor: Actor,
  ref: string | null,
  query: ResourceLimitQuery = {},
): Promise<{ tenant: Tenant; limits: ResourceLimit[] }> {
  const tenant = await resolveTenant(actor, ref, 'limits:read');
  const limits = await actor.prisma.resourceLimit.findMany({
    ...query,
    where: { tenantId: tenant.id },
    orderBy: [{ resource: 'asc' }, { metric: 'asc' }, { period: 'asc' }],
  });
  return { tenant, limits };
}

/** Replaces the tenant's limit definitions with the given list, atomically. */
export async function setResourceLimits(
  actor: Actor,
  ref: string | null,
  input: ResourceLimitInput[],
  query: ResourceLimitQuery = {},
): Promise<{ tenant: Tenant; limits: ResourceLimit[] }> {
  const tenant = await resolveTenant(actor, ref, 'limits:write');
  const definitions = parseInput(limitList, input, 'limits');
  const keyOf = (limit: { resource: string; metric: string; period: string }) => `limits.${limit.resource}.${limit.metric}.${limit.period.toLowerCase()}`;
  const shapeOf = (limit: { limit: number; tiers?: unknown; gateAction?: string | null }) => ({
    limit: limit.limit,
    tiers: limit.tiers ?? {},
    gateAction: limit.gateAction ?? 'BLOCK',
  });
  await auditedChange(actor.prisma, async (tx) => {
    const before = await tx.resourceLimit.findMany({ where: { tenantId: tenant.id } });
    await tx.resourceLimit.deleteMany({
      where: { tenantId: tenant.id, NOT: definitions.map(({ resource, metric, period }) => ({ resource, metric, period })) },
    });
    for (const definition of definitions) {
      await tx.resourceLimit.upsert({
        where: {
          tenantId_resource_metric_period: { tenantId: tenant.id, resource: definition.resource, metric: definition.metric, period: definition.period },
        },
        create: { tenantId: tenant.id, ...definition, tiers: (definition.tiers ?? {}) as Prisma.InputJsonObject, gateAction: definition.gateAction ?? 'BLOCK' },
        update: { limit: definition.limit, tiers: (definition.tiers ?? {}) as Prisma.InputJsonObject, gateAction: definition.gateAction ?? 'BLOCK' },
      });
    }
    // One change per limit added, changed or removed, keyed resource.metric.period.
    const was = new Map(before.map((limit) => [keyOf(limit), shapeOf(limit)]));
    const now = new Map(definitions.map((definition) => [keyOf(definition), shapeOf(definition)]));
    const changes = [...new Set([...was.keys(), ...now.keys()])]
      .map((path) => ({ path, before: was.get(path) ?? null, after: now.get(path) ?? null }))
      .filter((change) => JSON.stringify(change.before) !== JSON.stringify(change.after));
    if (changes.length) await recordAudit(tx, actor, { tenantId: tenant.id, action: 'limits.updated', target: 'limits', changes });
  });
  return listResourceLimits(actor, tenant.id, query);
}

export async function resourceUsage(actor: Actor, ref: string | null, userId?: string | null, meter?: UsageMeter): Promise<LimitUsage[]> {
  const { tenant, limits } = await listResourceLimits(actor, ref);
  return Promise.all(limits.map((limit) => usageAgainst(actor.prisma, tenant, limit, userId, meter)));
}

export type Decision = {
  allowed: boolean;
  /** The action of the limit that decided (the one closest to, or past, its limit); null when none applies. */
  gateAction: GateAction | null;
  current: number;
  limit: number | null;
  usage: LimitUsage[];
};

function decide(usage: LimitUsage[], amount: number): Decision {
  const after = usage.map((entry) => ({ entry, exceeds: entry.current + amount > entry.effectiveLimit }));
  const blocking = after.find(({ entry, exceeds }) => exceeds && entry.limit.gateAction === 'BLOCK');
  const deciding =
    blocking?.entry ??
    [...usage].sort((a, b) => (b.current + amount) / Math.max(b.effectiveLimit, 1) - (a.current + amount) / Math.max(a.effectiveLimit, 1))[0];
  return {
    allowed: !blocking,
    gateAction: deciding?.limit.gateAction ?? null,
    current: deciding?.current ?? 0,
    limit: deciding?.effectiveLimit ?? null,
    usage,
  };
}

/** Usage against the tenant's limits on one resource, this process's unwritten amounts (a tenant route's bytes and tokens) included. */
async function limitsFor(db: Actor['prisma'], tenant: Tenant, resource: string, metric: string, userId?: string | null, meter?: UsageMeter) {
  const limits = await db.resourceLimit.findMany({ where: { tenantId: tenant.id, resource, metric } });
  return Promise.all(limits.map((limit) => usageAgainst(db, tenant, limit, userId, meter)));
}

/** Whether `amount` would be allowed now; counts nothing. */
export async function checkResource(actor: Actor, ref: string | null, input: UsageInput, meter?: UsageMeter): Promise<Decision> {
  const tenant = await resolveTenant(actor, ref, 'limits:read');
  const data = parseInput(usageInput, input);
  return decide(await limitsFor(actor.prisma, tenant, data.resource, data.metric, data.userId, meter), data.amount);
}

export type TrackResult = Decision & { duplicate: boolean; alerts: UsageAlert[] };

/**
 * Counts `amount` unless a blocking limit would be exceeded (then RATE_LIMITED, nothing
 * counted). Serialized per tenant, resource and metric by an advisory lock, so concurrent
 * tracks cannot together overshoot a limit. A repeated idempotency key counts once.
 */
export async function trackUsage(actor: Actor, ref: string | null, input: UsageInput, meter?: UsageMeter): Promise<TrackResult> {
  const tenant = await resolveTenant(actor, ref, 'usage:write');
  const data = parseInput(usageInput, input);
  return actor.prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`${tenant.id}/${data.resource}/${data.metric}`}))`;
    if (data.idempotencyKey) {
      const earlier = await tx.usageRecord.findUnique({ where: { tenantId_idempotencyKey: { tenantId: tenant.id, idempotencyKey: data.idempotencyKey } } });
      if (earlier) {
        const usage = await limitsFor(tx as Actor['prisma'], tenant, data.resource, data.metric, data.userId, meter);
        return { ...decide(usage, 0), duplicate: true, alerts: [] };
      }
    }
    const before = await limitsFor(tx as Actor['prisma'], tenant, data.resource, data.metric, data.userId, meter);
    const decision = decide(before, data.amount);
    if (!decision.allowed) {
      throw limitExceeded(
        before.find((entry) => entry.current + data.amount > entry.effectiveLimit && entry.limit.gateAction === 'BLOCK')!,
        `requested ${data.amount}`,
      );
    }
    await tx.usageRecord.create({
      data: {
        tenantId: tenant.id,
        resource: data.resource,
        metric: data.metric,
        amount: data.amount,
        userId: data.userId ?? null,
        idempotencyKey: data.idempotencyKey ?? null,
      },
    });
    const after = before.map((entry) => {
      const current = entry.current + data.amount;
      return { ...entry, current, percentage: entry.effectiveLimit > 0 ? Math.round((current / entry.effectiveLimit) * 10_000) / 100 : 100 };
    });
    const alerts = await reconcileAlerts(tx as Actor['prisma'], tenant, after, data.userId ?? null);
    return { ...decide(after, 0), duplicate: false, alerts };
  });
}

/** A tenant's alerts, newest first; active ones are re-evaluated first, so a window that rolled over resolves them. */
export async function listUsageAlerts(
  actor: Actor,
  ref: string | null,
  status?: AlertStatus | null,
  query: { include?: Prisma.UsageAlertInclude; select?: Prisma.UsageAlertSelect } = {},
  meter?: UsageMeter,
): Promise<UsageAlert[]> {
  const tenant = await resolveTenant(actor, ref, 'usage:read');
  if (status && !['ACTIVE', 'RESOLVED'].includes(status)) {
    throw new InvalidInputError([{ field: 'status', rule: 'enum', message: 'status must be ACTIVE or RESOLVED' }]);
  }
  const active = await actor.prisma.usageAlert.findMany({ where: { tenantId: tenant.id, status: 'ACTIVE' }, include: { limit: true } });
  for (const alert of active) {
    const usage = await usageAgainst(actor.prisma, tenant, alert.limit, alert.userId, meter);
    await reconcileAlerts(actor.prisma, tenant, [usage], alert.userId);
  }
  return actor.prisma.usageAlert.findMany({
    ...query,
    where: { tenantId: tenant.id, ...(status ? { status } : {}) },
    orderBy: { createdAt: 'desc' },
    take: 200,
  });
}
