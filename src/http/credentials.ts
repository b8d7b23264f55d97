import type { GraphQLContext } from '../graphql/context.js';
import { authenticate } from '../modules/identity/identity.service.js';
import { graphiqlHeaderPlaceholder } from './graphiql.js';

/** The bearer token of a request: null when there is no Authorization header, '' when it is malformed. */
export function bearerToken(request: Request): string | null {
  const header = request.headers.get('authorization');
  if (!header || header.trim() === graphiqlHeaderPlaceholder) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : '';
}

type ContextBase = Omit<GraphQLContext, 'principal' | 'authFailure' | 'restRoute' | 'publicRoute'>;

/** Yoga's context: who is asking (from the Authorization header), beside what every resolver needs. */
export function contextFactory(base: ContextBase, adminKey: string | undefined) {
  return async ({ request, restRoute, publicRoute }: { request: Request; restRoute?: string; publicRoute?: boolean }): Promise<GraphQLContext> => {
    const context = { ...base, restRoute, publicRoute };
    const token = bearerToken(request);
    if (token === null) return { ...context, principal: null };
    if (token === '') return { ...context, principal: null, authFailure: 'The Authorization header must be "Bearer <API key>"' };
    const result = await authenticate(base.prisma, token, adminKey);
    return 'principal' in result ? { ...context, principal: result.principal } : { ...context, principal: null, authFailure: result.failure };
  };
}
