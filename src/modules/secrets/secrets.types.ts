import { builder } from '../../graphql/builder.js';
import type { RewrapResult, SecretMeta } from './secrets.service.js';

export const TenantSecretRef = builder.objectRef<SecretMeta>('TenantSecret').implement({
  description: "A tenant's secret: its name and dates. The value is never returned by any field.",
  fields: (t) => ({
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const SecretRewrapRef = builder.objectRef<RewrapResult>('SecretDataKeyRewrap').implement({
  description: 'A key rotation: data keys re-wrapped under the current SECRETS_KEY',
  fields: (t) => ({
    total: t.exposeInt('total', { description: 'Data keys held' }),
    rewrapped: t.exposeInt('rewrapped', { description: 'Data keys this call moved under the current key' }),
    unopenable: t.exposeInt('unopenable', { description: 'Data keys no key of the keyring opens (left as they are)' }),
  }),
});
