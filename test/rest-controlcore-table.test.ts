import { describe, expect, test } from 'vitest';
import { readEnvironment } from '../src/env.js';
import { mountedDialects } from '../src/rest/dialects/index.js';
import { error, problem } from '../src/rest/dialects/controlcore/envelope.js';
import type { Dialect, Failure, RestRequest } from '../src/rest/types.js';

const templates = (dialect: Dialect) => dialect.routes.map((route) => ({ method: route.method, template: `${dialect.prefix}${route.path}` }));

/** Whether some path matches both templates: as many segments, and each pair of segments equal or one a parameter. */
function overlap(a: string, b: string): boolean {
  const left = a.split('/');
  const right = b.split('/');
  const param = (segment: string) => /^\{\w+\}$/.test(segment);
  return left.length === right.length && left.every((segment, index) => segment === right[index] || param(segment) || param(right[index]!));
}

describe('the Control Core route table', () => {
  const dialects = mountedDialects(readEnvironment({}));
  const controlCore = dialects.find((dialect) => dialect.name === 'controlcore')!;
  const configApi = dialects.find((dialect) => dialect.name === 'config-api')!;

  test("is mounted at /api/v1 (CONTROL_CORE_API_PREFIX), the Tenant Configuration API's prefix too", () => {
    expect(controlCore.prefix).toBe('/api/v1');
    expect(configApi.prefix).toBe(controlCore.prefix);
    expect(mountedDialects(readEnvironment({ CONTROL_CORE_API_PREFIX: '/cc' })).find((dialect) => dialect.name === 'controlcore')!.prefix).toBe('/cc');
  });

  test('no route of it serves a path a Tenant Configuration API route serves, whatever the method', () => {
    const collisions = templates(controlCore).flatMap((ours) =>
      templates(configApi)
        .filter((theirs) => overlap(ours.template, theirs.template))
        .map((theirs) => `${ours.method} ${ours.template} ↔ ${theirs.method} ${theirs.template}`),
    );
    expect(collisions).toEqual([]);
  });

  test('holds each method and path once', () => {
    const keys = templates(controlCore).map(({ method, template }) => `${method} ${template.replace(/\{\w+\}/g, '{}')}`);
    expect(keys.filter((key, index) => keys.indexOf(key) !== index)).toEqual([]);
  });

  test('the collision check itself tells overlapping paths from distinct ones', () => {
    expect(overlap('/api/v1/tenants/{tenant_id}/config', '/api/v1/tenants/{id}/config')).toBe(true);
    expect(overlap('/api/v1/tenants/{tenant_id}/{part}', '/api/v1/tenants/{id}/config')).toBe(true);
    expect(overlap('/api/v1/tenants/{tenant_id}', '/api/v1/tenants/{id}/config')).toBe(false);
    expect(overlap('/api/v1/tenants/{tenant_id}/alerts', '/api/v1/tenants/{id}/config')).toBe(false);
  });
});

const request = (fields: { params?: Record<string, string>; headers?: Record<string, string>; query?: string } = {}): RestRequest => ({
  params: fields.params ?? {},
  headers: new Headers(fields.headers),
  query: Object.fromEntries(new URLSearchParams(fields.query)),
  body: undefined,
  rawBody: undefined,
});

const failed = (code: Failure['code'], message: string, extensions: Record<string, unknown> = {}, status = 400): Failure => ({
  code,
  message,
  status,
  headers: {},
  extensions: { code, ...extensions },
});

describe('the Control Core error envelope', () => {
  test('404 tenant_not_found, as documented', () => {
    const answer = error(
      failed('NOT_FOUND', 'Tenant does not exist', { tenant: 'tenant-acme-123' }, 404),
      request({ params: { tenant_id: 'tenant-acme-123' } }),
    );
    expect(answer).toEqual({ status: 404, body: { error: 'tenant_not_found', message: 'Tenant tenant-acme-123 not found', tenant_id: 'tenant-acme-123' } });
  });

  test('403 tenant_access_denied, as documented', () => {
    const answer = error(
      failed('FORBIDDEN', 'Access denied for tenant tenant-acme-123', { tenant: 'tenant-acme-123', tenantAccessDenied: true }, 403),
      request(),
    );
    expect(answer).toEqual({
      status: 403,
      body: { error: 'tenant_access_denied', message: 'Access denied for tenant tenant-acme-123', tenant_id: 'tenant-acme-123' },
    });
  });

  test('429 rate_limit_exceeded with retry_after, limit and remaining 0, as documented', () => {
    const answer = error(
      failed('RATE_LIMITED', 'Rate limit exceeded: max 1000 requests per minute for the PRO tier', { limit: 1000, retryAfter: 60 }, 429),
      request({ headers: { 'x-tenant-id': 'tenant-acme-123' } }),
    );
    expect(answer).toEqual({
      status: 429,
      body: {
        error: 'rate_limit_exceeded',
        message: 'Rate limit exceeded for tenant tenant-acme-123',
        retry_after: 60,
        limit: 1000,
        remaining: 0,
        tenant_id: 'tenant-acme-123',
      },
    });
  });

  test('400s name the field as callers send it, and the tenant context rules by their own codes', () => {
    const invalid = error(
      failed('BAD_USER_INPUT', 'maxPolicies must be between 0 and 1000000', {
        violations: [{ field: 'maxPolicies', rule: 'too_big', message: 'maxPolicies must be between 0 and 1000000' }],
      }),
      request({ query: 'tenant_id=tenant-acme-123' }),
    );
    expect(invalid).toEqual({
      status: 400,
      body: {
        error: 'validation_error',
        message: 'settings.max_policies must be between 0 and 1000000',
        field: 'settings.max_policies',
        tenant_id: 'tenant-acme-123',
      },
    });
    const missing = error(
      failed('BAD_USER_INPUT', 'No tenant context', { violations: [{ field: 'tenant_id', rule: 'tenant_context_required', message: 'No tenant context' }] }),
      request(),
    );
    expect(missing.body).toEqual({ error: 'tenant_context_required', message: 'No tenant context', field: 'tenant_id', tenant_id: null });
  });

  test('other codes keep the shape: a snake_case error, the message, the tenant', () => {
    expect(error(failed('CONFLICT', 'domain "acme.controlcore.io" is already taken', { field: 'domain' }, 409), request()).body).toEqual({
      error: 'conflict',
      message: 'domain "acme.controlcore.io" is already taken',
      field: 'domain',
      tenant_id: null,
    });
    expect(error(failed('FORBIDDEN', 'This API key lacks the "tenants:write" scope', { scope: 'tenants:write' }, 403), request()).body).toMatchObject({
      error: 'insufficient_scope',
      scope: 'tenants:write',
    });
    expect(error(failed('INTERNAL', 'database exploded', {}, 500), request()).body).toEqual({
      error: 'internal_error',
      message: 'Internal server error',
      tenant_id: null,
    });
    expect(error(failed('UNAUTHENTICATED', 'A credential is required', { credential: 'missing' }, 401), request()).body).toMatchObject({
      error: 'authentication_required',
    });
  });

  test('a body that does not parse, or does not fit, names the problem and the field', () => {
    expect(problem({ kind: 'malformed_json', message: 'The request body is not valid JSON' }, request())).toEqual({
      status: 400,
      body: { error: 'malformed_json', message: 'The request body is not valid JSON', tenant_id: null },
    });
    const issues = [{ code: 'invalid_type', path: ['name'], message: 'Invalid input', expected: 'string', input: undefined }] as never;
    expect(problem({ kind: 'invalid_body', issues }, request())).toEqual({
      status: 400,
      body: { error: 'validation_error', message: 'name is required', field: 'name', tenant_id: null },
    });
  });
});
