import { z } from 'zod';
import {
  type TenantsDbWorkspaceFragment,
  TenantsDbCreateWorkspaceDocument,
  TenantsDbDeleteWorkspaceDocument,
  TenantsDbImportWorkspaceSchemaDocument,
  TenantsDbRemoveSchemaChangeDocument,
  TenantsDbRevertSchemaChangeDocument,
  TenantsDbUpdateWorkspaceSettingsDocument,
  TenantsDbWorkspaceDiffDocument,
  TenantsDbWorkspaceDocument,
  TenantsDbWorkspaceQueryDocument,
  TenantsDbWorkspaceSettingsDocument,
  TenantsDbWorkspacesDocument,
  TenantsDbWorkspaceTablesDocument,
} from '../../../generated/graphql/graphql.js';
import { defineRoute, type Route } from '../../types.js';
import { envelope, failure, isoSeconds, ok } from './envelope.js';
import type { Connection } from './tenants.routes.js';

const masked = '••••••••';
const mode = (value: string) => value.toLowerCase();
const engine = (databaseType: string) => databaseType.toLowerCase();
const availableFields = ['query_timeout_ms', 'max_rows_per_query', 'max_connections'];

const settingsJson = (settings: { queryTimeoutMs: number; maxRowsPerQuery: number; maxConnections: number }) => ({
  query_timeout_ms: settings.queryTimeoutMs,
  max_rows_per_query: settings.maxRowsPerQuery,
  max_connections: settings.maxConnections,
});
const settingsSchema = z.object({ query_timeout_ms: z.number().int(), max_rows_per_query: z.number().int(), max_connections: z.number().int() });

const connectionString = (workspace: TenantsDbWorkspaceFragment, password: string, connection: Connection) =>
  `postgresql://${workspace.connectionUser}:${password}@${connection.proxyHost}:${connection.proxyPort}/${workspace.databaseName}?sslmode=require`;

/** Tenant-mode fields only where the workspace is in tenant mode, as the seed shows them. */
const tenantOnly = <T>(workspace: { mode: string }, fields: T) => (workspace.mode === 'TENANT' ? fields : {});

export const workspacesRoute = defineRoute(TenantsDbWorkspacesDocument, {
  method: 'GET',
  path: '/workspaces',
  summary: "The project's workspaces, oldest first",
  variables: () => ({}),
  respond: (data) => {
    const workspaces = data.workspaces.map((workspace) => ({
      id: workspace.name,
      name: workspace.name,
      mode: mode(workspace.mode),
      database: engine(workspace.databaseType),
      created_at: isoSeconds(workspace.createdAt),
      ...tenantOnly(workspace, { version: workspace.version }),
    }));
    return ok({ workspaces, count: workspaces.length });
  },
  success: {
    status: 200,
    description: 'The workspaces',
    schema: z.object({
      ...envelope,
      workspaces: z.array(
        z.object({ id: z.string(), name: z.string(), mode: z.string(), database: z.string(), created_at: z.string(), version: z.number().int().optional() }),
      ),
      count: z.number().int(),
    }),
  },
});

export const createWorkspaceBody = z.object({
  name: z.string().describe('Lowercase letters, digits, "_" and "-" (tenant mode: no "-"); cannot contain __'),
  database: z.string().describe('PostgreSQL (MySQL, MongoDB and Redis are 400: this gateway serves PostgreSQL)'),
  mode: z.string().describe('tenant or control'),
});

const connectionSchema = z.object({ host: z.string(), port: z.number().int(), database: z.string(), user: z.string(), password: z.string() });

export function createWorkspaceRoute(connection: Connection): Route {
  return defineRoute(TenantsDbCreateWorkspaceDocument, {
    method: 'POST',
    path: '/workspaces',
    summary: 'Create a workspace (its own PostgreSQL schema); tenant mode also creates its blueprint. The password is shown this once.',
    body: createWorkspaceBody,
    variables: ({ body }) => ({ input: { name: body.name, database: body.database, mode: body.mode } }),
    respond: (data) => {
      const { workspace, password } = data.createWorkspace;
      return ok(
        {
          id: workspace.name,
          mode: mode(workspace.mode),
          ...(workspace.blueprintName ? { blueprint: workspace.blueprintName } : {}),
          database: workspace.databaseType,
          connection: { host: connection.proxyHost, port: connection.proxyPort, database: workspace.databaseName, user: workspace.connectionUser, password },
          connection_string: connectionString(workspace, password, connection),
        },
        'created',
      );
    },
    success: {
      status: 201,
      description: 'Created',
      schema: z.object({
        ...envelope,
        id: z.string(),
        mode: z.string(),
        blueprint: z.string().optional(),
        database: z.string(),
        connection: connectionSchema,
        connection_string: z.string(),
      }),
    },
  });
}

export function workspaceRoute(connection: Connection): Route {
  return defineRoute(TenantsDbWorkspaceDocument, {
    method: 'GET',
    path: '/workspaces/{id}',
    summary: 'A workspace: its schema as DDL, undeployed changes, connection (password masked), settings and version',
    variables: ({ params }) => ({ name: params.id! }),
    respond: (data) => {
      const workspace = data.workspace;
      return ok({
        id: workspace.name,
        name: workspace.name,
        mode: mode(workspace.mode),
        database: engine(workspace.databaseType),
        schema: workspace.schema,
        schema_error: null,
        ...tenantOnly(workspace, { undeployed_changes: workspace.undeployedChanges }),
        connection: {
          host: connection.proxyHost,
          port: connection.proxyPort,
          database: workspace.databaseName,
          username: workspace.connectionUser,
          password: masked,
        },
        connection_string: connectionString(workspace, masked, connection),
        settings: settingsJson(workspace.settings),
        ...tenantOnly(workspace, { version: workspace.version }),
      });
    },
    success: {
      status: 200,
      description: 'The workspace',
      schema: z.object({
        ...envelope,
        id: z.string(),
        name: z.string(),
        mode: z.string(),
        database: z.string(),
        schema: z.array(z.string()),
        schema_error: z.string().nullable(),
        undeployed_changes: z.number().int().optional(),
        connection: z.object({ host: z.string(), port: z.number().int(), database: z.string(), username: z.string(), password: z.string() }),
        connection_string: z.string(),
        settings: settingsSchema,
        version: z.number().int().optional(),
      }),
    },
  });
}

export const deleteWorkspaceRoute = defineRoute(TenantsDbDeleteWorkspaceDocument, {
  method: 'DELETE',
  path: '/workspaces/{id}',
  summary: 'Delete a workspace, its schema and its blueprint; 409 (tenants_deployed) while tenants use the blueprint',
  variables: ({ params }) => ({ name: params.id! }),
  respond: (data) =>
    ok({
      message: 'workspace deleted',
      details: {
        workspace: data.deleteWorkspace.name,
        mode: mode(data.deleteWorkspace.mode),
        versions_deleted: data.deleteWorkspace.versionsDeleted,
        deletion_type: 'full',
        physical_db: true,
      },
    }),
  success: {
    status: 200,
    description: 'Deleted',
    schema: z.object({
      ...envelope,
      message: z.string(),
      details: z.object({ workspace: z.string(), mode: z.string(), versions_deleted: z.number().int(), deletion_type: z.string(), physical_db: z.boolean() }),
    }),
  },
});

export const workspaceQueryBody = z.object({ query: z.string().describe('SQL: one or more statements, run in one transaction') });

export const workspaceQueryRoute = defineRoute(TenantsDbWorkspaceQueryDocument, {
  method: 'POST',
  path: '/workspaces/{id}/queries',
  summary: "Run SQL in the workspace; tenant mode queues its DDL for the blueprint's next version. An SQL error is 400 with PostgreSQL's message.",
  body: workspaceQueryBody,
  variables: ({ params, body }) => ({ workspace: params.id!, query: body.query }),
  respond: (data) => {
    const result = data.runWorkspaceQuery;
    return ok({
      columns: result.columns,
      rows: result.rows,
      row_count: result.rowCount,
      execution_time: `${result.durationMs}ms`,
      ...(result.truncated ? { truncated: true } : {}),
    });
  },
  success: {
    status: 200,
    description: "The last statement's answer",
    schema: z.object({
      ...envelope,
      columns: z.array(z.string()),
      rows: z.array(z.array(z.unknown())),
      row_count: z.number().int(),
      execution_time: z.string(),
      truncated: z.boolean().optional(),
    }),
  },
});

export const workspaceDiffRoute = defineRoute(TenantsDbWorkspaceDiffDocument, {
  method: 'GET',
  path: '/workspaces/{id}/diff',
  summary: 'Pending DDL changes, in order, ready for the next deployment (tenant mode only: control mode is 400)',
  variables: ({ params }) => ({ name: params.id! }),
  respond: (data) => {
    const workspace = data.workspace;
    if (workspace.mode !== 'TENANT') return failure('bad_request', `Workspace '${workspace.name}' is in control mode: it has no blueprint versioning`);
    const changes = workspace.pendingChanges.map((change) => ({
      id: change.id,
      statement: change.statement,
      reverse_statement: change.reverseStatement ?? null,
      created_at: isoSeconds(change.createdAt),
    }));
    return ok({ workspace: workspace.name, blueprint: workspace.blueprintName, current_version: workspace.version, changes, count: changes.length });
  },
  success: {
    status: 200,
    description: 'The pending changes',
    schema: z.object({
      ...envelope,
      workspace: z.string(),
      blueprint: z.string().nullable(),
      current_version: z.number().int().nullable(),
      changes: z.array(z.object({ id: z.number().int(), statement: z.string(), reverse_statement: z.string().nullable(), created_at: z.string() })),
      count: z.number().int(),
    }),
  },
});

export const removeSchemaChangeRoute = defineRoute(TenantsDbRemoveSchemaChangeDocument, {
  method: 'DELETE',
  path: '/workspaces/{id}/diff/{ddl_id}',
  summary: 'Remove a DDL change from the deploy queue (404 when missing or already deployed)',
  variables: ({ params }) => ({ workspace: params.id!, id: params.ddl_id! }),
  respond: (data) => ok({ message: `DDL ${data.removeSchemaChange.id} removed from deploy queue` }),
  success: { status: 200, description: 'Removed', schema: z.object({ ...envelope, message: z.string() }) },
});

export const revertSchemaChangeRoute = defineRoute(TenantsDbRevertSchemaChangeDocument, {
  method: 'POST',
  path: '/workspaces/{id}/diff/{ddl_id}/revert',
  summary: 'Revert an undeployed DDL change by running its reverse statement (CREATE TABLE, named CREATE INDEX, ADD COLUMN)',
  variables: ({ params }) => ({ workspace: params.id!, id: params.ddl_id! }),
  respond: (data) => ok({ message: `Reverted: ${data.revertSchemaChange.reverseStatement}` }),
  success: { status: 200, description: 'Reverted', schema: z.object({ ...envelope, message: z.string() }) },
});

export const workspaceTablesRoute = defineRoute(TenantsDbWorkspaceTablesDocument, {
  method: 'GET',
  path: '/workspaces/{id}/schema',
  summary: "The workspace's tables, columns (type, nullable) and indexes, from the PostgreSQL catalog",
  variables: ({ params }) => ({ workspace: params.id! }),
  respond: (data) =>
    ok({
      tables: data.workspaceTables.map((table) => ({
        name: table.name,
        columns: table.columns.map(({ name, type, nullable }) => ({ name, type, nullable })),
        indexes: table.indexes,
      })),
    }),
  success: {
    status: 200,
    description: 'The tables',
    schema: z.object({
      ...envelope,
      tables: z.array(
        z.object({ name: z.string(), columns: z.array(z.object({ name: z.string(), type: z.string(), nullable: z.boolean() })), indexes: z.array(z.string()) }),
      ),
    }),
  },
});

export const importSchemaBody = z.object({
  source: z.string().describe('template or json (database and url are 400: not served)'),
  template: z.string().optional().describe('ecommerce, saas, blog or fintech'),
  tables: z
    .array(z.unknown())
    .optional()
    .describe('json source: [{name, columns: [{name, type, nullable, primary_key, unique, default, references: {table, column}}]}]'),
  collections: z.array(z.unknown()).optional().describe('MongoDB only: 400 here'),
  connection: z.record(z.string(), z.unknown()).optional().describe('database source: 400 here'),
  url: z.string().optional().describe('url source: 400 here'),
});

export const importSchemaRoute = defineRoute(TenantsDbImportWorkspaceSchemaDocument, {
  method: 'POST',
  path: '/workspaces/{id}/schema',
  summary: "Create a template's (ecommerce, saas, blog, fintech) or JSON-defined tables in the workspace; existing tables are skipped",
  body: importSchemaBody,
  variables: ({ params, body }) => ({ workspace: params.id!, input: { source: body.source, template: body.template ?? null, tables: body.tables ?? null } }),
  respond: (data) => {
    const result = data.importWorkspaceSchema;
    return ok({
      message: `Schema imported to workspace '${result.workspace}'`,
      source: result.source,
      created: result.created,
      skipped: result.skipped,
      errors: result.errors.map(({ table, error }) => ({ table, error })),
      details: {
        workspace: result.workspace,
        database_type: result.databaseType,
        statements_executed: result.created.length,
        statements_skipped: result.skipped.length,
        statements_failed: result.errors.length,
        statements_total: result.statementsTotal,
      },
    });
  },
  success: {
    status: 200,
    description: 'Imported',
    schema: z.object({
      ...envelope,
      message: z.string(),
      source: z.string(),
      created: z.array(z.string()),
      skipped: z.array(z.string()),
      errors: z.array(z.object({ table: z.string(), error: z.string() })),
      details: z.object({
        workspace: z.string(),
        database_type: z.string(),
        statements_executed: z.number().int(),
        statements_skipped: z.number().int(),
        statements_failed: z.number().int(),
        statements_total: z.number().int(),
      }),
    }),
  },
});

export const workspaceSettingsRoute = defineRoute(TenantsDbWorkspaceSettingsDocument, {
  method: 'GET',
  path: '/workspaces/{id}/settings',
  summary: "The workspace's settings",
  variables: ({ params }) => ({ name: params.id! }),
  respond: (data) => ok({ database_type: data.workspace.databaseType, settings: settingsJson(data.workspace.settings), available_fields: availableFields }),
  success: {
    status: 200,
    description: 'The settings',
    schema: z.object({ ...envelope, database_type: z.string(), settings: settingsSchema, available_fields: z.array(z.string()) }),
  },
});

export const updateSettingsBody = z
  .object({
    query_timeout_ms: z.number().int().optional().describe('100 to 300000'),
    max_rows_per_query: z.number().int().optional().describe('1 to 100000'),
    max_connections: z.number().int().optional().describe('1 to 1000'),
  })
  .strict();

export const updateWorkspaceSettingsRoute = defineRoute(TenantsDbUpdateWorkspaceSettingsDocument, {
  method: 'POST',
  path: '/workspaces/{id}/settings',
  summary: 'Change some settings; only the fields given change',
  body: updateSettingsBody,
  variables: ({ params, body }) => ({
    workspace: params.id!,
    input: { queryTimeoutMs: body.query_timeout_ms ?? null, maxRowsPerQuery: body.max_rows_per_query ?? null, maxConnections: body.max_connections ?? null },
  }),
  respond: (data) => {
    const workspace = data.updateWorkspaceSettings;
    const tenant = workspace.mode === 'TENANT';
    return ok({
      settings: settingsJson(workspace.settings),
      message: tenant ? 'Settings saved. Deploy to apply to tenants.' : 'Settings saved.',
      ...(tenant ? { pending_deploy: true } : {}),
      database_type: workspace.databaseType,
    });
  },
  success: {
    status: 200,
    description: 'Saved',
    schema: z.object({ ...envelope, settings: settingsSchema, message: z.string(), pending_deploy: z.boolean().optional(), database_type: z.string() }),
  },
});
