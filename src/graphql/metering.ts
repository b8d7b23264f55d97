import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from './context.js';

/**
 * Every GraphQL operation and every REST route is one API call of the tenant it concerns
 * (the first tenant it resolved, else the key's own tenant), counted in memory.
 */
export function useMetering(): Plugin<GraphQLContext> {
  return {
    onExecute({ args }) {
      const started = performance.now();
      return {
        onExecuteDone({ result }) {
          const ctx = args.contextValue;
          const tenantId = ctx.meteredTenantId ?? ctx.principal?.tenantId;
          if (!tenantId) return;
          const errors = 'errors' in result ? result.errors : undefined;
          ctx.meter.record({
            tenantId,
            endpoint: ctx.restRoute ?? `graphql ${getOperationAST(args.document, args.operationName)?.name?.value ?? 'anonymous'}`,
            ok: !errors?.length,
            latencyMs: performance.now() - started,
          });
        },
      };
    },
  };
}
