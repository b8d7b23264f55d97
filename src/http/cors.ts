import type { Environment } from '../env.js';
import { jsonResponse } from '../rest/http.js';

/** Who may call from another origin, and with what: one policy for /graphql, the REST routes and the tenant routes. */
export type CorsPolicy = {
  /** Exact origins, `scheme://host` with any port (`http://localhost:*`), or `*`. */
  origins: string[];
  credentials: boolean;
  allowHeaders: string[];
  maxAgeSeconds: number;
};

/** What a page on another origin may read of an answer besides the safelisted headers. */
const exposedHeaders = ['X-Request-Id', 'ETag', 'Location', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'X-Cache', 'Age', 'X-Usage-Warning', 'Allow'];

export function corsPolicy(
  env: Pick<Environment, 'CORS_ORIGINS' | 'CORS_ALLOW_CREDENTIALS' | 'CORS_ALLOW_HEADERS' | 'CORS_MAX_AGE_SECONDS' | 'NODE_ENV'>,
): CorsPolicy {
  const given = env.CORS_ORIGINS ?? (env.NODE_ENV === 'production' ? '' : 'http://localhost:*,http://127.0.0.1:*,http://[::1]:*');
  const origins = given
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  // Any origin reading answers made with the visitor's cookies is what CORS exists to prevent.
  if (origins.includes('*') && env.CORS_ALLOW_CREDENTIALS === 'on') {
    throw new Error('CORS_ORIGINS=* cannot be combined with CORS_ALLOW_CREDENTIALS=on: name the origins that may send credentials');
  }
  return {
    origins,
    credentials: env.CORS_ALLOW_CREDENTIALS === 'on',
    allowHeaders: env.CORS_ALLOW_HEADERS.split(',').map((name) => name.trim()),
    maxAgeSeconds: env.CORS_MAX_AGE_SECONDS,
  };
}

/**
 * The gateway's CORS, applied by the router to every answer: a preflight (OPTIONS with
 * `Access-Control-Request-Method` and `Origin`) is answered here with the methods the path
 * serves; an answer to an allowed origin names it (never `*` with credentials), with `Vary:
 * Origin`. Access-Control headers an upstream (a tenant route's) sent are dropped: the gateway's
 * policy alone decides who may read an answer.
 */
export function createCors(policy: CorsPolicy) {
  const allowed = (origin: string): boolean =>
    policy.origins.some((entry) => {
      if (entry === '*' || entry === origin) return true;
      if (!entry.endsWith(':*')) return false;
      const base = entry.slice(0, -2);
      return origin === base || (origin.startsWith(`${base}:`) && /^\d{1,5}$/.test(origin.slice(base.length + 1)));
    });
  const allowOrigin = (origin: string) => (policy.origins.includes('*') && !policy.credentials ? '*' : origin);

  function isPreflight(request: Request): boolean {
    return request.method === 'OPTIONS' && request.headers.has('origin') && request.headers.has('access-control-request-method');
  }

  /** `methods`: what the path serves; null when nothing is served there (404). */
  function preflight(request: Request, methods: string[] | null): Response {
    const origin = request.headers.get('origin')!;
    if (!allowed(origin)) {
      return jsonResponse(403, { error: 'forbidden', message: `Origin ${origin} may not call this gateway from a browser (CORS_ORIGINS)` }, { vary: 'Origin' });
    }
    const headers: Record<string, string> = {
      'access-control-allow-origin': allowOrigin(origin),
      vary: 'Origin',
      ...(policy.credentials ? { 'access-control-allow-credentials': 'true' } : {}),
    };
    if (!methods) return jsonResponse(404, { error: 'not_found', message: `No route for ${new URL(request.url).pathname}` }, headers);
    return new Response(null, {
      status: 204,
      headers: {
        ...headers,
        'access-control-allow-methods': methods.join(', '),
        'access-control-allow-headers': policy.allowHeaders.join(', '),
        'access-control-max-age': String(policy.maxAgeSeconds),
      },
    });
  }

  /** Sets the answer's CORS headers for the request's origin (none for a disallowed one, a call without Origin, or an `operational` path). */
  function decorate(request: Request, headers: Headers, operational = false): void {
    for (const name of [...headers.keys()]) if (name.startsWith('access-control-')) headers.delete(name);
    if (policy.origins.length === 0 || operational) return;
    const origin = request.headers.get('origin');
    const vary = headers.get('vary');
    if (
      !vary
        ?.toLowerCase()
        .split(/\s*,\s*/)
        .includes('origin')
    )
      headers.set('vary', vary ? `${vary}, Origin` : 'Origin');
    if (!origin || !allowed(origin)) return;
    headers.set('access-control-allow-origin', allowOrigin(origin));
    headers.set('access-control-expose-headers', exposedHeaders.join(', '));
    if (policy.credentials) headers.set('access-control-allow-credentials', 'true');
  }

  return { isPreflight, preflight, decorate };
}

export type Cors = ReturnType<typeof createCors>;
