import { createHash } from 'node:crypto';
import type { GatewayConfigDocument } from '../../kernel/gateway-config-spec.js';
import { InvalidInputError } from '../../lib/errors.js';
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

/**
 * The end user's own window a call counts on beside its route's limit (`rateLimit.endUser`), when
 * rate limits are on and the call names an end user in the configured header: counted under a
 * digest of the name (never the name itself in the counter store). A name over 256 characters,
 * or with a comma (the header sent twice), is refused.
 */
export function endUserLimitFor(rateLimit: GatewayConfigDocument['rateLimit'], headerValue: (name: string) => string | null): RouteLimit | null {
  const endUser = rateLimit.enabled ? rateLimit.endUser : undefined;
  if (!endUser) return null;
  const named = headerValue(endUser.header)?.trim();
  if (!named) return null;
  if (named.length > 256) {
    throw new InvalidInputError([{ field: endUser.header, rule: 'max_length', message: `${endUser.header} names an end user in at most 256 characters` }]);
  }
  // Sent twice, a header reads as its values joined by commas: one call names one end user.
  if (named.includes(',')) {
    throw new InvalidInputError([
      { field: endUser.header, rule: 'single_value', message: `${endUser.header} names one end user: send it once, without commas` },
    ]);
  }
  return {
    key: `user:${createHash('sha256').update(named).digest('base64url').slice(0, 22)}`,
    max: endUser.max,
    windowSeconds: endUser.windowSeconds,
    label: `rateLimit.endUser (the end user named in ${endUser.header})`,
  };
}
