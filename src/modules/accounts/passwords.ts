import { randomBytes } from 'node:crypto';
import { type Algorithm, hash, verify } from '@node-rs/argon2';

// OWASP's Password Storage Cheat Sheet: argon2id, 19 MiB of memory, 2 passes, 1 lane.
const argon2id = { algorithm: 2 as Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password: string): Promise<string> => hash(password, argon2id);

// Made once, when this module loads at start, so even the first unknown email costs one verification only.
const dummyHash = hashPassword(randomBytes(16).toString('hex'));

/**
 * Whether `password` matches `stored`. Without a stored hash (an unknown email) a dummy hash
 * made with the same parameters is verified instead, so an unknown email and a wrong password
 * cost the same work and answer alike.
 */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  const matches = await verify(stored ?? (await dummyHash), password);
  return stored !== null && matches;
}
