import { createHash } from 'node:crypto';
import { seal, unseal } from './sealing.js';

/** The gateway's key-encryption keys: SECRETS_KEY seals, SECRETS_KEY_PREVIOUS still open what they sealed. */
export type Keyring = { current: Buffer; previous: readonly Buffer[] };

/** A key's public name: enough to tell which key sealed something, nothing about the key. */
export function keyFingerprint(key: Buffer): string {
  return createHash('sha256').update('tgw-keyring\0').update(key).digest('hex').slice(0, 16);
}

export function wrap(keyring: Keyring, plaintext: Buffer, aad: Buffer): { sealed: Buffer; wrappedBy: string } {
  return { sealed: seal(keyring.current, plaintext, aad), wrappedBy: keyFingerprint(keyring.current) };
}

/** Opens with the key named by `wrappedBy` when the ring holds it, else tries each; null when none opens it. */
export function unwrap(keyring: Keyring, sealed: Buffer, aad: Buffer, wrappedBy?: string): Buffer | null {
  const keys = [keyring.current, ...keyring.previous];
  const named = keys.filter((key) => keyFingerprint(key) === wrappedBy);
  for (const key of named.length ? named : keys) {
    try {
      return unseal(key, sealed, aad);
    } catch {
      // the next key
    }
  }
  return null;
}
