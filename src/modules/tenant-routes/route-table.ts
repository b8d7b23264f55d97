import { type GatewayConfigDocument, routeParameterPattern } from '../../kernel/gateway-config-spec.js';

export type TenantRoute = GatewayConfigDocument['routes'][number];
export type RouteMatch = { route: TenantRoute; index: number; parameters: Record<string, string> };

type Compiled = { route: TenantRoute; index: number; segments: ({ literal: string } | { parameter: string })[] };

const table = new WeakMap<GatewayConfigDocument['routes'], Compiled[]>();

function compile(routes: GatewayConfigDocument['routes']): Compiled[] {
  let compiled = table.get(routes);
  if (!compiled) {
    compiled = routes.map((route, index) => ({
      route,
      index,
      segments: route.path
        .split('/')
        .slice(1)
        .map((segment) => {
          const parameter = /^\{([A-Za-z_][A-Za-z0-9_]{0,63})\}$/.exec(segment);
          return parameter ? { parameter: parameter[1]! } : { literal: segment };
        }),
    }));
    table.set(routes, compiled);
  }
  return compiled;
}

/**
 * The route a tenant's call names: `path` is what follows the routes' prefix (`/gw`), matched
 * segment by segment against each route's path, `{name}` taking one whole non-empty segment
 * (percent-decoded; never `.`, `..`, or one holding `/`, `\\` or NUL once decoded). Literal segments are compared as sent (encoded), so `%2F` never splits one.
 * The first route in the configuration's order that matches wins; `methodsAllowed` lists the
 * methods of routes whose path matched, for a 405's Allow header.
 */
export function matchRoute(routes: GatewayConfigDocument['routes'], method: string, path: string): RouteMatch | { methodsAllowed: string[] } {
  const parts = path.split('/').slice(1);
  const methodsAllowed: string[] = [];
  for (const candidate of compile(routes)) {
    if (candidate.segments.length !== parts.length) continue;
    const parameters: Record<string, string> = Object.create(null);
    let matched = true;
    for (const [position, segment] of candidate.segments.entries()) {
      const part = parts[position]!;
      if ('literal' in segment) {
        if (segment.literal !== part) matched = false;
      } else if (part === '') {
        matched = false;
      } else {
        try {
          const value = decodeURIComponent(part);
          // A value an upstream decoding %2F before routing would read as a path step is no segment.
          if (value === '.' || value === '..' || value.includes('/') || value.includes('\\') || value.includes('\u0000')) matched = false;
          else parameters[segment.parameter] = value;
        } catch {
          matched = false;
        }
      }
      if (!matched) break;
    }
    if (!matched) continue;
    // HEAD is served by a GET route, as HTTP has it.
    if (candidate.route.method === method || (method === 'HEAD' && candidate.route.method === 'GET'))
      return { route: candidate.route, index: candidate.index, parameters };
    methodsAllowed.push(candidate.route.method);
  }
  return { methodsAllowed };
}

/**
 * The upstream URL with the call's parameters substituted, each percent-encoded (a parameter
 * never adds a path segment or a query), and the call's own query string appended. Null when
 * the parameters would make it another origin or no URL (the spec keeps placeholders out of the
 * authority; this holds whatever a stored document says).
 */
export function upstreamUrl(template: string, parameters: Record<string, string>, search: string): URL | null {
  let url: URL;
  try {
    url = new URL(template.replace(routeParameterPattern, (_whole, name: string) => encodeURIComponent(parameters[name] ?? '')));
    if (url.origin !== new URL(template.replace(routeParameterPattern, 'p')).origin) return null;
  } catch {
    return null;
  }
  if (search.length > 1) {
    const extra = new URLSearchParams(search);
    for (const [name, value] of extra) url.searchParams.append(name, value);
  }
  return url;
}
