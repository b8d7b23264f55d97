import type { RestRequest } from '../../types.js';

/** The request's tenant context as the GraphQL `TenantContextInput`: the tenant service decides what it names. */
export function tenantContext(request: RestRequest): { tenant: string | null; header: string | null; query: string | null; host: string | null } {
  return {
    tenant: request.params.tenant_id ?? null,
    header: request.headers.get('x-tenant-id'),
    query: request.query.get('tenant_id'),
    host: request.headers.get('host'),
  };
}

/** For OpenAPI: the headers a tenant-scoped route reads. */
export const tenantContextHeaders = [
  { name: 'X-Tenant-ID', description: "The tenant (id or UUID); a tenant-owned credential's own tenant when absent", required: false },
  {
    name: 'Host',
    description:
      "The tenant's default domain (`acme.controlcore.io`, or `{tenant-id}.controlcore.io`) or a verified custom domain names the tenant; another name under the base domain is refused as a tenant out of reach",
    required: false,
  },
];
