import { builder } from '../../graphql/builder.js';
import { importWorkspaceSchema } from './schema-import.js';
import { removeChange, revertChange, runWorkspaceQuery } from './workspace-changes.js';
import { CreatedWorkspaceRef, DeletedWorkspaceRef, SchemaChangeRef, SchemaImportRef, WorkspaceQueryResultRef } from './workspaces.types.js';
import { createWorkspace, deleteWorkspace, updateWorkspaceSettings } from './workspaces.service.js';

const CreateWorkspaceInput = builder.inputType('CreateWorkspaceInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'Lowercase letters, digits, "_" and "-" (tenant mode: no "-"); never "__"' }),
    database: t.string({ required: true, description: 'PostgreSQL (MySQL, MongoDB and Redis are not served)' }),
    mode: t.string({ required: true, description: 'tenant or control' }),
  }),
});

builder.mutationField('createWorkspace', (t) =>
  t.field({
    type: CreatedWorkspaceRef,
    description: 'A workspace with its own schema; tenant mode also creates the blueprint of the same name',
    args: { input: t.arg({ type: CreateWorkspaceInput, required: true }) },
    resolve: (_root, { input }, ctx) => createWorkspace(ctx, ctx.dataPlane, input),
  }),
);

builder.mutationField('deleteWorkspace', (t) =>
  t.field({
    type: DeletedWorkspaceRef,
    description: 'Deletes the workspace, its schema and its blueprint; CONFLICT (reason tenants_deployed) while tenants use the blueprint',
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, { name }, ctx) => deleteWorkspace(ctx, ctx.dataPlane, name),
  }),
);

builder.mutationField('runWorkspaceQuery', (t) =>
  t.field({
    type: WorkspaceQueryResultRef,
    description: 'SQL in the workspace schema, in one transaction; in tenant mode its DDL is queued for the next blueprint version',
    args: { workspace: t.arg.string({ required: true }), query: t.arg.string({ required: true }) },
    resolve: (_root, { workspace, query }, ctx) => runWorkspaceQuery(ctx, ctx.dataPlane, workspace, query),
  }),
);

builder.mutationField('removeSchemaChange', (t) =>
  t.prismaField({
    type: SchemaChangeRef,
    description: 'Takes a pending DDL change out of the deploy queue (the workspace keeps it)',
    args: { workspace: t.arg.string({ required: true }), id: t.arg.id({ required: true }) },
    resolve: (_query, _root, { workspace, id }, ctx) => removeChange(ctx, workspace, String(id)),
  }),
);

builder.mutationField('revertSchemaChange', (t) =>
  t.prismaField({
    type: SchemaChangeRef,
    description: 'Runs the reverse statement of a pending DDL change in the workspace and drops it from the queue',
    args: { workspace: t.arg.string({ required: true }), id: t.arg.id({ required: true }) },
    resolve: (_query, _root, { workspace, id }, ctx) => revertChange(ctx, ctx.dataPlane, workspace, String(id)),
  }),
);

const WorkspaceSettingsInput = builder.inputType('WorkspaceSettingsInput', {
  fields: (t) => ({
    queryTimeoutMs: t.int({ required: false, description: '100 to 300000' }),
    maxRowsPerQuery: t.int({ required: false, description: '1 to 100000' }),
    maxConnections: t.int({ required: false, description: '1 to 1000' }),
  }),
});

builder.mutationField('updateWorkspaceSettings', (t) =>
  t.prismaField({
    type: 'Workspace',
    description: 'Changes only the settings given',
    args: { workspace: t.arg.string({ required: true }), input: t.arg({ type: WorkspaceSettingsInput, required: true }) },
    resolve: async (query, _root, { workspace, input }, ctx) => {
      const updated = await updateWorkspaceSettings(ctx, workspace, input);
      return ctx.prisma.workspace.findUniqueOrThrow({ ...query, where: { id: updated.id } });
    },
  }),
);

const ImportWorkspaceSchemaInput = builder.inputType('ImportWorkspaceSchemaInput', {
  fields: (t) => ({
    source: t.string({ required: true, description: 'template or json (database and url are not served)' }),
    template: t.string({ required: false, description: 'ecommerce, saas, blog or fintech' }),
    tables: t.field({
      type: 'JSON',
      required: false,
      description: 'json source: [{name, columns: [{name, type, nullable, primary_key, unique, default, references: {table, column}}]}]',
    }),
  }),
});

builder.mutationField('importWorkspaceSchema', (t) =>
  t.field({
    type: SchemaImportRef,
    description: "Creates a template's or the given tables in the workspace; existing tables are skipped",
    args: { workspace: t.arg.string({ required: true }), input: t.arg({ type: ImportWorkspaceSchemaInput, required: true }) },
    resolve: async (_root, { workspace, input }, ctx) => ({
      ...(await importWorkspaceSchema(ctx, ctx.dataPlane, workspace, input)),
      workspace,
      databaseType: 'PostgreSQL',
    }),
  }),
);
