import { everyTenant, uncacheable } from '../kernel/tenant-access.js';

/**
 * Answers of cacheable reads, kept in memory and served without SQL or GraphQL execution
 * (issue 28). Bounded by bytes, least recently used first out. Each entry is tagged with the
 * tenants its operation resolved (`*` for lists and operations that resolved none): a change
 * to a tenant drops that tenant's entries and every `*` entry; a change naming no tenant drops
 * everything. An answer whose execution overlapped a change is not kept (`generation`), so a
 * read that started before a commit cannot outlive the commit's announcement.
 */
export type CachedAnswer = {
  /** The GraphQL result (data only: answers with errors are never kept). */
  data: Record<string, unknown>;
  /** The tenant the operation counted on (metering, the request's log line). */
  meteredTenantId?: string;
};

type Entry = CachedAnswer & { key: string; bytes: number; tags: readonly string[]; until: number };

export { everyTenant, uncacheable };

export class ResponseCache {
  readonly #entries = new Map<string, Entry>();
  readonly #byTag = new Map<string, Set<string>>();
  #bytes = 0;
  #generation = 0;
  /** Hits, misses and drops since start, for /metrics and the bench. */
  readonly counts = { hits: 0, misses: 0, stored: 0, evicted: 0, invalidated: 0 };

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

  get bytes(): number {
    return this.#bytes;
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
    this.counts.hits++;
    return entry;
  }

  /**
   * Keeps an answer unless a change was heard since `generation`, it alone is over a tenth of
   * the budget, or a tag says it must not be kept (`uncacheable`).
   */
  store(key: string, answer: CachedAnswer, tags: Iterable<string>, generation: number, bytes: number): boolean {
    const unique = [...new Set(tags)];
    if (generation !== this.#generation || !this.trusted() || bytes > this.maxBytes / 10 || unique.includes(uncacheable)) return false;
    const old = this.#entries.get(key);
    if (old) this.#remove(old);
    const entry: Entry = { ...answer, key, bytes: bytes + key.length * 2 + 200, tags: unique, until: Date.now() + this.ttlMs };
    if (entry.tags.length === 0) (entry.tags as string[]).push(everyTenant);
    this.#entries.set(key, entry);
    this.#bytes += entry.bytes;
    for (const tag of entry.tags) {
      let keys = this.#byTag.get(tag);
      if (!keys) this.#byTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
    while (this.#bytes > this.maxBytes) {
      const oldest = this.#entries.values().next().value as Entry;
      this.#remove(oldest);
      this.counts.evicted++;
    }
    this.counts.stored++;
    return true;
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
    this.#byTag.clear();
    this.#bytes = 0;
  }

  #remove(entry: Entry): void {
    this.#entries.delete(entry.key);
    this.#bytes -= entry.bytes;
    for (const tag of entry.tags) {
      const keys = this.#byTag.get(tag);
      keys?.delete(entry.key);
      if (keys?.size === 0) this.#byTag.delete(tag);
    }
  }
}
