import { builder } from '../../graphql/builder.js';
import type { SchemaTable } from '../data-plane-schemas/tenant-schemas.js';
import { describeSchema } from '../data-plane-schemas/tenant-schemas.js';
import { workspacePlacement } from './workspace-access.js';
import { workspaceDatabaseName } from '../data-plane-schemas/physical-names.js';
import type { BlueprintSummary } from './blueprints.service.js';
import type { SchemaImport } from './schema-import.js';

export const WorkspaceMode = builder.enumType('WorkspaceMode', {
  values: {
    TENANT: { description: 'Schema changes become blueprint versions deployed to tenant databases' },
    CONTROL: { description: 'A standalone database with full DDL: no blueprint, versions or tenants' },
  } as const,
});

const SchemaChangeStatus = builder.enumType('SchemaChangeStatus', { values: ['PENDING', 'DEPLOYED', 'REVERTED'] as const });

export const SchemaChangeRef = builder.prismaObject('SchemaChange', {
  description: "A DDL statement run in a tenant-mode workspace, queued for its blueprint's next version",
  fields: (t) => ({
    id: t.exposeInt('id'),
    statement: t.exposeString('statement'),
    reverseStatement: t.exposeString('reverseStatement', { nullable: true, description: 'What reverts it; null when it cannot be reverted automatically' }),
    status: t.expose('status', { type: SchemaChangeStatus }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const SchemaColumnRef = builder.objectRef<SchemaTable['columns'][number]>('SchemaColumn').implement({
  fields: (t) => ({ name: t.exposeString('name'), type: t.exposeString('type'), nullable: t.exposeBoolean('nullable') }),
});

export const SchemaTableRef = builder.objectRef<SchemaTable>('SchemaTable').implement({
  description: 'A table of a workspace schema, read from the PostgreSQL catalog',
  fields: (t) => ({
    name: t.exposeString('name'),
    columns: t.field({ type: [SchemaColumnRef], resolve: (table) => table.columns }),
    indexes: t.exposeStringList('indexes'),
  }),
});

const WorkspaceSettingsRef = builder.objectRef<{ queryTimeoutMs: number; maxRowsPerQuery: number; maxConnections: number }>('WorkspaceSettings').implement({
  fields: (t) => ({
    queryTimeoutMs: t.exposeInt('queryTimeoutMs', { description: 'statement_timeout of every query, in milliseconds' }),
    maxRowsPerQuery: t.exposeInt('maxRowsPerQuery', { description: 'At most this many rows come back from a query' }),
    maxConnections: t.exposeInt('maxConnections'),
  }),
});

const tableStatement = (table: SchemaTable) =>
  `CREATE TABLE ${table.name} (${table.columns.map((column) => `${column.name} ${column.type}${column.nullable ? '' : ' NOT NULL'}`).join(', ')})`;

export const WorkspaceRef = builder.prismaObject('Workspace', {
  description: "A TenantsDB workspace: a project's development database (its own PostgreSQL schema)",
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name', { description: 'Unique in its project; REST routes address the workspace by it' }),
    mode: t.expose('mode', { type: WorkspaceMode }),
    databaseType: t.exposeString('databaseType'),
    databaseName: t.string({ description: '{name}_workspace', select: { name: true }, resolve: (workspace) => workspaceDatabaseName(workspace.name) }),
    connectionUser: t.exposeString('connectionUser'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    settings: t.field({
      type: WorkspaceSettingsRef,
      select: { queryTimeoutMs: true, maxRowsPerQuery: true, maxConnections: true },
      resolve: ({ queryTimeoutMs, maxRowsPerQuery, maxConnections }) => ({ queryTimeoutMs, maxRowsPerQuery, maxConnections }),
    }),
    blueprintName: t.string({
      nullable: true,
      description: 'Tenant mode: its blueprint',
      select: { blueprint: { select: { name: true } } },
      resolve: (workspace) => workspace.blueprint?.name ?? null,
    }),
    version: t.int({
      nullable: true,
      description: "Tenant mode: the blueprint's newest deployed version (0 before the first deployment)",
      select: { blueprint: { select: { versions: { where: { deployedAt: { not: null } }, orderBy: { number: 'desc' }, take: 1, select: { number: true } } } } },
      resolve: (workspace) => (workspace.blueprint ? (workspace.blueprint.versions[0]?.number ?? 0) : null),
    }),
    undeployedChanges: t.int({
      nullable: true,
      description: 'Tenant mode: DDL changes waiting for the next deployment',
      select: { mode: true, _count: { select: { changes: { where: { status: 'PENDING' } } } } },
      resolve: (workspace) => (workspace.mode === 'TENANT' ? workspace._count.changes : null),
    }),
    pendingChanges: t.relation('changes', {
      description: 'Tenant mode: the deploy queue, in order',
      query: { where: { status: 'PENDING' }, orderBy: { position: 'asc' } },
    }),
    tables: t.field({
      type: [SchemaTableRef],
      select: { name: true, placement: { include: { database: true } } },
      resolve: (workspace, _args, ctx) => describeSchema(ctx.dataPlane, workspacePlacement(workspace)),
    }),
    schema: t.stringList({
      description: 'The tables as CREATE TABLE statements, from the catalog',
      select: { name: true, placement: { include: { database: true } } },
      resolve: async (workspace, _args, ctx) => (await describeSchema(ctx.dataPlane, workspacePlacement(workspace))).map(tableStatement),
    }),
  }),
});

export const CreatedWorkspaceRef = builder.objectRef<{ workspace: { id: string }; password: string }>('CreatedWorkspace').implement({
  fields: (t) => ({
    workspace: t.prismaField({
      type: 'Workspace',
      resolve: (query, created, _args, ctx) => ctx.prisma.workspace.findUniqueOrThrow({ ...query, where: { id: created.workspace.id } }),
    }),
    password: t.exposeString('password', { description: 'The connection password. Shown this once; afterwards it is masked.' }),
  }),
});

export const DeletedWorkspaceRef = builder
  .objectRef<{ workspace: { name: string; mode: 'TENANT' | 'CONTROL' }; versionsDeleted: number }>('DeletedWorkspace')
  .implement({
    fields: (t) => ({
      name: t.string({ resolve: (deleted) => deleted.workspace.name }),
      mode: t.field({ type: WorkspaceMode, resolve: (deleted) => deleted.workspace.mode }),
      versionsDeleted: t.exposeInt('versionsDeleted'),
    }),
  });

export const WorkspaceQueryResultRef = builder
  .objectRef<{ columns: string[]; rows: unknown[][]; rowCount: number; truncated: boolean; durationMs: number }>('WorkspaceQueryResult')
  .implement({
    description: "The last statement's answer",
    fields: (t) => ({
      columns: t.exposeStringList('columns'),
      rows: t.field({ type: 'JSON', description: 'Rows as arrays of JSON values, in column order', resolve: (result) => result.rows }),
      rowCount: t.exposeInt('rowCount', { description: 'Rows returned, or rows changed by INSERT/UPDATE/DELETE' }),
      truncated: t.exposeBoolean('truncated', { description: 'More rows matched than maxRowsPerQuery; only that many came back' }),
      durationMs: t.exposeInt('durationMs'),
    }),
  });

const SchemaImportErrorRef = builder.objectRef<SchemaImport['errors'][number]>('SchemaImportError').implement({
  fields: (t) => ({ table: t.exposeString('table'), error: t.exposeString('error', { description: "PostgreSQL's message" }) }),
});

export const SchemaImportRef = builder.objectRef<SchemaImport & { workspace: string; databaseType: string }>('SchemaImport').implement({
  fields: (t) => ({
    workspace: t.exposeString('workspace'),
    databaseType: t.exposeString('databaseType'),
    source: t.exposeString('source'),
    created: t.exposeStringList('created'),
    skipped: t.exposeStringList('skipped', { description: 'Tables that already existed' }),
    errors: t.field({ type: [SchemaImportErrorRef], resolve: (result) => result.errors }),
    statementsTotal: t.exposeInt('statementsTotal'),
  }),
});

export const BlueprintVersionRef = builder.prismaObject('BlueprintVersion', {
  fields: (t) => ({
    number: t.exposeInt('number'),
    statements: t.exposeStringList('statements'),
    ddlCount: t.int({ select: { statements: true }, resolve: (version) => version.statements.length }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    deployedAt: t.expose('deployedAt', { type: 'DateTime', nullable: true }),
  }),
});

export const BlueprintSummaryRef = builder.objectRef<BlueprintSummary>('Blueprint').implement({
  description: "A tenant-mode workspace's versioned schema, deployed to tenant databases ({blueprint}__{tenant})",
  fields: (t) => ({
    name: t.exposeString('name'),
    databaseType: t.exposeString('databaseType'),
    workspaceName: t.exposeString('workspaceName'),
    currentVersion: t.exposeInt('currentVersion', { description: 'The newest deployed version; 0 before the first deployment' }),
    schema: t.exposeStringList('schema', { description: 'The DDL of every deployed version, oldest first' }),
    tenantCount: t.exposeInt('tenantCount', { description: 'Tenants (not in the trash) with a database from it' }),
  }),
});
