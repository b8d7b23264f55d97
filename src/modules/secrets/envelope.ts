import { randomBytes } from 'node:crypto';
import type { Prisma } from '../../generated/prisma/client.js';
import { DomainError } from '../../lib/errors.js';
import { type Keyring, keyFingerprint, open, type RewrapCount, rewrap, rewrapPageSize, rewrapRows, seal } from '../../lib/keyring.js';
import { openWithKey, sealWithKey } from '../../lib/sealing.js';

// Envelope encryption: each tenant's data key is sealed by the gateway's keyring; each secret
// value is sealed by its tenant's data key, with the tenant id and the secret's name as
// additional data, so a sealed value copied to another tenant or name fails to open. Rotating
// the keyring re-wraps the data keys; the values stay as they are.

type Db = Pick<Prisma.TransactionClient, 'tenantDataKey'>;

const dataKeyContext = (tenantId: string) => `tenant-data-key:${tenantId}`;
/** Before the keyring format: sealed with a keyring key directly, this as additional data. */
const legacyDataKey = (tenantId: string) => ({ aad: Buffer.from(`tgw-data-key\0${tenantId}`) });
const secretAad = (tenantId: string, name: string) => Buffer.from(`tgw-secret\0${tenantId}\0${name}`);

const unopenable = (tenantId: string) =>
  new DomainError('PRECONDITION_FAILED', "The tenant's data key cannot be opened with this gateway's SECRETS_KEY (nor SECRETS_KEY_PREVIOUS)", { tenantId });

export function openDataKey(keyring: Keyring, row: { tenantId: string; wrappedKey: Uint8Array }): Buffer | null {
  return open(keyring, dataKeyContext(row.tenantId), row.wrappedKey, legacyDataKey(row.tenantId));
}

export function wrapDataKey(keyring: Keyring, tenantId: string, dataKey: Buffer): { wrappedKey: Uint8Array<ArrayBuffer>; wrappedBy: string } {
  return { wrappedKey: seal(keyring, dataKeyContext(tenantId), dataKey), wrappedBy: keyFingerprint(keyring.current) };
}

/** Key rotation: every tenant's data key under the current key (values sealed by the data keys stay as they are). */
export function rewrapTenantDataKeys(db: Db, keyring: Keyring): Promise<RewrapCount> {
  return rewrapRows(
    async (after) =>
      (await db.tenantDataKey.findMany({ where: after ? { tenantId: { gt: after } } : {}, orderBy: { tenantId: 'asc' }, take: rewrapPageSize })).map((row) => ({
        ...row,
        id: row.tenantId,
      })),
    (row) => rewrap(keyring, dataKeyContext(row.tenantId), row.wrappedKey, legacyDataKey(row.tenantId)),
    async (row, wrappedKey) => {
      const updated = await db.tenantDataKey.updateMany({
        where: { tenantId: row.tenantId, wrappedKey: { equals: new Uint8Array(row.wrappedKey) } },
        data: { wrappedKey, wrappedBy: keyFingerprint(keyring.current), rotatedAt: new Date() },
      });
      return updated.count === 1;
    },
  );
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
  return new Uint8Array(sealWithKey(dataKey, Buffer.from(value, 'utf8'), secretAad(tenantId, name)));
}

/** A secret's value for the gateway's own use (signing, outgoing credentials); never for a response. Throws when it does not open. */
export function openSecretValue(dataKey: Buffer, tenantId: string, name: string, sealed: Uint8Array): string {
  return openWithKey(dataKey, Buffer.from(sealed), secretAad(tenantId, name)).toString('utf8');
}
