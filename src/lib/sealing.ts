import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// AES-256-GCM: `TGW1` | 12-byte IV | 16-byte tag | ciphertext. The tag makes any change to
// the file (or a wrong key) an error on opening, never wrong plaintext. `aad` binds a sealed
// value to where it belongs (a tenant and a name): opened anywhere else, the tag fails.
const magic = Buffer.from('TGW1');

export function seal(key: Buffer, plaintext: Buffer, aad?: string | Buffer): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (aad !== undefined) cipher.setAAD(typeof aad === 'string' ? Buffer.from(aad) : aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([magic, iv, cipher.getAuthTag(), ciphertext]);
}

export function unseal(key: Buffer, sealed: Buffer, aad?: string | Buffer): Buffer {
  if (sealed.length < 32 || !sealed.subarray(0, 4).equals(magic)) throw new Error('not a sealed file');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(4, 16));
  if (aad !== undefined) decipher.setAAD(typeof aad === 'string' ? Buffer.from(aad) : aad);
  decipher.setAuthTag(sealed.subarray(16, 32));
  return Buffer.concat([decipher.update(sealed.subarray(32)), decipher.final()]);
}

/**
 * The gateway's secrets key: SECRETS_KEY when set, otherwise a random key kept in
 * `file` (created once, readable by the owner only), so a fresh install encrypts too.
 */
export function loadSecretsKey(hex: string | undefined, file: string): { key: Buffer; created: boolean } {
  if (hex) return { key: Buffer.from(hex, 'hex'), created: false };
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-fA-F]{64}$/.test(stored)) throw new Error(`${file} does not hold a 64-hex-character key`);
    return { key: Buffer.from(stored, 'hex'), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(32);
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadSecretsKey(undefined, file);
    throw error;
  }
  return { key, created: true };
}
