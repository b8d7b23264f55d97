import { z } from 'zod';
import {
  TenantsDbAdminQueryDocument,
  TenantsDbDeployDocument,
  TenantsDbDeploymentByIdDocument,
  TenantsDbDeploymentsDocument,
  type TenantsDbDeploymentFragment,
  TenantsDbTenantDeploymentsDocument,
} from '../../../generated/graphql/graphql.js';
import { defineRoute } from '../../types.js';
import { envelope, isoSeconds, ok } from './envelope.js';
import { integerParam } from './params.js';

/** A deployment's id as callers see it: `dep_` and the job's UUID as 32 hex digits. */
const deploymentId = (uuid: string) => `dep_${uuid.replace(/-/g, '')}`;
/** `dep_<32 hex>` → the UUID; anything else goes on as it is, to be not found. */
const deploymentUuid = (id: string) => {
  const hex = /^dep_([0-9a-f]{32})$/i.exec(id)?.[1];
  return hex ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` : id;
};
const milliseconds = (ms: number) => `${Math.round(ms)}ms`;

const summary = (deployment: TenantsDbDeploymentFragment) => ({
  id: deploymentId(deployment.id),
  blueprint_name: deployment.blueprint,
  version: deployment.version,
  status: deployment.status.toLowerCase(),
  tenants_total: deployment.tenantsTotal,
  tenants_completed: deployment.tenantsCompleted,
  tenants_failed: deployment.tenantsFailed,
});

const detail = (deployment: TenantsDbDeploymentFragment) => ({
  ...summary(deployment),
  results: deployment.targets.map((target) => ({
    tenant_id: target.tenant.slug,
    status: target.status.toLowerCase(),
    ...(target.durationMs == null ? {} : { duration: milliseconds(target.durationMs) }),
    ...(target.error == null ? {} : { error: target.error }),
  })),
  created_at: isoSeconds(deployment.createdAt),
});

const summarySchema = {
  id: z.string(),
  blueprint_name: z.string(),
  version: z.number().int(),
  status: z.string().describe('pending, in_progress, completed, partial or failed'),
  tenants_total: z.number().int(),
  tenants_completed: z.number().int(),
  tenants_failed: z.number().int(),
};
const detailSchema = z.object({
  ...envelope,
  ...summarySchema,
  results: z.array(z.object({ tenant_id: z.string(), status: z.string(), duration: z.string().optional(), error: z.string().optional() })),
  created_at: z.string(),
});

export const deploymentsRoute = defineRoute(TenantsDbDeploymentsDocument, {
  method: 'GET',
  path: '/deployments',
  summary: "The project's deployments, newest first (up to 100)",
  variables: () => ({}),
  respond: (data) => {
    const deployments = data.schemaRollouts.map((deployment) => ({ ...summary(deployment), created_at: isoSeconds(deployment.createdAt) }));
    return ok({ deployments, count: deployments.length });
  },
  success: {
    status: 200,
    description: 'The deployments',
    schema: z.object({ ...envelope, deployments: z.array(z.object({ ...summarySchema, created_at: z.string() })), count: z.number().int() }),
  },
});

export const deploymentRoute = defineRoute(TenantsDbDeploymentByIdDocument, {
  method: 'GET',
  path: '/deployments/{id}',
  summary: 'A deployment: status, progress and each tenant’s result',
  variables: (request) => ({ id: deploymentUuid(request.params.id!) }),
  respond: (data) => ok(detail(data.schemaRollout)),
  errors: {
    NOT_FOUND: (_failure, request) => ({
      status: 404,
      body: { success: false, http_status: 404, code: 'not_found', error: `Deployment not found: ${request.params.id}` },
    }),
  },
  success: { status: 200, description: 'The deployment', schema: detailSchema },
});

const notAVersion = 'version must be a version number such as 3';
const versionNumber = z
  .union(
    [z.number({ error: notAVersion }).int({ error: notAVersion }).min(1, { error: notAVersion }), z.string().regex(/^v?[1-9]\d{0,8}$/, { error: notAVersion })],
    { error: notAVersion },
  )
  .transform((value) => (typeof value === 'number' ? value : Number(value.replace(/^v/, ''))));

export const createDeploymentRoute = defineRoute(TenantsDbDeployDocument, {
  method: 'POST',
  path: '/deployments',
  summary: "Deploy a blueprint's pending schema changes as its next version to every tenant database of it (a job: poll GET /deployments/{id})",
  body: z.object({
    blueprint_name: z.string().min(1).describe('Blueprint to deploy'),
    version: versionNumber
      .optional()
      .describe('A version already made, to bring lagging tenants up to it; by default the pending changes become the next version'),
    deploy_all: z.boolean().optional().describe('Deploy to all tenants (default true); false releases the version for new tenants only'),
  }),
  variables: (request) => ({
    input: { blueprintName: request.body.blueprint_name, version: request.body.version ?? null, deployAll: request.body.deploy_all ?? null },
  }),
  respond: (data) => ok(detail(data.deployBlueprint), 'created'),
  success: { status: 201, description: 'The deployment, queued', schema: detailSchema },
});

export const tenantDeploymentsRoute = defineRoute(TenantsDbTenantDeploymentsDocument, {
  method: 'GET',
  path: '/tenants/{id}/deployments',
  summary: 'The blueprint versions deployed to the tenant’s databases, newest first',
  query: z.object({ limit: integerParam('limit', 1, 1000).describe('Max results (default: all)') }),
  variables: ({ params, query }) => ({ tenant: params.id!, limit: query.limit ?? null }),
  respond: (data) => {
    const deployments = data.tenantSchemaRollouts.results.map((result) => ({
      id: deploymentId(result.rolloutId),
      blueprint_name: result.blueprint,
      version: result.version,
      status: result.status.toLowerCase(),
      ...(result.durationMs == null ? {} : { duration: milliseconds(result.durationMs) }),
      ...(result.error == null ? {} : { error: result.error }),
      created_at: isoSeconds(result.createdAt),
      ...(result.completedAt == null ? {} : { completed_at: isoSeconds(result.completedAt) }),
    }));
    return ok({ tenant_id: data.tenantSchemaRollouts.tenant.slug, count: deployments.length, deployments });
  },
  success: {
    status: 200,
    description: "The tenant's deployments",
    schema: z.object({
      ...envelope,
      tenant_id: z.string(),
      count: z.number().int(),
      deployments: z.array(
        z.object({
          id: z.string(),
          blueprint_name: z.string(),
          version: z.number().int(),
          status: z.string(),
          duration: z.string().optional(),
          error: z.string().optional(),
          created_at: z.string(),
          completed_at: z.string().optional(),
        }),
      ),
    }),
  },
});

export const adminQueryRoute = defineRoute(TenantsDbAdminQueryDocument, {
  method: 'POST',
  path: '/admin/query',
  summary: 'Run data SQL on one tenant database of a blueprint, or on all of them; DDL is refused',
  body: z.object({
    blueprint: z.string().min(1).describe('Blueprint name'),
    query: z.string().min(1).describe('The SQL to execute; DDL statements are blocked'),
    tenant_id: z.string().min(1).optional().describe('Target a specific tenant; or all_tenants'),
    all_tenants: z.boolean().optional().describe('Run the query on all tenants; or tenant_id'),
  }),
  variables: (request) => ({
    input: {
      blueprint: request.body.blueprint,
      query: request.body.query,
      tenant: request.body.tenant_id ?? null,
      allTenants: request.body.all_tenants ?? null,
    },
  }),
  respond: (data, request) => {
    const result = data.runAdminQuery;
    const table = (outcome: (typeof result.results)[number]) => ({
      tenant_id: outcome.tenant.slug,
      columns: outcome.columns,
      rows: outcome.rows as unknown[][],
      row_count: outcome.rowCount,
      ...(outcome.truncated ? { truncated: true } : {}),
      ...(outcome.error == null ? {} : { error: outcome.error }),
    });
    if (request.body.tenant_id !== undefined) return ok({ ...table(result.results[0]!), execution_time: milliseconds(result.durationMs) });
    return ok({ results: result.results.map(table), total_tenants: result.results.length, execution_time: milliseconds(result.durationMs) });
  },
  success: {
    status: 200,
    description: 'One tenant: its columns and rows; all tenants: a result per tenant',
    schema: z.object({
      ...envelope,
      tenant_id: z.string().optional(),
      columns: z.array(z.string()).optional(),
      rows: z.array(z.array(z.unknown())).optional(),
      row_count: z.number().int().optional(),
      truncated: z.boolean().optional(),
      results: z
        .array(
          z.object({
            tenant_id: z.string(),
            columns: z.array(z.string()),
            rows: z.array(z.array(z.unknown())),
            row_count: z.number().int(),
            truncated: z.boolean().optional(),
            error: z.string().optional(),
          }),
        )
        .optional(),
      total_tenants: z.number().int().optional(),
      execution_time: z.string(),
    }),
  },
});
