import type { Actor } from '../identity/principal.js';

export type TenantResourceCounts = {
  policies: { total: number; active: number; sandbox: number };
  bouncers: { total: number; active: number; requestsPerMinute: number };
  users: { total: number; active: number };
};

const activeWithinMs = 30 * 86_400_000;

/**
 * What billing and metrics count of a tenant's Control Core resources, in one place.
 * Users are the tenant's own API keys that still work (not revoked, not expired); active ones
 * were used in the last 30 days.
 * EXTEND HERE: policies and bouncers (and the requests bouncers make) are not stored yet (the Control Core documents land with
 * the cc-core work); until then they count 0.
 */
export async function tenantResourceCounts(actor: Actor, tenantId: string, now = new Date()): Promise<TenantResourceCounts> {
  const working = { tenantId, owner: 'TENANT' as const, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
  const [users, activeUsers] = await Promise.all([
    actor.prisma.apiKey.count({ where: working }),
    actor.prisma.apiKey.count({ where: { ...working, lastUsedAt: { gte: new Date(now.getTime() - activeWithinMs) } } }),
  ]);
  return {
    policies: { total: 0, active: 0, sandbox: 0 },
    bouncers: { total: 0, active: 0, requestsPerMinute: 0 },
    users: { total: users, active: activeUsers },
  };
}
