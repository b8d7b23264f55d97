import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openWithKey } from './sealing.js';

/** The gateway's key-encryption keys: `current` (SECRETS_KEY) seals, `previous` (SECRETS_KEY_PREVIOUS) only opens what they sealed. */
export type Keyring = { current: Buffer; previous: readonly Buffer[] };

/** A key's public name: enough to tell which key sealed something, nothing about the key. */
export function keyFingerprint(key: Buffer): string {
  return createHash('sha256').update('tgw-keyring\0').update(key).digest('hex').slice(0, 16);
}

// What the keyring seals: `TGK1` | the sealing key's fingerprint (8 bytes) | 12-byte IV | 16-byte
// tag | AES-256-GCM ciphertext. The fingerprint says which key opens it (no key is tried in
// vain, and a re-wrap sees what is already under the current key without opening it). The
// additional data is the header, then the context: what the value is and whom it belongs to
// (`proxy-password:project:<id>`), so a value copied anywhere else fails to open.
const magic = Buffer.from('TGK1');
const headerBytes = magic.length + 8;
const ivEnd = headerBytes + 12;
const tagEnd = ivEnd + 16;

const additionalData = (header: Buffer, context: string) => Buffer.concat([header, Buffer.from(context, 'utf8')]);

const isKeyringSealed = (sealed: Uint8Array) => sealed.length >= tagEnd && magic.equals(sealed.subarray(0, magic.length));

/** The fingerprint of the key that sealed a keyring value; null for anything sealed before the keyring format. */
export function sealedBy(sealed: Uint8Array): string | null {
  return isKeyringSealed(sealed) ? Buffer.from(sealed.subarray(magic.length, headerBytes)).toString('hex') : null;
}

/** Seals `plaintext` under the current key, bound to `context`. Prisma takes the result as Bytes. */
export function seal(keyring: Keyring, context: string, plaintext: Buffer | string): Uint8Array<ArrayBuffer> {
  const header = Buffer.concat([magic, Buffer.from(keyFingerprint(keyring.current), 'hex')]);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyring.current, iv);
  cipher.setAAD(additionalData(header, context));
  const ciphertext = Buffer.concat([cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext), cipher.final()]);
  return new Uint8Array(Buffer.concat([header, iv, cipher.getAuthTag(), ciphertext]));
}

/**
 * How a value sealed before the keyring format (`TGW1`, no key named) was bound to its owner: the
 * additional data it was sealed with, and what of its plaintext is the value (null: not this
 * owner's). Without one, such a value does not open.
 */
export type LegacyBinding = { aad?: string | Buffer; unpack?: (plaintext: Buffer) => Buffer | null };

/** A legacy value opened, with the key that opened it (the current one or a previous one). */
export function openLegacy(keyring: Keyring, sealed: Uint8Array, legacy: LegacyBinding = {}): { value: Buffer; key: Buffer } | null {
  for (const key of [keyring.current, ...keyring.previous]) {
    let plaintext: Buffer;
    try {
      plaintext = openWithKey(key, Buffer.from(sealed), legacy.aad);
    } catch {
      continue;
    }
    const value = legacy.unpack ? legacy.unpack(plaintext) : plaintext;
    if (value) return { value, key };
  }
  return null;
}

/**
 * What `seal` sealed for `context`, opened with the key its fingerprint names; a legacy value
 * through `legacy`. Null when no key of the ring opens it, or it belongs elsewhere.
 */
export function open(keyring: Keyring, context: string, sealed: Uint8Array, legacy?: LegacyBinding): Buffer | null {
  if (!isKeyringSealed(sealed)) return legacy ? (openLegacy(keyring, sealed, legacy)?.value ?? null) : null;
  const fingerprint = sealedBy(sealed);
  const key = [keyring.current, ...keyring.previous].find((candidate) => keyFingerprint(candidate) === fingerprint);
  if (!key) return null;
  const bytes = Buffer.from(sealed);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(headerBytes, ivEnd));
    decipher.setAAD(additionalData(bytes.subarray(0, headerBytes), context));
    decipher.setAuthTag(bytes.subarray(ivEnd, tagEnd));
    return Buffer.concat([decipher.update(bytes.subarray(tagEnd)), decipher.final()]);
  } catch {
    return null;
  }
}

export type Rewrapped = { state: 'current' } | { state: 'unopenable' } | { state: 'rewrapped'; sealed: Uint8Array<ArrayBuffer> };

/** A sealed value moved under the current key in the keyring format; one already there is left alone. */
export function rewrap(keyring: Keyring, context: string, sealed: Uint8Array, legacy?: LegacyBinding): Rewrapped {
  if (sealedBy(sealed) === keyFingerprint(keyring.current)) return { state: 'current' };
  const value = open(keyring, context, sealed, legacy);
  return value ? { state: 'rewrapped', sealed: seal(keyring, context, value) } : { state: 'unopenable' };
}

/** What a re-wrap did to one kind of sealed value. */
export type RewrapCount = { total: number; rewrapped: number; unopenable: number };

/**
 * Re-wraps every row a table holds, a page at a time (rows ordered by `id`, `page` answering
 * those after the cursor): `store` writes a rewrapped value back unless the row changed since it
 * was read, answering whether it did.
 */
export async function rewrapRows<Row extends { id: string }>(
  page: (after: string | undefined) => Promise<Row[]>,
  rewrapRow: (row: Row) => Rewrapped | Promise<Rewrapped>,
  store: (row: Row, sealed: Uint8Array<ArrayBuffer>) => Promise<boolean>,
): Promise<RewrapCount> {
  const count: RewrapCount = { total: 0, rewrapped: 0, unopenable: 0 };
  let cursor: string | undefined;
  for (;;) {
    const rows = await page(cursor);
    if (rows.length === 0) return count;
    for (const row of rows) {
      count.total += 1;
      const result = await rewrapRow(row);
      if (result.state === 'unopenable') count.unopenable += 1;
      if (result.state === 'rewrapped' && (await store(row, result.sealed))) count.rewrapped += 1;
    }
    cursor = rows[rows.length - 1]!.id;
  }
}

/** How many rows a re-wrap reads at a time. */
export const rewrapPageSize = 100;

/**
 * The keyring from the environment: SECRETS_KEY, or when unset a random key kept in
 * `keyFile` (created once, readable by the owner only), so a fresh install seals too; and
 * SECRETS_KEY_PREVIOUS (comma-separated). `created`: the key file was written now.
 */
export function openKeyring(settings: { SECRETS_KEY?: string; SECRETS_KEY_PREVIOUS?: string; SECRETS_KEY_FILE: string }): {
  keyring: Keyring;
  created: boolean;
} {
  const { key, created } = loadSecretsKey(settings.SECRETS_KEY, settings.SECRETS_KEY_FILE);
  const previous = (settings.SECRETS_KEY_PREVIOUS?.split(',') ?? []).filter(Boolean).map((hex) => Buffer.from(hex, 'hex'));
  return { keyring: { current: key, previous }, created };
}

function loadSecretsKey(hex: string | undefined, file: string): { key: Buffer; created: boolean } {
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
