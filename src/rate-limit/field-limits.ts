import { type FieldPolicy, RateLimitedError } from './limits.js';
import type { CounterStore } from './store.js';

export type FieldLimiter = { count(policy: FieldPolicy, tenantId: string): Promise<void> };

/** What a request carries when per-tenant field limits are on. */
export type FieldLimited = { fieldLimiter?: FieldLimiter };

const windowMs = 60_000;

/**
 * Counts against a tenant's own budget, keyed by its id: one minute, sliding, shared by every
 * replica through the store. Refused uses are not counted.
 */
export function createFieldLimiter(store: CounterStore, limits: Record<FieldPolicy, number>): FieldLimiter {
  return {
    async count(policy, tenantId) {
      const limit = limits[policy];
      const { admitted, retryMs } = await store.take(`field:${policy}:${tenantId}`, limit, windowMs);
      if (admitted) return;
      const field = policy.slice(policy.indexOf('.') + 1);
      throw new RateLimitedError(`Rate limit exceeded: max ${limit} ${field} requests per minute per tenant`, policy, limit, windowMs / 1000, retryMs / 1000);
    },
  };
}

/**
 * One use of a limited field for a tenant already resolved under the caller's access: called
 * after access is granted, so a caller who cannot see the tenant spends nothing of its budget,
 * and once per resolved field, so every alias and every nested read counts.
 */
export async function countFieldUse(request: FieldLimited, policy: FieldPolicy, tenantId: string): Promise<void> {
  await request.fieldLimiter?.count(policy, tenantId);
}
