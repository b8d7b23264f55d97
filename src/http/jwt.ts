import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Environment } from '../env.js';
import { type CredentialClaims, principalFromClaims } from '../modules/identity/jwt-principal.js';
import type { Actor, Principal } from '../kernel/principal.js';

/** Signatures a gateway accepts; `none` and shared-secret HMACs never. */
const algorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** How far the issuer's clock may be from ours, for exp, nbf and iat alike. */
export const jwtClockToleranceSeconds = 30;

/** Three base64url parts, the first a JSON object: what a JWS in compact form looks like (API keys never do). */
export const looksLikeJwt = (token: string) => /^eyJ[\w-]*\.[\w-]*\.[\w-]*$/.test(token);

export type JwtAuthenticator = (token: string) => Promise<{ principal: Principal } | { failure: string }>;

type JwtSettings = Pick<Environment, 'JWT_JWKS_URL' | 'JWT_PUBLIC_KEY' | 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWT_MAX_LIFETIME_SECONDS'>;

/**
 * A token's time claims beyond what jose checks. jose refuses an `iat` in the future only with
 * `maxTokenAge`, which also makes `iat` required and bounds the token's age rather than its
 * lifetime; a token without `iat` is fine here, but its `exp` may then lie no further than the
 * maximum lifetime from now.
 */
function lifetimeFailure(payload: JWTPayload, maxLifetime: number, now = Math.floor(Date.now() / 1000)): string | null {
  const { iat, exp } = payload as { iat?: number; exp: number };
  if (iat !== undefined && iat > now + jwtClockToleranceSeconds) return 'The JWT was issued in the future (iat claim)';
  if (exp - (iat ?? now) > maxLifetime || exp - now > maxLifetime + jwtClockToleranceSeconds) {
    return `The JWT lives longer than JWT_MAX_LIFETIME_SECONDS allows (${maxLifetime} seconds)`;
  }
  return null;
}

/**
 * JWT credentials when JWT_JWKS_URL or JWT_PUBLIC_KEY is set: the signature, `exp` (required),
 * `nbf`, and `iss`/`aud` when configured are checked by jose, the lifetime and `iat` here; the
 * claims then name the tenant and scopes.
 */
export function jwtAuthenticator(env: JwtSettings, prisma: Actor['prisma']): JwtAuthenticator | undefined {
  let key: JWTVerifyGetKey | KeyObject;
  if (env.JWT_JWKS_URL) key = createRemoteJWKSet(new URL(env.JWT_JWKS_URL));
  else if (env.JWT_PUBLIC_KEY) key = createPublicKey(env.JWT_PUBLIC_KEY);
  else return undefined;
  const options = { algorithms, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, requiredClaims: ['exp'], clockTolerance: jwtClockToleranceSeconds };
  return async (token) => {
    try {
      const { payload } = await (typeof key === 'function' ? jwtVerify(token, key, options) : jwtVerify(token, key, options));
      const failure = lifetimeFailure(payload, env.JWT_MAX_LIFETIME_SECONDS);
      if (failure) return { failure };
      const principal = await principalFromClaims(prisma, payload as CredentialClaims);
      if (!principal) return { failure: 'The JWT names no tenant (tenant_id claim) that exists' };
      return { principal: { ...principal, expiresAt: new Date((payload.exp! + jwtClockToleranceSeconds) * 1000) } };
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { failure: 'The JWT has expired' };
      if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'exp' && error.reason === 'missing')
        return { failure: 'The JWT has no expiry (exp claim)' };
      if (error instanceof errors.JOSEError) return { failure: 'The JWT is not valid' };
      throw error;
    }
  };
}
