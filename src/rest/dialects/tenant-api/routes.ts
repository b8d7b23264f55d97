import { z } from 'zod';
import {
  TenantApiCheckResourceDocument,
  TenantApiInfoDocument,
  TenantApiResourceLimitsDocument,
  TenantApiResourceUsageDocument,
  TenantApiSetResourceLimitsDocument,
  TenantApiTrackUsageDocument,
  TenantApiUsageHistoryDocument,
  TenantApiUsageSummaryDocument,
} from '../../../generated/graphql/graphql.js';
import { monthSchema } from '../../../modules/usage/periods.js';
import { type Dialect, defineRoute, type Failure, type RequestProblem, type RestRequest, type RestResult } from '../../types.js';
import { configRoutes } from './config.routes.js';
import { rbacRoutes } from './rbac.routes.js';
import { secretRoutes } from './secrets.routes.js';
import { failure, tenantHeader, tenantOf } from './shared.js';

// Gateway tenant endpoints (seed 001_3574d09c1313b85c.txt): usage, tenant info, resource limits.
// The decisions where the seed is vague: README.md beside this file.

const lower = (value: string | null | undefined) => value?.toLowerCase() ?? null;
const upper = <T extends string>(value: T) => value.toUpperCase() as Uppercase<T>;

const periodSchema = z.enum(['minute', 'hour', 'day', 'month']);
const gateSchema = z.enum(['block', 'warn']);

type Limit = { resource: string; metric: string; period: string; limit: number; tiers: Record<string, unknown>; gateAction: string };
const limitJson = (limit: Limit) => ({ ...limit, period: lower(limit.period), gateAction: lower(limit.gateAction) });

const limitShape = z.object({
  resource: z.string(),
  metric: z.string(),
  period: periodSchema,
  limit: z.number(),
  tiers: z.record(z.string(), z.number()).optional(),
  gateAction: gateSchema.optional(),
});

const periodQuery = z.object({ period: monthSchema().optional().describe('The month, YYYY-MM (UTC); the current month by default') });

const amountBody = z.object({
  userId: z.string().optional(),
  resource: z.string(),
  metric: z.string(),
  amount: z.number(),
  idempotencyKey: z.string().optional(),
});

const usageSummary = defineRoute(TenantApiUsageSummaryDocument, {
  method: 'GET',
  path: '/usage/summary',
  summary: 'Usage summary of a month',
  headers: [tenantHeader],
  query: periodQuery,
  variables: (request) => ({ tenant: tenantOf(request), period: request.query.period ?? null }),
  respond: (data) => {
    const summary = data.usageSummary;
    return {
      status: 200,
      body: {
        tenant_id: summary.tenant.slug,
        period: summary.period,
        api_calls: summary.apiCalls,
        llm_tokens: summary.llmTokens,
        storage_bytes: summary.storageBytes,
        bandwidth_bytes: summary.bandwidthBytes,
      },
    };
  },
  success: {
    status: 200,
    description: 'The summary',
    schema: z.object({
      tenant_id: z.string(),
      period: monthSchema().describe('YYYY-MM (UTC)'),
      api_calls: z.number(),
      llm_tokens: z.number(),
      storage_bytes: z.number(),
      bandwidth_bytes: z.number(),
    }),
  },
});

const usageHistory = defineRoute(TenantApiUsageHistoryDocument, {
  method: 'GET',
  path: '/usage/history',
  summary: 'Daily usage of a month',
  headers: [tenantHeader],
  query: periodQuery,
  variables: (request) => ({ tenant: tenantOf(request), period: request.query.period ?? null }),
  respond: (data) => ({
    status: 200,
    body: { history: data.usageHistory.map((day) => ({ date: day.date, api_calls: day.apiCalls, llm_tokens: day.llmTokens })) },
  }),
  success: {
    status: 200,
    description: 'One entry per day with usage',
    schema: z.object({ history: z.array(z.object({ date: z.iso.date().describe('YYYY-MM-DD (UTC)'), api_calls: z.number(), llm_tokens: z.number() })) }),
  },
});

const tenantInfo = defineRoute(TenantApiInfoDocument, {
  method: 'GET',
  path: '/tenant/info',
  summary: 'Tenant information and plan limits',
  headers: [tenantHeader],
  variables: (request) => ({ tenant: tenantOf(request) }),
  respond: (data) => ({
    status: 200,
    body: {
      id: data.tenant.slug,
      name: data.tenant.name,
      plan: lower(data.tenant.tier),
      createdAt: data.tenant.createdAt,
      limits: { apiCalls: data.tenant.planLimits.apiCalls, llmTokens: data.tenant.planLimits.llmTokens, storage: data.tenant.planLimits.storageBytes },
    },
  }),
  success: {
    status: 200,
    description: 'The tenant',
    schema: z.object({
      id: z.string(),
      name: z.string(),
      plan: z.string(),
      createdAt: z.string(),
      limits: z.object({ apiCalls: z.number(), llmTokens: z.number(), storage: z.number() }),
    }),
  },
});

const getLimits = defineRoute(TenantApiResourceLimitsDocument, {
  method: 'GET',
  path: '/tenant/limits/resources',
  summary: 'Resource limit definitions',
  headers: [tenantHeader],
  variables: (request) => ({ tenant: tenantOf(request) }),
  respond: (data) => ({ status: 200, body: data.resourceLimits.map(limitJson) }),
  success: { status: 200, description: 'The definitions', schema: z.array(limitShape) },
});

const putLimits = defineRoute(TenantApiSetResourceLimitsDocument, {
  method: 'PUT',
  path: '/tenant/limits/resources',
  summary: 'Replace the resource limit definitions',
  headers: [tenantHeader],
  body: z.array(limitShape),
  variables: (request) => ({
    tenant: tenantOf(request),
    limits: request.body.map((limit) => ({
      ...limit,
      period: upper(limit.period),
      gateAction: limit.gateAction ? upper(limit.gateAction) : undefined,
    })),
  }),
  respond: (data) => ({ status: 200, body: data.setResourceLimits.map(limitJson) }),
  success: { status: 200, description: 'The definitions now in force', schema: z.array(limitShape) },
});

const limitsUsage = defineRoute(TenantApiResourceUsageDocument, {
  method: 'GET',
  path: '/tenant/limits/resources/usage',
  summary: 'Usage against each limit, for the tenant or one user',
  headers: [tenantHeader],
  query: z.object({ userId: z.string().optional().describe("One user's usage (the per-user limits) instead of the tenant's") }),
  variables: (request) => ({ tenant: tenantOf(request), userId: request.query.userId ?? null }),
  respond: (data) => ({
    status: 200,
    body: data.resourceUsage.map((usage) => ({ ...usage, period: lower(usage.period), scope: lower(usage.scope) })),
  }),
  success: {
    status: 200,
    description: 'Usage per limit',
    schema: z.array(
      z.object({
        resource: z.string(),
        metric: z.string(),
        period: periodSchema,
        current: z.number(),
        limit: z.number(),
        percentage: z.number(),
        scope: z.enum(['tenant', 'user']),
      }),
    ),
  },
});

const amountInput = (request: RestRequest<z.output<typeof amountBody>>) => {
  const body = request.body;
  return {
    tenant: tenantOf(request),
    input: {
      resource: body.resource,
      metric: body.metric,
      amount: body.amount,
      userId: body.userId,
      idempotencyKey: body.idempotencyKey ?? request.headers.get('idempotency-key') ?? undefined,
    },
  };
};

const check = defineRoute(TenantApiCheckResourceDocument, {
  method: 'POST',
  path: '/tenant/limits/resources/check',
  summary: 'Whether a resource action is allowed now (counts nothing)',
  headers: [tenantHeader],
  body: amountBody,
  variables: amountInput,
  respond: (data) => ({
    status: 200,
    body: {
      allowed: data.checkResource.allowed,
      gateAction: lower(data.checkResource.gateAction),
      usage: { current: data.checkResource.current, limit: data.checkResource.limit },
    },
  }),
  success: {
    status: 200,
    description: 'The decision',
    schema: z.object({ allowed: z.boolean(), gateAction: gateSchema.nullable(), usage: z.object({ current: z.number(), limit: z.number().nullable() }) }),
  },
});

const track = defineRoute(TenantApiTrackUsageDocument, {
  method: 'POST',
  path: '/tenant/limits/resources/track',
  summary: 'Track resource usage; 429 when a blocking limit would be exceeded',
  headers: [tenantHeader, { name: 'Idempotency-Key', description: 'A retried track with the same key counts once', required: false }],
  body: amountBody,
  variables: amountInput,
  respond: (data) => ({
    status: 200,
    body: {
      success: true,
      tracked: !data.trackUsage.duplicate,
      duplicate: data.trackUsage.duplicate,
      allowed: data.trackUsage.allowed,
      gateAction: lower(data.trackUsage.gateAction),
      usage: { current: data.trackUsage.current, limit: data.trackUsage.limit },
      alerts: data.trackUsage.alerts.map((alert) => ({ level: lower(alert.level), percentage: alert.percentage })),
    },
  }),
  success: {
    status: 200,
    description: 'Tracked',
    schema: z.object({
      success: z.literal(true),
      tracked: z.boolean(),
      duplicate: z.boolean(),
      allowed: z.boolean(),
      gateAction: gateSchema.nullable(),
      usage: z.object({ current: z.number(), limit: z.number().nullable() }),
      alerts: z.array(z.object({ level: z.enum(['warning', 'critical']), percentage: z.number() })),
    }),
  },
});

function problem(problem: RequestProblem): RestResult {
  switch (problem.kind) {
    case 'malformed_json':
      return failure(400, 'bad_request', problem.message);
    case 'unsupported_media_type':
      return failure(415, 'unsupported_media_type', problem.message);
    case 'payload_too_large':
      return failure(413, 'payload_too_large', problem.message);
    case 'invalid_body':
      return failure(400, 'bad_request', problem.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '));
  }
}

export function tenantApiDialect(prefix: string): Dialect {
  return {
    name: 'tenant-api',
    title: 'Gateway tenant endpoints',
    prefix,
    authorization: (headers) => headers.get('authorization'),
    security: { scheme: 'bearer' },
    error: (error: Failure) => failure(error.status, error.code.toLowerCase(), error.code === 'INTERNAL' ? 'Internal server error' : error.message),
    problem,
    methodNotAllowed: () => failure(405, 'method_not_allowed', 'Method not allowed'),
    notFound: (pathname) => failure(404, 'not_found', `No route for ${pathname}`),
    errorStatuses: [400, 401, 403, 404, 405, 409, 412, 413, 415, 429, 500],
    errorSchema: z.object({ success: z.literal(false), error: z.string(), message: z.string() }),
    routes: [usageSummary, usageHistory, tenantInfo, getLimits, putLimits, limitsUsage, check, track, ...configRoutes, ...secretRoutes, ...rbacRoutes],
  };
}
