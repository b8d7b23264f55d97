import type { Span } from '@opentelemetry/api';
import type { YogaServerInstance } from 'graphql-yoga';
import type { Database } from '../gateway-db/client.js';
import type { GraphQLContext } from '../graphql/context.js';
import { domainGraphQLError } from '../graphql/errors.js';
import { DomainError, isClientGone } from '../lib/errors.js';
import { secretMatcher } from '../lib/same-secret.js';
import { tracingOn } from '../lib/tracing.js';
import type { Logger } from '../lib/logger.js';
import { failureOf, type RestEngine, type RouteLookup } from '../rest/engine.js';
import { jsonResponse } from '../rest/http.js';
import { httpMethods } from '../kernel/gateway-config-spec.js';
import type { Cors } from './cors.js';
import { presentedCredential } from './credentials.js';
import { boundGraphQLBody, type GraphQLBodyLimits } from './graphql-body.js';
import { type Metrics, metricsResponse } from './metrics.js';
import { compressAnswer } from './compression.js';
import { consoleAsset, consoleMissing, consolePage, isConsoleAsset } from './console.js';
import { docsAsset, docsPage, isCurrentAssetVersion, isDocsAsset, landingJson, landingPage, wantsJsonLanding } from './pages.js';
import { beginRequest, continueRequest } from './request-log.js';
import { describeRequestSpan, tracedRequests } from './request-span.js';
import { type StaticFile, StaticAnswers } from './static-answers.js';
import type { BuildInfo } from './version.js';
import type { RouteContext } from './yoga.js';

/** What the listening server knows about a request that the Request itself does not carry. */
export type ServerContext = { clientAddress?: string };

type RouterDeps = {
  database: Database;
  logger: Logger;
  yoga: YogaServerInstance<RouteContext, GraphQLContext>;
  rest: RestEngine;
  openApi: string;
  metrics: Metrics;
  /** The address limiter, before anything else runs; throws RATE_LIMITED. `operator`: counted, never refused. */
  checkClientAddress?: (address: string, operator: boolean) => Promise<void>;
  /** Tells the bootstrap operator's key (GATEWAY_ADMIN_KEY) from anything else, without the database. */
  isOperatorKey?: (request: Request) => boolean;
  /** When set, /metrics answers only `Authorization: Bearer <this>`. */
  metricsToken?: string;
  /** POST /graphql body limits, with and without credentials. */
  graphqlBodyLimits: GraphQLBodyLimits;
  /** Tenants' own routes, under their prefix (/gw). */
  tenantRoutes?: { prefix: string; serve: (request: Request) => Promise<Response> };
  /** Who may call from another origin (CORS_ORIGINS): preflights answered here, every answer's headers set. */
  cors?: Cors;
  /** Answers of at least this many bytes are compressed for callers that accept br or gzip; absent: none are. */
  compressFrom?: number;
  /** Which build is running, for /version (version.ts). */
  build?: () => Promise<BuildInfo>;
};

/** Yoga's own test for a visit to GraphiQL: a GET that accepts HTML. */
const isGraphiQLVisit = (request: Request) => request.method === 'GET' && (request.headers.get('accept') ?? '').includes('text/html');

/** Paths whose answers carry no CORS headers whatever the origin. */
const operational = new Set(['/metrics', '/readyz', '/healthz']);

/** Every path the gateway answers: health, readiness, metrics, /graphql, the OpenAPI document, legacy routes, and a JSON 404. */
export function createRouter({
  database,
  logger,
  yoga,
  rest,
  openApi,
  metrics,
  checkClientAddress,
  isOperatorKey,
  metricsToken,
  graphqlBodyLimits,
  tenantRoutes,
  cors,
  compressFrom,
  build,
}: RouterDeps) {
  const statics = new StaticAnswers();
  const isTenantRoute = (pathname: string) => !!tenantRoutes && (pathname === tenantRoutes.prefix || pathname.startsWith(`${tenantRoutes.prefix}/`));
  const fixedRoutes = new Set(['/', '/healthz', '/readyz', '/metrics', '/version', '/graphql', '/openapi.json', '/docs', '/console']);
  const isMetricsAuthorization = metricsToken ? secretMatcher(`Bearer ${metricsToken}`) : undefined;

  /** A refusal before any route runs, in the caller's format: GraphQL, the dialect's, or neutral. */
  function refuse(request: Request, error: DomainError, found: RouteLookup | undefined, pathname: string): Response {
    const graphQLError = domainGraphQLError(error);
    const failure = failureOf(graphQLError);
    if (pathname === '/graphql') return jsonResponse(failure.status, { errors: [{ message: error.message, extensions: failure.extensions }] }, failure.headers);
    return rest.refuse(request, failure, found) ?? jsonResponse(failure.status, { error: error.code.toLowerCase(), message: error.message }, failure.headers);
  }

  /** `found`: the REST routes under the path, looked up once by `fetch`; absent for the gateway's own paths. */
  async function route(request: Request, server: ServerContext, found: RouteLookup | undefined, url: URL): Promise<Response> {
    const { pathname } = url;
    if (pathname === '/healthz') return jsonResponse(200, { status: 'ok' });
    // Everything past liveness counts against the address, /readyz (a database query) and /metrics included.
    try {
      if (checkClientAddress && server.clientAddress) await checkClientAddress(server.clientAddress, isOperatorKey?.(request) ?? false);
    } catch (error) {
      if (error instanceof DomainError) {
        metrics.rateLimited.inc({ policy: String(error.details.policy ?? 'ip') });
        return refuse(request, error, found, pathname);
      }
      logger.error('rate limit store failed; letting the request through', { error });
    }
    // A preflight is answered once its address is counted, before any route.
    if (cors?.isPreflight(request)) return cors.preflight(request, methodsAt(pathname, found));
    if (pathname === '/metrics') {
      if (isMetricsAuthorization && !isMetricsAuthorization(request.headers.get('authorization') ?? '')) {
        return jsonResponse(
          401,
          { error: 'unauthenticated', message: 'Metrics need "Authorization: Bearer <METRICS_TOKEN>"' },
          { 'www-authenticate': 'Bearer' },
        );
      }
      return metricsResponse(metrics);
    }
    if (pathname === '/readyz') {
      try {
        await database.prisma.$queryRaw`SELECT 1`;
        return jsonResponse(200, { status: 'ready', database: database.kind });
      } catch (error) {
        logger.warn('readiness check failed', { error });
        return jsonResponse(503, { status: 'unavailable', database: database.kind });
      }
    }
    if (pathname === '/version' && build && (request.method === 'GET' || request.method === 'HEAD')) return jsonResponse(200, await build());
    if (pathname === '/graphql') {
      if (isGraphiQLVisit(request)) {
        const page = await statics.serve(request, 'graphiql', () => graphiqlPage(request.url));
        if (page) return page;
      }
      const bounded = await boundGraphQLBody(request, graphqlBodyLimits);
      if ('refusal' in bounded) return bounded.refusal;
      if (bounded.request !== request) continueRequest(bounded.request, request);
      return yoga.fetch(bounded.request);
    }
    if (pathname === '/openapi.json') {
      const document = await statics.serve(request, 'openapi', async () => ({
        bytes: Buffer.from(openApi),
        contentType: 'application/json',
        cacheControl: 'no-cache',
      }));
      return document!;
    }
    if (isTenantRoute(pathname)) {
      try {
        return await tenantRoutes!.serve(request);
      } catch (error) {
        return failed('tenant route failed', error, request, pathname);
      }
    }
    if (request.method === 'GET' || request.method === 'HEAD') {
      if (pathname === '/') return wantsJsonLanding(request) ? landingJson() : (await statics.serve(request, 'landing', landingPage))!;
      if (pathname === '/docs' || pathname === '/docs/') return (await statics.serve(request, 'docs', docsPage))!;
      if (pathname === '/console' || pathname === '/console/') return (await statics.serve(request, 'console', consolePage)) ?? consoleMissing();
      if (pathname.startsWith('/console/assets/')) {
        const name = pathname.slice('/console/assets/'.length);
        const file = (await isConsoleAsset(name)) && (await statics.serve(request, `console ${name}`, () => consoleAsset(name)));
        if (file) return file;
      }
      const asset = pathname.slice('/docs/assets/'.length);
      if (pathname.startsWith('/docs/assets/') && isDocsAsset(asset)) {
        // Keyed by the file and whether `?v=` is the running version: a caller's made-up versions share one entry.
        const current = await isCurrentAssetVersion(url.searchParams.get('v'));
        return (await statics.serve(request, `asset ${asset} ${current}`, () => docsAsset(asset, current)))!;
      }
    }
    try {
      const answered = await rest.handle(request, found);
      if (answered) return answered;
    } catch (error) {
      return failed('REST route failed', error, request, pathname);
    }
    return jsonResponse(404, { error: 'not_found', message: `No route for ${request.method} ${pathname}` });
  }

  /**
   * GraphiQL's page as Yoga renders it (the same for every visit: its settings are the gateway's),
   * asked for once and kept as a static answer.
   */
  async function graphiqlPage(url: string): Promise<StaticFile | null> {
    const page = await yoga.fetch(new Request(url, { headers: { accept: 'text/html' } }));
    if (page.status !== 200 || !page.headers.get('content-type')?.startsWith('text/html')) return null;
    return { bytes: new Uint8Array(await page.arrayBuffer()), contentType: page.headers.get('content-type')!, cacheControl: 'no-cache' };
  }

  /**
   * A route that threw: 500 and the error with its stack, unless the caller left (a body cut
   * short, the request aborted), which is expected: a line at debug, and 499 on the request line,
   * as the answer no one reads.
   */
  function failed(what: string, error: unknown, request: Request, pathname: string): Response {
    if (isClientGone(error, request.signal)) {
      logger.debug('the client went away before its answer', { path: pathname, reason: (error as Error | undefined)?.message });
      return jsonResponse(499, { error: 'client_closed_request', message: 'The client closed the request.' });
    }
    logger.error(what, { error, path: pathname });
    return jsonResponse(500, { error: 'internal', message: 'Unexpected error.' });
  }

  /** The methods a path serves, for a preflight: the REST routes' there (HEAD with GET), null when none. */
  function methodsAt(pathname: string, found: RouteLookup | undefined): string[] | null {
    if (pathname === '/graphql') return ['GET', 'POST'];
    // A preflight carries no key, so the tenant (and its routes) is unknown: every method a route may have.
    if (isTenantRoute(pathname)) return [...httpMethods];
    if (fixedRoutes.has(pathname) || pathname.startsWith('/docs/') || pathname.startsWith('/console/')) return ['GET', 'HEAD'];
    const methods = [...new Set(found?.candidates.map((candidate) => candidate.route.method as string) ?? [])];
    if (methods.includes('GET')) methods.push('HEAD');
    return methods.length ? methods : null;
  }

  /** One log line and one histogram sample a request, with its id echoed in X-Request-Id; `span`, the request's span when tracing is on. */
  async function serve(request: Request, server: ServerContext = {}, span?: Span): Promise<Response> {
    const started = performance.now();
    const notes = beginRequest(request, server.clientAddress);
    const url = new URL(request.url);
    const { pathname } = url;
    const tenantRoute = isTenantRoute(pathname);
    const found = fixedRoutes.has(pathname) || tenantRoute ? undefined : rest.lookup(request, url);
    const preflighted = cors?.isPreflight(request) ?? false;
    const answered = await route(request, server, found, url);
    // A tenant route passes its upstream's answer on as it came (the upstream negotiated its coding).
    const response = compressFrom !== undefined && !tenantRoute ? await compressAnswer(request, answered, compressFrom) : answered;
    // A tenant route's path is the caller's: one label for all of them (the route is in the usage meter).
    const template = tenantRoute ? `${tenantRoutes!.prefix}/*` : found ? (rest.templateOf(found) ?? 'unmatched') : pathname;
    const seconds = (performance.now() - started) / 1000;
    if (span) describeRequestSpan(span, request, template, response.status, notes);
    metrics.httpDuration.observe({ route: template, method: request.method, status: String(response.status) }, seconds);
    if (pathname !== '/healthz' && pathname !== '/metrics') {
      const credential = presentedCredential(request, isOperatorKey);
      logger.info('request', {
        requestId: notes.requestId,
        method: request.method,
        route: template,
        status: response.status,
        durationMs: Math.round(seconds * 10_000) / 10,
        ...(notes.tenantId ? { tenant: notes.tenantId } : {}),
        ...(notes.operation ? { operation: notes.operation } : {}),
        ...(notes.errorCodes ? { errorCodes: notes.errorCodes } : {}),
        ...(credential ? { keyPrefix: credential } : {}),
        ...(server.clientAddress ? { client: server.clientAddress } : {}),
      });
    }
    const finish = (headers: Headers) => {
      headers.set('x-request-id', notes.requestId);
      // Operational answers are for the operator's tools, never a page on another origin.
      if (!preflighted) cors?.decorate(request, headers, operational.has(pathname));
    };
    try {
      finish(response.headers);
      return response;
    } catch {
      // Some responses (a redirect, a static one) have immutable headers: copy them.
      const copy = new Response(response.body, response);
      finish(copy.headers);
      return copy;
    }
  }

  return tracingOn() ? tracedRequests(serve) : serve;
}
