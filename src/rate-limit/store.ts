import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Identity, Store as FieldStore } from 'graphql-rate-limit';

/** The longest window a field limit may use; older calls are dropped from its log. */
const maxFieldWindowMs = 3_600_000;

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
  /** graphql-rate-limit's store, over the same backend. */
  fieldStore: FieldStore;
  close(): Promise<void>;
}

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

  // See reservingFieldStore: the read records this call, so the limiter's write adds nothing.
  readonly fieldStore: FieldStore = {
    getForIdentity: (identity: Identity) => {
      const key = `${identity.contextIdentity}\u0000${identity.fieldIdentity}`;
      const now = Date.now();
      const log = (this.logs.get(key) ?? []).filter((timestamp) => timestamp > now - maxFieldWindowMs);
      this.logs.set(key, [...log, now]);
      return log;
    },
    setForIdentity: () => {},
  };

  // Expired windows are dropped every so often, so memory stays bounded by active keys.
  private sweep(now: number) {
    if (++this.sweeps % 1000 !== 0) return;
    for (const [key, entry] of this.counters) if (entry.expiresAt <= now) this.counters.delete(key);
    for (const [key, until] of this.flags) if (until <= now) this.flags.delete(key);
    for (const [key, log] of this.logs) if ((log.at(-1) ?? 0) < now - 3_600_000) this.logs.delete(key);
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

// graphql-rate-limit reads a call log, decides, then writes the whole log back: two
// replicas (or two requests) reading before either writes would both be admitted, and
// the later write would erase the earlier call. Here the read itself appends this call
// to the log atomically and returns the calls before it, so every call is counted exactly
// once and sees every call before it; the limiter's write-back is then only a no-op.
// (Rejected calls stay counted, which is graphql-rate-limit's default.)
const reserveScript = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
local before = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return before
`;

export class RedisCounterStore implements CounterStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(url: string, prefix = 'tgw:rl:') {
    this.redis = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
    this.prefix = prefix;
    this.redis.defineCommand('tgwIncrement', { numberOfKeys: 1, lua: incrementScript });
    this.redis.defineCommand('tgwReserve', { numberOfKeys: 1, lua: reserveScript });
  }

  async increment(key: string, windowMs: number, amount = 1) {
    const [count, ttl] = (await (this.redis as unknown as { tgwIncrement(...args: unknown[]): Promise<[number, number]> }).tgwIncrement(
      this.prefix + key,
      amount,
      windowMs,
    ));
    return { count, resetMs: ttl };
  }

  async flag(key: string, ttlMs: number) {
    await this.redis.set(this.prefix + key, '1', 'PX', ttlMs);
  }

  async flagged(key: string) {
    return Math.max(0, await this.redis.pttl(this.prefix + key));
  }

  readonly fieldStore: FieldStore = {
    getForIdentity: async (identity: Identity) => {
      const entries = await (this.redis as unknown as { tgwReserve(...args: unknown[]): Promise<string[]> }).tgwReserve(
        this.logKey(identity),
        Date.now(),
        maxFieldWindowMs,
        randomUUID(),
      );
      const timestamps: number[] = [];
      for (let index = 1; index < entries.length; index += 2) timestamps.push(Number(entries[index]));
      return timestamps;
    },
    setForIdentity: () => {},
  };

  private logKey(identity: Identity) {
    return `${this.prefix}field:${identity.contextIdentity}:${identity.fieldIdentity}`;
  }

  async close() {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

export function openCounterStore(redisUrl?: string): CounterStore {
  return redisUrl ? new RedisCounterStore(redisUrl) : new MemoryCounterStore();
}
