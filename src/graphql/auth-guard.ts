import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { UnauthenticatedError } from '../lib/errors.js';
import type { GraphQLContext } from './context.js';
import { domainGraphQLError } from './errors.js';

/**
 * A refused credential fails the whole operation, introspection included; so does no
 * credential at all in production. In development an anonymous explorer may browse
 * the schema, and each field still demands its scope.
 */
export function useAuthGuard(): Plugin<GraphQLContext> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue;
      if (ctx.principal) return;
      if (ctx.authFailure || ctx.production) {
        const error: GraphQLError = domainGraphQLError(new UnauthenticatedError(ctx.authFailure));
        setResultAndStopExecution({ errors: [error] });
      }
    },
  };
}
