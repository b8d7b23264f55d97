import { everyTenant, uuidPattern } from './tenant-access.js';

/**
 * Reads of one tenant's rows kept between requests (a tenant route's call reads its tenant, gateway
 * configuration and limits: kept, a call runs no SQL). An entry is dropped when its tenant changes:
 * the change feed names every committed change's tenant, and this replica's own mutations are
 * dropped before their answers leave (app.ts wires both). While the feed is not live nothing is
 * read from or kept here. A read by slug is dropped on any tenant's change, since which tenant a
 * slug names depends on the others' rows.
 *
 * The read kept is a promise, so concurrent misses share one statement; a failed read is not
 * kept. What it resolves to is shared by every caller: treat it as read-only.
 */
export class RememberedTenants {
  readonly #entries = new Map<string, { tag: string; value: Promise<unknown>; bytes: number }>();
  readonly #byTag = new Map<string, Set<string>>();
  #bytes = 0;

  constructor(
    /** Whether changes are being heard now (the change feed is live). */
    private readonly trusted: () => boolean,
    readonly maxEntries = 5_000,
    /** What the kept reads may weigh together (as `weigh` tells), least recently used dropped first. */
    readonly maxBytes = 32 * 1_048_576,
  ) {}

  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** `load`'s result for `key`, read once while `ref`'s tenant (UUID or slug) does not change; `weigh` tells its size in bytes. */
  through<T>(key: string, ref: string, load: () => Promise<T>, weigh: (value: T) => number = () => 0): Promise<T> {
    if (!this.trusted()) return load();
    const known = this.#entries.get(key);
    if (known) {
      // Least recently used goes first: a hit moves to the end.
      this.#entries.delete(key);
      this.#entries.set(key, known);
      return known.value as Promise<T>;
    }
    const value = load();
    const tag = uuidPattern.test(ref) ? ref.toLowerCase() : everyTenant;
    const entry = { tag, value: value as Promise<unknown>, bytes: 0 };
    this.#entries.set(key, entry);
    let keys = this.#byTag.get(tag);
    if (!keys) this.#byTag.set(tag, (keys = new Set()));
    keys.add(key);
    if (this.#entries.size > this.maxEntries) this.#remove(this.#entries.keys().next().value as string);
    value.then(
      (read) => {
        if (this.#entries.get(key) !== entry) return;
        entry.bytes = weigh(read);
        this.#bytes += entry.bytes;
        while (this.#bytes > this.maxBytes && this.#entries.size > 1) this.#remove(this.#entries.keys().next().value as string);
      },
      () => {
        if (this.#entries.get(key) === entry) this.#remove(key);
      },
    );
    return value;
  }

  /** A change to `tenant`'s rows (or, for `*`, to something no one tenant owns: everything goes). */
  invalidate(tenant: string): void {
    if (tenant === everyTenant) {
      this.clear();
      return;
    }
    for (const tag of [tenant.toLowerCase(), everyTenant]) for (const key of this.#byTag.get(tag) ?? []) this.#remove(key);
  }

  clear(): void {
    this.#entries.clear();
    this.#byTag.clear();
    this.#bytes = 0;
  }

  #remove(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
    const keys = this.#byTag.get(entry.tag);
    keys?.delete(key);
    if (keys?.size === 0) this.#byTag.delete(entry.tag);
  }
}
