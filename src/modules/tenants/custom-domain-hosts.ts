import type { PrismaClient } from '../../generated/prisma/client.js';

/**
 * The extension point for verified custom domains (`policies.acme.com`): the id of the tenant
 * whose verified custom domain `host` is, or null. Custom domains are not served yet, so no
 * Host names a tenant this way; the custom-domain work fills this in, and tenant context
 * (tenant-context.ts) then takes such a Host as it takes a default domain.
 */
export async function tenantIdByVerifiedCustomDomain(_prisma: PrismaClient, _host: string): Promise<string | null> {
  return null;
}
