import { watchChanges } from '../kernel/change-watch.js';
import { DomainError } from '../lib/errors.js';
import { assertKeyStillValid } from '../modules/identity/identity.service.js';
import type { GraphQLContext } from './context.js';

/**
 * A subscription over the change feed: `read` once to authorize and take a slot before the
 * subscription opens (an error refuses it as an answer, never as a first event, so the operation
 * hooks see a refusal as a refusal and an opened stream as an operation that went through), then
 * again whenever one of `tables` changes for the tenant on any replica, yielding what it reads
 * when `key` of it differs from the last one sent. Before each read the key is checked again:
 * revoked, expired or its tenant deleted, the subscription ends with UNAUTHENTICATED. A change of
 * the key it was opened with (its revocation, or its deletion with its tenant or project) wakes that
 * check at once, and no other key's change does; the subscription clock (every 30 s, src/app.ts)
 * catches an expiry, which announces nothing.
 */
export async function changesOf<T>(
  ctx: GraphQLContext,
  options: ChangesOptions<T>,
  read: (tenant: string) => Promise<T>,
  key: (value: T) => string,
): Promise<AsyncIterableIterator<T>> {
  if (!ctx.changes) throw new DomainError('PRECONDITION_FAILED', 'Subscriptions need the change feed, which this gateway was started without');
  const first = await read(options.tenant);
  const release = ctx.subscriptionSlots?.take(ctx.principal?.id ?? 'anonymous') ?? (() => {});
  // An async generator asked to return while it awaits a change would only return at its next
  // yield, which may never come: a closed stream would hold its slot and its listener. Returning
  // aborts the wait instead, so the generator ends (and gives back what it took) at once. One never
  // started runs no `finally`: returning gives the slot back itself.
  const stopped = new AbortController();
  const stop = () => {
    stopped.abort();
    release();
  };
  ctx.signal?.addEventListener('abort', stop, { once: true });
  // A caller gone during the first read is never told again (an aborted signal fires no more) and
  // its stream is never pulled: the slot goes back now.
  if (ctx.signal?.aborted) stop();
  const inner = watch(ctx.changes, ctx, options, first, read, key, stopped.signal, release);
  const iterator: AsyncIterableIterator<T> = {
    next: () => inner.next(),
    return: (value?: unknown) => {
      stop();
      ctx.signal?.removeEventListener('abort', stop);
      return inner.return(value as undefined);
    },
    throw: (error?: unknown) => {
      stop();
      return inner.throw(error);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

type ChangesOptions<T> = {
  tenant: string;
  /** The id every later read is given: the first read pins it. */
  tenantId: (first: T) => string;
  tables: readonly string[];
  /** Whose announced changes wake it (default: the pinned id); asked again after each read. */
  watched?: (value: T) => readonly string[];
  /** Send the first read at once (a job's progress so far), not only what changes after it. */
  initial?: boolean;
  /** The subscription completes once it has sent a value for which this holds (a job that ended). */
  finished?: (value: T) => boolean;
};

async function* watch<T>(
  changes: NonNullable<GraphQLContext['changes']>,
  ctx: GraphQLContext,
  { tenantId, tables, watched = (value) => [tenantId(value)], initial = false, finished = () => false }: ChangesOptions<T>,
  first: T,
  read: (tenant: string) => Promise<T>,
  key: (value: T) => string,
  signal: AbortSignal,
  release: () => void,
): AsyncGenerator<T> {
  let last = first;
  // Pinned to the tenant's id: a slug deleted and reused later names another tenant.
  const id = tenantId(last);
  const own = ctx.principal?.tenantId ? [ctx.principal.tenantId] : [];
  const tenants = new Set([...watched(last), ...own]);
  // Only a stored key can change under a subscription; a change that names no key (announced
  // before 20261207180000_api_key_change_names_key) still wakes it by tenant.
  const keyId = ctx.principal?.keyId;
  const keys = keyId ? { tables: [...tables, 'ApiKey'], rows: new Map([['ApiKey', new Set([keyId])]]) } : { tables, rows: undefined };
  try {
    if (initial) {
      yield last;
      if (finished(last)) return;
    }
    for await (const wake of watchChanges(changes, { tables: new Set(keys.tables), tenants, rows: keys.rows, signal, clock: ctx.subscriptionClock })) {
      await assertKeyStillValid(ctx);
      // The clock only re-checks the key: a read on every beat would spend the tenant's read budget for nothing.
      if (wake === 'tick') continue;
      const next = await read(id);
      for (const each of watched(next)) tenants.add(each);
      if (key(next) === key(last)) continue;
      last = next;
      yield next;
      if (finished(next)) return;
    }
  } finally {
    release();
  }
}
