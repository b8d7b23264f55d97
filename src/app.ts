import { createYoga } from 'graphql-yoga';
import type { Database } from './db/client.js';
import type { Environment } from './env.js';
import { useAuthGuard } from './graphql/auth-guard.js';
import type { GraphQLContext } from './graphql/context.js';
import { maskError, useBadUserInputValidation } from './graphql/errors.js';
import { schema } from './graphql/schema.js';
import { createLogger, type Logger } from './lib/logger.js';
import { authenticate } from './modules/identity/identity.service.js';

export type AppOptions = {
  env: Pick<Environment, 'NODE_ENV' | 'GATEWAY_ADMIN_KEY' | 'LOG_LEVEL'>;
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

  async function fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/graphql') return yoga.fetch(request);
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
    return json(404, { error: 'not_found', message: `No route for ${request.method} ${pathname}` });
  }

  return { fetch, logger };
}
