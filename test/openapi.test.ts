import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { OpenAPIV3_1 } from 'openapi-types';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { readEnvironment } from '../src/env.js';
import { mountedDialects } from '../src/rest/dialects/index.js';
import { buildOpenApi } from '../src/rest/openapi.js';
import { contractChecker } from './support/contract.js';
import { startGateway, type TestGateway } from './support/gateway.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.close());

type LintProblem = { ruleId: string; severity: string; message: string };

/** The served document through the same Redocly lint (and redocly.yaml) that `npm run check` runs on the printed one. */
async function redoclyErrors(document: unknown): Promise<LintProblem[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'openapi-lint-'));
  try {
    const file = path.join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(document));
    const cli = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
    // Exits 1 when it finds errors; the JSON report on stdout is the answer either way.
    const stdout = await new Promise<string>((resolve) =>
      execFile(process.execPath, [cli, 'lint', file, '--config', 'redocly.yaml', '--format', 'json'], { env }, (_error, out) => resolve(out)),
    );
    const report = JSON.parse(stdout) as { problems: LintProblem[] };
    return report.problems.filter((problem) => problem.severity === 'error');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('/openapi.json is a valid OpenAPI 3.1 document of every mounted route', async () => {
  const response = await gateway.rest('GET', '/openapi.json');
  expect(response.status).toBe(200);
  expect(response.body.openapi).toMatch(/^3\.1\./);
  const broken = structuredClone(response.body);
  delete broken.paths['/api/v1/tenants/{id}/config'].put.responses['200'].description;
  const [errors, brokenErrors] = await Promise.all([redoclyErrors(response.body), redoclyErrors(broken)]);
  expect(errors).toEqual([]);
  expect(brokenErrors).toEqual([expect.objectContaining({ ruleId: 'struct', message: expect.stringContaining('description') })]);
  const operations = Object.entries(response.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
    Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
  );
  expect(operations.sort()).toEqual(
    [
      'DELETE /api/delete-tenant',
      'GET /api/v1/tenants/{id}/config',
      'GET /api/v1/tenants/{id}/features',
      'GET /tenant/info',
      'GET /tenant/limits/resources',
      'GET /tenant/limits/resources/usage',
      'GET /usage/history',
      'GET /usage/summary',
      'POST /api/initialize-tenant',
      'POST /tenant/limits/resources/check',
      'POST /tenant/limits/resources/track',
      'PUT /api/v1/tenants/{id}/config',
      'PUT /tenant/limits/resources',
      'GET /tenant/secrets',
      'GET /tenant/config',
      'POST /tenant/config',
      'GET /tenant/rbac',
      'PUT /tenant/rbac',
      'POST /tenant/rbac/roles',
      'PUT /tenant/rbac/roles/{name}',
      'DELETE /tenant/rbac/roles/{name}',
      'POST /tenant/rbac/check',
      'POST /tenant/secrets',
      'DELETE /tenant/secrets/{key}',
      'GET /errors',
      'GET /regions',
      'POST /signup',
      'POST /login',
      'GET /projects',
      'POST /projects',
      'POST /projects/{id}/switch',
      'DELETE /projects/{id}',
      'GET /apikeys',
      'POST /apikeys',
      'DELETE /apikeys/{id}',
      'GET /workspaces',
      'POST /workspaces',
      'GET /workspaces/{id}',
      'DELETE /workspaces/{id}',
      'POST /workspaces/{id}/queries',
      'GET /workspaces/{id}/diff',
      'DELETE /workspaces/{id}/diff/{ddl_id}',
      'POST /workspaces/{id}/diff/{ddl_id}/revert',
      'GET /workspaces/{id}/schema',
      'POST /workspaces/{id}/schema',
      'GET /workspaces/{id}/settings',
      'POST /workspaces/{id}/settings',
      'GET /blueprints',
      'GET /blueprints/{name}',
      'GET /blueprints/{name}/versions',
      'GET /tenants',
      'POST /tenants',
      'GET /tenants/{id}',
      'DELETE /tenants/{id}',
      'POST /tenants/{id}/restore',
      'POST /tenants/{id}/suspend',
      'POST /tenants/{id}/resume',
      'PATCH /tenants/{id}/isolation',
      'POST /tenants/{id}/backup',
      'GET /tenants/{id}/backups',
      'POST /tenants/{id}/rollback',
      'POST /tenants/{id}/recover',
      'POST /tenants/{id}/recover-undo',
      'GET /tenants/{id}/logs',
      'GET /tenants/{id}/logs/stats',
      'GET /tenants/{id}/metrics',
      'GET /tenants/{id}/deployments',
      'GET /deployments',
      'POST /deployments',
      'GET /deployments/{id}',
      'POST /admin/query',
      'GET /api/v1/tenants/{tenant_id}/domains',
      'POST /api/v1/tenants/{tenant_id}/domains',
      'POST /api/v1/tenants/{tenant_id}/domains/{domain}/verify',
      'DELETE /api/v1/tenants/{tenant_id}/domains/{domain}',
      'POST /api/v1/tenants/{tenant_id}/deploy',
      'GET /api/v1/tenants/{tenant_id}/deployments/{deployment_id}',
      'GET /api/v1/tenants/{tenant_id}/billing',
      'PUT /api/v1/tenants/{tenant_id}/billing',
      'GET /api/v1/tenants/{tenant_id}/metrics',
      'POST /api/v1/tenants',
      'GET /api/v1/tenants/{tenant_id}',
      'PUT /api/v1/tenants/{tenant_id}',
      'DELETE /api/v1/tenants/{tenant_id}',
      'GET /api/v1/tenants/{tenant_id}/alerts',
      'POST /api/v1/tenants/{tenant_id}/api-keys',
      'GET /api/v1/policies',
      'POST /api/v1/policies',
      'PUT /api/v1/policies/{id}',
      'DELETE /api/v1/policies/{id}',
      'GET /api/v1/resources',
      'POST /api/v1/resources',
      'PUT /api/v1/resources/{id}',
      'DELETE /api/v1/resources/{id}',
      'GET /api/v1/bouncers',
      'POST /api/v1/bouncers',
      'PUT /api/v1/bouncers/{id}',
      'DELETE /api/v1/bouncers/{id}',
    ].sort(),
  );
  const put = response.body.paths['/api/v1/tenants/{id}/config'].put;
  expect(put.requestBody.content['application/json'].schema.properties.performance.properties.cache_size_mb.type).toBe('integer');
  expect(put.responses['400'].content['application/json'].schema.$ref).toBe('#/components/schemas/config-api-error');
  expect(response.body.paths['/api/delete-tenant'].delete.parameters).toEqual([expect.objectContaining({ name: 'X-Client-Id', in: 'header', required: true })]);
});

/** What each operation takes in its query string, with its type: the seeds' parameters. */
const seedQuery: Record<string, string[]> = {
  'GET /usage/summary': ['period: string ^(\\d{4})-(0[1-9]|1[0-2])$'],
  'GET /usage/history': ['period: string ^(\\d{4})-(0[1-9]|1[0-2])$'],
  'GET /tenant/limits/resources/usage': ['userId: string'],
  'GET /tenants': ['status: ready|provisioning|syncing|migrating|suspended|deleted|restoring|recovering'],
  'DELETE /tenants/{id}': ['hard: boolean'],
  'GET /tenants/{id}/logs': [
    'limit: integer 1..1000',
    'offset: integer 0..2147483647',
    'type: error|slow',
    'search: string',
    'source: proxy|api',
    'since: 1h|24h|7d|30d',
  ],
  'GET /tenants/{id}/metrics': ['since: 1h|24h|7d|30d'],
  'GET /tenants/{id}/deployments': ['limit: integer 1..1000'],
  'GET /api/v1/tenants/{tenant_id}/metrics': ['start_date: date|date-time', 'end_date: date|date-time', 'granularity: hour|day|week|month'],
};

/** A query parameter's schema in a line: its enum, its formats, or its type with a pattern or bounds. */
function typeOf(schema: OpenAPIV3_1.SchemaObject): string {
  if (schema.enum) return schema.enum.join('|');
  if (schema.anyOf) return (schema.anyOf as OpenAPIV3_1.SchemaObject[]).map((option) => option.format).join('|');
  const bounds = schema.minimum === undefined ? '' : ` ${schema.minimum}..${schema.maximum}`;
  return `${schema.type}${schema.pattern ? ` ${schema.pattern}` : ''}${bounds}`;
}

/** Every operation of the document the mounted dialects make, as `METHOD /path`. */
function operationsOf(): [string, OpenAPIV3_1.OperationObject][] {
  const document = buildOpenApi(mountedDialects(readEnvironment({})));
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item as Record<string, OpenAPIV3_1.OperationObject>).map(([method, operation]): [string, OpenAPIV3_1.OperationObject] => [
      `${method.toUpperCase()} ${path}`,
      operation,
    ]),
  );
}

test("every query parameter a route reads is declared with its type: the seeds', ?tenant_id on Control Core's tenant-scoped routes, no other", () => {
  const declared: Record<string, string[]> = {};
  const expected: Record<string, string[]> = { ...seedQuery };
  for (const [name, operation] of operationsOf()) {
    const query = ((operation.parameters ?? []) as OpenAPIV3_1.ParameterObject[]).filter((parameter) => parameter.in === 'query');
    if (query.length) declared[name] = query.map((parameter) => `${parameter.name}: ${typeOf(parameter.schema as OpenAPIV3_1.SchemaObject)}`);
    // Seed 003: "All API requests are automatically scoped to the tenant context based on … ?tenant_id=tenant-123"; creating one names none.
    if (operation.tags?.[0] === 'Control Core multi-tenant API' && name !== 'POST /api/v1/tenants') {
      expected[name] = ['tenant_id: string', ...(seedQuery[name] ?? [])];
    }
  }
  expect(declared).toEqual(expected);
});

test('the public routes declare no security, so a validating proxy lets anonymous signups through; every other operation needs a key', () => {
  const open = operationsOf().filter(([, operation]) => operation.security?.length === 0);
  expect(open.map(([name]) => name).sort()).toEqual(['GET /errors', 'GET /regions', 'POST /login', 'POST /signup']);
  expect(operationsOf().filter(([, operation]) => !operation.security?.length)).toEqual(open);
});

test('one bearer scheme serves the four APIs that take Authorization: Bearer; X-API-Key keeps its own', () => {
  const document = buildOpenApi(mountedDialects(readEnvironment({})));
  expect(document.components?.securitySchemes).toEqual({
    bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    'X-API-Key': expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
  });
  const schemesByApi = new Map<string, Set<string>>();
  for (const [, operation] of operationsOf()) {
    for (const requirement of operation.security ?? []) {
      for (const scheme of Object.keys(requirement)) schemesByApi.set(operation.tags![0]!, (schemesByApi.get(operation.tags![0]!) ?? new Set()).add(scheme));
    }
  }
  expect(Object.fromEntries([...schemesByApi].map(([api, schemes]) => [api, [...schemes]]))).toEqual({
    'Tenant Configuration API v1': ['bearerAuth'],
    'Control Core multi-tenant API': ['bearerAuth'],
    'Event History tenants': ['X-API-Key'],
    'Gateway tenant endpoints': ['bearerAuth'],
    'TenantsDB API': ['bearerAuth'],
  });
});

test('a format the prose names is a pattern or format of the schema, so clients and proxies can check it', () => {
  const document: any = buildOpenApi(mountedDialects(readEnvironment({})));
  const json = (path: string, method: string, status?: number) =>
    (status ? document.paths[path][method].responses[status] : document.paths[path][method].requestBody).content['application/json'].schema;
  const billing = json('/api/v1/tenants/{tenant_id}/billing', 'put');
  expect(billing.properties.payment_method).toMatchObject({ pattern: '^pm_[A-Za-z0-9]{3,64}$' });
  expect(json('/api/v1/tenants/{tenant_id}/billing', 'get', 200).properties.payment_method.anyOf).toContainEqual(
    expect.objectContaining({ pattern: '^pm_[A-Za-z0-9]{3,64}$' }),
  );
  expect(billing.properties.billing_address.properties.country).toMatchObject({ pattern: '^[A-Z]{2}$' });
  expect(json('/api/initialize-tenant', 'post', 201).properties.client_secret).toMatchObject({ pattern: expect.stringMatching(/^\^tgw_/) });
  expect(json('/api/initialize-tenant', 'post', 201).properties.client_id).toMatchObject({ format: 'uuid' });
  expect(json('/api/v1/tenants/{tenant_id}/api-keys', 'post', 201).properties.key).toMatchObject({ pattern: expect.stringMatching(/^\^cc_live_/) });
  expect(json('/signup', 'post', 201).properties.api_key).toMatchObject({ pattern: '^tenantsdb_sk_[0-9a-f]{64}$' });
  expect(json('/apikeys', 'post', 201).properties.api_key).toMatchObject({ pattern: '^tenantsdb_sk_[0-9a-f]{64}$' });
  expect(json('/tenant/secrets', 'post').properties.key).toMatchObject({ pattern: '^[A-Z][A-Z0-9_]{0,127}$' });
  expect(json('/tenants/{id}/recover', 'post').properties.timestamp).toMatchObject({ format: 'date-time' });
  expect(json('/usage/summary', 'get', 200).properties.period).toMatchObject({ pattern: '^(\\d{4})-(0[1-9]|1[0-2])$' });
});

test('every REST test answer is checked against the document: a body off its schema, an undocumented status or an accepted query it refuses fails', async () => {
  const check = contractChecker((await gateway.rest('GET', '/openapi.json')).body);
  expect(() => check('GET', '/api/v1/tenants/abc/config', 200, { tenant_id: 'not-a-uuid' })).toThrow(/does not match its documented schema/);
  expect(() => check('GET', '/api/v1/tenants/abc/config', 418, {})).toThrow(/does not document/);
  expect(() => check('GET', '/tenants/abc/backups', 200, { success: true })).toThrow(/does not match its documented schema/);
  const backups = { success: true, http_status: 200, code: 'ok', tenant_id: 'abc', count: 0, backups: [] };
  expect(() => check('GET', '/tenants/abc/backups', 200, backups)).not.toThrow();
  expect(() => check('GET', '/not/a/route', 404, { anything: true })).not.toThrow();
  // Like a validating proxy, the query of an accepted request: the gateway must not serve what the document refuses.
  const logs = { success: true, http_status: 200, code: 'ok', tenant_id: 'abc', logs: [], count: 0, has_more: false };
  expect(() => check('GET', '/tenants/abc/logs?limit=5&type=error&since=24h', 200, logs)).not.toThrow();
  expect(() => check('GET', '/tenants/abc/logs?limit=5000', 200, logs)).toThrow(/\?limit=5000, which its documented schema refuses/);
  expect(() => check('GET', '/usage/history?period=2024-13', 200, { history: [] })).toThrow(/\?period=2024-13/);
  expect(() => check('GET', '/usage/history?period=2024-13', 400, { success: false, error: 'bad_user_input', message: 'x' })).not.toThrow();
});
