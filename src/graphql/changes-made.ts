import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { everyTenant } from '../kernel/tenant-access.js';
import type { GraphQLContext } from './context.js';

/**
 * This replica's own writes, told before their answers leave: a mutation's executed, and
 * `changed` hears each tenant it touched (the tenants its resolvers resolved, `cacheTags`), or
 * `*` when it named none. What this replica keeps about them (cached answers, remembered tenant
 * rows) is dropped before the caller can ask again; the change feed tells the other replicas.
 */
export function useChangesMade(changed: (tenant: string) => void): Plugin<GraphQLContext> {
  return {
    onExecute({ args }) {
      if (getOperationAST(args.document, args.operationName)?.operation !== 'mutation') return;
      const ctx = args.contextValue;
      return {
        onExecuteDone() {
          const tags = ctx.cacheTags?.size ? ctx.cacheTags : [everyTenant];
          for (const tag of tags) changed(tag);
        },
      };
    },
  };
}
