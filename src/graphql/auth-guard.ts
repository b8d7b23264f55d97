import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DomainError, UnauthenticatedError } from '../lib/errors.js';
import type { Principal } from '../kernel/principal.js';
import type { GraphQLContext } from './context.js';
import { domainGraphQLError } from './errors.js';
import { onEveryOperation } from './every-operation.js';

export type Quotas = {
  tenant: (tenant: { id: string; slug?: string }, tier: NonNullable<Principal['tenantTier']>, ownPerMinute?: number) => Promise<void>;
  project: (projectId: string, tier: NonNullable<Principal['projectTier']>) => Promise<void>;
};

/**
 * A tenant key's requests count against its tenant's quota, a project key's against its
 * project's (seed 002), once per HTTP request; null for keys without one (operators). Served
 * from the response cache or executed, a request counts the same.
 */
export function countQuota(principal: Principal, quotas: Quotas): Promise<void> | null {
  return principal.tenantId && principal.tenantTier
    ? quotas.tenant({ id: principal.tenantId, slug: principal.tenantSlug }, principal.tenantTier, principal.tenantQuotaPerMinute)
    : principal.projectId && principal.projectTier
      ? quotas.project(principal.projectId, principal.projectTier)
      : null;
}

/**
 * A refused credential fails the whole operation, introspection included; so does no
 * credential at all in production. In development an anonymous explorer may browse
 * the schema, and each field still demands its scope.
 */
export function useAuthGuard(quotas: Quotas): Plugin<GraphQLContext> {
  // Subscriptions too: opening one is a request like any other.
  return onEveryOperation<GraphQLContext>(async (args, stop): Promise<undefined> => {
    const ctx = args.contextValue;
    const { principal } = ctx;
    if (principal) {
      if (ctx.quotaCounted) return;
      const counting = countQuota(principal, quotas);
      if (!counting) return;
      ctx.quotaCounted = true;
      try {
        await counting;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        stop({ errors: [domainGraphQLError(error)] });
      }
      return;
    }
    if (ctx.authFailure || (ctx.production && !ctx.publicRoute)) {
      const error: GraphQLError = domainGraphQLError(new UnauthenticatedError(ctx.authFailure));
      stop({ errors: [error] });
    }
  });
}
