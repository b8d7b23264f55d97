import { builder } from '../../graphql/builder.js';
import { resolveTenantContext } from '../tenants/tenant-context.js';
import { TenantContextInput } from '../tenants/tenant-context.types.js';
import { CreateApiKeyPayload } from './identity.mutations.js';
import { createApiKey } from './identity.service.js';
import { ScopeEnum } from './identity.types.js';

const TenantApiKeyInput = builder.inputType('TenantApiKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    scopes: t.field({ type: [ScopeEnum], required: true }),
    expiresAt: t.field({ type: 'DateTime', required: false, description: 'In the future; none: the key does not expire' }),
  }),
});

builder.mutationField('createTenantApiKey', (t) =>
  t.field({
    description: 'A Control Core key (cc_live_…) owned by the tenant the context names: it reaches that tenant only. Shown once.',
    type: CreateApiKeyPayload,
    args: { context: t.arg({ type: TenantContextInput, required: true }), input: t.arg({ type: TenantApiKeyInput, required: true }) },
    resolve: async (_root, { context, input }, ctx) => {
      const tenant = await resolveTenantContext(ctx, context, 'keys:write');
      return createApiKey(ctx, { ...input, tenant: tenant.id, brand: 'cc_live' });
    },
  }),
);
