import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';

/**
 * The id of the tenant within `reach` whose verified custom domain `host` is, or null. Pending
 * domains name nobody: only DNS proof makes a Host count, and a tenant in the trash is named by
 * none of its domains. Outside `reach` a custom domain is a host like any other: whether another
 * customer owns it is not the caller's to learn.
 */
export async function tenantIdByVerifiedCustomDomain(prisma: PrismaClient, host: string, reach: Prisma.TenantWhereInput): Promise<string | null> {
  const domain = await prisma.customDomain.findFirst({
    where: { verifiedDomain: host, tenant: { AND: [reach, { status: { not: 'DELETED' } }] } },
    select: { tenantId: true },
  });
  return domain?.tenantId ?? null;
}
