import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga } from 'graphql-yoga';
import type { Environment } from '../env.js';
import { useAuthGuard } from '../graphql/auth-guard.js';
import type { GraphQLContext } from '../graphql/context.js';
import { useDocumentLimits } from '../graphql/document-limits.js';
import { maskError, useBadUserInputValidation } from '../graphql/errors.js';
import { useInputBoundary } from '../graphql/input-boundary.js';
import { useMetering } from '../graphql/metering.js';
import { type OperationObserver, useOperationMetrics } from '../graphql/operation-metrics.js';
import { schema } from '../graphql/schema.js';
import type { Logger } from '../lib/logger.js';
import { checkTenantQuota, type RateLimitSettings } from '../rate-limit/limits.js';
import type { CounterStore } from '../rate-limit/store.js';
import { graphiqlDefaultQuery, graphiqlHeaderPlaceholder } from './graphiql.js';
import { contextFactory, createCredentials, useCredentialsFirst } from './credentials.js';
import { requestOrigin } from './request-log.js';

/** What a REST route adds to a GraphQL execution it runs. */
export type RouteContext = { restRoute?: string; publicRoute?: boolean };

type YogaDeps = {
  env: Environment;
  logger: Logger;
  store: CounterStore;
  rateLimits: RateLimitSettings;
  context: Omit<GraphQLContext, 'principal' | 'authFailure' | 'restRoute' | 'publicRoute'>;
  observer: OperationObserver;
};

export function createGatewayYoga({ env, logger, store, rateLimits, context, observer }: YogaDeps) {
  const limiting = env.RATE_LIMITS === 'on';
  const credentials = createCredentials(context.prisma, env.GATEWAY_ADMIN_KEY, env.PRINCIPAL_CACHE_MS);
  return createYoga<RouteContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: false,
    maskedErrors: { maskError: maskError((error) => logger.error('unexpected error', { error })) },
    // GraphiQL's assets come from the package, inlined in the page: it works without internet.
    renderGraphiQL,
    graphiql: {
      title: 'tenant-gateway',
      defaultQuery: graphiqlDefaultQuery,
      headers: JSON.stringify({ Authorization: graphiqlHeaderPlaceholder }, null, 2),
    },
    plugins: [
      useCredentialsFirst(credentials, env.NODE_ENV === 'production'),
      useInputBoundary(),
      useDocumentLimits(),
      useBadUserInputValidation(),
      useOperationMetrics(observer),
      useAuthGuard((tenantId, tier, own) => (limiting ? checkTenantQuota(store, rateLimits, tenantId, tier, own) : Promise.resolve())),
      ...(env.METERING === 'on' ? [useMetering()] : []),
    ],
    context: async (initial) => ({ ...(await contextFactory(context, credentials)(initial)), origin: requestOrigin(initial.request) }),
  });
}
