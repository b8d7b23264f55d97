import { builder } from '../../graphql/builder.js';
import type { RewrapCount } from '../../lib/keyring.js';
import type { KindRewrap, sealedKinds } from './key-rotation.service.js';

export const SealedKindRef = builder.enumType('SealedKind', {
  description: "What the gateway's keyring (SECRETS_KEY) seals",
  values: {
    TENANT_DATA_KEY: { description: "A tenant's data key, which seals its secrets and webhook secrets" },
    PROXY_PASSWORD: { description: "A TenantsDB project's proxy password" },
    WORKSPACE_PASSWORD: { description: "A TenantsDB workspace's connection password" },
    DATA_PLANE_ROLE_PASSWORD: { description: "The password of a data-plane login (a tenant database's or a workspace's)" },
    CUSTOM_DOMAIN_KEY: { description: "A custom domain's certificate private key" },
    BACKUP_FILE_KEY: { description: "An encrypted backup file's data key (files written before per-file keys: the key that sealed them)" },
    PROXY_TLS_KEY: { description: "The TenantsDB database proxy's self-signed TLS private key (none when a certificate is configured)" },
  } satisfies Record<(typeof sealedKinds)[number], unknown>,
});

export const KindRewrapRef = builder.objectRef<KindRewrap>('SealedKindRewrap').implement({
  description: 'What a re-wrap did to one kind of sealed value',
  fields: (t) => ({
    kind: t.field({ type: SealedKindRef, resolve: (row) => row.kind }),
    total: t.exposeInt('total', { description: 'Values of this kind held' }),
    rewrapped: t.exposeInt('rewrapped', { description: 'Values this call moved under the current key (and into the current format)' }),
    unopenable: t.exposeInt('unopenable', {
      description: 'Values no key of the keyring opens (left as they are): SECRETS_KEY_PREVIOUS does not open them either',
    }),
  }),
});

export const SealedValuesRewrapRef = builder.objectRef<{ kinds: KindRewrap[] }>('SealedValuesRewrap').implement({
  description: 'A key rotation: what the keyring seals, re-wrapped under the current SECRETS_KEY',
  fields: (t) => ({
    kinds: t.field({ type: [KindRewrapRef], description: 'One entry per kind, every kind listed', resolve: (report) => report.kinds }),
  }),
});

export const SecretRewrapRef = builder.objectRef<RewrapCount>('SecretDataKeyRewrap').implement({
  description: 'A key rotation: data keys re-wrapped under the current SECRETS_KEY',
  fields: (t) => ({
    total: t.exposeInt('total', { description: 'Data keys held' }),
    rewrapped: t.exposeInt('rewrapped', { description: 'Data keys this call moved under the current key' }),
    unopenable: t.exposeInt('unopenable', { description: 'Data keys no key of the keyring opens (left as they are)' }),
  }),
});
