import { z } from 'zod';
import { maxTenantRefLength } from '../../../kernel/tenant-access.js';
import type { RestRequest } from '../../types.js';

/** The request's tenant context as the GraphQL `TenantContextInput`: the tenant service decides what it names. */
export function tenantContext(request: RestRequest<unknown, { tenant_id?: string }>): {
  tenant: string | null;
  header: string | null;
  query: string | null;
  host: string | null;
} {
  return {
    tenant: request.params.tenant_id ?? null,
    header: request.headers.get('x-tenant-id'),
    query: request.query.tenant_id ?? null,
    host: request.headers.get('host'),
  };
}

/**
 * What a tenant-scoped route reads besides its path, for the engine and OpenAPI: the headers and
 * `?tenant_id` (seed: "Query Parameter: ?tenant_id=tenant-123").
 */
export const tenantScoped = {
  headers: [
    { name: 'X-Tenant-ID', description: "The tenant (id or UUID); a tenant-owned credential's own tenant when absent", required: false },
    {
      name: 'Host',
      description:
        "The tenant's default domain (`acme.controlcore.io`, or `{tenant-id}.controlcore.io`) or a verified custom domain names the tenant; another name under the base domain is refused as a tenant out of reach",
      required: false,
    },
  ],
  query: z.object({
    // Bounded like every other input: a longer value names no tenant, and would be echoed back in full.
    tenant_id: z
      .string()
      .max(maxTenantRefLength, { error: `tenant_id must be at most ${maxTenantRefLength} characters` })
      .optional()
      .describe('The tenant (id or UUID), when neither the path nor X-Tenant-ID names it; naming another tenant than they do is 400'),
  }),
};
