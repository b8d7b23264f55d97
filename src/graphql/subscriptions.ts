import { watchChanges } from '../kernel/change-watch.js';
import { DomainError } from '../lib/errors.js';
import { assertKeyStillValid } from '../modules/identity/identity.service.js';
import type { GraphQLContext } from './context.js';

/**
 * A subscription over the change feed: `read` once to authorize (an error then refuses the
 * subscription before it starts), then again whenever one of `tables` changes for the tenant on
 * any replica, yielding what it reads when `key` of it differs from the last one sent. Before each
 * read the key is checked again: revoked, expired or its tenant deleted, the subscription ends
 * with UNAUTHENTICATED. A change of any key of the tenant (or a global one) wakes that check at
 * once; the subscription clock (every 30 s, src/app.ts) catches an expiry, which announces nothing.
 */
export async function* changesOf<T>(
  ctx: GraphQLContext,
  { tenant, tenantId, tables }: { tenant: string; tenantId: (first: T) => string; tables: readonly string[] },
  read: (tenant: string) => Promise<T>,
  key: (value: T) => string,
): AsyncGenerator<T> {
  if (!ctx.changes) throw new DomainError('PRECONDITION_FAILED', 'Subscriptions need the change feed, which this gateway was started without');
  let last = await read(tenant);
  // Pinned to the tenant's id: a slug deleted and reused later names another tenant.
  const id = tenantId(last);
  const tenants = new Set([id, ...(ctx.principal?.tenantId ? [ctx.principal.tenantId] : [])]);
  for await (const wake of watchChanges(ctx.changes, { tables: new Set([...tables, 'ApiKey']), tenants, signal: ctx.signal, clock: ctx.subscriptionClock })) {
    await assertKeyStillValid(ctx);
    // The clock only re-checks the key: a read on every beat would spend the tenant's read budget for nothing.
    if (wake === 'tick') continue;
    const next = await read(id);
    if (key(next) === key(last)) continue;
    last = next;
    yield next;
  }
}
