import type { GatewayConfigDocument } from '../../kernel/gateway-config-spec.js';
import type { TenantRoute } from './route-table.js';

export type RouteLimit = { key: string; max: number; windowSeconds: number; label: string };

/**
 * Which of the tenant's own limits a call to `route` counts on, none while `rateLimit.enabled`
 * is off: the first `rateLimit.routes` entry for the route's path template (`/items/{id}`, as
 * configured) and its method (or any method when the entry names none), else `default`, which
 * every route without an entry shares.
 */
export function routeLimitFor(rateLimit: GatewayConfigDocument['rateLimit'], route: TenantRoute): RouteLimit | null {
  if (!rateLimit.enabled) return null;
  const index = rateLimit.routes.findIndex((entry) => entry.path === route.path && (!entry.method || entry.method === route.method));
  if (index < 0) return { key: 'default', ...rateLimit.default, label: "the tenant's default rateLimit" };
  const entry = rateLimit.routes[index]!;
  return {
    key: `routes.${index}`,
    max: entry.max,
    windowSeconds: entry.windowSeconds,
    label: `rateLimit.routes.${index} (${entry.method ?? 'any method'} ${entry.path})`,
  };
}
