import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TenantDocument } from '../src/generated/graphql/graphql.js';
import { codes, createKey } from './support/fixtures.js';
import { startGateway, type TestGateway, uniqueSlug } from './support/gateway.js';

// Event History tenants (seed 004): POST /api/initialize-tenant, DELETE /api/delete-tenant.

let gateway: TestGateway;
let key: Record<string, string>;
beforeAll(async () => {
  gateway = await startGateway();
  key = { 'x-api-key': gateway.adminKey };
});
afterAll(() => gateway.close());

const initialize = (body: unknown, headers: Record<string, string> = key) => gateway.rest('POST', '/api/initialize-tenant', { headers, body });
const remove = (headers: Record<string, string>) => gateway.rest('DELETE', '/api/delete-tenant', { headers });
const tenantCount = () => gateway.database.prisma.tenant.count();

describe('POST /api/initialize-tenant', () => {
  test('201 with client_id (UUID v4), a client_secret that works once shown, and the database name', async () => {
    const databaseName = uniqueSlug('history');
    const response = await initialize({ database_name: databaseName, client_label: 'Acme history' });
    expect(response.status).toBe(201);
    expect(Object.keys(response.body)).toEqual(['client_id', 'client_secret', 'database_name']);
    expect(response.body.client_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(response.body.database_name).toBe(databaseName);
    const asClient = await gateway.data(TenantDocument, { id: response.body.client_id }, response.body.client_secret);
    expect(asClient.tenant).toMatchObject({ slug: databaseName, name: 'Acme history' });
    const writeAsClient = await gateway.graphql(`mutation { suspendTenant(id: "${response.body.client_id}") { id } }`, {}, response.body.client_secret);
    expect(codes(writeAsClient)).toEqual(['FORBIDDEN']);
  });

  const errorRows: [string, unknown, Record<string, string> | null, number, unknown][] = [
    ['Wrong API key', { database_name: 'x_db', client_label: 'X' }, { 'x-api-key': 'wrong' }, 401, { detail: 'Unauthorized API Key.' }],
    ['Missing authorization header', { database_name: 'x_db', client_label: 'X' }, {}, 401, { detail: 'Unauthorized API Key.' }],
    [
      'Missing database_name parameter',
      { client_label: 'X' },
      null,
      422,
      { detail: [{ loc: ['body', 'database_name'], msg: 'field required', type: 'value_error.missing' }] },
    ],
    [
      'database_name is too long',
      { database_name: 'd'.repeat(65), client_label: 'X' },
      null,
      422,
      {
        detail: [
          {
            loc: ['body', 'database_name'],
            msg: 'ensure this value has at most 64 characters',
            type: 'value_error.any_str.max_length',
            ctx: { limit_value: 64 },
          },
        ],
      },
    ],
    [
      'Missing client_label parameter',
      { database_name: 'x_db' },
      null,
      422,
      { detail: [{ loc: ['body', 'client_label'], msg: 'field required', type: 'value_error.missing' }] },
    ],
  ];

  test.each(errorRows)('%s', async (_name, body, headers, status, expected) => {
    const before = await tenantCount();
    const response = await initialize(body, headers ?? key);
    expect(response.status).toBe(status);
    expect(response.body).toEqual(expected);
    expect(await tenantCount()).toBe(before);
  });

  test('Client tenant entry already exists: 400 "Client already exist."', async () => {
    const body = { database_name: uniqueSlug('history'), client_label: 'Twice' };
    expect((await initialize(body)).status).toBe(201);
    const before = await tenantCount();
    const again = await initialize(body);
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ detail: 'Client already exist.' });
    expect(await tenantCount()).toBe(before);
  });

  test('both fields missing are listed together, in order', async () => {
    const response = await initialize({});
    expect(response.status).toBe(422);
    expect(response.body.detail.map((error: { loc: string[] }) => error.loc[1])).toEqual(['database_name', 'client_label']);
  });

  test('any database name up to 64 characters is kept as given; the same name twice is "Client already exist."', async () => {
    const name = `History DB_${uniqueSlug('x')}-X`;
    const response = await initialize({ database_name: name, client_label: 'X' });
    expect(response.status).toBe(201);
    expect(response.body.database_name).toBe(name);
    const tenant = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { id: response.body.client_id } });
    expect(tenant.settings).toEqual({ eventHistory: { databaseName: name } });
    expect(tenant.slug).toMatch(/^[a-z0-9][a-z0-9_-]*$/);
    const before = await tenantCount();
    const again = await initialize({ database_name: name, client_label: 'Y' });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ detail: 'Client already exist.' });
    expect(await tenantCount()).toBe(before);
  });

  test("a database_name that is another tenant's id is kept as given, but the new tenant's slug never takes the shape of a UUID", async () => {
    const { body: existing } = await initialize({ database_name: uniqueSlug('history'), client_label: 'Existing' });
    const response = await initialize({ database_name: existing.client_id, client_label: 'Lookalike' });
    expect(response.status).toBe(201);
    expect(response.body.database_name).toBe(existing.client_id);
    const lookalike = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { id: response.body.client_id } });
    expect(lookalike.slug).not.toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // The existing tenant's id still names the existing tenant only.
    const byId = await gateway.database.prisma.tenant.findMany({ where: { OR: [{ id: existing.client_id }, { slug: existing.client_id }] } });
    expect(byId.map((tenant) => tenant.name)).toEqual(['Existing']);
  });

  test('a key without keys:write creates neither the tenant nor a credential', async () => {
    const writer = await createKey(gateway, { scopes: ['TENANTS_WRITE'] });
    const before = await tenantCount();
    const response = await initialize({ database_name: uniqueSlug('history'), client_label: 'X' }, { 'x-api-key': writer.secret });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ detail: 'This API key lacks the "keys:write" scope' });
    expect(await tenantCount()).toBe(before);
  });

  test('malformed JSON 400, wrong content type 415, oversized 413', async () => {
    const malformed = await gateway.rest('POST', '/api/initialize-tenant', {
      headers: { ...key, 'content-type': 'application/json' },
      rawBody: '{"database_name": ',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ detail: 'There was an error parsing the body' });
    const form = await gateway.rest('POST', '/api/initialize-tenant', {
      headers: { ...key, 'content-type': 'application/x-www-form-urlencoded' },
      rawBody: 'database_name=x',
    });
    expect(form.status).toBe(415);
    const huge = await initialize({ database_name: 'x', client_label: 'y'.repeat(2_000_000) });
    expect(huge.status).toBe(413);
  });
});

describe('DELETE /api/delete-tenant', () => {
  test('204, and the tenant is gone', async () => {
    const { body } = await initialize({ database_name: uniqueSlug('history'), client_label: 'Gone soon' });
    const response = await remove({ ...key, 'x-client-id': body.client_id });
    expect(response.status).toBe(204);
    expect(response.body).toBeUndefined();
    expect(codes(await gateway.graphql(TenantDocument, { id: body.client_id }))).toEqual(['NOT_FOUND']);
  });

  test.each([
    ['Client ID header is missing', {}, 400, { detail: 'Unauthorized Client.' }],
    ['Client ID is not a UUID v4', { 'x-client-id': 'acme' }, 400, { detail: 'Unauthorized Client.' }],
    [
      'Client from header does not match any tenant',
      { 'x-client-id': '0b7a1c52-8d0e-4f5a-9c3b-2e1d4f6a8b9c' },
      400,
      { detail: 'Failed to connect to tenant db.' },
    ],
    ['Wrong API key', { 'x-api-key': 'wrong', 'x-client-id': '0b7a1c52-8d0e-4f5a-9c3b-2e1d4f6a8b9c' }, 401, { detail: 'Unauthorized API Key.' }],
    ['Missing authorization header', { 'x-api-key': '', 'x-client-id': '0b7a1c52-8d0e-4f5a-9c3b-2e1d4f6a8b9c' }, 401, { detail: 'Unauthorized API Key.' }],
  ])('%s', async (_name, headers, status, expected) => {
    const response = await remove({ ...key, ...headers });
    expect(response.status).toBe(status);
    expect(response.body).toEqual(expected);
  });

  test('a tenant the key cannot reach is "Failed to connect to tenant db." and stays', async () => {
    const { body } = await initialize({ database_name: uniqueSlug('history'), client_label: 'Mine' });
    const stranger = await createKey(gateway, {
      scopes: ['TENANTS_WRITE'],
      tenant: (await initialize({ database_name: uniqueSlug('history'), client_label: 'Other' })).body.client_id,
    });
    const response = await remove({ 'x-api-key': stranger.secret, 'x-client-id': body.client_id });
    expect(response).toMatchObject({ status: 400, body: { detail: 'Failed to connect to tenant db.' } });
    expect((await gateway.data(TenantDocument, { id: body.client_id })).tenant.id).toBe(body.client_id);
  });

  test.each(['GET', 'POST', 'PUT', 'PATCH'])('%s is 405 Method Not Allowed', async (method) => {
    const response = await gateway.rest(method, '/api/delete-tenant', { headers: key });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('DELETE');
    expect(response.body).toEqual({ detail: 'Method Not Allowed' });
  });
});
