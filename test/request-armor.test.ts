import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TenantConfigDocument, UpdateTenantConfigDocument, UpdateTenantDocument } from '../src/generated/graphql/graphql.js';
import { createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

let gateway: TestGateway;
let production: TestGateway;
beforeAll(async () => {
  [gateway, production] = await Promise.all([startGateway(), startGateway({ production: true })]);
});
afterAll(() => Promise.all([gateway.close(), production.close()]));

const operator = () => ({ authorization: `Bearer ${gateway.adminKey}` });
const hugeQuery = `{ ${'viewer { label } '.repeat(60_000)} }`;
const nestedFragments = `{ ${'... on Query { '.repeat(5_000)}__typename${' }'.repeat(5_000)} }`;

function post(target: TestGateway, query: string, authorization?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization) headers.authorization = authorization;
  return target.app.fetch(new Request('http://gateway.test/graphql', { method: 'POST', headers, body: JSON.stringify({ query }) }));
}

describe('credentials are checked before the document is parsed', () => {
  test('a refused credential with a 1 MB document is 401 UNAUTHENTICATED, before the document is parsed', async () => {
    const response = await post(gateway, hugeQuery, 'Bearer tgw_nope_nope');
    expect(response.status).toBe(401);
    expect((await response.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    // A 1 MB document that does not parse: answered 401, not 400, so parsing never began.
    const unparsable = await post(gateway, `${hugeQuery} {{{`, 'Bearer tgw_nope_nope');
    expect(unparsable.status).toBe(401);
    expect((await post(gateway, `${hugeQuery} {{{`, `Bearer ${gateway.adminKey}`)).status).toBe(400);
  });

  test('in production an anonymous document is 401 before parsing; GraphiQL is still served and public REST routes answer', async () => {
    const response = await post(production, '{ viewer { label } }');
    expect(response.status).toBe(401);
    expect((await response.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const page = await production.app.fetch(new Request('http://gateway.test/graphql', { headers: { accept: 'text/html' } }));
    expect(page.status).toBe(200);
    expect((await production.rest('GET', '/regions')).status).toBe(200);
    expect((await production.rest('GET', '/errors')).status).toBe(200);
  });

  test('outside production an anonymous caller may still explore', async () => {
    const response = await post(gateway, '{ __schema { queryType { name } } }');
    expect(response.status).toBe(200);
  });
});

describe('POST /graphql body limits, before anything reads the body', () => {
  test.each([
    ['outside production', () => gateway],
    ['in production', () => production],
  ])('%s an anonymous 1 MB document is 413 and names the limit without credentials', async (_name, target) => {
    const response = await post(target(), hugeQuery);
    expect(response.status).toBe(413);
    const error = (await response.json()).errors[0];
    expect(error.extensions).toEqual({ code: 'REQUEST_ENTITY_TOO_LARGE', limit: 65_536 });
    expect(error.message).toContain('limit without credentials');
  });

  test('with credentials the limit is GRAPHQL_MAX_BODY_BYTES', async () => {
    const oversized = await post(gateway, `${hugeQuery}${' '.repeat(60_000)}`, `Bearer ${gateway.adminKey}`);
    expect(oversized.status).toBe(413);
    expect((await oversized.json()).errors[0]).toEqual({
      message: 'The request body exceeds 1048576 bytes',
      extensions: { code: 'REQUEST_ENTITY_TOO_LARGE', limit: 1_048_576 },
    });
  });

  test('a declared Content-Length is checked without reading the body; a malformed one is 400', async () => {
    const send = (length: string, authorization?: string) =>
      gateway.app.fetch(
        new Request('http://gateway.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': length, ...(authorization ? { authorization } : {}) },
          body: JSON.stringify({ query: '{ viewer { label } }' }),
        }),
      );
    expect((await send('70000')).status).toBe(413);
    expect((await send('2000000', `Bearer ${gateway.adminKey}`)).status).toBe(413);
    const malformed = await send('12, 12', `Bearer ${gateway.adminKey}`);
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
    const fits = await send(String(JSON.stringify({ query: '{ viewer { label } }' }).length), `Bearer ${gateway.adminKey}`);
    expect(fits.status).toBe(200);
    expect((await fits.json()).data.viewer.label).toBeTruthy();
  });

  test('a body streamed without a length is read up to the limit and then refused', async () => {
    const streamed = (size: number) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          const text = JSON.stringify({ query: `{ __typename }${' '.repeat(size)}` });
          for (let at = 0; at < text.length; at += 16_384) controller.enqueue(new TextEncoder().encode(text.slice(at, at + 16_384)));
          controller.close();
        },
      });
    const send = (size: number) =>
      gateway.app.fetch(
        new Request('http://gateway.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: streamed(size),
          duplex: 'half',
        } as RequestInit),
      );
    expect((await send(100_000)).status).toBe(413);
    const small = await send(1_000);
    expect(small.status).toBe(200);
    expect((await small.json()).data).toEqual({ __typename: 'Query' });
  });
});

describe('document limits (GraphQL Armor)', () => {
  test.each([
    ['a 1 MB document of repeated fields', hugeQuery],
    ['5,000 nested inline fragments', nestedFragments],
    ['40 aliases', `{ ${Array.from({ length: 40 }, (_unused, index) => `a${index}: viewer { label }`).join(' ')} }`],
  ])('%s is 400 BAD_USER_INPUT, for an operator too', async (_name, query) => {
    const response = await post(gateway, query, `Bearer ${gateway.adminKey}`);
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  test('depth 12 is 400 BAD_USER_INPUT', async () => {
    const response = await post(
      gateway,
      `{ __type(name: "Query") { fields { type { ${'ofType { '.repeat(8)}name${' }'.repeat(8)} } } } }`,
      `Bearer ${gateway.adminKey}`,
    );
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  test('a page of 100 tenants with every tenant field, the configuration and the features passes', async () => {
    const query = `{ tenants(first: 100) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id slug name tier status state region settings
      config { version customSettings backup { enabled destinations { bucket path region destinationType } } security { allowedIps requireMfa } }
      features { totalEnabled totalAvailable features { name enabled available tierRequired description } } } } } }`;
    const response = await post(gateway, query, `Bearer ${gateway.adminKey}`);
    const body = await response.json();
    expect(body.errors).toBeUndefined();
    expect(response.status).toBe(200);
  });

  test('no field suggestions, anonymous or not', async () => {
    for (const authorization of [undefined, `Bearer ${gateway.adminKey}`]) {
      const body = await (await post(gateway, '{ tenantz { id } }', authorization)).json();
      expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(body)).not.toMatch(/Did you mean/);
    }
  });

  test('no suggestion of any kind: enum values (inline and in variables), arguments, input fields, types', async () => {
    const tenant = await createTenant(gateway);
    const update = 'mutation ($id: ID!, $input: UpdateTenantInput!) { updateTenant(id: $id, input: $input) { id } }';
    const cases: [string, { query: string; variables?: Record<string, unknown> }, string][] = [
      [
        'an enum value inline',
        { query: `mutation { updateTenant(id: "${tenant.id}", input: { tier: PRR }) { id } }` },
        'Value "PRR" does not exist in "PlanTier" enum.',
      ],
      [
        'an enum value in a variable',
        { query: update, variables: { id: tenant.id, input: { tier: 'PRR' } } },
        'Variable "$input" got invalid value "PRR" at "input.tier"; Value "PRR" does not exist in "PlanTier" enum.',
      ],
      [
        'an input field in a variable',
        { query: update, variables: { id: tenant.id, input: { nam: 'x' } } },
        'Variable "$input" got invalid value { nam: "x" }; Field "nam" is not defined by type "UpdateTenantInput".',
      ],
      ['an argument', { query: `{ tenant(idd: "${tenant.id}") { id } }` }, 'Unknown argument "idd" on field "Query.tenant".'],
      ['a type', { query: 'query ($input: UpdateTenantInputt!) { viewer { id } }' }, 'Unknown type "UpdateTenantInputt".'],
    ];
    for (const [name, body, message] of cases) {
      const response = await gateway.app.fetch(
        new Request('http://gateway.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...operator() },
          body: JSON.stringify(body),
        }),
      );
      const result = await response.json();
      expect(result.errors?.[0]?.extensions?.code, name).toBe('BAD_USER_INPUT');
      expect(result.errors[0].message, name).toBe(message);
      expect(JSON.stringify(result), name).not.toMatch(/Did you mean|Suggestion hidden/);
    }
  });
});

describe('text PostgreSQL cannot store, and prototype keys, are 400 at the boundary', () => {
  test.each([
    ['GET /tenants/%00 (TenantsDB)', '/tenants/%00', 'GET', undefined],
    ['GET /api/v1/tenants/a%00/config', '/api/v1/tenants/a%00/config', 'GET', undefined],
    ['a NUL in a query value', '/usage/history?period=2024-01%00', 'GET', undefined],
    ['a NUL in custom_settings', '/api/v1/tenants/{id}/config', 'PUT', { custom_settings: { k: '\u0000' } }],
    ['a lone surrogate in custom_settings', '/api/v1/tenants/{id}/config', 'PUT', { custom_settings: { k: '\ud800' } }],
    ['a NUL in a name (TenantsDB)', '/tenants', 'POST', { name: 'a\u0000b', blueprint: 'x' }],
    ['a __proto__ key', '/api/v1/tenants/{id}/config', 'PUT', JSON.parse('{"custom_settings": {"__proto__": {"x": 1}}}')],
    ['a constructor key', '/api/v1/tenants/{id}/config', 'PUT', { performance: { constructor: 1 } }],
  ])('REST: %s', async (_name, path, method, body) => {
    const tenant = await createTenant(gateway);
    const response = await gateway.rest(method, path.replace('{id}', tenant.id), {
      headers: { ...operator(), 'x-tenant-id': tenant.id },
      ...(body === undefined ? {} : { rawBody: JSON.stringify(body), headers: { ...operator(), 'content-type': 'application/json' } }),
    });
    expect(response.status).toBe(400);
    if (body !== undefined) expect((await gateway.data(TenantConfigDocument, { tenant: tenant.id })).tenantConfig.version).toBe(1);
  });

  test('GraphQL: tenant(id: "\\u0000") as a literal and as a variable', async () => {
    const literal = await gateway.graphql('{ tenant(id: "\\u0000") { id } }');
    expect(literal.status).toBe(400);
    expect(literal.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const variable = await gateway.graphql('query ($id: ID!) { tenant(id: $id) { id } }', { id: '\u0000' });
    expect(variable.status).toBe(400);
    expect(variable.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  test('GraphQL: customSettings with a NUL, settings with a nested __proto__, a __proto__ literal', async () => {
    const tenant = await createTenant(gateway);
    const nul = await gateway.graphql(UpdateTenantConfigDocument, { tenant: tenant.id, input: { customSettings: { k: '\u0000' } } });
    expect(nul.status).toBe(400);
    expect(nul.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.customSettings.k' });
    const proto = await gateway.graphql(UpdateTenantDocument, { id: tenant.id, input: { settings: JSON.parse('{"a": {"__proto__": null}}') } });
    expect(proto.status).toBe(400);
    expect(proto.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.settings.a.__proto__' });
    const literal = await gateway.graphql(`mutation { updateTenant(id: "${tenant.id}", input: { settings: { __proto__: { x: 1 } } }) { id } }`);
    expect(literal.status).toBe(400);
    expect((await gateway.data(TenantConfigDocument, { tenant: tenant.id })).tenantConfig.version).toBe(1);
  });
});

describe('an update that changes nothing is not a new version', () => {
  test('PUT {"custom_settings": {}} and a repeat of the current values keep the version', async () => {
    const tenant = await createTenant(gateway);
    const empty = await gateway.rest('PUT', `/api/v1/tenants/${tenant.id}/config`, { headers: operator(), body: { custom_settings: {} } });
    expect(empty.status).toBe(200);
    await gateway.data(UpdateTenantConfigDocument, { tenant: tenant.id, input: { performance: { cacheSizeMb: 512 } } });
    const version = (await gateway.data(TenantConfigDocument, { tenant: tenant.id })).tenantConfig.version;
    await gateway.data(UpdateTenantConfigDocument, { tenant: tenant.id, input: { performance: { cacheSizeMb: 512 } } });
    expect((await gateway.data(TenantConfigDocument, { tenant: tenant.id })).tenantConfig.version).toBe(version);
  });
});
