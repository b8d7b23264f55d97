/** A committed change as the change feed announces it (gateway-db/change-feed.ts): table, tenant (`*`: none), operation, and the row for some tables (an API key's id). */
type HeardChange = { table: string; tenant: string; op: string; row?: string };

/** What a watcher hears: the change feed, seen only through its subscribe. */
export type ChangeSource = { subscribe(listener: { heard(change: HeardChange): void; lost(): void }): () => void };

/**
 * A beat that wakes watchers (each process's periodic task, in src/jobs/, strikes it): what a
 * long-lived watcher re-checks on when no change comes, without a timer of its own. Watchers are
 * spread over `slices`, each beat waking one slice in turn, so a round of `slices` beats wakes each
 * watcher once and no beat wakes them all at once (thousands of subscriptions re-checking their
 * keys in the same instant).
 */
export class Clock {
  readonly #slices: Set<() => void>[];
  #next = 0;

  constructor(slices = 1) {
    this.#slices = Array.from({ length: Math.max(1, Math.floor(slices)) }, () => new Set());
  }

  /** Joins the smallest slice, so the slices stay even as watchers come and go. */
  subscribe(listener: () => void): () => void {
    const slice = this.#slices.reduce((smallest, each) => (each.size < smallest.size ? each : smallest));
    slice.add(listener);
    return () => slice.delete(listener);
  }

  strike(): void {
    const slice = this.#slices[this.#next]!;
    this.#next = (this.#next + 1) % this.#slices.length;
    for (const listener of slice) listener();
  }
}

/** Why a watcher woke: one of its tables changed for its tenants, changes may have been missed, or its period passed. */
export type Wake = 'changed' | 'lost' | 'tick';

/**
 * Wakes for each committed change to one of `tables` that names one of `tenants` (or names none,
 * `*`), or, for a table of `rows`, that names one of its rows whatever the tenant (a change that
 * names no row is matched by tenant), when the feed may have missed changes (a lost connection: the watcher re-reads), and at
 * each beat of `clock`; ends when `signal` aborts. Wakes that arrive while the consumer is busy are
 * merged into one, so a burst of writes costs one re-read, and memory stays bounded whatever the
 * rate of changes.
 */
export async function* watchChanges(
  feed: ChangeSource,
  {
    tables,
    tenants,
    rows,
    signal,
    clock,
  }: {
    tables: ReadonlySet<string>;
    tenants: ReadonlySet<string>;
    rows?: ReadonlyMap<string, ReadonlySet<string>>;
    signal?: AbortSignal;
    clock?: Clock;
  },
): AsyncGenerator<Wake> {
  const concerns = (change: HeardChange) => {
    const named = rows?.get(change.table);
    if (named && change.row !== undefined) return named.has(change.row);
    return tables.has(change.table) && (change.tenant === '*' || tenants.has(change.tenant));
  };
  let pending: Wake | null = null;
  let wake: (() => void) | null = null;
  const note = (why: Wake) => {
    // A missed change outranks a named one, which outranks the clock.
    if (pending === 'lost' || (pending === 'changed' && why === 'tick')) return;
    pending = why;
    wake?.();
  };
  const unsubscribe = feed.subscribe({
    heard: (change) => {
      if (concerns(change)) note('changed');
    },
    lost: () => note('lost'),
  });
  const unbeat = clock?.subscribe(() => note('tick'));
  const stop = () => wake?.();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    while (!signal?.aborted) {
      if (!pending) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      if (signal?.aborted) return;
      const why = pending;
      pending = null;
      if (why) yield why;
    }
  } finally {
    unsubscribe();
    unbeat?.();
    signal?.removeEventListener('abort', stop);
  }
}
