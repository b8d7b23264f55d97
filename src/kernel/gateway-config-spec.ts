import { z } from 'zod';
import { hopByHopHeaders } from '../lib/hop-by-hop.js';

/**
 * The gateway configuration of seed 001 ("Configuration Schema": routes, credentials,
 * rateLimit, cache, webhooks): one zod spec from which validation, the GraphQL types and the
 * OpenAPI schema of /tenant/config are derived.
 */

export const httpMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

/** What webhooks may subscribe to: the events the gateway emits. */
export const webhookEvents = [
  'config.updated',
  'gateway_config.updated',
  'secret.stored',
  'secret.deleted',
  'role.created',
  'role.updated',
  'role.deleted',
  'feature.updated',
  'limits.updated',
  'tenant.created',
  'tenant.updated',
  'tenant.suspended',
  'tenant.resumed',
  'tenant.deleted',
  'tenant.restored',
  'tenant.purged',
  'route.called',
  'route.failed',
] as const;

export const limits = {
  routes: 200,
  credentials: 50,
  webhooks: 20,
  rateLimitRoutes: 100,
  maxPerWindow: 1_000_000,
  windowSeconds: 86_400,
  ttlSeconds: 86_400,
  cacheEntries: 1_000_000,
};

const text = (max: number) => z.string().max(max, { error: `at most ${max} characters` });
const positive = (label: string, max: number) =>
  z
    .number({ error: `${label} must be an integer` })
    .int({ error: `${label} must be an integer` })
    .min(1, { error: `${label} must be between 1 and ${max}` })
    .max(max, { error: `${label} must be between 1 and ${max}` });

const routePath = z
  .string()
  .max(512, { error: 'path is at most 512 characters' })
  .regex(/^\/[^\s?#]*$/, { error: 'path must start with "/" and hold no spaces, "?" or "#"' })
  .refine((value) => value.split('/').every((segment) => !/[{}]/.test(segment) || /^\{[A-Za-z_][A-Za-z0-9_]{0,63}\}$/.test(segment)), {
    error: 'a path parameter is a whole segment: /items/{id}, not /items/{id}.json',
  });
const method = z
  .string()
  .transform((value) => value.toUpperCase())
  .pipe(z.enum(httpMethods, { error: `method must be one of ${httpMethods.join(', ')} (any case)` }));

/** `{name}` in a route's path or upstream URL: one path segment, named. */
export const routeParameterPattern = /\{([A-Za-z_][A-Za-z0-9_]{0,63})\}/g;

/** Absolute http(s), no user or password, `{name}` placeholders only where the route's path names them (checked on the route). */
const upstreamUrl = z
  .string()
  .max(2048, { error: 'url is at most 2048 characters' })
  .refine(
    (value) => {
      // Scheme, "//" and a host written out: a placeholder in the authority (or a URL the parser
      // reads another way, such as "http:/{host}") would let a caller choose where the credential goes.
      if (!/^https?:\/\/[^/?#\\{}@]+(?:[/?]|$)/i.test(value)) return false;
      try {
        const url = new URL(value.replace(routeParameterPattern, 'p'));
        return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password && !url.hash;
      } catch {
        return false;
      }
    },
    { error: 'url must be an absolute http or https URL (scheme://host…) without credentials or fragment; {name} placeholders only in its path and query' },
  );

/**
 * Where a route's calls go (an extension of seed 001, whose routes name only path, method,
 * description and credential): the URL, with the route path's `{name}` parameters substituted
 * (each one percent-encoded), and how long the upstream may take to answer its headers.
 */
const upstream = z
  .object({
    url: upstreamUrl,
    timeoutMs: positive('timeoutMs', 120_000).default(30_000),
    llm: z
      .boolean({ error: 'llm must be true or false' })
      .optional()
      .describe("An OpenAI-compatible upstream: the `usage` of its JSON answers and server-sent event streams is metered as the tenant's llm tokens"),
  })
  .strict();

/** A header's name as HTTP allows it (RFC 9110 token), compared without case. */
const headerToken = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
const ruleHeaderName = z.string().regex(headerToken, { error: 'a header name is 1-64 characters of an HTTP token' });

/** Headers whose value is a secret: one belongs in a credential (credentials section), never in the configuration's text. */
const credentialHeaders = ['authorization', 'x-api-key', 'api-key', 'cookie'];
/** Headers a rule may not touch: the connection's own, and those the gateway decides (its length, where it forwards from, the credential's place). */
const reservedHeaders = {
  request: {
    set: [
      ...hopByHopHeaders,
      'host',
      'content-length',
      'expect',
      ...credentialHeaders,
      'forwarded',
      'x-forwarded-for',
      'x-forwarded-host',
      'x-forwarded-proto',
      'x-real-ip',
    ],
    remove: [...hopByHopHeaders, 'host', 'content-length'],
  },
  response: {
    set: [...hopByHopHeaders, 'content-length', 'content-encoding', 'x-cache', 'age'],
    remove: [...hopByHopHeaders, 'content-length', 'content-encoding'],
  },
} as const;

/**
 * What a route does to the headers on one side of its calls (a gateway extension): `remove`
 * them, then `set` them to fixed values. A value is text kept in the configuration, so a secret
 * belongs in a credential (Authorization, X-API-Key, Cookie cannot be set here); the connection's
 * headers and the length are the gateway's, and the forwarding headers are set by it (a rule may
 * remove them, for an upstream that must not learn the client's address, never set them).
 */
const headerRules = (side: 'request' | 'response') =>
  z
    .object({
      set: z
        .array(
          z
            .object({
              name: ruleHeaderName,
              value: text(1024).regex(/^[\t\x20-\x7e]*$/, {
                error: 'a header value holds printable ASCII, spaces and tabs only (no line break or control character)',
              }),
            })
            .strict(),
        )
        .max(20, { error: 'at most 20 headers set' })
        .optional(),
      remove: z.array(ruleHeaderName).max(20, { error: 'at most 20 headers removed' }).optional(),
    })
    .strict()
    .superRefine((rules, context) => {
      for (const action of ['set', 'remove'] as const) {
        const reserved: readonly string[] = reservedHeaders[side][action];
        (rules[action] ?? []).forEach((entry, index) => {
          const name = (typeof entry === 'string' ? entry : entry.name).toLowerCase();
          // CORS is the gateway's (CORS_ORIGINS): an answer's Access-Control headers are its own.
          if (!reserved.includes(name) && !(side === 'response' && name.startsWith('access-control-'))) return;
          const why = credentialHeaders.includes(name) ? ': a secret goes in a credential (credentials section)' : ': the gateway sets it';
          context.addIssue({ code: 'custom', path: [action, index], message: `${side} headers cannot ${action} ${name}${why}` });
        });
      }
    });

const route = z
  .object({
    path: routePath,
    method,
    description: text(1024).optional(),
    credential: z.string().optional().describe('The name of a credential (credentials section) the gateway sends upstream'),
    upstream: upstream.optional().describe('Where the gateway sends the calls it serves at /gw{path} (a gateway extension); a route without one answers 501'),
    headers: z
      .object({ request: headerRules('request').optional(), response: headerRules('response').optional() })
      .strict()
      .optional()
      .describe('Headers removed, then set, on the call sent upstream (request) and on the answer the caller gets (response): a gateway extension'),
  })
  .strict()
  .superRefine((entry, context) => {
    const named = new Set([...entry.path.matchAll(routeParameterPattern)].map((match) => match[1]));
    for (const match of entry.upstream?.url.matchAll(routeParameterPattern) ?? []) {
      if (!named.has(match[1]))
        context.addIssue({ code: 'custom', path: ['upstream', 'url'], message: `upstream.url names {${match[1]}}, which the route's path does not` });
    }
  });

const routes = z
  .array(route)
  .max(limits.routes, { error: `at most ${limits.routes} routes` })
  .superRefine((list, context) => {
    const seen = new Set<string>();
    list.forEach((entry, index) => {
      // Two routes whose paths differ only in their parameters' names match the same calls: the second would never serve one.
      const key = `${entry.method} ${entry.path.replace(routeParameterPattern, '{}')}`;
      if (seen.has(key)) context.addIssue({ code: 'custom', path: [index], message: `Duplicate route ${key}` });
      seen.add(key);
    });
  });

export const credentialNamePattern = /^[a-z][a-z0-9_-]{0,63}$/;
export const secretNamePattern = /^[A-Z][A-Z0-9_]{0,127}$/;

/**
 * How a route's calls carry a stored secret upstream: `bearer` (Authorization: Bearer),
 * `basic` (with `username`), `api_key` (in `header`, X-API-Key unless named), `header` (in
 * `header`, required), `query` (as the query parameter `parameter`; a gateway extension).
 */
const credential = z
  .object({
    type: z.enum(['bearer', 'basic', 'api_key', 'header', 'query'], { error: 'type must be one of bearer, basic, api_key, header, query' }),
    secret: z.string().regex(secretNamePattern, { error: 'secret must name a stored secret (^[A-Z][A-Z0-9_]{0,127}$)' }),
    header: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/, { error: 'header must be a header name' })
      .optional(),
    username: text(256).optional(),
    parameter: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'parameter must be a query parameter name (letters, digits, "_", "." or "-")' })
      .optional(),
  })
  .strict()
  .superRefine((entry, context) => {
    if (entry.type === 'header' && !entry.header) context.addIssue({ code: 'custom', path: ['header'], message: 'a header credential names its header' });
    if (entry.type === 'query' && !entry.parameter)
      context.addIssue({ code: 'custom', path: ['parameter'], message: 'a query credential names its parameter' });
    if (['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'te'].includes(entry.header?.toLowerCase() ?? ''))
      context.addIssue({ code: 'custom', path: ['header'], message: `header ${entry.header} cannot carry a credential` });
  });

const credentials = z.record(z.string(), credential).superRefine((value, context) => {
  if (Object.keys(value).length > limits.credentials) context.addIssue({ code: 'custom', message: `at most ${limits.credentials} credentials` });
  for (const name of Object.keys(value)) {
    if (!credentialNamePattern.test(name))
      context.addIssue({
        code: 'custom',
        path: [name],
        message: 'credential names are 1-64 characters: a lowercase letter, then lowercase letters, digits, "_" or "-"',
      });
  }
});

const window = z.object({ max: positive('max', limits.maxPerWindow), windowSeconds: positive('windowSeconds', limits.windowSeconds).default(60) }).strict();

const rateLimit = z
  .object({
    enabled: z.boolean({ error: 'enabled must be true or false' }).default(false),
    default: window.default({ max: 60, windowSeconds: 60 }),
    endUser: z
      .object({
        header: ruleHeaderName,
        max: positive('max', limits.maxPerWindow),
        windowSeconds: positive('windowSeconds', limits.windowSeconds).default(60),
      })
      .strict()
      .optional()
      .describe(
        "A window for each end user a call names in `header` (e.g. X-End-User-ID), counted across the tenant's routes beside their own limits: a gateway extension",
      ),
    routes: z
      .array(
        z
          .object({
            path: routePath,
            method: method.optional(),
            max: positive('max', limits.maxPerWindow),
            windowSeconds: positive('windowSeconds', limits.windowSeconds).default(60),
          })
          .strict(),
      )
      .max(limits.rateLimitRoutes, { error: `at most ${limits.rateLimitRoutes} route limits` })
      .default([]),
  })
  .strict();

const headerName = z.string().regex(headerToken, { error: 'varyBy holds header names' });

/**
 * The answers of the tenant's routes the gateway keeps (GET calls answered 200): for
 * `ttlSeconds` (or less when the upstream's Cache-Control says so), at most `maxEntries`
 * of them. Gateway extensions: `routes` narrows which routes (all GET routes when absent),
 * `varyBy` names request headers whose values key separate answers.
 */
const cache = z
  .object({
    enabled: z.boolean({ error: 'enabled must be true or false' }).default(false),
    ttlSeconds: positive('ttlSeconds', limits.ttlSeconds).default(300),
    maxEntries: positive('maxEntries', limits.cacheEntries).default(10_000),
    routes: z
      .array(z.object({ path: routePath }).strict())
      .max(limits.routes, { error: `at most ${limits.routes} cached routes` })
      .optional()
      .describe('The routes whose GET answers are kept (their path as in routes); every GET route when absent'),
    varyBy: z
      .array(headerName)
      .max(10, { error: 'at most 10 varyBy headers' })
      .optional()
      .describe('Request headers whose values key separate answers (e.g. Accept-Language)'),
  })
  .strict();

const webhookUrl = z
  .string()
  .max(2048)
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password;
      } catch {
        return false;
      }
    },
    { error: 'url must be an absolute http or https URL without credentials' },
  );

const webhook = z
  .object({
    url: webhookUrl,
    events: z
      .array(z.enum(webhookEvents, { error: `events must be among ${webhookEvents.join(', ')}` }))
      .min(1, { error: 'a webhook needs at least one event' })
      .max(webhookEvents.length),
    secret: z.string().min(16, { error: 'secret must be 16 to 256 characters' }).max(256, { error: 'secret must be 16 to 256 characters' }).optional(),
  })
  .strict();

const webhooks = z.array(webhook).max(limits.webhooks, { error: `at most ${limits.webhooks} webhooks` });

export const gatewayConfigSections = { routes, credentials, rateLimit, cache, webhooks };
export type GatewaySection = keyof typeof gatewayConfigSections;
export const gatewaySectionNames = Object.keys(gatewayConfigSections) as GatewaySection[];

/** What POST /tenant/config takes: any of the sections, each whole. */
export const gatewayConfigPatch = z.object(gatewayConfigSections).partial().strict();
export type GatewayConfigPatch = z.output<typeof gatewayConfigPatch>;

/** The stored document: every section, defaults filled. Webhook secrets are stored sealed, never as given. */
export type GatewayConfigDocument = {
  routes: z.output<typeof routes>;
  credentials: z.output<typeof credentials>;
  rateLimit: z.output<typeof rateLimit>;
  cache: z.output<typeof cache>;
  webhooks: (Omit<z.output<typeof webhook>, 'secret'> & { sealedSecret?: string })[];
};

export function defaultGatewayConfig(): GatewayConfigDocument {
  return { routes: [], credentials: {}, rateLimit: rateLimit.parse({}), cache: cache.parse({}), webhooks: [] };
}

const headerRulesView = z.object({ set: z.array(z.object({ name: z.string(), value: z.string() })).optional(), remove: z.array(z.string()).optional() });

/** The document as served: webhook secrets are never returned, only whether one is set. */
export const gatewayConfigView = z.object({
  routes: z.array(
    z.object({
      path: z.string(),
      method: z.enum(httpMethods),
      description: z.string().optional(),
      credential: z.string().optional(),
      upstream: z.object({ url: z.string(), timeoutMs: z.number().int(), llm: z.boolean().optional() }).optional(),
      headers: z.object({ request: headerRulesView.optional(), response: headerRulesView.optional() }).optional(),
    }),
  ),
  credentials: z.record(
    z.string(),
    z.object({ type: z.string(), secret: z.string(), header: z.string().optional(), username: z.string().optional(), parameter: z.string().optional() }),
  ),
  rateLimit: z.object({
    enabled: z.boolean(),
    default: z.object({ max: z.number().int(), windowSeconds: z.number().int() }),
    endUser: z.object({ header: z.string(), max: z.number().int(), windowSeconds: z.number().int() }).optional(),
    routes: z.array(z.object({ path: z.string(), method: z.enum(httpMethods).optional(), max: z.number().int(), windowSeconds: z.number().int() })),
  }),
  cache: z.object({
    enabled: z.boolean(),
    ttlSeconds: z.number().int(),
    maxEntries: z.number().int(),
    routes: z.array(z.object({ path: z.string() })).optional(),
    varyBy: z.array(z.string()).optional(),
  }),
  webhooks: z.array(z.object({ url: z.string(), events: z.array(z.enum(webhookEvents)), hasSecret: z.boolean() })),
});
export type GatewayConfigView = z.output<typeof gatewayConfigView>;

export function viewOf(document: GatewayConfigDocument): GatewayConfigView {
  return { ...document, webhooks: document.webhooks.map(({ sealedSecret, ...rest }) => ({ ...rest, hasSecret: !!sealedSecret })) };
}

/** Reads a stored document, filling sections a document written before them lacks. */
export function readGatewayConfig(stored: unknown): GatewayConfigDocument {
  const source = (stored && typeof stored === 'object' ? stored : {}) as Partial<GatewayConfigDocument>;
  return { ...defaultGatewayConfig(), ...source };
}

/** Requests a minute the tenant's own rate limit allows; null when it sets none. */
export function quotaPerMinute(rate: GatewayConfigDocument['rateLimit']): number | null {
  if (!rate.enabled) return null;
  return Math.max(1, Math.floor((rate.default.max * 60) / rate.default.windowSeconds));
}
