// Compiled by `npm run check`, never run: each @ts-expect-error below must meet the error it
// names, or tsc fails. It proves that route tables are type-checked against their operations.
import { z } from 'zod';
import { ConfigApiFeaturesDocument, ConfigApiUpdateConfigDocument } from '../../src/generated/graphql/graphql.js';
import { defineRoute } from '../../src/rest/types.js';

defineRoute(ConfigApiFeaturesDocument, {
  method: 'GET',
  path: '/tenants/{id}/features',
  summary: 'reads a field the operation does not select',
  variables: (request) => ({ tenant: request.params.id! }),
  respond: (data) => ({
    status: 200,
    // @ts-expect-error ConfigApiFeatures selects no `slug` of the tenant's features
    body: data.tenantFeatures.slug,
  }),
  success: { status: 200, description: 'never served' },
});

defineRoute(ConfigApiFeaturesDocument, {
  method: 'GET',
  path: '/tenants/{id}/features',
  summary: 'passes variables the operation does not take',
  // @ts-expect-error ConfigApiFeatures takes `tenant`, not `tenantId`
  variables: (request) => ({ tenantId: request.params.id! }),
  respond: () => ({ status: 200 }),
  success: { status: 200, description: 'never served' },
});

defineRoute(ConfigApiUpdateConfigDocument, {
  method: 'PUT',
  path: '/tenants/{id}/config',
  summary: 'reads a body field its schema does not have',
  body: z.object({ performance: z.object({ cache_size_mb: z.number() }) }),
  variables: (request) => ({
    tenant: request.params.id!,
    // @ts-expect-error the body schema has no `security`
    input: { security: request.body.security },
  }),
  respond: () => ({ status: 200 }),
  success: { status: 200, description: 'never served' },
});
