import type { Actor } from '../identity/principal.js';

/**
 * The tenant a request's Host names through a verified custom domain (port and trailing
 * dot ignored), or null. Pending domains name nobody: only DNS proof makes a Host count, and a
 * tenant in the trash is named by none of its domains.
 */
export async function tenantIdForCustomHost(prisma: Actor['prisma'], host: string | null | undefined): Promise<string | null> {
  const name = host?.trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  if (!name) return null;
  const domain = await prisma.customDomain.findFirst({ where: { verifiedDomain: name, tenant: { status: { not: 'DELETED' } } }, select: { tenantId: true } });
  return domain?.tenantId ?? null;
}
