import { hash, timingSafeEqual } from 'node:crypto';

/** A secret's SHA-256 digest (one-shot: no Hash object per call). */
export const secretDigest = (text: string): Buffer => hash('sha256', text, 'buffer');
const digest = secretDigest;

/** Whether two secrets are equal, compared in constant time through their SHA-256 digests (any lengths). */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** `sameSecret` against one fixed secret, its digest computed once instead of on every call. */
export function secretMatcher(expected: string): (given: string) => boolean {
  const expectedDigest = digest(expected);
  return (given) => timingSafeEqual(digest(given), expectedDigest);
}

/** `secretMatcher` for a secret already digested with `secretDigest` (a request's token is digested once, whoever asks). */
export function digestMatcher(expected: string): (givenDigest: Buffer) => boolean {
  const expectedDigest = digest(expected);
  return (givenDigest) => timingSafeEqual(givenDigest, expectedDigest);
}
