import { z } from 'zod';
import { EventHistoryDeleteTenantDocument, EventHistoryInitializeTenantDocument } from '../../../generated/graphql/graphql.js';
import { keyFormats } from '../../../modules/identity/api-keys.js';
import { type Dialect, defineRoute, type Failure, type RequestProblem, type RestResult } from '../../types.js';

// Event History tenants (seed 004_76f7ff8c9c8ef527.txt): FastAPI conventions.
// The decisions where the seed is vague: README.md beside this file.

const detail = (status: number, message: string): RestResult => ({ status, body: { detail: message } });

const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

const fieldNames: Record<string, string> = { slug: 'database_name', legacyId: 'database_name', name: 'client_label' };

type FastApiError = { loc: (string | number)[]; msg: string; type: string; ctx?: Record<string, unknown> };

function pydanticError(issue: z.core.$ZodIssue): FastApiError {
  const loc = ['body', ...issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)))];
  if (issue.code === 'invalid_type' && issue.input === undefined) return { loc, msg: 'field required', type: 'value_error.missing' };
  if (issue.code === 'too_big' && issue.origin === 'string') {
    return {
      loc,
      msg: `ensure this value has at most ${issue.maximum} characters`,
      type: 'value_error.any_str.max_length',
      ctx: { limit_value: Number(issue.maximum) },
    };
  }
  if (issue.code === 'invalid_type' && issue.expected === 'string') return { loc, msg: 'str type expected', type: 'type_error.str' };
  if (issue.code === 'invalid_type' && issue.expected === 'object') return { loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' };
  return { loc, msg: issue.message, type: 'value_error' };
}

function problem(problem: RequestProblem): RestResult {
  switch (problem.kind) {
    case 'malformed_json':
      return detail(400, 'There was an error parsing the body');
    case 'unsupported_media_type':
      return detail(415, 'Unsupported Media Type');
    case 'payload_too_large':
      return detail(413, 'Request Entity Too Large');
    case 'invalid_body':
      return { status: 422, body: { detail: problem.issues.map(pydanticError) } };
  }
}

function error(failure: Failure): RestResult {
  switch (failure.code) {
    case 'UNAUTHENTICATED':
      return detail(401, 'Unauthorized API Key.');
    // FastAPI answers validation errors 422 with its list of {loc, msg, type}.
    case 'BAD_USER_INPUT': {
      const violations = (failure.extensions.violations as { field: string; message: string }[] | undefined) ?? [
        { field: String(failure.extensions.field ?? ''), message: failure.message },
      ];
      return {
        status: 422,
        body: {
          detail: violations.map((violation) => ({
            loc: ['body', ...(violation.field ? [fieldNames[violation.field] ?? violation.field] : [])],
            msg: violation.message,
            type: 'value_error',
          })),
        },
      };
    }
    case 'INTERNAL':
      return detail(500, 'Internal Server Error');
    default:
      return detail(failure.status, failure.message);
  }
}

const initializeTenant = defineRoute(EventHistoryInitializeTenantDocument, {
  method: 'POST',
  path: '/initialize-tenant',
  summary: 'Initialise a tenant connection and create its tenant entry',
  body: z.object({
    database_name: z.string().max(64).describe('Database name, at most 64 characters'),
    client_label: z.string().describe('A label for the client'),
  }),
  variables: (request) => {
    const body = request.body;
    return {
      tenant: { legacyId: body.database_name, name: body.client_label, settings: { eventHistory: { databaseName: body.database_name } } },
      apiKey: { name: `event-history client ${body.database_name}` },
    };
  },
  respond: (data, request) => ({
    status: 201,
    body: { client_id: data.provisionTenant.tenant.id, client_secret: data.provisionTenant.secret, database_name: request.body.database_name },
  }),
  errors: { CONFLICT: () => detail(400, 'Client already exist.') },
  success: {
    status: 201,
    description: 'The tenant entry was created',
    schema: z.object({
      client_id: z.string().uuid().describe('Unique client identifier (UUID v4)'),
      client_secret: z.string().regex(new RegExp(keyFormats.tgw)).describe('Client secret key (a gateway API key, tgw_…), shown once'),
      database_name: z.string(),
    }),
  },
});

const deleteTenant = defineRoute(EventHistoryDeleteTenantDocument, {
  method: 'DELETE',
  path: '/delete-tenant',
  summary: 'Delete the tenant connection and its database (identified by X-Client-Id)',
  headers: [{ name: 'X-Client-Id', description: 'The client_id (UUID v4) from initialize-tenant', required: true }],
  variables: (request) => {
    const clientId = request.headers.get('x-client-id')?.trim();
    if (!clientId || !uuidV4.test(clientId)) return { answer: detail(400, 'Unauthorized Client.') };
    return { id: clientId };
  },
  respond: () => ({ status: 204 }),
  errors: { NOT_FOUND: () => detail(400, 'Failed to connect to tenant db.') },
  success: { status: 204, description: 'Deleted' },
});

export function eventHistoryDialect(prefix: string): Dialect {
  return {
    name: 'event-history',
    title: 'Event History tenants',
    prefix,
    authorization: (headers) => {
      const key = headers.get('x-api-key')?.trim();
      return key ? `Bearer ${key}` : null;
    },
    security: { scheme: 'apiKey', header: 'X-API-Key' },
    error,
    problem,
    methodNotAllowed: () => detail(405, 'Method Not Allowed'),
    notFound: () => detail(404, 'Not Found'),
    errorStatuses: [400, 401, 403, 405, 413, 415, 422, 429, 500],
    errorSchema: z.object({
      detail: z.union([
        z.string(),
        z.array(
          z.object({ loc: z.array(z.union([z.string(), z.number()])), msg: z.string(), type: z.string(), ctx: z.record(z.string(), z.unknown()).optional() }),
        ),
      ]),
    }),
    routes: [initializeTenant, deleteTenant],
  };
}
