import { builder, type BuilderTypes, type InputFields } from '../../graphql/builder.js';
import { camelCase, pascalCase } from '../../lib/case.js';
import { TenantRef } from '../tenants/tenants.types.js';
import { type BackupDestination, type ConfigCategory, type ConfigDocument, configCategories, configSpec, type FieldSpec } from './config-spec.js';
import { readConfigDocument } from './config-document.js';
import { type ConfigIfChanged, readLoadedConfig } from './configs.service.js';

const BackupDestinationRef = builder.objectRef<BackupDestination>('BackupDestination').implement({
  fields: (t) => ({
    destinationType: t.exposeString('destination_type', { description: 's3 or local' }),
    bucket: t.exposeString('bucket', { nullable: true }),
    region: t.exposeString('region', { nullable: true }),
    path: t.exposeString('path', { nullable: true }),
    credentialsId: t.exposeString('credentials_id', { nullable: true }),
  }),
});

const BackupDestinationInput = builder.inputType('BackupDestinationInput', {
  fields: (t) => ({
    destinationType: t.string({ required: true, description: 's3 or local' }),
    bucket: t.string({ required: false }),
    region: t.string({ required: false }),
    path: t.string({ required: false }),
    credentialsId: t.string({ required: false }),
  }),
});

type CategoryShape = Record<string, unknown>;

function outputField(t: PothosSchemaTypes.ObjectFieldBuilder<BuilderTypes, CategoryShape>, key: string, spec: FieldSpec) {
  const options = { description: spec.description, resolve: (parent: CategoryShape) => parent[key] as never };
  switch (spec.kind) {
    case 'int':
      return t.int(options);
    case 'boolean':
      return t.boolean(options);
    case 'string':
      return t.string({ ...options, nullable: spec.default === null });
    case 'stringList':
      return t.stringList(options);
    case 'destinations':
      return t.field({ ...options, type: [BackupDestinationRef] });
  }
}

function inputField(t: InputFields, spec: FieldSpec) {
  const options = { required: false, description: spec.description } as const;
  switch (spec.kind) {
    case 'int':
      return t.int(options);
    case 'boolean':
      return t.boolean(options);
    case 'string':
      return t.string(options);
    case 'stringList':
      return t.stringList(options);
    case 'destinations':
      return t.field({ ...options, type: [BackupDestinationInput] });
  }
}

/** GraphQL sees the seed's snake_case fields in camelCase: `cache_size_mb` is `cacheSizeMb`. */
const categoryTypes = Object.fromEntries(
  configCategories.map((category) => {
    const fields = Object.entries(configSpec[category] as Record<string, FieldSpec>);
    const output = builder.objectRef<CategoryShape>(`${pascalCase(category)}Config`).implement({
      fields: (t) => Object.fromEntries(fields.map(([key, spec]) => [camelCase(key), outputField(t, key, spec)])),
    });
    const input = builder.inputType(`${pascalCase(category)}ConfigInput`, {
      fields: (t) => Object.fromEntries(fields.map(([key, spec]) => [camelCase(key), inputField(t, spec)])),
    });
    return [category, { output, input }];
  }),
) as Record<ConfigCategory, { output: ReturnType<typeof builder.objectRef<CategoryShape>>; input: ReturnType<typeof builder.inputType> }>;

export const TenantConfigRef = builder.prismaObject('TenantConfig', {
  description: 'A tenant configuration (Tenant Configuration API v1): six categories, versioned',
  fields: (t) => ({
    tenantId: t.exposeID('tenantId'),
    version: t.exposeInt('version', { description: 'Increments with every accepted change; pass it back as expectedVersion' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    updatedBy: t.exposeString('updatedBy'),
    ...Object.fromEntries(
      configCategories.map((category) => [
        camelCase(category),
        t.field({
          type: categoryTypes[category].output,
          resolve: (config) => readConfigDocument(config.document)[category] as CategoryShape,
        }),
      ]),
    ),
    customSettings: t.field({
      type: 'JSONObject',
      resolve: (config) => readConfigDocument(config.document).custom_settings,
    }),
  }),
});

export const TenantConfigIfChangedRef = builder.objectRef<ConfigIfChanged>('TenantConfigIfChanged').implement({
  description: 'The current version of a tenant configuration, with the configuration only when it is not a version the caller knows',
  fields: (t) => ({
    tenantId: t.exposeID('tenantId'),
    version: t.exposeInt('version'),
    config: t.field({ type: TenantConfigRef, nullable: true, description: 'Null when the version is one of knownVersions', resolve: (check) => check.config }),
  }),
});

export const UpdateTenantConfigInput = builder.inputType('UpdateTenantConfigInput', {
  description: 'Only the fields given change. Arrays are replaced whole; in customSettings, null removes a key.',
  fields: (t) => ({
    ...Object.fromEntries(configCategories.map((category) => [camelCase(category), t.field({ type: categoryTypes[category].input, required: false })])),
    customSettings: t.field({ type: 'JSONObject', required: false }),
    expectedVersion: t.int({ required: false, description: 'Fail with CONFLICT unless this is still the current version' }),
  }),
});

builder.prismaObject('TenantConfigRevision', {
  description: 'One accepted configuration change',
  fields: (t) => ({
    id: t.exposeID('id'),
    version: t.exposeInt('version'),
    principal: t.exposeString('principal', { description: 'The API key (or operator) that made the change' }),
    updatedFields: t.exposeStringList('updatedFields'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    config: t.field({
      type: 'JSONObject',
      description: "The whole configuration as it was after this change, in the REST API's snake_case shape",
      resolve: (revision) => readConfigDocument(revision.document) as unknown as Record<string, unknown>,
    }),
  }),
});

builder.prismaObjectField(TenantRef, 'config', (t) =>
  t.field({
    type: TenantConfigRef,
    select: (_args, _ctx, nestedSelection) => ({ config: nestedSelection(true) }),
    resolve: (tenant, _args, ctx) => readLoadedConfig(ctx, tenant),
  }),
);

export type { ConfigDocument };
