import type { CustomDomain, PrismaClient } from '../../generated/prisma/client.js';
import { type Keyring, open, type RewrapCount, rewrap, rewrapPageSize, rewrapRows, seal } from '../../lib/keyring.js';

/** Bound to its tenant and domain: a sealed key copied onto another domain does not open there. */
const context = (tenantId: string, domain: string) => `custom-domain-key:${tenantId}:${domain}`;
/** Before the keyring format: sealed with a keyring key directly, this as additional data. */
const legacy = (tenantId: string, domain: string) => ({ aad: `custom-domain:${tenantId}:${domain}` });

export function sealDomainKey(keyring: Keyring, tenantId: string, domain: string, privateKeyPem: string): Uint8Array<ArrayBuffer> {
  return seal(keyring, context(tenantId, domain), privateKeyPem);
}

/** The certificate's private key (PEM), for serving the domain; never for a response. */
export function openDomainKey(keyring: Keyring, row: Pick<CustomDomain, 'tenantId' | 'domain' | 'sealedPrivateKey'>): string {
  const key = open(keyring, context(row.tenantId, row.domain), row.sealedPrivateKey, legacy(row.tenantId, row.domain));
  if (!key) throw new Error(`the private key of custom domain ${row.domain} does not open with SECRETS_KEY or SECRETS_KEY_PREVIOUS`);
  return key.toString('utf8');
}

/** Key rotation: every custom domain's private key under the current key. */
export function rewrapDomainKeys(prisma: Pick<PrismaClient, 'customDomain'>, keyring: Keyring): Promise<RewrapCount> {
  return rewrapRows(
    (after) =>
      prisma.customDomain.findMany({
        where: after ? { id: { gt: after } } : {},
        select: { id: true, tenantId: true, domain: true, sealedPrivateKey: true },
        orderBy: { id: 'asc' },
        take: rewrapPageSize,
      }),
    (row) => rewrap(keyring, context(row.tenantId, row.domain), row.sealedPrivateKey, legacy(row.tenantId, row.domain)),
    async (row, sealedPrivateKey) =>
      (await prisma.customDomain.updateMany({ where: { id: row.id, sealedPrivateKey: { equals: row.sealedPrivateKey } }, data: { sealedPrivateKey } }))
        .count === 1,
  );
}
