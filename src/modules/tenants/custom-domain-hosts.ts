import type { PrismaClient } from '../../generated/prisma/client.js';
import { tenantIdForCustomHost } from '../domains/domain-hosts.js';

/**
 * The extension point for verified custom domains (`policies.acme.com`): the id of the tenant
 * whose verified custom domain `host` is, or null. Tenant context (tenant-context.ts) takes
 * such a Host as it takes a default domain.
 */
export async function tenantIdByVerifiedCustomDomain(prisma: PrismaClient, host: string): Promise<string | null> {
  return tenantIdForCustomHost(prisma, host);
}
