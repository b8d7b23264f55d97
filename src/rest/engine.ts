import { print } from 'graphql';
import { type ErrorCode, httpStatusByCode, type Violation } from '../lib/errors.js';
import { textProblem, unsafeInput } from '../lib/input-safety.js';
import { jsonResponse, readJsonBody } from './http.js';
import { type QueryParameter, queryParameters, readQuery } from './query.js';
import { type Dialect, type Failure, isAnswer, type Method, type RestRequest, type RestResult, type Route } from './types.js';

export type GraphQLResult = {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
};

export type GraphQLExecution = {
  query: string;
  variables: unknown;
  authorization: string | null;
  request: Request;
  /** `METHOD /prefix/path/{param}`: what metering records as the endpoint. */
  route: string;
  /** A public route may run without a credential, in production too. */
  isPublic: boolean;
};

/** Runs an operation through the same Yoga pipeline as /graphql (context, auth, masking, caches). */
export type ExecuteGraphQL = (execution: GraphQLExecution) => Promise<GraphQLResult>;

type CompiledRoute = { dialect: Dialect; route: Route; pattern: RegExp; paramNames: string[]; queryParameters: QueryParameter[]; query: string };

/**
 * The routes a request's path falls under, found once per request: answering it, refusing it
 * and labelling its metrics all read this instead of matching the path again.
 */
export type RouteLookup = {
  /** The request's URL, parsed once. */
  url: URL;
  pathname: string;
  /** Every route whose path matches, in table order. */
  candidates: CompiledRoute[];
  /** The candidate for the request's method (HEAD as GET), if any. */
  match: CompiledRoute | undefined;
};

function compile(dialect: Dialect, route: Route): CompiledRoute {
  const paramNames: string[] = [];
  const source = `${dialect.prefix}${route.path}`
    .split(/(\{\w+\})/)
    .map((part) => {
      const param = /^\{(\w+)\}$/.exec(part);
      if (param) {
        paramNames.push(param[1]!);
        return '([^/]+)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  // One printed string per route: identical strings hit Yoga's parse and validate caches.
  return {
    dialect,
    route,
    pattern: new RegExp(`^${source}/?$`),
    paramNames,
    queryParameters: queryParameters(route.query),
    query: route.operation ? print(route.operation) : '',
  };
}

/** A GraphQL error as dialects see it: status and headers as the error was made with them. */
export function failureOf(error: { message: string; extensions?: Record<string, unknown> } | undefined): Failure {
  const { http, ...extensions } = (error?.extensions ?? {}) as { http?: { status?: number; headers?: Record<string, string> } } & Record<string, unknown>;
  const code = (extensions.code as ErrorCode | undefined) ?? 'INTERNAL';
  return { code, message: error?.message ?? 'No data', status: http?.status ?? httpStatusByCode[code] ?? 500, headers: http?.headers ?? {}, extensions };
}

/** The path's parameters, decoded; null when one is not valid percent-encoding. */
function paramsOf(match: CompiledRoute, pathname: string): Record<string, string> | null {
  const values = match.pattern.exec(pathname)!.slice(1);
  try {
    return Object.fromEntries(match.paramNames.map((name, index) => [name, decodeURIComponent(values[index]!)]));
  } catch {
    return null;
  }
}

const bareRequest = (request: Request, params: Record<string, string> = {}, query: Record<string, unknown> = {}): RestRequest => ({
  params,
  query,
  headers: request.headers,
  body: undefined,
  rawBody: undefined,
});

/**
 * Which dialect answers an unknown path: the one whose prefix it is under, or, for dialects
 * mounted at the root, the one whose routes start with its first segment.
 */
function ownerOf(dialects: Dialect[], pathname: string): Dialect | undefined {
  const byPrefix = [...dialects].filter((dialect) => dialect.prefix).sort((a, b) => b.prefix.length - a.prefix.length);
  const prefixed = byPrefix.find((dialect) => pathname === dialect.prefix || pathname.startsWith(`${dialect.prefix}/`));
  if (prefixed) return prefixed;
  const first = pathname.split('/')[1];
  return dialects.find((dialect) => !dialect.prefix && dialect.routes.some((route) => route.path.split('/')[1] === first));
}

/** The first path parameter, query value or header value no handler may see. */
function unsafeRequestText(params: Record<string, string>, query: URLSearchParams, headers: Headers): Violation | null {
  const sources: [string, Iterable<[string, string]>][] = [
    ['', Object.entries(params)],
    ['', query],
    ['header ', headers],
  ];
  for (const [kind, entries] of sources) {
    for (const [name, value] of entries) {
      const problem = textProblem(name) ?? textProblem(value);
      if (problem) return { field: `${kind}${name}`, rule: 'text', message: `${kind}${name} ${problem}` };
    }
  }
  return null;
}

const badInput = (violation: Violation) =>
  failureOf({ message: violation.message, extensions: { code: 'BAD_USER_INPUT', field: violation.field, violations: [violation] } });

export function createRestEngine(dialects: Dialect[], execute: ExecuteGraphQL, options: { maxBodyBytes: number }) {
  const routes = dialects.flatMap((dialect) => dialect.routes.map((route) => compile(dialect, route)));
  // A path parameter is one segment, so a route matches paths of one segment count only: each
  // request tests the few routes of its count, not all of them (a trailing slash is optional).
  const segmentCount = (path: string) => {
    let slashes = 0;
    for (let index = path.indexOf('/'); index >= 0; index = path.indexOf('/', index + 1)) slashes++;
    return path.endsWith('/') ? slashes : slashes + 1;
  };
  const routesBySegments = new Map<number, CompiledRoute[]>();
  for (const compiled of routes) {
    const template = `${compiled.dialect.prefix}${compiled.route.path}`;
    for (const count of new Set([segmentCount(template), segmentCount(`${template}/`)])) {
      routesBySegments.set(count, [...(routesBySegments.get(count) ?? []), compiled]);
    }
  }

  function reply(result: RestResult): Response {
    return jsonResponse(result.status, result.body, result.headers);
  }

  function replyFailure(dialect: Dialect, route: Route | null, failure: Failure, request: RestRequest): Response {
    const handler = route?.errors?.[failure.code];
    const result = handler ? handler(failure, request) : dialect.error(failure, request);
    return reply({ ...result, headers: { ...failure.headers, ...result.headers } });
  }

  function lookup(request: Request, url = new URL(request.url)): RouteLookup {
    const { pathname } = url;
    const candidates = (routesBySegments.get(segmentCount(pathname)) ?? []).filter((candidate) => candidate.pattern.test(pathname));
    const method = (request.method === 'HEAD' ? 'GET' : request.method) as Method;
    return { url, pathname, candidates, match: candidates.find((candidate) => candidate.route.method === method) };
  }

  /** Answers a legacy route, or returns null when no dialect serves the path. */
  async function handle(request: Request, found: RouteLookup = lookup(request)): Promise<Response | null> {
    const { url, pathname, candidates, match } = found;
    const { searchParams } = url;
    if (candidates.length === 0) {
      const owner = ownerOf(dialects, pathname);
      return owner?.notFound ? reply(owner.notFound(pathname)) : null;
    }
    if (!match) {
      const allowed = [...new Set(candidates.map((candidate) => candidate.route.method))];
      const answer = candidates[0]!.dialect.methodNotAllowed(allowed);
      return reply({ ...answer, headers: { ...answer.headers, allow: allowed.join(', ') } });
    }
    const { dialect, route } = match;
    const params = paramsOf(match, pathname);
    if (!params) {
      const failure = failureOf({ message: 'The request path is not valid percent-encoding', extensions: { code: 'BAD_USER_INPUT' } });
      return replyFailure(dialect, null, failure, bareRequest(request));
    }
    const unsafeText = unsafeRequestText(params, searchParams, request.headers);
    if (unsafeText) return replyFailure(dialect, null, badInput(unsafeText), bareRequest(request, params));
    // Read before the credential check so a refusal can name what the query named; refused after it, as a body is.
    const query = readQuery(match.queryParameters, searchParams);
    const restRequest = bareRequest(request, params, query.values);

    const authorization = dialect.authorization(request.headers);
    if (authorization === null && !route.public) {
      const failure = failureOf({ message: 'A credential is required', extensions: { code: 'UNAUTHENTICATED', credential: 'missing' } });
      return replyFailure(dialect, null, failure, restRequest);
    }
    if (query.violation) return replyFailure(dialect, route, badInput(query.violation), restRequest);
    if (!route.operation) return reply(route.respond(null, restRequest));

    if (route.body) {
      const read = await readJsonBody(request, options.maxBodyBytes);
      if ('problem' in read) return reply(dialect.problem(read.problem, restRequest));
      const unsafe = unsafeInput(read.value);
      if (unsafe) return replyFailure(dialect, route, badInput(unsafe), restRequest);
      // reportInput: dialects tell a missing field (input undefined) from a wrong one.
      const parsed = route.body.safeParse(read.value, { reportInput: true });
      if (!parsed.success) return reply(dialect.problem({ kind: 'invalid_body', issues: parsed.error.issues }, restRequest));
      restRequest.body = parsed.data;
      restRequest.rawBody = read.value;
    }

    const variables = route.variables(restRequest);
    if (isAnswer(variables)) return reply(variables.answer);

    const result = await execute({
      query: match.query,
      variables,
      authorization,
      request,
      route: `${route.method} ${dialect.prefix}${route.path}`,
      isPublic: route.public ?? false,
    });
    const error = result.errors?.[0];
    if (error || !result.data) return replyFailure(dialect, route, failureOf(error), restRequest);
    return reply(route.respond(result.data, restRequest));
  }

  /** A refusal made before any route runs (the address limiter), in the format of the dialect owning the path; null outside them. */
  function refuse(request: Request, failure: Failure, found: RouteLookup = lookup(request)): Response | null {
    const { url, pathname } = found;
    const { searchParams } = url;
    const match = found.candidates[0];
    const dialect = match?.dialect ?? ownerOf(dialects, pathname);
    if (!dialect) return null;
    const params = (match && paramsOf(match, pathname)) ?? {};
    return replyFailure(dialect, null, failure, bareRequest(request, params, match ? readQuery(match.queryParameters, searchParams).values : {}));
  }

  /** The route template a request falls under (`/api/v1/tenants/{id}/config`), for metrics; null when no route serves its path. */
  function templateOf({ match, candidates }: RouteLookup): string | null {
    const route = match ?? candidates[0];
    return route ? `${route.dialect.prefix}${route.route.path}` : null;
  }

  return { lookup, handle, refuse, templateOf, routes: routes.map(({ dialect, route }) => ({ dialect, route })) };
}

export type RestEngine = ReturnType<typeof createRestEngine>;
