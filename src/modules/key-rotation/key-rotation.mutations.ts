import { builder } from '../../graphql/builder.js';
import { rewrapSealedValues } from './key-rotation.service.js';
import { SealedValuesRewrapRef, SecretRewrapRef } from './key-rotation.types.js';

builder.mutationField('rewrapSealedValues', (t) =>
  t.field({
    description:
      'Key rotation (operator): re-wrap everything the keyring seals (tenant data keys, proxy and workspace passwords, data-plane login passwords, custom domain keys, backup file keys) under the current SECRETS_KEY, opening each with SECRETS_KEY_PREVIOUS; afterwards SECRETS_KEY_PREVIOUS can be dropped',
    type: SealedValuesRewrapRef,
    resolve: async (_root, _args, ctx) => ({ kinds: await rewrapSealedValues(ctx, { keyring: ctx.keyring, storages: ctx.backups.storages }) }),
  }),
);

builder.mutationField('rewrapSecretDataKeys', (t) =>
  t.field({
    description: "Key rotation (operator): the same re-wrap as rewrapSealedValues, answering the tenant data keys' counts",
    deprecationReason: 'Use rewrapSealedValues, which reports every kind of sealed value',
    type: SecretRewrapRef,
    resolve: async (_root, _args, ctx) => {
      const { kind: _kind, ...dataKeys } = (await rewrapSealedValues(ctx, { keyring: ctx.keyring, storages: ctx.backups.storages })).find(
        (entry) => entry.kind === 'TENANT_DATA_KEY',
      )!;
      return dataKeys;
    },
  }),
);
