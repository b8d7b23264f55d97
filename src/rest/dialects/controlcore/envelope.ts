import { z } from 'zod';
import type { ErrorCode } from '../../../lib/errors.js';
import { snakeCase } from '../../../lib/case.js';
import type { Failure, RequestProblem, RestRequest, RestResult } from '../../types.js';

/** Every Control Core error: `{error: <snake_case code>, message, tenant_id}`, plus what a code documents. */
export const errorSchema = z.object({
  error: z.string(),
  message: z.string(),
  tenant_id: z.string().nullable(),
  field: z.string().optional(),
  limit: z.number().optional(),
  retry_after: z.number().int().optional(),
  remaining: z.literal(0).optional(),
  scope: z.string().optional(),
});

export const errorStatuses = [400, 401, 403, 404, 405, 409, 412, 413, 415, 429, 500];

const codeByTaxonomy: Record<ErrorCode, string> = {
  BAD_USER_INPUT: 'validation_error',
  UNAUTHENTICATED: 'unauthorized',
  FORBIDDEN: 'forbidden',
  NOT_FOUND: 'not_found',
  CONFLICT: 'conflict',
  PRECONDITION_FAILED: 'precondition_failed',
  RATE_LIMITED: 'rate_limit_exceeded',
  INTERNAL: 'internal_error',
};

/** Rules whose name is the error code itself (the tenant context's). */
const namedRules = new Set(['tenant_context_required', 'tenant_context_conflict']);

/** The tenant a request names, as it named it: the path, X-Tenant-ID, then ?tenant_id. */
export function namedTenant(request: RestRequest): string | null {
  const query = request.query.tenant_id;
  return request.params.tenant_id || request.headers.get('x-tenant-id')?.trim() || (typeof query === 'string' ? query.trim() : '') || null;
}

export function failure(status: number, error: string, message: string, request: RestRequest, extra: Record<string, unknown> = {}): RestResult {
  return { status, body: { error, message, tenant_id: namedTenant(request), ...extra } };
}

/** GraphQL input fields whose Control Core name is not just their snake_case. */
const renamed: Record<string, string> = {
  maxPolicies: 'settings.max_policies',
  maxUsers: 'settings.max_users',
  maxBouncers: 'settings.max_bouncers',
  tier: 'plan_type',
  slug: 'id',
};

/** `input.maxPolicies` → `settings.max_policies`, `input.name` → `name`: fields as callers send them. */
export const restField = (field: string) => {
  const bare = field.replace(/^(input|context)\./, '');
  return renamed[bare] ?? snakeCase(bare);
};

/** A service's message with its GraphQL field names as this API's callers know them. */
const restMessage = (message: string) =>
  message.replace(/\b(maxPolicies|maxUsers|maxBouncers|tier|customDomain|expiresAt)\b/g, (name) => renamed[name] ?? snakeCase(name));

export function error(failed: Failure, request: RestRequest): RestResult {
  const details = failed.extensions;
  const tenant = typeof details.tenant === 'string' ? details.tenant : namedTenant(request);
  const withTenant = (status: number, code: string, message: string, extra: Record<string, unknown> = {}): RestResult => ({
    status,
    body: { error: code, message, tenant_id: tenant, ...extra },
  });
  switch (failed.code) {
    case 'NOT_FOUND':
      if (details.tenant !== undefined) return withTenant(404, 'tenant_not_found', `Tenant ${tenant} not found`);
      break;
    case 'FORBIDDEN':
      if (details.tenantAccessDenied) return withTenant(403, 'tenant_access_denied', `Access denied for tenant ${tenant}`);
      if (typeof details.scope === 'string') return withTenant(403, 'insufficient_scope', failed.message, { scope: details.scope });
      if (typeof details.limit === 'number')
        return withTenant(403, 'limit_exceeded', restMessage(failed.message), {
          limit: details.limit,
          ...(details.field ? { field: restField(String(details.field)) } : {}),
        });
      break;
    case 'RATE_LIMITED':
      // A project key's per-minute quota is the project's, whatever tenant the request names.
      return withTenant(
        429,
        'rate_limit_exceeded',
        tenant && !String(details.policy).startsWith('project-') ? `Rate limit exceeded for tenant ${tenant}` : failed.message,
        {
          retry_after: Number(details.retryAfter ?? 1),
          limit: Number(details.limit ?? 0),
          remaining: 0,
        },
      );
    case 'BAD_USER_INPUT': {
      const violations = (details.violations ?? []) as { field: string; rule: string; message: string }[];
      const first = violations[0];
      const code = first && namedRules.has(first.rule) ? first.rule : 'validation_error';
      const field = first?.field ?? (typeof details.field === 'string' ? details.field : undefined);
      return withTenant(400, code, restMessage(failed.message), field ? { field: restField(field) } : {});
    }
    case 'INTERNAL':
      return withTenant(500, 'internal_error', 'Internal server error');
    case 'UNAUTHENTICATED':
      if (details.credential === 'missing') return withTenant(401, 'authentication_required', 'Send "Authorization: Bearer <API key or JWT>"');
      break;
  }
  return withTenant(
    failed.status,
    codeByTaxonomy[failed.code],
    restMessage(failed.message),
    typeof details.field === 'string' ? { field: restField(details.field) } : {},
  );
}

export function problem(problem: RequestProblem, request: RestRequest): RestResult {
  switch (problem.kind) {
    case 'malformed_json':
      return failure(400, 'malformed_json', problem.message, request);
    case 'unsupported_media_type':
      return failure(415, 'unsupported_media_type', problem.message, request);
    case 'payload_too_large':
      return failure(413, 'payload_too_large', problem.message, request, { limit: problem.limit });
    case 'invalid_body': {
      const issues = problem.issues.map((issue) => {
        const field = issue.path.map(String).join('.') || 'body';
        const message =
          issue.code === 'invalid_type' && issue.input === undefined
            ? `${field} is required`
            : issue.message.startsWith(field)
              ? issue.message
              : `${field}: ${issue.message}`;
        return { field, message };
      });
      return failure(400, 'validation_error', issues.map((issue) => issue.message).join('; '), request, { field: issues[0]?.field ?? 'body' });
    }
  }
}
