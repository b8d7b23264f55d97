import { builder, type InputFields } from '../../graphql/builder.js';
import { TenantDatabaseInput } from '../tenantsdb-databases/tenantsdb-databases.mutations.js';
import { createTenant, provisionTenant, purgeTenant, transitionTenant, updateTenant } from './tenant-lifecycle.service.js';
import { IsolationLevel, PlanTier, TenantRef } from '../tenants/tenants.types.js';
import { ApiKeyRef, ScopeEnum } from '../identity/identity.types.js';

const limitFields = (t: InputFields) => ({
  maxUsers: t.int({ required: false }),
  maxApiCallsPerMonth: t.int({ required: false }),
  maxStorageMb: t.int({ required: false }),
  maxLlmTokensPerMonth: t.int({ required: false }),
  maxPolicies: t.int({ required: false, description: "Control Core's policy limit; defaults by tier" }),
  maxBouncers: t.int({ required: false, description: "Control Core's bouncer limit; defaults by tier" }),
});

export const CreateTenantInput = builder.inputType('CreateTenantInput', {
  fields: (t) => ({
    slug: t.string({
      required: false,
      description: 'Lowercase letters, digits, "_" and "-"; no "__". Without it (or legacyId), a readable id such as tenant-acme-123',
    }),
    legacyId: t.string({
      required: false,
      description: 'An id a legacy API knows the tenant by (any string up to 64 characters); the slug derives from it when slug is absent',
    }),
    name: t.string({ required: true }),
    tier: t.field({ type: PlanTier, required: false, description: 'Defaults to FREE' }),
    region: t.string({ required: false, description: 'A region id from the regions query; defaults to the default zone' }),
    isolation: t.field({ type: IsolationLevel, required: false }),
    settings: t.field({
      type: 'JSONObject',
      required: false,
      description:
        'max_policies, max_users, max_bouncers set those limits; keys naming the plan (tier, isolation, region …) are refused; other keys are free-form, merged key by key (null removes one)',
    }),
    projectId: t.id({ required: false }),
    expiresAt: t.field({ type: 'DateTime', required: false }),
    domain: t.string({ required: false, description: 'Default domain: one name under CONTROL_CORE_BASE_DOMAIN (acme.controlcore.io); unique' }),
    customDomain: t.string({ required: false, description: 'A custom domain asked for (policies.acme.com); unique' }),
    databases: t.field({
      type: [TenantDatabaseInput],
      required: false,
      description: 'TenantsDB databases; they decide isolation and region. Dedicated ones start PROVISIONING',
    }),
    ...limitFields(t),
  }),
});

export const UpdateTenantInput = builder.inputType('UpdateTenantInput', {
  fields: (t) => ({
    name: t.string({ required: false }),
    tier: t.field({ type: PlanTier, required: false }),
    region: t.string({ required: false }),
    isolation: t.field({ type: IsolationLevel, required: false }),
    settings: t.field({
      type: 'JSONObject',
      required: false,
      description:
        'max_policies, max_users, max_bouncers set those limits; keys naming the plan (tier, isolation, region …) are refused; other keys are free-form, merged key by key (null removes one)',
    }),
    expiresAt: t.field({ type: 'DateTime', required: false, description: 'null clears the expiry' }),
    ...limitFields(t),
  }),
});

builder.mutationField('createTenant', (t) =>
  t.prismaField({
    type: TenantRef,
    args: { input: t.arg({ type: CreateTenantInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => createTenant(ctx, input, ctx.databaseWork, query, ctx.domains, ctx.dataPlane),
  }),
);

builder.mutationField('updateTenant', (t) =>
  t.prismaField({
    type: TenantRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateTenantInput, required: true }) },
    resolve: (query, _root, { id, input }, ctx) => updateTenant(ctx, String(id), input, query),
  }),
);

const lifecycle = {
  suspendTenant: ['suspend', 'Stop access to an ACTIVE tenant'],
  resumeTenant: ['resume', 'Reopen a SUSPENDED tenant'],
  deleteTenant: ['delete', 'Soft delete: restorable, and the slug stays reserved'],
  restoreTenant: ['restore', 'Undo a soft delete, back to the status the tenant had'],
} as const;

for (const [field, [transition, description]] of Object.entries(lifecycle)) {
  builder.mutationField(field, (t) =>
    t.prismaField({
      description,
      type: TenantRef,
      args: { id: t.arg.id({ required: true }) },
      resolve: (query, _root, { id }, ctx) => transitionTenant(ctx, String(id), transition, query, ctx.dataPlane),
    }),
  );
}

const PurgeTenantPayload = builder.objectRef<{ id: string; slug: string }>('PurgeTenantPayload').implement({
  fields: (t) => ({ id: t.exposeID('id'), slug: t.exposeString('slug') }),
});

builder.mutationField('purgeTenant', (t) =>
  t.field({
    description: 'Hard delete: permanent (backup files too), frees the slug',
    type: PurgeTenantPayload,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => purgeTenant(ctx, String(id), ctx.backups, ctx.dataPlane),
  }),
);

const ProvisionApiKeyInput = builder.inputType('ProvisionApiKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    scopes: t.field({ type: [ScopeEnum], required: false, description: 'Defaults to reading the tenant, its configuration and its features' }),
    expiresAt: t.field({ type: 'DateTime', required: false }),
  }),
});

const ProvisionTenantPayload = builder.objectRef<Awaited<ReturnType<typeof provisionTenant>>>('ProvisionTenantPayload').implement({
  fields: (t) => ({
    tenant: t.field({ type: TenantRef, resolve: (payload) => payload.tenant }),
    apiKey: t.field({ type: ApiKeyRef, resolve: (payload) => payload.apiKey }),
    secret: t.exposeString('secret', { description: 'The tenant key. Shown this once: store it now.' }),
  }),
});

builder.mutationField('provisionTenant', (t) =>
  t.field({
    description: 'Create a tenant and its first API key together: both or neither',
    type: ProvisionTenantPayload,
    args: {
      tenant: t.arg({ type: CreateTenantInput, required: true }),
      apiKey: t.arg({ type: ProvisionApiKeyInput, required: true }),
    },
    resolve: (_root, args, ctx) => provisionTenant(ctx, args.tenant, args.apiKey),
  }),
);
