import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { type Keyring, open, type RewrapCount, rewrap, rewrapPageSize, rewrapRows, seal } from '../../lib/keyring.js';

export type TlsPair = { key: Buffer; cert: Buffer };

const context = (id: string) => `proxy-tls-key:${id}`;
const identityId = 'default';
const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A self-signed certificate for `host` (and localhost), ten years, with a P-256 key of its own. */
async function selfSigned(host: string): Promise<{ certificatePem: string; keyPem: string }> {
  // Loaded only when a pair is made (once per gateway): the library pulls in a DI container.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  const names = [...new Set([host, 'localhost'])].map((name) => ({ type: isIP(name) ? ('ip' as const) : ('dns' as const), value: name }));
  const notBefore = new Date(Date.now() - 60_000);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex'),
    name: `CN=${host.replace(/[,=+<>#;"\\]/g, '')}`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 10 * 365 * 86_400_000),
    keys,
    signingAlgorithm: algorithm,
    extensions: [new x509.SubjectAlternativeNameExtension(names), new x509.BasicConstraintsExtension(false)],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
  return { certificatePem: certificate.toString('pem'), keyPem };
}

/**
 * The pair the database proxy answers TLS with: the configured files when given (both, or
 * neither), else the gateway's self-signed pair, made once by the first replica to need it and
 * kept in the gateway's database with its key sealed, so every replica serves the same one.
 * `sslmode=require` accepts it; `verify-full` needs the configured certificate.
 */
export async function proxyTlsPair(
  deps: { prisma: Pick<PrismaClient, 'proxyTlsIdentity'>; keyring: Keyring },
  settings: { certificate: Buffer | null; key: Buffer | null; host: string },
): Promise<TlsPair> {
  if (settings.certificate && settings.key) return { cert: settings.certificate, key: settings.key };
  let row = await deps.prisma.proxyTlsIdentity.findUnique({ where: { id: identityId } });
  if (!row) {
    const made = await selfSigned(settings.host);
    // Two replicas making theirs at once: the first one stored is everyone's.
    row = await deps.prisma.proxyTlsIdentity.upsert({
      where: { id: identityId },
      create: { id: identityId, certificatePem: made.certificatePem, keySealed: seal(deps.keyring, context(identityId), made.keyPem) },
      update: {},
    });
  }
  const key = open(deps.keyring, context(row.id), row.keySealed);
  if (!key) throw new Error('the database proxy TLS key does not open with SECRETS_KEY or SECRETS_KEY_PREVIOUS');
  return { cert: Buffer.from(row.certificatePem), key };
}

/** Key rotation: the proxy's sealed TLS key under the current key. */
export function rewrapProxyTlsKeys(prisma: Pick<PrismaClient, 'proxyTlsIdentity'>, keyring: Keyring): Promise<RewrapCount> {
  return rewrapRows(
    (after) =>
      prisma.proxyTlsIdentity.findMany({
        where: after ? { id: { gt: after } } : {},
        select: { id: true, keySealed: true },
        orderBy: { id: 'asc' },
        take: rewrapPageSize,
      }),
    (row) => rewrap(keyring, context(row.id), row.keySealed),
    async (row, keySealed) =>
      (await prisma.proxyTlsIdentity.updateMany({ where: { id: row.id, keySealed: { equals: row.keySealed } }, data: { keySealed } })).count === 1,
  );
}
