import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// AES-256-GCM under one key: `TGW1` | 12-byte IV | 16-byte tag | ciphertext. The tag makes any
// change (or a wrong key) an error on opening, never wrong plaintext. What the gateway's keyring
// seals goes through lib/keyring; this seals with a data key of its own (a tenant's secrets, a
// backup file), and opens what older gateways sealed with the keyring's keys directly.
const magic = Buffer.from('TGW1');

export function sealWithKey(key: Buffer, plaintext: Buffer, aad?: string | Buffer): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (aad !== undefined) cipher.setAAD(typeof aad === 'string' ? Buffer.from(aad) : aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([magic, iv, cipher.getAuthTag(), ciphertext]);
}

export function openWithKey(key: Buffer, sealed: Buffer, aad?: string | Buffer): Buffer {
  if (sealed.length < 32 || !sealed.subarray(0, 4).equals(magic)) throw new Error('not a sealed file');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(4, 16));
  if (aad !== undefined) decipher.setAAD(typeof aad === 'string' ? Buffer.from(aad) : aad);
  decipher.setAuthTag(sealed.subarray(16, 32));
  return Buffer.concat([decipher.update(sealed.subarray(32)), decipher.final()]);
}
