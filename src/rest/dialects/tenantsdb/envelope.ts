import { z } from 'zod';
import type { ErrorCode } from '../../../lib/errors.js';
import type { Failure, RequestProblem, RestRequest, RestResult } from '../../types.js';

export const codes: Record<string, { status: number; description: string }> = {
  ok: { status: 200, description: 'Request succeeded' },
  created: { status: 201, description: 'Resource was created' },
  bad_request: { status: 400, description: 'Invalid input or missing fields' },
  auth_required: { status: 401, description: 'Authorization header missing' },
  unauthorized: { status: 401, description: 'Invalid API key' },
  forbidden: { status: 403, description: 'Tier limit reached or wrong project' },
  not_found: { status: 404, description: 'Resource does not exist' },
  conflict: { status: 409, description: 'Already exists or operation in progress' },
  rate_limited: { status: 429, description: 'Too many requests' },
  internal_error: { status: 500, description: 'Server error' },
};

const codeByTaxonomy: Record<ErrorCode, keyof typeof codes> = {
  BAD_USER_INPUT: 'bad_request',
  UNAUTHENTICATED: 'unauthorized',
  FORBIDDEN: 'forbidden',
  NOT_FOUND: 'not_found',
  CONFLICT: 'conflict',
  PRECONDITION_FAILED: 'bad_request',
  RATE_LIMITED: 'rate_limited',
  INTERNAL: 'internal_error',
};

export function ok(fields: Record<string, unknown>, code: 'ok' | 'created' = 'ok'): RestResult {
  const status = codes[code]!.status;
  return { status, body: { success: true, http_status: status, code, ...fields } };
}

export function failure(code: keyof typeof codes, message: string): RestResult {
  const status = codes[code]!.status;
  return { status, body: { success: false, http_status: status, code, error: message } };
}

/** GraphQL input paths as this dialect's callers name them: slug → tenant_id, databases.0.isolation → databases[0].isolation_level. */
export function restField(field: string): string {
  return field
    .replace(/^(input\.)?slug$/, 'tenant_id')
    .replace(
      /^(input\.)?databases\.(\d+)\.(\w+)$/,
      (_m, _p, index: string, key: string) => `databases[${index}].${key === 'isolation' ? 'isolation_level' : key}`,
    )
    .replace(/^(input\.)?isolation$/, 'isolation_level')
    .replace(/^input\./, '')
    .replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** apiKeys → api_keys: the quota as this dialect's fields are spelled. */
const snakeQuota = (quota: string) => quota.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

const trashMessage = (slug: string) => `Tenant '${slug}' is in trash. Use POST /tenants/${slug}/restore or DELETE /tenants/${slug}?hard=true`;

export function error(failed: Failure, request: RestRequest): RestResult {
  if (failed.code === 'UNAUTHENTICATED' && failed.extensions.credential === 'missing') return failure('auth_required', 'Authorization header required');
  if (failed.code === 'CONFLICT' && failed.extensions.currentStatus === 'DELETED') {
    return failure('conflict', trashMessage(String(request.params.id ?? failed.extensions.slug)));
  }
  if (failed.code === 'CONFLICT' && failed.extensions.reason === 'tenants_deployed') {
    const body = {
      message: failed.message,
      reason: 'tenants_deployed',
      deployed_to: failed.extensions.deployedTo,
      action_required: failed.extensions.actionRequired,
    };
    return { status: 409, body: { success: false, http_status: 409, code: 'conflict', error: failed.message, ...body } };
  }
  if (failed.code === 'FORBIDDEN' && failed.extensions.reason === 'quota_exceeded') {
    const { quota, plan, limit, current } = failed.extensions;
    return {
      status: 403,
      body: {
        success: false,
        http_status: 403,
        code: 'forbidden',
        error: failed.message,
        quota: snakeQuota(String(quota)),
        plan: String(plan).toLowerCase(),
        limit,
        current,
      },
    };
  }
  if (failed.code === 'BAD_USER_INPUT' && Array.isArray(failed.extensions.violations)) {
    const violations = failed.extensions.violations as { field: string; message: string }[];
    const described = violations.map((violation) => {
      const field = restField(violation.field);
      // Messages start with the GraphQL field's name (projectName): callers know it as project_name.
      const message = violation.message.replace(/^slug\b/, 'tenant_id').replace(/^[a-z]+[A-Z]\w*/, (name) => restField(name));
      return message.startsWith(field) ? message : `${field}: ${message}`;
    });
    return failure('bad_request', described.join('; '));
  }
  if (failed.code === 'NOT_FOUND' && failed.extensions.tenant !== undefined)
    return failure('not_found', `Tenant not found: ${request.params.id ?? failed.extensions.tenant}`);
  if (failed.code === 'INTERNAL') return failure('internal_error', 'Internal server error');
  return failure(codeByTaxonomy[failed.code], failed.message);
}

export function problem(problem: RequestProblem): RestResult {
  switch (problem.kind) {
    case 'malformed_json':
      return failure('bad_request', problem.message);
    case 'unsupported_media_type':
      return {
        ...failure('bad_request', problem.message),
        status: 415,
        body: { success: false, http_status: 415, code: 'bad_request', error: problem.message },
      };
    case 'payload_too_large':
      return { status: 413, body: { success: false, http_status: 413, code: 'bad_request', error: problem.message } };
    case 'invalid_body':
      return failure(
        'bad_request',
        problem.issues
          .map((issue) => {
            const field = issue.path.map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`)).join('');
            return issue.code === 'invalid_type' && issue.input === undefined
              ? `${field} is required`
              : issue.message.startsWith(field)
                ? issue.message
                : `${field}: ${issue.message}`;
          })
          .join('; '),
      );
  }
}

/** 2026-02-15T14:30:00.123Z → 2026-02-15T14-30-00, the seed's backup timestamp. */
export const stamp = (iso: string) => iso.slice(0, 19).replace(/:/g, '-');

export const envelope = { success: z.boolean(), http_status: z.number().int(), code: z.string() };

/** 2026-02-15T14:30:00.123Z → 2026-02-15T14:30:00Z */
export const isoSeconds = (iso: string) => `${iso.slice(0, 19)}Z`;

/** 1 (shared) or 2 (dedicated) */
export const level = (isolation: string) => (isolation === 'DEDICATED' ? 2 : 1);
/** A GraphQL state as this dialect shows it: `ready`, `provisioning`, `suspended` … */
export const status = (state: string) => state.toLowerCase();
