import type { Actor } from '../../kernel/principal.js';
import { tenantCounts } from './tenant-counts.js';

export type TenantResourceCounts = {
  policies: { total: number; active: number; sandbox: number };
  bouncers: { total: number; active: number; requestsPerMinute: number };
  users: { total: number; active: number };
};

const activeWithinMs = 30 * 86_400_000;

/**
 * What billing and metrics count of a tenant's Control Core resources, beside the limits'
 * counts (tenantCounts): policies by mode, and users as the limits count them (the
 * administrator plus each working tenant key), active ones being the administrator and the
 * keys used in the last 30 days.
 * EXTEND HERE: bouncers hold no state of their own yet (no heartbeat, no request counter), so
 * every stored bouncer counts as active and `requestsPerMinute` is 0.
 */
export async function tenantResourceCounts(actor: Actor, tenantId: string, now = new Date()): Promise<TenantResourceCounts> {
  const [[counts = { policies: 0, users: 1, bouncers: 0 }], modes, usedKeys] = await Promise.all([
    tenantCounts(actor.prisma, [tenantId]),
    actor.prisma.tenantDocument.groupBy({ by: ['mode'], where: { tenantId, kind: 'POLICY' }, _count: { _all: true } }),
    actor.prisma.apiKey.count({
      where: {
        tenantId,
        owner: 'TENANT',
        revokedAt: null,
        OR: [{ expiresAt: null }, { expiresAt: { gt: now } }],
        lastUsedAt: { gte: new Date(now.getTime() - activeWithinMs) },
      },
    }),
  ]);
  const mode = (name: 'ACTIVE' | 'SANDBOX') => modes.find((group) => group.mode === name)?._count._all ?? 0;
  return {
    policies: { total: counts.policies, active: mode('ACTIVE'), sandbox: mode('SANDBOX') },
    bouncers: { total: counts.bouncers, active: counts.bouncers, requestsPerMinute: 0 },
    users: { total: counts.users, active: 1 + usedKeys },
  };
}
