import { everyTenant, uncacheable } from '../kernel/tenant-access.js';
import { extend } from '../lib/extend.js';

/**
 * Answers of cacheable reads, kept in memory and served without SQL or GraphQL execution
 * (issue 28). Bounded by bytes, least recently used first out. Each entry is tagged with the
 * tenants its operation resolved (`*` for lists and operations that resolved none): a change
 * to a tenant drops that tenant's entries and every `*` entry; a change naming no tenant drops
 * everything. An answer whose execution overlapped a change is not kept (`generation`), so a
 * read that started before a commit cannot outlive the commit's announcement.
 *
 * Every answer is kept as its JSON text (about its length in bytes); the most recently used
 * also as the frozen object a hit serves, which costs about `objectFactor` times the text (the
 * object, and what a REST route derives from it and keeps beside it: its documented body and
 * that body's text). Objects get at most half the budget, down to an eighth when answers need
 * the room: an answer whose object was let go is parsed again on its next hit. Measured (heap after a forced GC, 19,500 configurations read
 * through REST): ~6.7 KB an answer with its object, ~1.7 KB as text alone (text 1.34 KB):
 * 100,000 tenants' configurations fit in ~170 MB of RESPONSE_CACHE_MAX_MB rather than ~670 MB.
 */
export type CachedAnswer = {
  /** The GraphQL result (data only: answers with errors are never kept). */
  data: Record<string, unknown>;
  /** The tenant the operation counted on (metering, the request's log line). */
  meteredTenantId?: string;
};

type Entry = Omit<CachedAnswer, 'data'> & {
  /** Filled while the entry is among the most recently used (`#hot`). */
  data: Record<string, unknown> | undefined;
  key: string;
  text: string;
  bytes: number;
  tags: readonly string[];
  until: number;
};

/** What an answer's object (and a REST route's body built from it, and that body's text) costs per byte of its JSON: measured 3.7 (~5 KB beside a 1.34 KB configuration's text). */
export const objectFactor = 4;
/** An entry's own bookkeeping: its record, its place in two maps and in its tags' sets. */
const entryOverhead = 200;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

export { everyTenant, uncacheable };

export class ResponseCache {
  readonly #entries = new Map<string, Entry>();
  /** Entries holding their object, least recently used first. */
  readonly #hot = new Map<string, Entry>();
  readonly #byTag = new Map<string, Set<string>>();
  #bytes = 0;
  #hotBytes = 0;
  #generation = 0;
  /** Hits, misses and drops since start, for /metrics and the bench; `parsed`: hits served from the text. */
  readonly counts = { hits: 0, misses: 0, stored: 0, evicted: 0, invalidated: 0, parsed: 0 };

  constructor(
    readonly maxBytes: number,
    readonly ttlMs: number,
    /** Whether the change feed is listening: while not, nothing is served or kept. */
    readonly trusted: () => boolean = () => true,
  ) {}

  /** What `store` is given back: changes since this moment make the answer too old to keep. */
  get generation(): number {
    return this.#generation;
  }

  /** Bytes held, texts and objects (estimated). */
  get bytes(): number {
    return this.#bytes + this.#hotBytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): CachedAnswer | undefined {
    const entry = this.#entries.get(key);
    if (!entry || !this.trusted()) {
      this.counts.misses++;
      return undefined;
    }
    if (entry.until <= Date.now()) {
      this.#remove(entry);
      this.counts.misses++;
      return undefined;
    }
    // Most recently used last.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (entry.data) {
      this.#hot.delete(key);
      this.#hot.set(key, entry);
    } else {
      this.counts.parsed++;
      this.#warm(entry, deepFreeze(JSON.parse(entry.text) as Record<string, unknown>));
      this.#fit();
    }
    this.counts.hits++;
    return entry as CachedAnswer;
  }

  /**
   * Keeps an answer (its data frozen: it is served as is) unless a change was heard since
   * `generation`, it alone would take over a tenth of the budget, or a tag says it must not be
   * kept (`uncacheable`).
   */
  store<T extends CachedAnswer>(key: string, answer: T, tags: Iterable<string>, generation: number): boolean {
    const unique = [...new Set(tags)];
    if (generation !== this.#generation || !this.trusted() || unique.includes(uncacheable)) return false;
    const text = JSON.stringify(answer.data);
    const bytes = text.length + key.length + entryOverhead;
    if (bytes + text.length * objectFactor > this.maxBytes / 10) return false;
    const old = this.#entries.get(key);
    if (old) this.#remove(old);
    const entry: Entry = extend(answer, { data: undefined, key, text, bytes, tags: unique, until: Date.now() + this.ttlMs });
    if (entry.tags.length === 0) (entry.tags as string[]).push(everyTenant);
    this.#entries.set(key, entry);
    this.#bytes += bytes;
    for (const tag of entry.tags) {
      let keys = this.#byTag.get(tag);
      if (!keys) this.#byTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
    this.#warm(entry, deepFreeze(answer.data));
    this.#fit();
    this.counts.stored++;
    return true;
  }

  #warm(entry: Entry, data: Record<string, unknown>): void {
    entry.data = data;
    this.#hot.set(entry.key, entry);
    this.#hotBytes += entry.text.length * objectFactor;
  }

  #cool(entry: Entry): void {
    if (!entry.data) return;
    entry.data = undefined;
    this.#hot.delete(entry.key);
    this.#hotBytes -= entry.text.length * objectFactor;
  }

  /**
   * Objects within half the budget; then, while over the whole of it, objects let go before
   * answers down to an eighth of the budget (a parse costs tens of microseconds, a miss a query
   * and an execution), then answers: least recently used first. The entry just used stays whole:
   * it alone is at most a tenth of the budget (`store`), the newest in both orders.
   */
  #fit(): void {
    while (this.#hotBytes > this.maxBytes / 2) this.#cool(this.#hot.values().next().value as Entry);
    while (this.#bytes + this.#hotBytes > this.maxBytes) {
      if (this.#hotBytes > this.maxBytes / 8) {
        this.#cool(this.#hot.values().next().value as Entry);
        continue;
      }
      this.#remove(this.#entries.values().next().value as Entry);
      this.counts.evicted++;
    }
  }

  /** A change to `tenant` (or, for `*`, to something no tenant owns: everything goes). */
  invalidate(tenant: string): void {
    this.#generation++;
    if (tenant === everyTenant) {
      this.counts.invalidated += this.#entries.size;
      this.clear();
      return;
    }
    for (const tag of [tenant, everyTenant]) {
      for (const key of this.#byTag.get(tag) ?? []) {
        const entry = this.#entries.get(key);
        if (entry) {
          this.#remove(entry);
          this.counts.invalidated++;
        }
      }
    }
  }

  clear(): void {
    this.#generation++;
    this.#entries.clear();
    this.#hot.clear();
    this.#byTag.clear();
    this.#bytes = 0;
    this.#hotBytes = 0;
  }

  #remove(entry: Entry): void {
    this.#cool(entry);
    this.#entries.delete(entry.key);
    this.#bytes -= entry.bytes;
    for (const tag of entry.tags) {
      const keys = this.#byTag.get(tag);
      keys?.delete(entry.key);
      if (keys?.size === 0) this.#byTag.delete(tag);
    }
  }
}
