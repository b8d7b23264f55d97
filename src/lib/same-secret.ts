import { hash, timingSafeEqual } from 'node:crypto';

let last: { text: string; digest: Buffer } | undefined;

/**
 * A secret's SHA-256 digest. A request's credential is digested more than once (the address
 * limiter's operator check, the principal cache's key): the latest one is remembered, a single
 * entry, so no more credentials stay in memory than the requests in flight hold.
 */
export function secretDigest(text: string): Buffer {
  if (last?.text !== text) last = { text, digest: hash('sha256', text, 'buffer') };
  return last.digest;
}
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
