import { randomBytes } from 'node:crypto';
import type { Prisma } from '../../generated/prisma/client.js';
import { DomainError } from '../../lib/errors.js';
import { type Keyring, keyFingerprint, unwrap, wrap } from '../../lib/keyring.js';
import { seal, unseal } from '../../lib/sealing.js';

// Envelope encryption: each tenant's data key is sealed by the gateway's keyring; each secret
// value is sealed by its tenant's data key, with the tenant id and the secret's name as
// additional data, so a sealed value copied to another tenant or name fails to open.

type Db = Pick<Prisma.TransactionClient, 'tenantDataKey'>;

const dataKeyAad = (tenantId: string) => Buffer.from(`tgw-data-key\0${tenantId}`);
const secretAad = (tenantId: string, name: string) => Buffer.from(`tgw-secret\0${tenantId}\0${name}`);

const unopenable = (tenantId: string) =>
  new DomainError('PRECONDITION_FAILED', "The tenant's data key cannot be opened with this gateway's SECRETS_KEY (nor SECRETS_KEY_PREVIOUS)", { tenantId });

export function openDataKey(keyring: Keyring, row: { tenantId: string; wrappedKey: Uint8Array; wrappedBy: string }): Buffer | null {
  return unwrap(keyring, Buffer.from(row.wrappedKey), dataKeyAad(row.tenantId), row.wrappedBy);
}

export function wrapDataKey(keyring: Keyring, tenantId: string, dataKey: Buffer): { wrappedKey: Uint8Array<ArrayBuffer>; wrappedBy: string } {
  const { sealed, wrappedBy } = wrap(keyring, dataKey, dataKeyAad(tenantId));
  return { wrappedKey: new Uint8Array(sealed), wrappedBy };
}

/** The tenant's data key, created on first use. */
export async function tenantDataKey(db: Db, keyring: Keyring, tenantId: string): Promise<Buffer> {
  let row = await db.tenantDataKey.findUnique({ where: { tenantId } });
  if (!row) {
    await db.tenantDataKey.createMany({ data: [{ tenantId, ...wrapDataKey(keyring, tenantId, randomBytes(32)) }], skipDuplicates: true });
    row = await db.tenantDataKey.findUniqueOrThrow({ where: { tenantId } });
  }
  const key = openDataKey(keyring, row);
  if (!key) throw unopenable(tenantId);
  return key;
}

export function sealSecretValue(dataKey: Buffer, tenantId: string, name: string, value: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(seal(dataKey, Buffer.from(value, 'utf8'), secretAad(tenantId, name)));
}

/** A secret's value for the gateway's own use (signing, outgoing credentials); never for a response. Throws when it does not open. */
export function openSecretValue(dataKey: Buffer, tenantId: string, name: string, sealed: Uint8Array): string {
  return unseal(dataKey, Buffer.from(sealed), secretAad(tenantId, name)).toString('utf8');
}

export { keyFingerprint };
