import { randomUUID } from 'node:crypto';
import type { Prisma } from '../../generated/prisma/client.js';
import type { AccountDeps } from './account-deps.js';
import { mintProxyPassword, sealProxyPassword } from './proxy-passwords.js';
import { mintProjectKey } from './session-keys.js';

/**
 * A customer's project with its proxy password (sealed) and its permanent key. The project id
 * the seed shows (`tdb_2abf90d3`) is the start of the UUID, so it is also the database user
 * TenantsDB connection strings name.
 */
export async function createProjectRecord(tx: Prisma.TransactionClient, deps: AccountDeps, customer: { id: string; email: string }, name: string) {
  for (let attempt = 0; ; attempt++) {
    const id = randomUUID();
    const slug = `tdb_${id.slice(0, 8)}`;
    if (attempt < 5 && (await tx.project.count({ where: { slug } })) > 0) continue;
    const proxyPassword = mintProxyPassword();
    const project = await tx.project.create({
      data: { id, slug, name, tier: 'FREE', customerId: customer.id, proxyPasswordSealed: sealProxyPassword(deps.keyring, id, proxyPassword) },
    });
    const { secret } = await mintProjectKey(tx, project, { name: 'default', createdBy: customer.email });
    return { project, apiKey: secret, proxyPassword };
  }
}
