import { builder } from '../../graphql/builder.js';
import { blueprintVersions, getBlueprint, listBlueprints } from './blueprints.service.js';
import { findWorkspace, callerProjectId } from './workspace-access.js';
import { BlueprintSummaryRef, BlueprintVersionRef, SchemaTableRef } from './workspaces.types.js';
import { workspaceTables } from './workspace-changes.js';

builder.queryField('workspaces', (t) =>
  t.prismaField({
    type: ['Workspace'],
    description: "The caller's project's workspaces, oldest first (a project key with workspaces:read)",
    resolve: (query, _root, _args, ctx) =>
      ctx.prisma.workspace.findMany({
        ...query,
        where: { projectId: callerProjectId(ctx, 'workspaces:read') },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      }),
  }),
);

builder.queryField('workspace', (t) =>
  t.prismaField({
    type: 'Workspace',
    description: "One of the project's workspaces by name; another project's is NOT_FOUND",
    args: { name: t.arg.string({ required: true }) },
    resolve: async (query, _root, { name }, ctx) => {
      const workspace = await findWorkspace(ctx, name, 'workspaces:read');
      return ctx.prisma.workspace.findUniqueOrThrow({ ...query, where: { id: workspace.id } });
    },
  }),
);

builder.queryField('workspaceTables', (t) =>
  t.field({
    type: [SchemaTableRef],
    description: "A workspace's tables, columns and indexes from the PostgreSQL catalog",
    args: { workspace: t.arg.string({ required: true }) },
    resolve: (_root, { workspace }, ctx) => workspaceTables(ctx, ctx.dataPlane, workspace),
  }),
);

builder.queryField('blueprints', (t) =>
  t.field({ type: [BlueprintSummaryRef], description: "The project's blueprints, oldest first", resolve: (_root, _args, ctx) => listBlueprints(ctx) }),
);

builder.queryField('blueprint', (t) =>
  t.field({
    type: BlueprintSummaryRef,
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, { name }, ctx) => getBlueprint(ctx, name),
  }),
);

builder.queryField('blueprintVersions', (t) =>
  t.field({
    type: [BlueprintVersionRef],
    description: 'Newest first',
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, { name }, ctx) => blueprintVersions(ctx, name),
  }),
);
