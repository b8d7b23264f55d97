import type { Actor } from '../identity/principal.js';

export type TenantCounts = { policies: number; users: number; bouncers: number };

/**
 * What a tenant uses of its Control Core limits, counted from the rows. A user is the tenant's
 * administrator (the account that holds it, always one) plus each active credential owned by
 * the tenant (an unrevoked, unexpired API key): every key is someone or something acting as
 * the tenant.
 */
export async function tenantCounts(prisma: Actor['prisma'], tenantId: string): Promise<TenantCounts> {
  const [documents, keys] = await Promise.all([
    prisma.tenantDocument.groupBy({ by: ['kind'], where: { tenantId, kind: { in: ['POLICY', 'BOUNCER'] } }, _count: { _all: true } }),
    activeTenantKeys(prisma, tenantId),
  ]);
  const count = (kind: string) => documents.find((group) => group.kind === kind)?._count._all ?? 0;
  return { policies: count('POLICY'), users: 1 + keys, bouncers: count('BOUNCER') };
}

export function activeTenantKeys(prisma: Actor['prisma'], tenantId: string): Promise<number> {
  return prisma.apiKey.count({ where: { tenantId, owner: 'TENANT', revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] } });
}
