import { createHash, timingSafeEqual } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../graphql/context.js';
import { domainGraphQLError } from '../graphql/errors.js';
import { UnauthenticatedError } from '../lib/errors.js';
import { authenticate } from '../modules/identity/identity.service.js';
import { graphiqlHeaderPlaceholder } from './graphiql.js';
import type { Actor } from '../modules/identity/principal.js';

/** The bearer token of a request: null when there is no Authorization header, '' when it is malformed. */
export function bearerToken(request: Request): string | null {
  const header = request.headers.get('authorization');
  if (!header || header.trim() === graphiqlHeaderPlaceholder) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : '';
}

/**
 * Whether a request carries GATEWAY_ADMIN_KEY, the bootstrap operator key, compared in constant
 * time and without the database: the address limiter asks before anything is authenticated.
 */
export function operatorKeyCheck(adminKey: string | undefined): ((request: Request) => boolean) | undefined {
  if (!adminKey) return undefined;
  const expected = createHash('sha256').update(adminKey).digest();
  return (request) => {
    const token = bearerToken(request) ?? request.headers.get('x-api-key')?.trim();
    return !!token && timingSafeEqual(createHash('sha256').update(token).digest(), expected);
  };
}

type ContextBase = Omit<GraphQLContext, 'principal' | 'authFailure' | 'restRoute' | 'publicRoute'>;
type Verdict = Pick<Actor, 'principal' | 'authFailure'>;

/** Who is asking, decided once per request: before parsing on /graphql, then again by the context for free. */
export function createCredentials(prisma: Actor['prisma'], adminKey: string | undefined) {
  const verdicts = new WeakMap<Request, Promise<Verdict>>();

  async function decide(request: Request): Promise<Verdict> {
    const token = bearerToken(request);
    if (token === null) return { principal: null };
    if (token === '') return { principal: null, authFailure: 'The Authorization header must be "Bearer <API key>"' };
    const result = await authenticate(prisma, token, adminKey);
    return 'principal' in result ? { principal: result.principal } : { principal: null, authFailure: result.failure };
  }

  return function verdictOf(request: Request): Promise<Verdict> {
    let verdict = verdicts.get(request);
    if (!verdict) {
      verdict = decide(request);
      verdicts.set(request, verdict);
    }
    return verdict;
  };
}

export type Credentials = ReturnType<typeof createCredentials>;

/**
 * A refused credential, and in production a missing one, is answered before the document is
 * parsed or validated: an anonymous caller cannot make the gateway do work on its query.
 */
export function useCredentialsFirst(credentials: Credentials, production: boolean): Plugin {
  return {
    async onParams({ request, setResult }) {
      const { principal, authFailure } = await credentials(request);
      if (authFailure || (production && !principal)) setResult({ errors: [domainGraphQLError(new UnauthenticatedError(authFailure))] });
    },
  };
}

/** Yoga's context: who is asking (from the Authorization header), beside what every resolver needs. */
export function contextFactory(base: ContextBase, credentials: Credentials) {
  return async ({ request, restRoute, publicRoute }: { request: Request; restRoute?: string; publicRoute?: boolean }): Promise<GraphQLContext> => ({
    ...base,
    restRoute,
    publicRoute,
    ...(await credentials(request)),
  });
}
