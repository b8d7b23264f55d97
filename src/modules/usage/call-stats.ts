import type { Actor } from '../../kernel/principal.js';
import type { CallStat, UsageMeter } from './meter.js';

/** A tenant's metered calls in [start, end): what was flushed plus what this process still holds. */
export async function callStats(actor: Actor, meter: UsageMeter, tenantId: string, start: Date, end: Date): Promise<CallStat[]> {
  const stored = await actor.prisma.apiCallStat.findMany({ where: { tenantId, hour: { gte: start, lt: end } } });
  const pending = meter.pending(tenantId).filter((stat) => stat.hour >= start && stat.hour < end);
  return [...stored, ...pending];
}

/** Tracked storage (`storage`/`bytes`) in [start, end). */
export async function storageBytes(actor: Actor, tenantId: string, start: Date, end: Date): Promise<number> {
  const sum = await actor.prisma.usageRecord.aggregate({
    where: { tenantId, resource: 'storage', metric: 'bytes', recordedAt: { gte: start, lt: end } },
    _sum: { amount: true },
  });
  return sum._sum.amount ?? 0;
}
