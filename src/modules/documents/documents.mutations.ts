import { builder } from '../../graphql/builder.js';
import { TenantContextInput } from '../tenants/tenant-context.types.js';
import { createDocument, deleteDocument, updateDocument } from './documents.service.js';
import { DocumentKindEnum, PolicyModeEnum, TenantDocumentRef } from './documents.types.js';

const TenantDocumentInput = builder.inputType('TenantDocumentInput', {
  fields: (t) => ({
    name: t.string({ required: false, description: 'Unique per tenant and kind; required to create' }),
    description: t.string({ required: false }),
    spec: t.field({ type: 'JSONObject', required: false, description: 'A JSON object, up to 64 KiB' }),
    mode: t.field({ type: PolicyModeEnum, required: false, description: 'Policies only; ACTIVE when created without it' }),
  }),
});

builder.mutationField('createTenantDocument', (t) =>
  t.field({
    type: TenantDocumentRef,
    args: {
      context: t.arg({ type: TenantContextInput, required: true }),
      kind: t.arg({ type: DocumentKindEnum, required: true }),
      input: t.arg({ type: TenantDocumentInput, required: true }),
    },
    resolve: (_root, { context, kind, input }, ctx) => createDocument(ctx, context, kind, { ...input, name: input.name ?? '' }),
  }),
);

builder.mutationField('updateTenantDocument', (t) =>
  t.field({
    type: TenantDocumentRef,
    args: {
      context: t.arg({ type: TenantContextInput, required: true }),
      kind: t.arg({ type: DocumentKindEnum, required: true }),
      id: t.arg.id({ required: true }),
      input: t.arg({ type: TenantDocumentInput, required: true }),
    },
    resolve: (_root, { context, kind, id, input }, ctx) => updateDocument(ctx, context, kind, String(id), input),
  }),
);

builder.mutationField('deleteTenantDocument', (t) =>
  t.field({
    type: TenantDocumentRef,
    args: {
      context: t.arg({ type: TenantContextInput, required: true }),
      kind: t.arg({ type: DocumentKindEnum, required: true }),
      id: t.arg.id({ required: true }),
    },
    resolve: (_root, { context, kind, id }, ctx) => deleteDocument(ctx, context, kind, String(id)),
  }),
);
