import { createHash, timingSafeEqual } from 'node:crypto';

/** Whether two secrets are equal, compared in constant time through their SHA-256 digests (any lengths). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
