import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { type Keyring, type LegacyBinding, open, type RewrapCount, rewrap, rewrapPageSize, rewrapRows, seal } from '../../lib/keyring.js';

/** `tdb_<16 hex>`, as the seed shows it. */
export const mintProxyPassword = () => `tdb_${randomBytes(8).toString('hex')}`;

/** Bound to its project: a sealed value copied onto another project does not open there. */
const context = (projectId: string) => `proxy-password:project:${projectId}`;

/** Before the keyring format: no additional data, the project's id sealed inside with the password. */
const legacy = (projectId: string): LegacyBinding => ({
  unpack(plaintext) {
    try {
      const opened = JSON.parse(plaintext.toString('utf8')) as { project?: unknown; password?: unknown };
      return opened.project === projectId && typeof opened.password === 'string' ? Buffer.from(opened.password, 'utf8') : null;
    } catch {
      return null;
    }
  },
});

export function sealProxyPassword(keyring: Keyring, projectId: string, password: string): Uint8Array<ArrayBuffer> {
  return seal(keyring, context(projectId), password);
}

export function openProxyPassword(keyring: Keyring, projectId: string, sealed: Uint8Array): string {
  const password = open(keyring, context(projectId), sealed, legacy(projectId));
  if (!password) throw new Error(`the proxy password of project ${projectId} does not open with SECRETS_KEY or SECRETS_KEY_PREVIOUS`);
  return password.toString('utf8');
}

/** Key rotation: every project's proxy password under the current key. */
export function rewrapProxyPasswords(prisma: Pick<PrismaClient, 'project'>, keyring: Keyring): Promise<RewrapCount> {
  return rewrapRows(
    async (after) =>
      (await prisma.project.findMany({
        where: { proxyPasswordSealed: { not: null }, ...(after ? { id: { gt: after } } : {}) },
        select: { id: true, proxyPasswordSealed: true },
        orderBy: { id: 'asc' },
        take: rewrapPageSize,
      })) as { id: string; proxyPasswordSealed: Uint8Array<ArrayBuffer> }[],
    (row) => rewrap(keyring, context(row.id), row.proxyPasswordSealed, legacy(row.id)),
    async (row, proxyPasswordSealed) =>
      (await prisma.project.updateMany({ where: { id: row.id, proxyPasswordSealed: { equals: row.proxyPasswordSealed } }, data: { proxyPasswordSealed } }))
        .count === 1,
  );
}
