import type { GatewayConfigDocument } from '../../kernel/gateway-config-spec.js';
import type { TenantRoute } from './route-table.js';

/** How a route's GET answers are kept: how long at most, how many of the tenant's, keyed by which request headers. */
export type RouteCachePolicy = { ttlSeconds: number; maxEntries: number; varyBy: string[] };

/**
 * Whether calls to `route` with `method` may be answered from the tenant's cache: the `cache`
 * section is enabled, the call is a GET, and the route is listed in `cache.routes` (by its path
 * as configured), or the section lists none. Which answers are kept is the upstream's to say
 * too (status 200, no `no-store`/`private`, no cookie): the handler's decision, on the answer.
 */
export function routeCachePolicy(cache: GatewayConfigDocument['cache'], route: TenantRoute, method: string): RouteCachePolicy | null {
  if (!cache.enabled || method !== 'GET' || route.method !== 'GET') return null;
  if (cache.routes && !cache.routes.some((entry) => entry.path === route.path)) return null;
  return { ttlSeconds: cache.ttlSeconds, maxEntries: cache.maxEntries, varyBy: (cache.varyBy ?? []).map((name) => name.toLowerCase()) };
}
