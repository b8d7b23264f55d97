import { z } from 'zod';
import {
  ConfigApiFeaturesDocument,
  ConfigApiGetConfigIfChangedDocument,
  type ConfigApiGetConfigIfChangedQuery,
  ConfigApiUpdateConfigDocument,
  type UpdateTenantConfigInput,
} from '../../../generated/graphql/graphql.js';
import { camelCase, renameKeysDeep, snakeCase } from '../../../lib/case.js';
import { type Dialect, defineRoute, type Failure, type RequestProblem, type RestRequest, type RestResult } from '../../types.js';
import { configResponse, configUpdateBody } from './body.js';
import { extend } from '../../../lib/extend.js';

// Tenant Configuration API v1 (seed 000_4c7099d6f9deea84.txt).
// The decisions where the seed is vague: README.md beside this file.

const reasons: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

function errorBody(status: number, message: string, request: RestRequest): RestResult {
  return {
    status,
    body: { error: reasons[status], message, code: status, ...(request.params.id ? { tenant_id: request.params.id } : {}) },
  };
}

const tierNames: Record<string, string> = { FREE: 'Free', BASIC: 'Basic', PRO: 'Pro', ENTERPRISE: 'Enterprise' };
const opaque = new Set(['custom_settings', 'customSettings']);

/** The paths a body sets, in the order it sets them. */
function bodyPaths(body: Record<string, unknown>): string[] {
  return Object.entries(body).flatMap(([category, section]) =>
    section && typeof section === 'object' ? Object.keys(section).map((key) => `${category}.${key}`) : [],
  );
}

/** The versions an If-None-Match names (`"v3", W/"v4"`), or `any` for `*`; other tags match nothing. */
function versionsNamed(ifNoneMatch: string | null): number[] | 'any' {
  if (!ifNoneMatch) return [];
  const tags = ifNoneMatch.split(',').map((tag) => tag.trim());
  if (tags.includes('*')) return 'any';
  return tags.flatMap((tag) => {
    const version = /^(?:W\/)?"?v(\d+)"?$/.exec(tag);
    return version ? [Number(version[1])] : [];
  });
}

type ConfigData = NonNullable<ConfigApiGetConfigIfChangedQuery['tenantConfigIfChanged']['config']>;
const documented = new WeakMap<ConfigData, object>();

/**
 * The documented JSON of a configuration. A cached answer's data is the same frozen object on
 * every hit: its JSON is built once (and, frozen, serialized once by jsonResponse).
 */
function documentedConfig(tenantId: string, config: ConfigData): object {
  let body = documented.get(config);
  if (!body) {
    const { tenantId: _tenantId, version: _version, updatedAt, ...categories } = config;
    body = Object.freeze({ tenant_id: tenantId, ...(renameKeysDeep(categories, snakeCase, opaque) as object), updated_at: updatedAt });
    documented.set(config, body);
  }
  return body;
}

/**
 * GET sends the configuration with its version as the ETag, or 304 while the version is one
 * If-None-Match names (the operation then leaves the document out). Repeated reads are answered
 * by the gateway's response cache (issue 28), without SQL, until a change to the tenant is heard.
 */
const getConfig = defineRoute(ConfigApiGetConfigIfChangedDocument, {
  method: 'GET',
  path: '/tenants/{id}/config',
  summary: 'Retrieve the complete configuration for a tenant',
  headers: [{ name: 'If-None-Match', description: 'ETags from GET ("v<version>", a list, or *): 304 while the configuration is one of them', required: false }],
  variables: (request) => {
    const named = versionsNamed(request.headers.get('if-none-match'));
    return { tenant: request.params.id!, knownVersions: named === 'any' ? [] : named };
  },
  respond: (data, request) => {
    const { tenantId, version, config } = data.tenantConfigIfChanged;
    const headers = { etag: `"v${version}"` };
    const named = versionsNamed(request.headers.get('if-none-match'));
    if (named === 'any' || named.includes(version) || !config) return { status: 304, headers };
    return { status: 200, headers, body: documentedConfig(tenantId, config) };
  },
  success: { status: 200, description: 'The configuration', schema: configResponse },
  otherAnswers: [{ status: 304, description: 'Not modified: the configuration is still the version If-None-Match names (ETag, no body)' }],
});

const putConfig = defineRoute(ConfigApiUpdateConfigDocument, {
  method: 'PUT',
  path: '/tenants/{id}/config',
  summary: 'Partially update a tenant configuration: only the fields given change',
  body: configUpdateBody,
  headers: [{ name: 'If-Match', description: 'An ETag from GET ("v<version>"): update only if still current', required: false }],
  variables: (request) => {
    const input = renameKeysDeep(request.body ?? {}, camelCase, opaque) as UpdateTenantConfigInput;
    const ifMatch = request.headers.get('if-match');
    if (ifMatch) {
      const version = /^"?v(\d+)"?$/.exec(ifMatch.trim());
      if (!version) return { answer: errorBody(400, 'If-Match must be an ETag of the form "v<version>"', request) };
      input.expectedVersion = Number(version[1]);
    }
    return { tenant: request.params.id!, input };
  },
  respond: (data, request) => {
    const { updatedCount, updatedFields, config } = data.updateTenantConfig;
    const order = bodyPaths((request.rawBody ?? {}) as Record<string, unknown>);
    const rank = (path: string) => (order.includes(path) ? order.indexOf(path) : order.length);
    return {
      status: 200,
      headers: { etag: `"v${config.version}"` },
      body: {
        tenant_id: config.tenantId,
        message: `Successfully updated ${updatedCount} configuration field(s)`,
        updated_fields: [...updatedFields].sort((a, b) => rank(a) - rank(b)),
        updated_at: config.updatedAt,
      },
    };
  },
  success: {
    status: 200,
    description: 'The update was applied',
    schema: z.object({
      tenant_id: z.string().uuid(),
      message: z.string(),
      updated_fields: z.array(z.string()),
      updated_at: z.string().datetime(),
    }),
  },
});

const getFeatures = defineRoute(ConfigApiFeaturesDocument, {
  method: 'GET',
  path: '/tenants/{id}/features',
  summary: 'List all features for the tenant with their enabled status',
  variables: (request) => ({ tenant: request.params.id! }),
  respond: (data) => ({
    status: 200,
    body: {
      tenant_id: data.tenantFeatures.tenantId,
      features: data.tenantFeatures.features.map(({ tierRequired, ...feature }) => extend(feature, { tier_required: tierNames[tierRequired] })),
      total_enabled: data.tenantFeatures.totalEnabled,
      total_available: data.tenantFeatures.totalAvailable,
    },
  }),
  success: {
    status: 200,
    description: 'The features',
    schema: z.object({
      tenant_id: z.string().uuid(),
      features: z.array(
        z.object({
          name: z.string(),
          enabled: z.boolean(),
          available: z.boolean(),
          description: z.string(),
          tier_required: z.enum(['Free', 'Basic', 'Pro', 'Enterprise']),
        }),
      ),
      total_enabled: z.number().int(),
      total_available: z.number().int(),
    }),
  },
});

function problem(problem: RequestProblem, request: RestRequest): RestResult {
  switch (problem.kind) {
    case 'malformed_json':
      return errorBody(400, problem.message, request);
    case 'unsupported_media_type':
      return errorBody(415, problem.message, request);
    case 'payload_too_large':
      return errorBody(413, problem.message, request);
    case 'invalid_body':
      return errorBody(400, problem.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '), request);
  }
}

export function configApiDialect(prefix: string): Dialect {
  return {
    name: 'config-api',
    title: 'Tenant Configuration API v1',
    prefix,
    authorization: (headers) => headers.get('authorization'),
    security: { scheme: 'bearer' },
    error: (failure: Failure, request) => errorBody(failure.status, failure.message, request),
    problem,
    methodNotAllowed: () => ({ status: 405, body: { error: reasons[405], message: 'Method not allowed', code: 405 } }),
    errorStatuses: [400, 401, 403, 404, 405, 409, 413, 415, 429, 500],
    errorSchema: z.object({ error: z.string(), message: z.string(), code: z.number().int(), tenant_id: z.string().optional() }),
    routes: [getConfig, putConfig, getFeatures],
  };
}
