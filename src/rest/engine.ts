import { print } from 'graphql';
import type { ErrorCode } from '../lib/errors.js';
import { rateLimitHeaders } from '../rate-limit/limits.js';
import { jsonResponse, readJsonBody } from './http.js';
import { type Dialect, type Failure, isAnswer, type Method, type RestRequest, type RestResult, type Route } from './types.js';

export type GraphQLResult = {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
};

/** Runs an operation through the same Yoga pipeline as /graphql (context, auth, masking, caches). */
export type ExecuteGraphQL = (
  query: string,
  variables: unknown,
  authorization: string | null,
  request: Request,
  /** `METHOD /prefix/path/{param}`: what metering records as the endpoint. */
  route: string,
  /** A public route may run without a credential, in production too. */
  isPublic: boolean,
) => Promise<GraphQLResult>;

type CompiledRoute = { dialect: Dialect; route: Route; pattern: RegExp; paramNames: string[]; query: string };

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
  return { dialect, route, pattern: new RegExp(`^${source}/?$`), paramNames, query: route.operation ? print(route.operation) : '' };
}

/** `Variable "$input" got invalid value … at "input.performance.cacheSizeMb"; …` in the dialect's field names. */
function describeFailure(message: string, fieldName: (path: string) => string): string {
  const variable = /^Variable "\$\w+" got invalid value [\s\S]*? at "([^"]+)"; ([\s\S]*)$/.exec(message);
  if (!variable) return message;
  const detail = variable[2]!.replace(/Field "(\w+)"/g, (_match, name: string) => `Field "${fieldName(name)}"`);
  return `${fieldName(variable[1]!)}: ${detail}`;
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

function withRateLimitHeaders(failure: Failure, result: RestResult): RestResult {
  if (failure.code !== 'RATE_LIMITED') return result;
  return { ...result, headers: { ...rateLimitHeaders(failure.extensions), ...result.headers } };
}

export function createRestEngine(dialects: Dialect[], execute: ExecuteGraphQL, options: { maxBodyBytes: number }) {
  const routes = dialects.flatMap((dialect) => dialect.routes.map((route) => compile(dialect, route)));

  function reply(result: RestResult): Response {
    return jsonResponse(result.status, result.body, result.headers);
  }

  /** Answers a legacy route, or returns null when no dialect serves the path. */
  async function handle(request: Request): Promise<Response | null> {
    const { pathname, searchParams } = new URL(request.url);
    const candidates = routes.filter((candidate) => candidate.pattern.test(pathname));
    if (candidates.length === 0) return null;
    const method = (request.method === 'HEAD' ? 'GET' : request.method) as Method;
    const match = candidates.find((candidate) => candidate.route.method === method);
    if (!match) {
      const allowed = [...new Set(candidates.map((candidate) => candidate.route.method))];
      const answer = candidates[0]!.dialect.methodNotAllowed(allowed);
      return reply({ ...answer, headers: { ...answer.headers, allow: allowed.join(', ') } });
    }
    const { dialect, route } = match;
    const params = paramsOf(match, pathname);
    if (!params) {
      const bare: RestRequest = { params: {}, query: searchParams, headers: request.headers, body: undefined, rawBody: undefined };
      return reply(dialect.error({ code: 'BAD_USER_INPUT', message: 'The request path is not valid percent-encoding', extensions: {} }, bare));
    }
    const restRequest: RestRequest = { params, query: searchParams, headers: request.headers, body: undefined, rawBody: undefined };

    const authorization = dialect.authorization(request.headers);
    if (authorization === null && !route.public) {
      return reply(dialect.error({ code: 'UNAUTHENTICATED', message: 'A credential is required', extensions: { credential: 'missing' } }, restRequest));
    }
    if (!route.operation) return reply(route.respond(null, restRequest));

    if (route.body) {
      const read = await readJsonBody(request, options.maxBodyBytes);
      if ('problem' in read) return reply(dialect.problem(read.problem, restRequest));
      // reportInput: dialects tell a missing field (input undefined) from a wrong one.
      const parsed = route.body.safeParse(read.value, { reportInput: true });
      if (!parsed.success) return reply(dialect.problem({ kind: 'invalid_body', issues: parsed.error.issues }, restRequest));
      restRequest.body = parsed.data;
      restRequest.rawBody = read.value;
    }

    const variables = route.variables(restRequest);
    if (isAnswer(variables)) return reply(variables.answer);

    const result = await execute(match.query, variables, authorization, request, `${route.method} ${dialect.prefix}${route.path}`, route.public ?? false);
    const error = result.errors?.[0];
    if (error || !result.data) {
      const failure: Failure = {
        code: ((error?.extensions?.code as ErrorCode | undefined) ?? 'INTERNAL'),
        message: describeFailure(error?.message ?? 'No data', route.fieldName ?? ((path) => path)),
        extensions: error?.extensions ?? {},
      };
      const handler = route.errors?.[failure.code];
      return reply(withRateLimitHeaders(failure, handler ? handler(failure, restRequest) : dialect.error(failure, restRequest)));
    }
    return reply(route.respond(result.data, restRequest));
  }

  /** A refusal (IP limits) for a path a dialect serves, in that dialect's error format; null otherwise. */
  function refuse(request: Request, failure: Failure): Response | null {
    const { pathname, searchParams } = new URL(request.url);
    const match = routes.find((candidate) => candidate.pattern.test(pathname));
    if (!match) return null;
    const params = paramsOf(match, pathname) ?? {};
    return reply(withRateLimitHeaders(failure, match.dialect.error(failure, { params, query: searchParams, headers: request.headers, body: undefined, rawBody: undefined })));
  }

  return { handle, refuse, routes: routes.map(({ dialect, route }) => ({ dialect, route })) };
}

export type RestEngine = ReturnType<typeof createRestEngine>;
