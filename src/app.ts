import { createYoga } from 'graphql-yoga';
import type { Database } from './db/client.js';
import type { Environment } from './env.js';
import { useAuthGuard } from './graphql/auth-guard.js';
import type { GraphQLContext } from './graphql/context.js';
import { maskError, useBadUserInputValidation } from './graphql/errors.js';
import { schema } from './graphql/schema.js';
import { createLogger, type Logger } from './lib/logger.js';
import { authenticate } from './modules/identity/identity.service.js';
import { configApiDialect } from './rest/dialects/config-api/routes.js';
import { eventHistoryDialect } from './rest/dialects/event-history/routes.js';
import { createRestEngine, type ExecuteGraphQL, type GraphQLResult } from './rest/engine.js';
import { buildOpenApi } from './rest/openapi.js';

export type AppOptions = {
  env: Pick<Environment, 'NODE_ENV' | 'GATEWAY_ADMIN_KEY' | 'LOG_LEVEL' | 'REST_MAX_BODY_BYTES' | 'CONFIG_API_PREFIX' | 'EVENT_HISTORY_API_PREFIX'>;
  database: Database;
  logger?: Logger;
};

export type App = {
  /** The whole gateway as a fetch handler: what the node server listens with and what tests call. */
  fetch(request: Request): Promise<Response>;
  logger: Logger;
};

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

function bearerToken(request: Request): string | null {
  const header = request.headers.get('authorization');
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : '';
}

export function createApp({ env, database, logger = createLogger(env.LOG_LEVEL) }: AppOptions): App {
  const { prisma } = database;
  const production = env.NODE_ENV === 'production';

  const yoga = createYoga<object, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: false,
    maskedErrors: { maskError: maskError((error) => logger.error('unexpected error', { error })) },
    graphiql: {
      title: 'tenant-gateway',
      headers: JSON.stringify({ Authorization: 'Bearer <your API key>' }, null, 2),
    },
    plugins: [useBadUserInputValidation(), useAuthGuard()],
    context: async ({ request }): Promise<GraphQLContext> => {
      const token = bearerToken(request);
      if (token === null) return { prisma, principal: null, production };
      if (token === '') {
        return { prisma, principal: null, production, authFailure: 'The Authorization header must be "Bearer <API key>"' };
      }
      const result = await authenticate(prisma, token, env.GATEWAY_ADMIN_KEY);
      return 'principal' in result
        ? { prisma, principal: result.principal, production }
        : { prisma, principal: null, production, authFailure: result.failure };
    },
  });

  const execute: ExecuteGraphQL = async (query, variables, authorization, request) => {
    const headers = new Headers({ 'content-type': 'application/json', accept: 'application/json' });
    if (authorization) headers.set('authorization', authorization);
    const forwarded = request.headers.get('x-forwarded-for');
    if (forwarded) headers.set('x-forwarded-for', forwarded);
    const response = await yoga.fetch(new URL('/graphql', request.url), {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResult;
  };

  const dialects = [configApiDialect(env.CONFIG_API_PREFIX), eventHistoryDialect(env.EVENT_HISTORY_API_PREFIX)];
  const rest = createRestEngine(dialects, execute, { maxBodyBytes: env.REST_MAX_BODY_BYTES });
  const openApi = JSON.stringify(buildOpenApi(dialects));

  async function fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/graphql') return yoga.fetch(request);
    if (pathname === '/openapi.json') return new Response(openApi, { headers: { 'content-type': 'application/json' } });
    if (pathname === '/healthz') return json(200, { status: 'ok' });
    if (pathname === '/readyz') {
      try {
        await prisma.$queryRaw`SELECT 1`;
        return json(200, { status: 'ready', database: database.kind });
      } catch (error) {
        logger.warn('readiness check failed', { error });
        return json(503, { status: 'unavailable', database: database.kind });
      }
    }
    try {
      const answered = await rest.handle(request);
      if (answered) return answered;
    } catch (error) {
      logger.error('REST route failed', { error, path: pathname });
      return json(500, { error: 'internal', message: 'Unexpected error.' });
    }
    return json(404, { error: 'not_found', message: `No route for ${request.method} ${pathname}` });
  }

  return { fetch, logger };
}
