import { randomBytes } from 'node:crypto';
import type { Algorithm } from '@node-rs/argon2';

// OWASP's Password Storage Cheat Sheet: argon2id, 19 MiB of memory, 2 passes, 1 lane.
const argon2id = { algorithm: 2 as Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

// Loaded at the first password: a gateway no one signs up or logs in to holds neither the
// native library nor the 19 MiB a hash works in.
let argon2: Promise<typeof import('@node-rs/argon2')> | undefined;
const loadArgon2 = () => (argon2 ??= import('@node-rs/argon2'));

export const hashPassword = async (password: string): Promise<string> => (await loadArgon2()).hash(password, argon2id);

let dummyHash: Promise<string> | undefined;
/** Made at the first verification, whatever email it is for, so a known and an unknown email pay it alike. */
const theDummyHash = () => {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex')).catch((error: unknown) => {
    dummyHash = undefined;
    throw error;
  });
  return dummyHash;
};

/**
 * Whether `password` matches `stored`. Without a stored hash (an unknown email) a dummy hash
 * made with the same parameters is verified instead, so an unknown email and a wrong password
 * cost the same work and answer alike.
 */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  const dummy = await theDummyHash();
  const matches = await (await loadArgon2()).verify(stored ?? dummy, password);
  return stored !== null && matches;
}
