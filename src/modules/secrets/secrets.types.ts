import { builder } from '../../graphql/builder.js';
import type { SecretMeta } from './secrets.service.js';

export const TenantSecretRef = builder.objectRef<SecretMeta>('TenantSecret').implement({
  description: "A tenant's secret: its name and dates. The value is never returned by any field.",
  fields: (t) => ({
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});
