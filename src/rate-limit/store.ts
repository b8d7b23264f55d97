import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';

/**
 * Counters behind every limiter. In memory by default; in Redis (REDIS_URL) so that
 * replicas share limits. Each operation is atomic in its backend.
 */
export interface CounterStore {
  /** Adds `amount` to a fixed-window counter; returns the new count and the window's remaining time. */
  increment(key: string, windowMs: number, amount?: number): Promise<{ count: number; resetMs: number }>;
  /** Marks a key as set for `ttlMs` (bans). */
  flag(key: string, ttlMs: number): Promise<void>;
  /** Remaining time of a flag, 0 when not set. */
  flagged(key: string): Promise<number>;
  /**
   * A sliding window of uses: records this use and admits it when fewer than `limit` lie within
   * the last `windowMs`; a refused use is not recorded. When refused, `retryMs` is the time until
   * the oldest use leaves the window.
   */
  take(key: string, limit: number, windowMs: number): Promise<{ admitted: boolean; retryMs: number }>;
  close(): Promise<void>;
}

/** The longest sliding window a log is kept for in memory. */
const maxWindowMs = 3_600_000;

export class MemoryCounterStore implements CounterStore {
  private readonly counters = new Map<string, { count: number; expiresAt: number }>();
  private readonly flags = new Map<string, number>();
  private readonly logs = new Map<string, number[]>();
  private sweeps = 0;

  async increment(key: string, windowMs: number, amount = 1) {
    const now = Date.now();
    this.sweep(now);
    let entry = this.counters.get(key);
    if (!entry || entry.expiresAt <= now) {
      entry = { count: 0, expiresAt: now + windowMs };
      this.counters.set(key, entry);
    }
    entry.count += amount;
    return { count: entry.count, resetMs: entry.expiresAt - now };
  }

  async flag(key: string, ttlMs: number) {
    this.flags.set(key, Date.now() + ttlMs);
  }

  async flagged(key: string) {
    const until = this.flags.get(key);
    return until && until > Date.now() ? until - Date.now() : 0;
  }

  async take(key: string, limit: number, windowMs: number) {
    const now = Date.now();
    this.sweep(now);
    let log = this.logs.get(key);
    if (!log) this.logs.set(key, (log = []));
    // Uses are appended in time order, so the expired ones are a prefix: dropping them is
    // amortized O(1) per use instead of filtering the whole window on every call.
    let expired = 0;
    while (expired < log.length && log[expired]! <= now - windowMs) expired++;
    if (expired > 0) log.splice(0, expired);
    const admitted = log.length < limit;
    if (admitted) log.push(now);
    return { admitted, retryMs: admitted ? 0 : log[0]! + windowMs - now };
  }

  // Expired windows are dropped every so often, so memory stays bounded by active keys.
  private sweep(now: number) {
    if (++this.sweeps % 1000 !== 0) return;
    for (const [key, entry] of this.counters) if (entry.expiresAt <= now) this.counters.delete(key);
    for (const [key, until] of this.flags) if (until <= now) this.flags.delete(key);
    for (const [key, log] of this.logs) if ((log.at(-1) ?? 0) < now - maxWindowMs) this.logs.delete(key);
  }

  async close() {}
}

const incrementScript = `
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
if count == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]); ttl = tonumber(ARGV[2]) end
return {count, ttl}
`;

// Reading the log, deciding and recording happen in one script: replicas (or concurrent
// requests) cannot both see the last free slot, so together they admit exactly the limit.
// Refused uses are not recorded, so the log never outgrows the limit and the oldest entry
// says truly when a slot frees.
const takeScript = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
  return -1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + window - now
`;

export class RedisCounterStore implements CounterStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(url: string, prefix = 'tgw:rl:') {
    // Required here, not imported: a gateway that counts in memory never loads the client.
    const { Redis: Client } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
    this.redis = new Client(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
    this.prefix = prefix;
    this.redis.defineCommand('tgwIncrement', { numberOfKeys: 1, lua: incrementScript });
    this.redis.defineCommand('tgwTake', { numberOfKeys: 1, lua: takeScript });
  }

  async increment(key: string, windowMs: number, amount = 1) {
    const [count, ttl] = await (this.redis as unknown as { tgwIncrement(...args: unknown[]): Promise<[number, number]> }).tgwIncrement(
      this.prefix + key,
      amount,
      windowMs,
    );
    return { count, resetMs: ttl };
  }

  async flag(key: string, ttlMs: number) {
    await this.redis.set(this.prefix + key, '1', 'PX', ttlMs);
  }

  async flagged(key: string) {
    return Math.max(0, await this.redis.pttl(this.prefix + key));
  }

  async take(key: string, limit: number, windowMs: number) {
    const retryMs = await (this.redis as unknown as { tgwTake(...args: unknown[]): Promise<number> }).tgwTake(
      this.prefix + key,
      Date.now(),
      windowMs,
      limit,
      randomUUID(),
    );
    return retryMs < 0 ? { admitted: true, retryMs: 0 } : { admitted: false, retryMs };
  }

  async close() {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

export function openCounterStore(redisUrl?: string): CounterStore {
  return redisUrl ? new RedisCounterStore(redisUrl) : new MemoryCounterStore();
}
