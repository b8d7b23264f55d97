import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Environment } from '../env.js';
import { type CredentialClaims, principalFromClaims } from '../modules/identity/jwt-principal.js';
import type { Actor, Principal } from '../modules/identity/principal.js';

/** Signatures a gateway accepts; `none` and shared-secret HMACs never. */
const algorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Three base64url parts, the first a JSON object: what a JWS in compact form looks like (API keys never do). */
export const looksLikeJwt = (token: string) => /^eyJ[\w-]*\.[\w-]*\.[\w-]*$/.test(token);

export type JwtAuthenticator = (token: string) => Promise<{ principal: Principal } | { failure: string }>;

/**
 * JWT credentials when JWT_JWKS_URL or JWT_PUBLIC_KEY is set: the signature, `exp`/`nbf`, and
 * `iss`/`aud` when configured are checked by jose; the claims then name the tenant and scopes.
 */
export function jwtAuthenticator(env: Pick<Environment, 'JWT_JWKS_URL' | 'JWT_PUBLIC_KEY' | 'JWT_ISSUER' | 'JWT_AUDIENCE'>, prisma: Actor['prisma']): JwtAuthenticator | undefined {
  let key: JWTVerifyGetKey | KeyObject;
  if (env.JWT_JWKS_URL) key = createRemoteJWKSet(new URL(env.JWT_JWKS_URL));
  else if (env.JWT_PUBLIC_KEY) key = createPublicKey(env.JWT_PUBLIC_KEY);
  else return undefined;
  const options = { algorithms, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE };
  return async (token) => {
    try {
      const { payload } = await (typeof key === 'function' ? jwtVerify(token, key, options) : jwtVerify(token, key, options));
      const principal = await principalFromClaims(prisma, payload as CredentialClaims);
      return principal ? { principal } : { failure: 'The JWT names no tenant (tenant_id claim) that exists' };
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { failure: 'The JWT has expired' };
      if (error instanceof errors.JOSEError) return { failure: 'The JWT is not valid' };
      throw error;
    }
  };
}
