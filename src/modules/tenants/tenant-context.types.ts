import { builder } from '../../graphql/builder.js';

export const TenantContextInput = builder.inputType('TenantContextInput', {
  description:
    "How a request names its tenant (Control Core's tenant context). A credential owned by one tenant names it too; sources that name different tenants are refused, and naming none is refused where a tenant is needed",
  fields: (t) => ({
    tenant: t.string({ required: false, description: 'The tenant a route names in its path: UUID or id (slug)' }),
    header: t.string({ required: false, description: 'The X-Tenant-ID header as sent' }),
    query: t.string({ required: false, description: 'The tenant_id query parameter as sent' }),
    host: t.string({
      required: false,
      description:
        'The Host header. A name under the base domain must be the default domain of a tenant the caller reaches (else refused as a tenant out of reach); any other name names a tenant only as the verified custom domain of one the caller reaches, else none',
    }),
  }),
});
