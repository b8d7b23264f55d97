import { z } from 'zod';
import { TenantsDbRestoreTenantDocument, TenantsDbResumeTenantDocument, TenantsDbSuspendTenantDocument } from '../../../generated/graphql/graphql.js';
import type { Dialect } from '../../types.js';
import { loginRoute, signupRoute } from './accounts.routes.js';
import { apiKeysRoute, createApiKeyRoute, deleteApiKeyRoute } from './apikeys.routes.js';
import { backupRoute, backupsRoute, recoverRoute, recoverUndoRoute, rollbackRoute } from './backups.routes.js';
import { envelope, error, failure, problem } from './envelope.js';
import { adminQueryRoute, createDeploymentRoute, deploymentRoute, deploymentsRoute, tenantDeploymentsRoute } from './deployments.routes.js';
import { logStatsRoute, logsRoute, metricsRoute } from './logs.routes.js';
import { createProjectRoute, deleteProjectRoute, projectsRoute, switchProjectRoute } from './projects.routes.js';
import { errorsRoute, regionsRoute } from './public.routes.js';
import { blueprintRoute, blueprintsRoute, blueprintVersionsRoute } from './blueprints.routes.js';
import {
  createWorkspaceRoute,
  deleteWorkspaceRoute,
  importSchemaRoute,
  removeSchemaChangeRoute,
  revertSchemaChangeRoute,
  updateWorkspaceSettingsRoute,
  workspaceDiffRoute,
  workspaceQueryRoute,
  workspaceRoute,
  workspaceSettingsRoute,
  workspacesRoute,
  workspaceTablesRoute,
} from './workspaces.routes.js';
import { type Connection, createTenantRoute, deleteTenantRoute, isolationRoute, lifecycleRoute, tenantRoute, tenantsRoute } from './tenants.routes.js';

// The TenantsDB API (seed 002). The decisions where the seed is vague: README.md beside this file.

export function tenantsDbDialect(prefix: string, connection: Connection = { proxyHost: 'localhost', proxyPort: 5432 }): Dialect {
  return {
    name: 'tenantsdb',
    title: 'TenantsDB API',
    prefix,
    authorization: (headers) => headers.get('authorization'),
    security: { scheme: 'bearer' },
    error,
    problem,
    notFound: (pathname) => failure('not_found', `No route for ${pathname}`),
    methodNotAllowed: () => ({ status: 405, body: { success: false, http_status: 405, code: 'bad_request', error: 'Method not allowed' } }),
    errorStatuses: [400, 401, 403, 404, 405, 409, 413, 415, 429, 500],
    errorSchema: z.object({
      ...envelope,
      error: z.string(),
      quota: z
        .string()
        .optional()
        .describe('A refused quota (403): which one (projects, tenants, workspaces, blueprints, api_keys, secrets, routes, webhooks)'),
      plan: z.string().optional().describe('A refused quota: the plan whose quota it is'),
      limit: z.number().int().optional().describe('A refused quota: what the plan allows'),
      current: z.number().int().optional().describe('A refused quota: how many there are now'),
    }),
    routes: [
      errorsRoute,
      regionsRoute,
      signupRoute,
      loginRoute,
      projectsRoute,
      createProjectRoute,
      switchProjectRoute,
      deleteProjectRoute,
      apiKeysRoute,
      createApiKeyRoute,
      deleteApiKeyRoute,
      workspacesRoute,
      createWorkspaceRoute(connection),
      workspaceRoute(connection),
      deleteWorkspaceRoute,
      workspaceQueryRoute,
      workspaceDiffRoute,
      removeSchemaChangeRoute,
      revertSchemaChangeRoute,
      workspaceTablesRoute,
      importSchemaRoute,
      workspaceSettingsRoute,
      updateWorkspaceSettingsRoute,
      blueprintsRoute,
      blueprintRoute,
      blueprintVersionsRoute,
      tenantsRoute,
      createTenantRoute(connection),
      tenantRoute(connection),
      deleteTenantRoute,
      lifecycleRoute('restore', TenantsDbRestoreTenantDocument, 'Restore a tenant from the trash', 'restored successfully'),
      lifecycleRoute('suspend', TenantsDbSuspendTenantDocument, 'Suspend a ready tenant (block all queries)', 'suspended'),
      lifecycleRoute('resume', TenantsDbResumeTenantDocument, 'Resume a suspended tenant', 'resumed'),
      isolationRoute,
      backupRoute,
      backupsRoute,
      rollbackRoute,
      recoverRoute,
      recoverUndoRoute,
      logsRoute,
      logStatsRoute,
      metricsRoute,
      tenantDeploymentsRoute,
      deploymentsRoute,
      createDeploymentRoute,
      deploymentRoute,
      adminQueryRoute,
    ],
  };
}
