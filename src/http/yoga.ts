import { createYoga, type Plugin } from 'graphql-yoga';
import type { Environment } from '../env.js';
import { type Quotas, useAuthGuard } from '../graphql/auth-guard.js';
import type { GraphQLContext } from '../graphql/context.js';
import { useDocumentLimits } from '../graphql/document-limits.js';
import { maskError, useBadUserInputValidation } from '../graphql/errors.js';
import { useInputBoundary } from '../graphql/input-boundary.js';
import { useJit } from '../graphql/jit.js';
import { useGraphQLTracing } from '../graphql/tracing.js';
import { useMetering } from '../graphql/metering.js';
import { type OperationObserver, useOperationMetrics } from '../graphql/operation-metrics.js';
import { schema } from '../graphql/schema.js';
import { isClientGone } from '../lib/errors.js';
import { tracingOn } from '../lib/tracing.js';
import type { Logger } from '../lib/logger.js';
import { checkProjectQuota, checkTenantQuota, type RateLimitSettings } from '../rate-limit/limits.js';
import type { CounterStore } from '../rate-limit/store.js';
import { graphiqlDefaultQuery, graphiqlHeaderPlaceholder } from './graphiql.js';
import { useChangesMade } from '../graphql/changes-made.js';
import { contextFactory, type Credentials, useCredentialsFirst } from './credentials.js';
import { loadTrustedDocuments, TrustedDocumentsError, useTrustedDocuments } from '../graphql/trusted-documents.js';
import { clientAddressOf, requestOrigin } from './request-log.js';

/** What a REST route adds to a GraphQL execution it runs. */
export type RouteContext = { restRoute?: string; publicRoute?: boolean };

type YogaDeps = {
  env: Environment;
  logger: Logger;
  store: CounterStore;
  rateLimits: RateLimitSettings;
  context: Omit<GraphQLContext, 'principal' | 'authFailure' | 'restRoute' | 'publicRoute'>;
  observer: OperationObserver;
  /** Who is asking, from the Authorization header (shared with the workers that change what keys are read with). */
  credentials: Credentials;
  /** The response cache's plugin, when the cache is on: after the credential check, before parsing. */
  responseCache?: Plugin<GraphQLContext>;
  /** Hears each tenant a mutation changed, before its answer leaves (changes-made.ts). */
  changed?: (tenant: string) => void;
};

/** The per-minute quotas by key (tier, project plan), as the auth guard and the response cache count them. */
export function gatewayQuotas(store: CounterStore, rateLimits: RateLimitSettings, limiting: boolean): Quotas {
  return {
    tenant: (tenant, tier, own) => (limiting ? checkTenantQuota(store, rateLimits, tenant, tier, own) : Promise.resolve()),
    project: (projectId, tier) => (limiting ? checkProjectQuota(store, rateLimits, projectId, tier) : Promise.resolve()),
  };
}

/**
 * The trusted-documents plugin the settings ask for, its manifest loaded and checked; none when
 * off. Operators (a global key with the admin scope, GATEWAY_ADMIN_KEY among them) may still send
 * any document: GraphiQL stays theirs.
 */
function trustedDocuments(env: Environment, credentials: Credentials): Plugin[] {
  const mode = env.TRUSTED_DOCUMENTS ?? (env.TRUSTED_DOCUMENTS_FILE ? 'enforce' : 'off');
  if (mode === 'off') return [];
  if (!env.TRUSTED_DOCUMENTS_FILE) throw new TrustedDocumentsError(`TRUSTED_DOCUMENTS=${mode} needs TRUSTED_DOCUMENTS_FILE, the manifest of trusted documents`);
  const isOperator = async (request: Request) => {
    const { principal } = await credentials(request);
    return principal?.owner === 'GLOBAL' && principal.scopes.has('admin');
  };
  return [useTrustedDocuments(loadTrustedDocuments(env.TRUSTED_DOCUMENTS_FILE, schema), mode, isOperator)];
}

export function createGatewayYoga({ env, logger, store, rateLimits, context, observer, credentials, responseCache, changed }: YogaDeps) {
  const limiting = env.RATE_LIMITS === 'on';
  const trusted = trustedDocuments(env, credentials);
  const baseContext = contextFactory(context, credentials);
  return createYoga<RouteContext, GraphQLContext>({
    schema,
    // CORS is the router's (cors.ts), one policy for every path: Yoga's own would reflect any origin.
    cors: false,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Bodies are bounded by the router before Yoga sees them (graphql-body.ts), without a
    // counting stream per request.
    maxRequestBodySize: false,
    logging: false,
    maskedErrors: {
      maskError: maskError((error) =>
        isClientGone(error)
          ? logger.debug('the client went away during an execution', { reason: (error as Error).message })
          : logger.error('unexpected error', { error }),
      ),
    },
    // GraphiQL's assets come from the package, inlined in the page: it works without internet.
    // Loaded when the page is first asked for: its 9 MB of script are not held by a gateway no
    // one browses.
    renderGraphiQL: (options) => import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) => renderGraphiQL(options)),
    graphiql: {
      title: 'tenant-gateway',
      defaultQuery: graphiqlDefaultQuery,
      headers: JSON.stringify({ Authorization: graphiqlHeaderPlaceholder }, null, 2),
    },
    plugins: [
      useCredentialsFirst(credentials, env.NODE_ENV === 'production'),
      // Before anything reads params.query: a document sent by id becomes its text here.
      ...trusted,
      ...(responseCache ? [responseCache] : []),
      ...(changed ? [useChangesMade(changed)] : []),
      useInputBoundary(),
      useDocumentLimits(),
      useBadUserInputValidation(),
      useOperationMetrics(observer),
      useAuthGuard(gatewayQuotas(store, rateLimits, limiting)),
      ...(env.METERING === 'on' ? [useMetering()] : []),
      ...(env.GRAPHQL_JIT === 'on'
        ? [
            useJit((reason) =>
              logger.warn('graphql-jit cannot compile an operation; it runs on the standard executor', {
                errors: reason.errors?.map((error) => error.message),
              }),
            ),
          ]
        : []),
      // Last: execution's span wraps the executor the plugins above chose (graphql-jit's).
      ...(tracingOn() ? useGraphQLTracing() : []),
    ],
    // The context contextFactory made for this request, given three more fields (not spread into a
    // new literal: see lib/extend.ts).
    context: async (initial) =>
      Object.assign(await baseContext(initial), {
        clientAddress: clientAddressOf(initial.request),
        origin: requestOrigin(initial.request),
        signal: initial.request?.signal,
      }),
  });
}
