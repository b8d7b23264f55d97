import { builder } from '../../graphql/builder.js';
import { camelCase } from '../../lib/case.js';
import { type ConfigCategory, configCategories, configSpec } from './config-spec.js';
import { type ConfigPatch, type ConfigUpdateResult, restoreTenantConfigRevision, updateTenantConfig } from './configs.service.js';
import { TenantConfigRef, UpdateTenantConfigInput } from './configs.types.js';

const destinationKeys: Record<string, string> = { destinationType: 'destination_type', credentialsId: 'credentials_id' };

/** GraphQL's camelCase input back into the seed's snake_case patch, keeping explicit nulls. */
function toPatch(input: Record<string, unknown>): ConfigPatch {
  const patch: Record<string, unknown> = {};
  for (const category of configCategories) {
    const section = input[camelCase(category)] as Record<string, unknown> | null | undefined;
    if (section == null) continue;
    patch[category] = Object.fromEntries(
      Object.keys(configSpec[category as ConfigCategory])
        .filter((key) => section[camelCase(key)] !== undefined)
        .map((key) => {
          const value = section[camelCase(key)];
          return [
            key,
            key === 'destinations' && Array.isArray(value)
              ? value.map((destination: Record<string, unknown>) =>
                  Object.fromEntries(Object.entries(destination).map(([name, v]) => [destinationKeys[name] ?? name, v])),
                )
              : value,
          ];
        }),
    );
  }
  if (input.customSettings != null) patch.custom_settings = input.customSettings as Record<string, unknown>;
  return patch as ConfigPatch;
}

const UpdateTenantConfigPayload = builder.objectRef<ConfigUpdateResult>('UpdateTenantConfigPayload').implement({
  fields: (t) => ({
    config: t.field({ type: TenantConfigRef, resolve: (result) => result.config }),
    updatedFields: t.exposeStringList('updatedFields', {
      description: "The paths the request set, in the REST API's snake_case (performance.cache_size_mb …)",
    }),
    updatedCount: t.int({ description: 'How many fields the request set', resolve: (result) => result.updatedFields.length }),
    message: t.string({
      deprecationReason: 'A sentence of the Tenant Configuration API; read updatedCount',
      resolve: (result) => `Successfully updated ${result.updatedFields.length} configuration field(s)`,
    }),
  }),
});

builder.mutationField('updateTenantConfig', (t) =>
  t.field({
    description: 'Partial update: validated as a whole after merging; every accepted change is a new version',
    type: UpdateTenantConfigPayload,
    args: {
      tenant: t.arg.id({ required: true, description: 'UUID or slug' }),
      input: t.arg({ type: UpdateTenantConfigInput, required: true }),
    },
    resolve: (_root, { tenant, input }, ctx) => {
      const values = input as Record<string, unknown>;
      return updateTenantConfig(ctx, String(tenant), toPatch(values), values.expectedVersion as number | null | undefined, ctx.backups.storages.allowedBuckets);
    },
  }),
);

builder.mutationField('restoreTenantConfigRevision', (t) =>
  t.field({
    description: "Make a revision's configuration current again, as the next version (custom settings it did not have are removed)",
    type: UpdateTenantConfigPayload,
    args: {
      tenant: t.arg.id({ required: true, description: 'UUID or slug' }),
      version: t.arg.int({ required: true, description: 'The revision to restore (TenantConfigRevision.version)' }),
      expectedVersion: t.arg.int({ required: false, description: 'Fail with CONFLICT unless this is still the current version' }),
    },
    resolve: (_root, { tenant, version, expectedVersion }, ctx) =>
      restoreTenantConfigRevision(ctx, String(tenant), version, expectedVersion, ctx.backups.storages.allowedBuckets),
  }),
);
