import { LRUCache } from 'lru-cache';

/** An upstream's answer kept for a tenant route: status, headers and the whole body. */
export type KeptAnswer = {
  /** The tenant and its configuration's version: what `maxEntries` counts within. */
  scope: string;
  status: number;
  headers: [string, string][];
  body: Uint8Array;
  storedAt: number;
};

/** The largest body kept; a larger answer is passed on and not kept. */
export const maxKeptBodyBytes = 1024 * 1024;

/**
 * The key of a call's kept answer: the tenant, its configuration's version, the route (its
 * index and credential: two routes to one URL with different credentials keep apart), the upstream URL
 * (without a query credential), the values of the policy's `varyBy` headers, and always
 * Accept-Encoding (the upstream may answer compressed to one caller and not to another).
 */
export function routeCacheKey(tenantId: string, version: number, route: string, url: URL, varyBy: string[], headers: Headers): string {
  const varied = ['accept-encoding', ...varyBy].map((name) => `${name}=${headers.get(name) ?? ''}`);
  return [tenantId, version, route, url.href, ...varied].join('\n');
}

/**
 * Whether an upstream's answer may be kept, and for how long: status 200; no \`no-store\`,
 * \`no-cache\` or \`private\`; no cookie; not an event stream; a \`Vary\` only on headers the key
 * holds. Kept for the policy's ttlSeconds, or less when the answer's \`s-maxage\`/\`max-age\` says
 * so (0: not kept).
 */
export function keepableFor(
  response: Response,
  policy: { ttlSeconds: number; maxEntries: number; varyBy: string[] },
): { ttlSeconds: number; maxEntries: number } | null {
  if (response.status !== 200 || response.headers.has('set-cookie')) return null;
  if (/^text\/event-stream\b/i.test(response.headers.get('content-type') ?? '')) return null;
  const control = (response.headers.get('cache-control') ?? '').toLowerCase();
  if (/\b(no-store|no-cache|private)\b/.test(control)) return null;
  const keyed = new Set(['accept-encoding', ...policy.varyBy]);
  const vary = (response.headers.get('vary') ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (vary.some((name) => !keyed.has(name))) return null;
  const age = /\bs-maxage=(\d+)/.exec(control) ?? /\bmax-age=(\d+)/.exec(control);
  const ttlSeconds = age ? Math.min(policy.ttlSeconds, Number(age[1])) : policy.ttlSeconds;
  return ttlSeconds > 0 ? { ttlSeconds, maxEntries: policy.maxEntries } : null;
}

/**
 * The answers of tenants' cached routes (gateway config `cache`), in this process's memory:
 * least recently used first out when `maxBytes` is reached, each for its own time to live, and
 * at most `maxEntries` per tenant and configuration version (a tenant at its count keeps no
 * more until some expire or are evicted; answers of an older version count for nothing and
 * leave as memory is needed). Keys carry the tenant's configuration version, so a saved configuration makes the
 * older answers unreachable at once, on every replica (each reads the version with the route).
 */
export class RouteAnswerCache {
  private readonly perScope = new Map<string, number>();
  private lastPurge = 0;
  private readonly answers: LRUCache<string, KeptAnswer>;

  constructor(maxBytes: number) {
    this.answers = new LRUCache<string, KeptAnswer>({
      maxSize: Math.max(maxBytes, 1),
      sizeCalculation: (answer, key) =>
        answer.body.byteLength + key.length + answer.headers.reduce((sum, [name, value]) => sum + name.length + value.length, 0) + 200,
      dispose: (answer) => {
        const count = (this.perScope.get(answer.scope) ?? 1) - 1;
        if (count > 0) this.perScope.set(answer.scope, count);
        else this.perScope.delete(answer.scope);
      },
    });
  }

  /** The kept answer and its age in whole seconds, while fresh. */
  get(key: string): { answer: KeptAnswer; ageSeconds: number } | undefined {
    const answer = this.answers.get(key);
    return answer && { answer, ageSeconds: Math.max(0, Math.floor((Date.now() - answer.storedAt) / 1000)) };
  }

  /** Keeps an answer for `ttlSeconds`; false when the tenant already holds `maxEntries` or the answer is too large. */
  set(key: string, answer: KeptAnswer, ttlSeconds: number, maxEntries: number): boolean {
    if (answer.body.byteLength > maxKeptBodyBytes) return false;
    // Deleted first, fresh or expired (has() does not see an expired answer; set() over one would not count it out).
    this.answers.delete(key);
    const full = () => (this.perScope.get(answer.scope) ?? 0) >= maxEntries;
    // Expired answers leave only when read or evicted: a tenant at its count has them swept first (at most once a second).
    if (full() && Date.now() - this.lastPurge > 1000) {
      this.lastPurge = Date.now();
      this.answers.purgeStale();
    }
    if (full()) return false;
    this.answers.set(key, answer, { ttl: ttlSeconds * 1000 });
    // Refused when larger than the whole budget (no dispose then).
    if (!this.answers.has(key)) return false;
    this.perScope.set(answer.scope, (this.perScope.get(answer.scope) ?? 0) + 1);
    return true;
  }

  get size(): number {
    return this.answers.size;
  }
}
