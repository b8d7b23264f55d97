import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from './context.js';
import { onEveryOperation } from './every-operation.js';

/**
 * Every GraphQL operation (a subscription when it opens) and every REST route is one API call of the tenant it concerns
 * (the first tenant it resolved, else the key's own tenant), counted in memory.
 */
export function useMetering(): Plugin<GraphQLContext> {
  // A subscription is one call when it opens (or is refused), not one per event it sends.
  return onEveryOperation<GraphQLContext>((args) => {
    const started = performance.now();
    return ({ errors }) => {
      const ctx = args.contextValue;
      const tenantId = ctx.meteredTenantId ?? ctx.principal?.tenantId;
      if (!tenantId) return;
      ctx.meter.record({
        tenantId,
        endpoint: ctx.restRoute ?? `graphql ${getOperationAST(args.document, args.operationName)?.name?.value ?? 'anonymous'}`,
        ok: !errors.length,
        latencyMs: performance.now() - started,
      });
    };
  });
}
