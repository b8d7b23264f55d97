import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../graphql/context.js';
import { domainGraphQLError } from '../graphql/errors.js';
import { UnauthenticatedError } from '../lib/errors.js';
import { digestMatcher, secretDigest } from '../lib/same-secret.js';
import { visibleKeyPrefix } from '../modules/identity/api-keys.js';
import { authenticate } from '../modules/identity/identity.service.js';
import { graphiqlHeaderPlaceholder } from './graphiql.js';
import { type JwtAuthenticator, looksLikeJwt } from './jwt.js';
import type { Actor } from '../kernel/principal.js';
import { requestMemo } from '../lib/request-memo.js';
import { extend } from '../lib/extend.js';

/** The bearer token of a request: null when there is no Authorization header, '' when it is malformed. */
export function bearerToken(request: Request): string | null {
  const header = request.headers.get('authorization');
  if (!header || header.trim() === graphiqlHeaderPlaceholder) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : '';
}

const presentedDigests = requestMemo<{ token: string; digest: Buffer }>('presented token digest');

/**
 * The SHA-256 of a token a request presents, made once a request: the address limiter's operator
 * check and the principal cache's key both need it. (The memo holds the caller's own token for
 * its own request, never a secret of the gateway's.)
 */
function presentedDigest(request: Request, token: string): Buffer {
  const known = presentedDigests.get(request);
  if (known?.token === token) return known.digest;
  const digest = secretDigest(token);
  presentedDigests.set(request, { token, digest });
  return digest;
}

/**
 * Whether a request carries GATEWAY_ADMIN_KEY, the bootstrap operator key, compared in constant
 * time and without the database: the address limiter asks before anything is authenticated.
 */
export function operatorKeyCheck(adminKey: string | undefined): ((request: Request) => boolean) | undefined {
  if (!adminKey) return undefined;
  const isAdminKey = digestMatcher(adminKey);
  // Asked up to twice a request (the address limiter, the log line): compared once.
  const answers = requestMemo<boolean>('is the operator key');
  return (request) => {
    let answer = answers.get(request);
    if (answer === undefined) {
      const token = bearerToken(request) ?? request.headers.get('x-api-key')?.trim();
      answer = !!token && isAdminKey(presentedDigest(request, token));
      answers.set(request, answer);
    }
    return answer;
  };
}

/**
 * How a request's log line names the credential it presented: a key's visible prefix
 * (`tgw_Ab3dE5gH`), `operator` for GATEWAY_ADMIN_KEY, `jwt`, or nothing (none, or a token of no
 * known shape, of which nothing is shown).
 */
export function presentedCredential(request: Request, isOperatorKey?: (request: Request) => boolean): string | undefined {
  const token = bearerToken(request) || request.headers.get('x-api-key')?.trim();
  if (!token) return undefined;
  if (isOperatorKey?.(request)) return 'operator';
  return visibleKeyPrefix(token) ?? (looksLikeJwt(token) ? 'jwt' : undefined);
}

type ContextBase = Omit<GraphQLContext, 'principal' | 'authFailure' | 'restRoute' | 'publicRoute'>;
type Verdict = Pick<Actor, 'principal' | 'authFailure'>;

/**
 * Who is asking, decided once per request: before parsing on /graphql, then again by the context
 * for free. `onKeyUse` hears of every request a stored API key authenticates, cached or not.
 */
export function createCredentials(
  prisma: Actor['prisma'],
  adminKey: string | undefined,
  cacheMs = 1_000,
  jwt?: JwtAuthenticator,
  onKeyUse?: (keyId: string) => void,
) {
  const verdicts = requestMemo<Promise<Verdict>>('credential verdict');
  // Who a key is, remembered for `cacheMs` by the key's hash (never the key): a revocation, a
  // suspension or a plan change reaches every replica within that time, with no message between them.
  const recent = new Map<string, { verdict: Promise<Verdict>; until: number }>();
  const maxRemembered = 10_000;

  async function authenticateToken(token: string): Promise<Verdict> {
    const result = jwt && looksLikeJwt(token) ? await jwt(token) : await authenticate(prisma, token, adminKey);
    return 'principal' in result ? { principal: result.principal } : { principal: null, authFailure: result.failure };
  }

  function decide(request: Request): Promise<Verdict> {
    const token = bearerToken(request);
    if (token === null) return Promise.resolve({ principal: null });
    if (token === '') return Promise.resolve({ principal: null, authFailure: 'The Authorization header must be "Bearer <API key>"' });
    if (cacheMs <= 0) return authenticateToken(token);
    const key = presentedDigest(request, token).toString('base64');
    const now = Date.now();
    const known = recent.get(key);
    if (known && known.until > now) return known.verdict;
    const verdict = authenticateToken(token);
    recent.delete(key);
    if (recent.size >= maxRemembered) {
      for (const [old, entry] of recent) if (entry.until <= now || recent.size >= maxRemembered) recent.delete(old);
    }
    recent.set(key, { verdict, until: now + cacheMs });
    verdict.catch(() => recent.delete(key));
    return verdict;
  }

  function verdictOf(request: Request): Promise<Verdict> {
    let verdict = verdicts.get(request);
    if (!verdict) {
      verdict = decide(request);
      verdicts.set(request, verdict);
      if (onKeyUse) {
        void verdict.then(
          ({ principal }) => principal?.keyId && onKeyUse(principal.keyId),
          () => undefined,
        );
      }
    }
    return verdict;
  }

  /** A change made here (a revocation, a tenant's state or plan) is seen by this replica's next request at once. */
  verdictOf.forget = () => recent.clear();
  return verdictOf;
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
  return async ({ request, restRoute, publicRoute }: { request: Request; restRoute?: string; publicRoute?: boolean }): Promise<GraphQLContext> =>
    extend(base, { restRoute, publicRoute, ...(await credentials(request)), credentialsChanged: credentials.forget });
}
