import { builder } from '../../graphql/builder.js';
import { PlanTier } from '../tenants/tenants.types.js';
import { createApiKey, createProject, revokeApiKey } from './identity.service.js';
import { ApiKeyRef, ScopeEnum } from './identity.types.js';

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    scopes: t.field({ type: [ScopeEnum], required: true }),
    tenant: t.id({ required: false, description: 'Owner tenant (UUID or slug): the key reaches that tenant only' }),
    projectId: t.id({ required: false, description: "Owner project: the key reaches that project's tenants" }),
    expiresAt: t.field({ type: 'DateTime', required: false }),
  }),
  description: 'Neither tenant nor projectId: an operator (global) key, which only an operator may create.',
});

export const CreateApiKeyPayload = builder.objectRef<Awaited<ReturnType<typeof createApiKey>>>('CreateApiKeyPayload').implement({
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, resolve: (payload) => payload.apiKey }),
    secret: t.exposeString('secret', { description: 'The whole key. Shown this once: store it now.' }),
  }),
});

builder.mutationField('createApiKey', (t) =>
  t.field({
    type: CreateApiKeyPayload,
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      createApiKey(ctx, {
        ...input,
        tenant: input.tenant == null ? input.tenant : String(input.tenant),
        projectId: input.projectId == null ? input.projectId : String(input.projectId),
      }),
  }),
);

builder.mutationField('revokeApiKey', (t) =>
  t.prismaField({
    type: ApiKeyRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_query, _root, { id }, ctx) => revokeApiKey(ctx, String(id)),
  }),
);

builder.mutationField('createProject', (t) =>
  t.prismaField({
    type: 'Project',
    args: {
      slug: t.arg.string({ required: true }),
      name: t.arg.string({ required: true }),
      tier: t.arg({ type: PlanTier, required: false, description: "The project's plan; its tenants start on it. Defaults to FREE" }),
    },
    resolve: (_query, _root, args, ctx) => createProject(ctx, args),
  }),
);
