import type { Actor } from '../../kernel/principal.js';

export type TenantCounts = { policies: number; users: number; bouncers: number };

const activeKey = () => ({ owner: 'TENANT' as const, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] });

/**
 * What tenants use of their Control Core limits, counted from the rows in two statements however
 * many tenants are asked about. A user is the tenant's administrator (the account that holds it,
 * always one) plus each active credential owned by the tenant (an unrevoked, unexpired API key):
 * every key is someone or something acting as the tenant.
 */
export async function tenantCounts(prisma: Actor['prisma'], tenantIds: readonly string[]): Promise<TenantCounts[]> {
  const ids = [...tenantIds];
  const [documents, keys] = await Promise.all([
    prisma.tenantDocument.groupBy({ by: ['tenantId', 'kind'], where: { tenantId: { in: ids }, kind: { in: ['POLICY', 'BOUNCER'] } }, _count: { _all: true } }),
    prisma.apiKey.groupBy({ by: ['tenantId'], where: { tenantId: { in: ids }, ...activeKey() }, _count: { _all: true } }),
  ]);
  const count = (tenantId: string, kind: string) => documents.find((group) => group.tenantId === tenantId && group.kind === kind)?._count._all ?? 0;
  return ids.map((tenantId) => ({
    policies: count(tenantId, 'POLICY'),
    users: 1 + (keys.find((group) => group.tenantId === tenantId)?._count._all ?? 0),
    bouncers: count(tenantId, 'BOUNCER'),
  }));
}

export function activeTenantKeys(prisma: Actor['prisma'], tenantId: string): Promise<number> {
  return prisma.apiKey.count({ where: { tenantId, ...activeKey() } });
}
