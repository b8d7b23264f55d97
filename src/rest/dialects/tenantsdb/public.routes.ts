import { z } from 'zod';
import { TenantsDbRegionsDocument } from '../../../generated/graphql/graphql.js';
import { defineRoute, defineStaticRoute } from '../../types.js';
import { codes, envelope, ok } from './envelope.js';

export const errorsRoute = defineStaticRoute({
  method: 'GET',
  path: '/errors',
  summary: 'Every error code and its HTTP status (public)',
  public: true,
  respond: () => ok({ codes }),
  success: {
    status: 200,
    description: 'The codes',
    schema: z.object({ ...envelope, codes: z.record(z.string(), z.object({ status: z.number(), description: z.string() })) }),
  },
});

export const regionsRoute = defineRoute(TenantsDbRegionsDocument, {
  method: 'GET',
  path: '/regions',
  summary: 'Regions for dedicated tenants (public)',
  public: true,
  variables: () => ({}),
  respond: (data) =>
    ok({
      regions: data.regions
        .filter((region) => region.kind === 'ZONE')
        .map((region) => ({ zone: region.id, label: region.label, ...(region.isDefault ? { is_default: true } : {}) })),
    }),
  success: {
    status: 200,
    description: 'The zones',
    schema: z.object({ ...envelope, regions: z.array(z.object({ zone: z.string(), label: z.string(), is_default: z.boolean().optional() })) }),
  },
});
