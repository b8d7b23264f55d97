import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../lib/logger.js';

/** Upper bounds (ms) of the latency histogram buckets; the last one is open. */
export const latencyBucketsMs = [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, Number.POSITIVE_INFINITY];

export type CallStat = { tenantId: string; hour: Date; endpoint: string; calls: number; failures: number; latencyMsSum: number; latencyBuckets: number[] };

/** An amount of a tracked resource (`bandwidth`/`bytes`, `llm`/`tokens`) counted in memory until the next flush, per minute. */
export type ResourceAmountPending = { tenantId: string; resource: string; metric: string; minute: Date; amount: number };

export function startOfHour(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 3_600_000) * 3_600_000);
}

/**
 * Meters API calls and the resources they use without a database write per request: counts
 * accumulate in memory and are written in one statement each per flush (every
 * `flushIntervalMs`, when a buffer grows past `maxKeys`, and on shutdown). Resource amounts
 * become `UsageRecord` rows (one per tenant, resource, metric and minute, dated at the minute),
 * the rows `/tenant/limits/resources/track` writes, so limits and summaries read both alike.
 * A crash loses at most one flush interval of counts.
 */
export class UsageMeter {
  private buffer = new Map<string, CallStat>();
  private resources = new Map<string, ResourceAmountPending>();
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly logger: Logger,
    readonly options: { flushIntervalMs: number; maxKeys: number } = { flushIntervalMs: 5_000, maxKeys: 10_000 },
  ) {}

  record(call: { tenantId: string; endpoint: string; ok: boolean; latencyMs: number; at?: Date }): void {
    const hour = startOfHour(call.at ?? new Date());
    const key = `${call.tenantId}\u0000${hour.getTime()}\u0000${call.endpoint}`;
    let stat = this.buffer.get(key);
    if (!stat) {
      stat = { tenantId: call.tenantId, hour, endpoint: call.endpoint, calls: 0, failures: 0, latencyMsSum: 0, latencyBuckets: latencyBucketsMs.map(() => 0) };
      this.buffer.set(key, stat);
    }
    stat.calls += 1;
    if (!call.ok) stat.failures += 1;
    stat.latencyMsSum += call.latencyMs;
    const bucket = latencyBucketsMs.findIndex((bound) => call.latencyMs <= bound);
    stat.latencyBuckets[bucket] = (stat.latencyBuckets[bucket] ?? 0) + 1;
    if (this.buffer.size >= this.options.maxKeys) void this.flush();
  }

  /** Adds `amount` of a resource to the tenant's usage (a route call's bytes, an LLM answer's tokens). */
  add(entry: { tenantId: string; resource: string; metric: string; amount: number; at?: Date }): void {
    if (!(entry.amount > 0)) return;
    const minute = new Date(Math.floor((entry.at ?? new Date()).getTime() / 60_000) * 60_000);
    const key = `${entry.tenantId}\u0000${entry.resource}\u0000${entry.metric}\u0000${minute.getTime()}`;
    const pending = this.resources.get(key);
    if (pending) pending.amount += entry.amount;
    else this.resources.set(key, { tenantId: entry.tenantId, resource: entry.resource, metric: entry.metric, minute, amount: entry.amount });
    if (this.resources.size >= this.options.maxKeys) void this.flush();
  }

  get bufferedKeys(): number {
    return this.buffer.size + this.resources.size;
  }

  /** Resource amounts not yet written. */
  pendingResources(tenantId: string): ResourceAmountPending[] {
    return [...this.resources.values()].filter((entry) => entry.tenantId === tenantId);
  }

  /** Counts not yet written, so reads in this process are exact. */
  pending(tenantId: string): CallStat[] {
    return [...this.buffer.values()].filter((stat) => stat.tenantId === tenantId);
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.buffer.size > 0) {
        const batch = [...this.buffer.values()];
        this.buffer = new Map();
        try {
          await this.write(batch);
          this.logger.debug('usage flushed', { rows: batch.length });
        } catch (error) {
          // Counts for tenants deleted meanwhile are dropped; anything else is retried next flush.
          const live = await this.liveTenants(batch);
          for (const stat of batch) if (live.has(stat.tenantId)) this.merge(stat);
          this.reportFailedFlush('usage', error, batch, live);
        }
      }
      if (this.resources.size > 0) {
        const batch = [...this.resources.values()];
        this.resources = new Map();
        try {
          await this.prisma.usageRecord.createMany({
            data: batch.map(({ tenantId, resource, metric, amount, minute }) => ({ tenantId, resource, metric, amount, recordedAt: minute })),
          });
        } catch (error) {
          const live = await this.liveTenants(batch);
          for (const entry of batch) if (live.has(entry.tenantId)) this.add({ ...entry, at: entry.minute });
          this.reportFailedFlush('resource usage', error, batch, live);
        }
      }
    });
    return this.flushing;
  }

  /**
   * A flush that failed because tenants were deleted meanwhile (their counts are dropped by design;
   * the rest goes with the next flush) is told at info without a stack; any other failure is a
   * warning with its error.
   */
  private reportFailedFlush(what: string, error: unknown, batch: { tenantId: string }[], live: Set<string>) {
    const dropped = batch.filter((entry) => !live.has(entry.tenantId)).length;
    if (dropped) this.logger.info(`${what} of deleted tenants dropped; the rest is written with the next flush`, { dropped, kept: batch.length - dropped });
    else this.logger.warn(`${what} flush failed; will retry`, { error, rows: batch.length });
  }

  /** The batch's tenants that still exist: every one when that cannot be read (the database away), so nothing is dropped for it. */
  private async liveTenants(batch: { tenantId: string }[]): Promise<Set<string>> {
    const ids = [...new Set(batch.map((entry) => entry.tenantId))];
    const rows = await this.prisma.tenant.findMany({ where: { id: { in: ids } }, select: { id: true } }).catch(() => null);
    return new Set(rows ? rows.map((tenant) => tenant.id) : ids);
  }

  /**
   * One statement: each (tenant, hour, endpoint) row gains the batch's counts, histogram element
   * by element. The batch goes as seven arrays (unnest), not seven parameters a row: a full
   * buffer (maxKeys rows) would pass PostgreSQL's 65,535 parameters, and the embedded database
   * failed on far fewer.
   */
  private async write(batch: CallStat[]) {
    await this.prisma.$executeRawUnsafe(
      `INSERT INTO "ApiCallStat" ("id", "tenantId", "hour", "endpoint", "calls", "failures", "latencyMsSum", "latencyBuckets")
       SELECT gen_random_uuid(), t.tenant, t.hour, t.endpoint, t.calls, t.failures, t.latency, t.buckets::int[]
         FROM unnest($1::uuid[], $2::timestamp[], $3::text[], $4::int[], $5::int[], $6::float8[], $7::text[])
           AS t(tenant, hour, endpoint, calls, failures, latency, buckets)
       ON CONFLICT ("tenantId", "hour", "endpoint") DO UPDATE SET
         "calls" = "ApiCallStat"."calls" + EXCLUDED."calls",
         "failures" = "ApiCallStat"."failures" + EXCLUDED."failures",
         "latencyMsSum" = "ApiCallStat"."latencyMsSum" + EXCLUDED."latencyMsSum",
         "latencyBuckets" = ARRAY(SELECT a + b FROM unnest("ApiCallStat"."latencyBuckets", EXCLUDED."latencyBuckets") AS t(a, b))`,
      batch.map((stat) => stat.tenantId),
      batch.map((stat) => stat.hour),
      batch.map((stat) => stat.endpoint),
      batch.map((stat) => stat.calls),
      batch.map((stat) => stat.failures),
      batch.map((stat) => stat.latencyMsSum),
      // Each row's histogram as an array literal: unnest of a two-dimensional array would flatten it.
      batch.map((stat) => `{${stat.latencyBuckets.join(',')}}`),
    );
  }

  private merge(stat: CallStat) {
    const key = `${stat.tenantId}\u0000${stat.hour.getTime()}\u0000${stat.endpoint}`;
    const existing = this.buffer.get(key);
    if (!existing) {
      this.buffer.set(key, stat);
      return;
    }
    existing.calls += stat.calls;
    existing.failures += stat.failures;
    existing.latencyMsSum += stat.latencyMsSum;
    existing.latencyBuckets = existing.latencyBuckets.map((count, index) => count + (stat.latencyBuckets[index] ?? 0));
  }

  /** The last flush, on shutdown (the scheduler flushes every `flushIntervalMs` meanwhile). */
  async stop(): Promise<void> {
    await this.flush();
  }
}
