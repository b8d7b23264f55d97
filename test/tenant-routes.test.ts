import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createKey, createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

// Issue 29: tenants' configured routes served at /gw/<path>, sent to their upstreams.

type Seen = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };

/** A loopback upstream that tells what it received; /slow never answers, /stream answers in two parts. */
async function startUpstream() {
  const seen: Seen[] = [];
  const state = { abandoned: 0 };
  let releaseStream: () => void = () => {};
  const server = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of request) chunks.push(chunk as Buffer);
    } catch {
      return; // the gateway gave up sending (a body over its cap)
    }
    seen.push({ method: request.method!, url: request.url!, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
    if (request.url!.startsWith('/slow')) return;
    if (request.url!.startsWith('/stream')) {
      if (request.url!.includes('abandoned')) response.on('close', () => state.abandoned++);
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: first\n\n');
      await new Promise<void>((resolve) => (releaseStream = resolve));
      response.end('data: last\n\n');
      return;
    }
    if (request.url!.startsWith('/reset')) {
      response.writeHead(205);
      response.end();
      return;
    }
    if (request.url!.startsWith('/secure')) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
      return;
    }
    if (request.url!.startsWith('/huge')) {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(200 * 1024 * 1024) });
      response.end();
      return;
    }
    response.writeHead(request.url!.startsWith('/fail') ? 503 : 200, {
      'content-type': 'application/json',
      connection: 'keep-alive, x-upstream-hop',
      'x-upstream-hop': 'not for the caller',
      'x-upstream': 'yes',
      'set-cookie': ['a=1; Path=/', 'b=2; Path=/'],
    });
    response.end(JSON.stringify({ path: request.url, method: request.method }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    seen,
    get abandoned() {
      return state.abandoned;
    },
    release: () => releaseStream(),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

let gateway: TestGateway;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
let closedPort: number;

beforeAll(async () => {
  upstream = await startUpstream();
  const spare = http.createServer().listen(0, '127.0.0.1');
  await once(spare, 'listening');
  closedPort = (spare.address() as AddressInfo).port;
  await new Promise((resolve) => spare.close(resolve));
  gateway = await startGateway({ env: { TENANT_ROUTES_ALLOW_PRIVATE: 'on', TENANT_ROUTES_MAX_REQUEST_BYTES: 4096 } });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const secrets = {
  BEARER_TOKEN: 'sk_bearer_0123',
  BASIC_PASSWORD: 'pw_basic_4567',
  API_KEY: 'ak_key_89ab',
  HEADER_VALUE: 'hv_value_cdef',
  QUERY_TOKEN: 'qt_token_f00d',
};

/** A tenant with a key that may call its routes, its secrets stored and `routes` saved with every kind of credential. */
async function tenantWithRoutes(routes: unknown[], origin = upstream.origin) {
  const tenant = await createTenant(gateway, { tier: 'PRO' });
  const key = await createKey(gateway, { scopes: ['CONFIG_WRITE', 'SECRETS_WRITE', 'ROUTES_CALL'], tenant: tenant.id });
  const headers = { authorization: `Bearer ${key.secret}` };
  for (const [name, value] of Object.entries(secrets)) {
    expect((await gateway.rest('POST', '/tenant/secrets', { headers, body: { key: name, value } })).status).toBe(200);
  }
  const saved = await gateway.rest('POST', '/tenant/config', {
    headers,
    body: {
      credentials: {
        bearer: { type: 'bearer', secret: 'BEARER_TOKEN' },
        basic: { type: 'basic', secret: 'BASIC_PASSWORD', username: 'svc' },
        apikey: { type: 'api_key', secret: 'API_KEY' },
        custom: { type: 'header', secret: 'HEADER_VALUE', header: 'X-Vendor-Token' },
        query: { type: 'query', secret: 'QUERY_TOKEN', parameter: 'token' },
      },
      routes: (routes as { upstream?: { url: string } }[]).map((route) =>
        route.upstream ? { ...route, upstream: { ...route.upstream, url: route.upstream.url.replace('UPSTREAM', origin) } } : route,
      ),
    },
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  /** `address`: the client's, as the server saw it (null: none, so the per-address limit does not count the call). */
  const call = (method: string, path: string, init: { headers?: Record<string, string>; body?: string; key?: string | null; address?: string | null } = {}) =>
    gateway.app.fetch(
      new Request(`http://gateway.test/gw${path}`, {
        method,
        headers: { ...(init.key === null ? {} : { authorization: `Bearer ${init.key ?? key.secret}` }), ...init.headers },
        body: init.body,
      }),
      init.address === null ? {} : { clientAddress: init.address ?? '203.0.113.9' },
    );
  return { tenant, key: key.secret, call };
}

const lastSeen = () => upstream.seen.at(-1)!;

describe('a call through a route', () => {
  test('reaches the upstream with the path parameters and the query, and answers what the upstream answered', async () => {
    const { call, tenant } = await tenantWithRoutes([{ path: '/items/{id}', method: 'get', upstream: { url: 'UPSTREAM/v1/items/{id}?fixed=1' } }]);
    const response = await call('GET', '/items/a%3Fb%20c?page=2', { headers: { 'x-tenant-id': tenant.slug, 'x-caller': 'kept' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ path: '/v1/items/a%3Fb%20c?fixed=1&page=2', method: 'GET' });
    const seen = lastSeen();
    expect(seen.url).toBe('/v1/items/a%3Fb%20c?fixed=1&page=2');
    // The gateway's own headers stay with the gateway; the caller's others go on; forwarding headers are the gateway's.
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers['x-tenant-id']).toBeUndefined();
    expect(seen.headers['x-caller']).toBe('kept');
    expect(seen.headers['x-forwarded-for']).toBe('203.0.113.9');
    expect(seen.headers['x-forwarded-host']).toBe('gateway.test');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers.forwarded).toBe('for=203.0.113.9;host="gateway.test";proto=http');
    // Hop-by-hop headers of the upstream's answer (and those its Connection names) stop at the gateway; cookies pass, each one.
    expect(response.headers.get('x-upstream')).toBe('yes');
    expect(response.headers.get('x-upstream-hop')).toBeNull();
    expect(response.headers.get('connection')).toBeNull();
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
  });

  test('a parameter cannot add a path segment or a query to the upstream URL', async () => {
    const { call } = await tenantWithRoutes([{ path: '/files/{name}', method: 'GET', upstream: { url: 'UPSTREAM/store/{name}' } }]);
    expect((await call('GET', '/files/report%3Fv=1%20final')).status).toBe(200);
    expect(lastSeen().url).toBe('/store/report%3Fv%3D1%20final');
    // Decoded, these are path steps to an upstream that decodes before routing: no route takes them.
    for (const step of ['..%2F..%2Fadmin', '%2E%2E', '.%2E', 'a%5Cb', 'a%00b']) expect((await call('GET', `/files/${step}`)).status, step).toBe(404);
    // A second segment is another path: no route.
    expect((await call('GET', '/files/a/b')).status).toBe(404);
  });

  test('bodies go upstream; HEAD is served by a GET route', async () => {
    const { call } = await tenantWithRoutes([
      { path: '/orders', method: 'POST', upstream: { url: 'UPSTREAM/orders' } },
      { path: '/orders', method: 'GET', upstream: { url: 'UPSTREAM/orders' } },
    ]);
    const response = await call('POST', '/orders', { headers: { 'content-type': 'application/json' }, body: '{"qty":3}' });
    expect(response.status).toBe(200);
    expect(lastSeen()).toMatchObject({ method: 'POST', body: '{"qty":3}' });
    expect(lastSeen().headers['content-type']).toBe('application/json');
    const head = await call('HEAD', '/orders');
    expect(head.status).toBe(200);
    expect(lastSeen().method).toBe('HEAD');
    expect(await head.text()).toBe('');
  });

  test("the upstream's own errors pass through as they are", async () => {
    const { call } = await tenantWithRoutes([{ path: '/fail', method: 'GET', upstream: { url: 'UPSTREAM/fail' } }]);
    const response = await call('GET', '/fail');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ path: '/fail', method: 'GET' });
  });

  test('streams the answer: the first event arrives before the upstream has finished', async () => {
    const { call } = await tenantWithRoutes([{ path: '/events', method: 'GET', upstream: { url: 'UPSTREAM/stream' } }]);
    const response = await call('GET', '/events');
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: first\n\n');
    upstream.release();
    let rest = '';
    for (let part = await reader.read(); !part.done; part = await reader.read()) rest += new TextDecoder().decode(part.value);
    expect(rest).toBe('data: last\n\n');
  });
  test('a caller that goes away mid-stream ends the upstream call, with nothing left behind', async () => {
    const { call } = await tenantWithRoutes([{ path: '/events', method: 'GET', upstream: { url: 'UPSTREAM/stream?abandoned=1' } }]);
    const streaming = await call('GET', '/events');
    const reader = streaming.body!.getReader();
    await reader.read();
    await reader.cancel();
    // The upstream's response is closed under it: its socket goes away before it writes the rest.
    await expect.poll(() => upstream.abandoned, { timeout: 5_000 }).toBe(1);
    upstream.release();
  });
});

describe('the tenant, read once', () => {
  test('a second call sends no SQL statement; a change made behind the API is seen once the change feed delivers it', async () => {
    const { call, tenant } = await tenantWithRoutes([{ path: '/items', method: 'GET', upstream: { url: 'UPSTREAM/items' } }]);
    // The setup's own changes reach the feed asynchronously on PostgreSQL: each would drop the tenant's read again.
    await gateway.app.changes.barrier();
    // The operator's key is known without the database (a stored key is looked up once a second).
    const asOperator = { key: gateway.adminKey, headers: { 'x-tenant-id': tenant.id } };
    expect((await call('GET', '/items', asOperator)).status).toBe(200);
    const statements = await gateway.countQueries(async () => expect((await call('GET', '/items', asOperator)).status).toBe(200));
    expect(statements).toEqual([]);
    // The same tenant however its UUID is spelled: one read, not one per spelling.
    const shouted = { key: gateway.adminKey, headers: { 'x-tenant-id': tenant.id.toUpperCase() } };
    expect(await gateway.countQueries(async () => expect((await call('GET', '/items', shouted)).status).toBe(200))).toEqual([]);
    // By hand (or by another replica): the database announces it.
    await gateway.database.prisma.tenant.update({ where: { id: tenant.id }, data: { status: 'SUSPENDED' } });
    await gateway.app.changes.barrier();
    const refused = await call('GET', '/items', asOperator);
    expect(refused.status).toBe(403);
    expect((await refused.json()).message).toContain('SUSPENDED');
  });

  test('a configuration saved through the API is served by the next call: a route removed, another added', async () => {
    const { call, key } = await tenantWithRoutes([{ path: '/items', method: 'GET', upstream: { url: 'UPSTREAM/items' } }]);
    expect((await call('GET', '/items')).status).toBe(200);
    const headers = { authorization: `Bearer ${key}` };
    const saved = await gateway.rest('POST', '/tenant/config', {
      headers,
      body: { routes: [{ path: '/things', method: 'GET', upstream: { url: `${upstream.origin}/things` } }] },
    });
    expect(saved.status).toBe(200);
    expect((await call('GET', '/items')).status).toBe(404);
    expect((await call('GET', '/things')).status).toBe(200);
  });
});

describe('the tenant named by Host', () => {
  test("a tenant's default domain or verified custom domain as Host names the tenant, under the caller's reach", async () => {
    const { call, tenant, key } = await tenantWithRoutes([{ path: '/items', method: 'GET', upstream: { url: 'UPSTREAM/items' } }]);
    const other = await createTenant(gateway, {});
    const domainOf = (slug: string) => `${slug.toLowerCase().replace(/_/g, '-')}.controlcore.io`;
    // The operator names no tenant but the Host: the tenant's default domain.
    const before = upstream.seen.length;
    const byDomain = await call('GET', '/items', { key: gateway.adminKey, headers: { host: `${domainOf(tenant.slug)}:443` } });
    expect(byDomain.status).toBe(200);
    expect(upstream.seen.length).toBe(before + 1);
    // A verified custom domain names it too.
    const customDomain = `api.${tenant.slug.replace(/_/g, '-')}.example`;
    await gateway.database.prisma.customDomain.create({
      data: {
        tenantId: tenant.id,
        domain: customDomain,
        certificatePem: 'not used here',
        sealedPrivateKey: Buffer.from('not used here'),
        certificateNotAfter: new Date(Date.now() + 86_400_000),
        verificationToken: 'token',
        verifiedDomain: customDomain,
        verifiedAt: new Date(),
      },
    });
    await gateway.app.changes.barrier();
    expect((await call('GET', '/items', { key: gateway.adminKey, headers: { host: customDomain } })).status).toBe(200);
    // X-Tenant-ID and the Host naming different tenants is refused, naming both.
    const conflict = await call('GET', '/items', { key: gateway.adminKey, headers: { host: domainOf(other.slug), 'x-tenant-id': tenant.id } });
    expect(conflict.status).toBe(400);
    expect(await conflict.json()).toMatchObject({
      field: 'host',
      message: `The X-Tenant-ID header names tenant ${tenant.id} but the Host header names ${domainOf(other.slug)}`,
    });
    // A name under the base domain that names no tenant the caller reaches is 404, for the operator and for a tenant's own key.
    expect((await call('GET', '/items', { key: gateway.adminKey, headers: { host: 'nobody-here.controlcore.io' } })).status).toBe(404);
    expect((await call('GET', '/items', { key, headers: { host: domainOf(other.slug) } })).status).toBe(404);
    // An address or a name that is no tenant's leaves the key's own tenant.
    expect((await call('GET', '/items', { key, headers: { host: '127.0.0.1:4000' } })).status).toBe(200);
    expect((await call('GET', '/items', { key, headers: { host: 'gateway.example.net' } })).status).toBe(200);
  });
});

describe('credentials', () => {
  test.each([
    ['bearer', (seen: Seen) => seen.headers.authorization, `Bearer ${secrets.BEARER_TOKEN}`],
    ['basic', (seen: Seen) => seen.headers.authorization, `Basic ${Buffer.from(`svc:${secrets.BASIC_PASSWORD}`).toString('base64')}`],
    ['apikey', (seen: Seen) => seen.headers['x-api-key'], secrets.API_KEY],
    ['custom', (seen: Seen) => seen.headers['x-vendor-token'], secrets.HEADER_VALUE],
    ['query', (seen: Seen) => new URL(seen.url, 'http://x').searchParams.get('token'), secrets.QUERY_TOKEN],
  ])('%s: the upstream gets the secret; the caller never sees it', async (credential, read, expected) => {
    const { call } = await tenantWithRoutes([{ path: '/secure', method: 'GET', credential, upstream: { url: 'UPSTREAM/secure' } }]);
    const response = await call('GET', '/secure');
    expect(response.status).toBe(200);
    expect(read(lastSeen())).toBe(expected);
    const answered = JSON.stringify([...response.headers]) + (await response.text());
    for (const value of Object.values(secrets)) expect(answered).not.toContain(value);
  });

  test("a caller's own Authorization never reaches the upstream, and a credential replaces it", async () => {
    const { call } = await tenantWithRoutes([{ path: '/secure', method: 'GET', credential: 'custom', upstream: { url: 'UPSTREAM/secure' } }]);
    await call('GET', '/secure');
    expect(lastSeen().headers.authorization).toBeUndefined();
    expect(lastSeen().headers['x-vendor-token']).toBe(secrets.HEADER_VALUE);
  });
});

describe('refusals and failures', () => {
  test('no route is 404, another method 405 with Allow, a route without upstream 501; nothing reaches the upstream', async () => {
    const { call } = await tenantWithRoutes([
      { path: '/custom', method: 'get', description: 'Custom endpoint' },
      { path: '/items', method: 'GET', upstream: { url: 'UPSTREAM/items' } },
    ]);
    const before = upstream.seen.length;
    const missing = await call('GET', '/nothing');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found', message: 'No route of this tenant for GET /nothing' });
    const method = await call('DELETE', '/items');
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toBe('GET');
    const unset = await call('GET', '/custom');
    expect(unset.status).toBe(501);
    expect(await unset.json()).toMatchObject({ field: 'routes.0.upstream', rule: 'required' });
    expect(upstream.seen.length).toBe(before);
  });

  test('an upstream that refuses connections is 502; one that does not answer in time is 504', async () => {
    const { call } = await tenantWithRoutes(
      [
        { path: '/down', method: 'GET', upstream: { url: `http://127.0.0.1:${closedPort}/x` } },
        { path: '/slow', method: 'GET', upstream: { url: 'UPSTREAM/slow', timeoutMs: 300 } },
      ],
      upstream.origin,
    );
    const down = await call('GET', '/down');
    expect(down.status).toBe(502);
    expect(await down.json()).toMatchObject({ error: 'upstream_unreachable' });
    const slow = await call('GET', '/slow');
    expect(slow.status).toBe(504);
    expect(await slow.json()).toMatchObject({ error: 'upstream_timeout', message: 'The upstream did not answer within 300 ms' });
  });

  test('bodies over the caps: a request is 413 before the upstream sees it, a declared response over the cap 502', async () => {
    const { call } = await tenantWithRoutes([
      { path: '/upload', method: 'POST', upstream: { url: 'UPSTREAM/upload' } },
      { path: '/huge', method: 'GET', upstream: { url: 'UPSTREAM/huge' } },
    ]);
    const before = upstream.seen.length;
    const upload = await call('POST', '/upload', { body: 'x'.repeat(5000) });
    expect(upload.status).toBe(413);
    expect(upstream.seen.length).toBe(before);
    const huge = await call('GET', '/huge');
    expect(huge.status).toBe(502);
    expect(await huge.json()).toMatchObject({ error: 'response_too_large' });
  });

  test('keys: none is 401, one without routes:call 403, another tenant reaching for this one 404', async () => {
    const { call, tenant } = await tenantWithRoutes([{ path: '/items', method: 'GET', upstream: { url: 'UPSTREAM/items' } }]);
    expect((await call('GET', '/items', { key: null })).status).toBe(401);
    const reader = await createKey(gateway, { scopes: ['CONFIG_READ'], tenant: tenant.id });
    const forbidden = await call('GET', '/items', { key: reader.secret });
    expect(forbidden.status).toBe(403);
    expect((await forbidden.json()).message).toContain('routes:call');
    const other = await createTenant(gateway, {});
    const stranger = await createKey(gateway, { scopes: ['ROUTES_CALL'], tenant: other.id });
    expect((await call('GET', '/items', { key: stranger.secret, headers: { 'x-tenant-id': tenant.slug } })).status).toBe(404);
    // The operator names the tenant.
    expect((await call('GET', '/items', { key: gateway.adminKey, headers: { 'x-tenant-id': tenant.slug } })).status).toBe(200);
  });

  test("a suspended tenant's routes do not answer", async () => {
    const { call, tenant } = await tenantWithRoutes([{ path: '/items', method: 'GET', upstream: { url: 'UPSTREAM/items' } }]);
    await gateway.graphql(`mutation { suspendTenant(id: "${tenant.id}") { id } }`);
    const refused = await call('GET', '/items', { key: gateway.adminKey, headers: { 'x-tenant-id': tenant.slug } });
    expect(refused.status).toBe(403);
    expect((await refused.json()).message).toContain('SUSPENDED');
  });

  test('upstreams on private addresses are refused unless allowed, IPv4-compatible IPv6 included', async () => {
    const strict = await startGateway();
    try {
      const tenant = await createTenant(strict, {});
      const key = await createKey(strict, { scopes: ['CONFIG_WRITE', 'ROUTES_CALL'], tenant: tenant.id });
      const headers = { authorization: `Bearer ${key.secret}` };
      const saved = await strict.rest('POST', '/tenant/config', {
        headers,
        body: {
          routes: [
            { path: '/local', method: 'GET', upstream: { url: `${upstream.origin}/x` } },
            { path: '/compat', method: 'GET', upstream: { url: 'http://[::7f00:1]:80/x' } },
            { path: '/metadata', method: 'GET', upstream: { url: 'http://169.254.169.254/latest/meta-data' } },
          ],
        },
      });
      expect(saved.status).toBe(200);
      const before = upstream.seen.length;
      for (const path of ['/local', '/compat', '/metadata']) {
        const response = await strict.app.fetch(new Request(`http://gateway.test/gw${path}`, { headers }));
        expect(response.status, path).toBe(502);
        expect(await response.json()).toMatchObject({ error: 'upstream_address_refused' });
      }
      expect(upstream.seen.length).toBe(before);
    } finally {
      await strict.close();
    }
  });
});

describe('the configuration', () => {
  test("an upstream URL may only name the path's parameters, and must be http(s) without credentials", async () => {
    const tenant = await createTenant(gateway, {});
    const key = await createKey(gateway, { scopes: ['CONFIG_WRITE'], tenant: tenant.id });
    const save = (route: unknown) => gateway.rest('POST', '/tenant/config', { headers: { authorization: `Bearer ${key.secret}` }, body: { routes: [route] } });
    const unknown = await save({ path: '/a/{id}', method: 'GET', upstream: { url: 'https://api.example.com/{other}' } });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('upstream.url names {other}');
    for (const url of ['ftp://example.com/x', 'https://user:pw@example.com/x', 'https://{id}.example.com/x', 'not a url']) {
      expect((await save({ path: '/a/{id}', method: 'GET', upstream: { url } })).status, url).toBe(400);
    }
    expect((await save({ path: '/a/{id}', method: 'GET', upstream: { url: 'https://api.example.com/v1/{id}', timeoutMs: 0 } })).status).toBe(400);
    expect((await save({ path: '/a/{id}', method: 'GET', upstream: { url: 'https://api.example.com/v1/{id}' } })).status).toBe(200);
    // GET /tenant/config answers the upstream as saved, its default timeout filled.
    const read = await gateway.rest('GET', '/tenant/config', { headers: { authorization: `Bearer ${gateway.adminKey}`, 'x-tenant-id': tenant.slug } });
    expect(read.body.routes).toEqual([{ path: '/a/{id}', method: 'GET', upstream: { url: 'https://api.example.com/v1/{id}', timeoutMs: 30000 } }]);
  });
});

test('every call is metered on the tenant as its route', async () => {
  const { call, tenant } = await tenantWithRoutes([
    { path: '/items/{id}', method: 'GET', upstream: { url: 'UPSTREAM/items/{id}' } },
    { path: '/fail', method: 'GET', upstream: { url: 'UPSTREAM/fail' } },
  ]);
  await call('GET', '/items/1');
  await call('GET', '/items/2');
  await call('GET', '/fail');
  // Flushed first: the meter's own timer may have moved some of the counts to the database already.
  await gateway.app.meter.flush();
  const stats = await gateway.database.prisma.apiCallStat.findMany({ where: { tenantId: tenant.id, endpoint: { startsWith: 'route ' } } });
  expect(stats.map(({ endpoint, calls, failures }) => ({ endpoint, calls, failures })).sort((a, b) => a.endpoint.localeCompare(b.endpoint))).toEqual([
    { endpoint: 'route GET /fail', calls: 1, failures: 1 },
    { endpoint: 'route GET /items/{id}', calls: 2, failures: 0 },
  ]);
});

test('generated paths, methods and headers: never a 5xx of the gateway, never an upstream URL outside the route', async () => {
  const { call } = await tenantWithRoutes([
    { path: '/items/{id}', method: 'GET', upstream: { url: 'UPSTREAM/v1/items/{id}' } },
    { path: '/items/{id}/parts/{part}', method: 'POST', upstream: { url: 'UPSTREAM/v1/items/{id}/parts/{part}' } },
  ]);
  const segment = fc.oneof(
    fc.string({ maxLength: 12 }).map(encodeURIComponent),
    fc.constantFrom('%00', 'a%00', '%ED%A0%80', '%FF', '%2e%2e', '..', '.', '%2F', '%3F', '', 'x'.repeat(300), 'items', 'parts'),
  );
  const seenBefore = upstream.seen.length;
  await fc.assert(
    fc.asyncProperty(
      fc.array(segment, { minLength: 0, maxLength: 5 }),
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'),
      fc.dictionary(fc.constantFrom('x-tenant-id', 'connection', 'x-forwarded-for', 'forwarded', 'x-custom', 'te'), fc.string({ maxLength: 20 }), {
        maxKeys: 3,
      }),
      async (segments, method, headers) => {
        const cleanHeaders = Object.fromEntries(Object.entries(headers).filter(([, value]) => /^[\x20-\x7e]*$/.test(value)));
        let response: Response;
        try {
          const body = method === 'GET' || method === 'HEAD' ? undefined : '{}';
          response = await call(method, `/items/${segments.join('/')}`, { headers: cleanHeaders, body, address: null });
        } catch (error) {
          // A header the Request constructor itself refuses never reaches the gateway.
          if (error instanceof TypeError) return;
          throw error;
        }
        await response.arrayBuffer();
        expect([200, 400, 404, 405]).toContain(response.status);
      },
    ),
    { numRuns: 150 },
  );
  for (const seen of upstream.seen.slice(seenBefore)) expect(seen.url).toMatch(/^\/v1\/items\/[^/?]+(\/parts\/[^/?]+)?$/);
});

describe('header rules', () => {
  test('request headers are removed then set before the credential; response headers removed then set, on a kept answer too', async () => {
    const { call, tenant } = await tenantWithRoutes([
      {
        path: '/ruled',
        method: 'GET',
        credential: 'bearer',
        upstream: { url: 'UPSTREAM/ruled' },
        headers: {
          request: {
            remove: ['X-Debug', 'X-Forwarded-For'],
            set: [
              { name: 'X-Api-Version', value: '2024-06-01' },
              { name: 'Accept', value: 'application/json' },
            ],
          },
          response: {
            remove: ['x-upstream'],
            set: [
              { name: 'X-Served-By', value: 'tenant-gateway' },
              { name: 'Cache-Control', value: 'public, max-age=60' },
            ],
          },
        },
      },
      // /secure answers without a cookie, so its answer can be kept.
      {
        path: '/kept',
        method: 'GET',
        upstream: { url: 'UPSTREAM/secure' },
        headers: { response: { set: [{ name: 'X-Served-By', value: 'tenant-gateway' }] } },
      },
    ]);
    const headers = { 'x-debug': '1', accept: 'text/html' };
    const answered = await call('GET', '/ruled', { headers });
    expect(answered.status).toBe(200);
    const sent = lastSeen().headers;
    expect(sent['x-debug']).toBeUndefined();
    expect(sent['x-forwarded-for']).toBeUndefined();
    expect(sent['x-api-version']).toBe('2024-06-01');
    expect(sent.accept).toBe('application/json');
    expect(sent.authorization).toBe(`Bearer ${secrets.BEARER_TOKEN}`);
    expect(answered.headers.get('x-upstream')).toBeNull();
    expect(answered.headers.get('x-served-by')).toBe('tenant-gateway');
    expect(answered.headers.get('cache-control')).toBe('public, max-age=60');
    // A kept answer is served under the same rules.
    const saved = await gateway.rest('POST', '/tenant/config', {
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'x-tenant-id': tenant.slug },
      body: { cache: { enabled: true, ttlSeconds: 60 } },
    });
    expect(saved.status).toBe(200);
    expect((await call('GET', '/kept')).headers.get('x-cache')).toBe('MISS');
    const hit = await call('GET', '/kept');
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(hit.headers.get('x-served-by')).toBe('tenant-gateway');
  });

  test("rules may not set a secret, the gateway's own headers or a value with a line break; the field and the rule are named", async () => {
    const tenant = await createTenant(gateway, {});
    const save = (headers: unknown) =>
      gateway.rest('POST', '/tenant/config', {
        headers: { authorization: `Bearer ${gateway.adminKey}`, 'x-tenant-id': tenant.slug },
        body: { routes: [{ path: '/r', method: 'GET', upstream: { url: `${upstream.origin}/r` }, headers }] },
      });
    const refusals: [unknown, string][] = [
      [{ request: { set: [{ name: 'Authorization', value: 'Bearer sk_live' }] } }, 'a secret goes in a credential'],
      [{ request: { set: [{ name: 'Host', value: 'evil.example' }] } }, 'request headers cannot set host'],
      [{ request: { set: [{ name: 'X-Forwarded-For', value: '10.0.0.1' }] } }, 'request headers cannot set x-forwarded-for'],
      [{ response: { remove: ['Content-Length'] } }, 'response headers cannot remove content-length'],
      [{ response: { set: [{ name: 'X-Cache', value: 'HIT' }] } }, 'response headers cannot set x-cache'],
      [{ request: { set: [{ name: 'X-A', value: 'one\r\nX-Injected: two' }] } }, 'no line break'],
      [{ response: { set: [{ name: 'X-A', value: 'caf\u00e9 \u20ac' }] } }, 'printable ASCII'],
      [{ response: { set: [{ name: 'X-A', value: 'bell\u0001' }] } }, 'printable ASCII'],
      [{ request: { set: [{ name: 'X-Api-Key', value: 'sk_live_123' }] } }, 'a secret goes in a credential'],
      [{ request: { set: [{ name: 'Cookie', value: 'session=abc' }] } }, 'a secret goes in a credential'],
      [{ request: { set: [{ name: 'Expect', value: '100-continue' }] } }, 'request headers cannot set expect'],
      [{ response: { set: [{ name: 'Access-Control-Allow-Origin', value: '*' }] } }, 'response headers cannot set access-control-allow-origin'],
      [{ request: { set: [{ name: 'Bad Name', value: 'v' }] } }, 'HTTP token'],
      [{ request: { add: [] } }, ''],
    ];
    for (const [headers, message] of refusals) {
      const refused = await save(headers);
      expect(refused.status, JSON.stringify(headers)).toBe(400);
      expect(JSON.stringify(refused.body), JSON.stringify(headers)).toContain(message);
      expect(JSON.stringify(refused.body)).toContain('routes.0.headers');
    }
    const rules = { request: { remove: ['X-Forwarded-For'] }, response: { set: [{ name: 'Set-Cookie', value: 'seen=1' }] } };
    expect((await save(rules)).status).toBe(200);
    const read = await gateway.rest('GET', '/tenant/config', { headers: { authorization: `Bearer ${gateway.adminKey}`, 'x-tenant-id': tenant.slug } });
    expect((read.body as { routes: { headers: unknown }[] }).routes[0]!.headers).toEqual(rules);
  });
});

describe("the tenant's own rate limits", () => {
  test('a route entry limits its route, the default every other; a refused call never reaches the upstream', async () => {
    const { call, tenant } = await tenantWithRoutes([
      { path: '/items/{id}', method: 'GET', upstream: { url: 'UPSTREAM/items/{id}' } },
      { path: '/orders', method: 'GET', upstream: { url: 'UPSTREAM/orders' } },
    ]);
    const saved = await gateway.rest('POST', '/tenant/config', {
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'x-tenant-id': tenant.slug },
      body: {
        rateLimit: { enabled: true, default: { max: 3, windowSeconds: 60 }, routes: [{ path: '/items/{id}', method: 'GET', max: 2, windowSeconds: 60 }] },
      },
    });
    expect(saved.status).toBe(200);
    const before = upstream.seen.length;
    // Two calls of the limited route with different parameters count on one limit; the third is refused.
    expect((await call('GET', '/items/1', { address: null })).status).toBe(200);
    expect((await call('GET', '/items/2', { address: null })).status).toBe(200);
    const refused = await call('GET', '/items/3', { address: null });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({
      error: 'rate_limited',
      message: 'Rate limit exceeded: max 2 requests per 60 s for rateLimit.routes.0 (GET /items/{id})',
    });
    expect(refused.headers.get('ratelimit-policy')).toBe('"tenant-route";q=2;w=60');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(upstream.seen.length).toBe(before + 2);
    // Other routes share the default of 3.
    for (let n = 0; n < 3; n++) expect((await call('GET', '/orders', { address: null })).status).toBe(200);
    expect((await call('GET', '/orders', { address: null })).status).toBe(429);
    expect(upstream.seen.length).toBe(before + 5);
  });

  test('rateLimit.endUser: each end user named in its header gets a window of their own, beside the route limits', async () => {
    const { call, tenant } = await tenantWithRoutes([{ path: '/items', method: 'GET', upstream: { url: 'UPSTREAM/items' } }]);
    const saved = await gateway.rest('POST', '/tenant/config', {
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'x-tenant-id': tenant.slug },
      body: { rateLimit: { enabled: true, default: { max: 5, windowSeconds: 60 }, endUser: { header: 'X-End-User-ID', max: 2, windowSeconds: 60 } } },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const as = (user: string) => ({ address: null, headers: { 'x-end-user-id': user } });
    const before = upstream.seen.length;
    expect((await call('GET', '/items', as('alice'))).status).toBe(200);
    expect((await call('GET', '/items', as('alice'))).status).toBe(200);
    const refused = await call('GET', '/items', as('alice'));
    expect(refused.status).toBe(429);
    expect((await refused.json()).message).toBe('Rate limit exceeded: max 2 requests per 60 s for rateLimit.endUser (the end user named in X-End-User-ID)');
    // Another end user has their own window (the tenant's default of 5 has counted 3 calls, the refused one included).
    expect((await call('GET', '/items', as('bob'))).status).toBe(200);
    // A call naming no end user counts on the tenant's default only: 5 of 5.
    expect((await call('GET', '/items', { address: null })).status).toBe(200);
    const tenantSpent = await call('GET', '/items', as('carol'));
    expect(tenantSpent.status).toBe(429);
    expect((await tenantSpent.json()).message).toContain("the tenant's default rateLimit");
    expect(upstream.seen.length).toBe(before + 4);
    // A name over 256 characters, or the header sent twice, is refused, naming the header.
    for (const user of ['x'.repeat(257), 'alice, mallory']) {
      const refusedName = await call('GET', '/items', as(user));
      expect(refusedName.status).toBe(400);
      expect(await refusedName.json()).toMatchObject({ field: 'X-End-User-ID' });
    }
  });

  test('off unless rateLimit.enabled', async () => {
    const { call } = await tenantWithRoutes([{ path: '/orders', method: 'GET', upstream: { url: 'UPSTREAM/orders' } }]);
    for (let n = 0; n < 70; n++) expect((await call('GET', '/orders', { address: null })).status).toBe(200);
  });
});

test('testTenantRoute: the route, upstream URL, credential and limit a call would get, without sending it', async () => {
  const { tenant } = await tenantWithRoutes([
    { path: '/items/{id}', method: 'GET', credential: 'query', upstream: { url: 'UPSTREAM/v1/items/{id}' } },
    { path: '/custom', method: 'GET' },
  ]);
  const before = upstream.seen.length;
  const test = (method: string, path: string) =>
    gateway.graphql<{ testTenantRoute: Record<string, unknown> }, { tenant: string; path: string }>(
      `query ($tenant: ID!, $path: String!) { testTenantRoute(tenant: $tenant, method: ${method}, path: $path) { matched problem status upstreamUrl credential rateLimit route { path method upstream { url timeoutMs } } } }`,
      { tenant: tenant.slug, path },
    );
  const matched = await test('GET', '/items/a b?page=2');
  expect(matched.errors).toBeUndefined();
  expect(matched.data!.testTenantRoute).toEqual({
    matched: true,
    problem: null,
    status: null,
    upstreamUrl: `${upstream.origin}/v1/items/a%20b?page=2&token=%3CQUERY_TOKEN%3E`,
    credential: 'query',
    rateLimit: null,
    route: { path: '/items/{id}', method: 'GET', upstream: { url: `${upstream.origin}/v1/items/{id}`, timeoutMs: 30000 } },
  });
  expect(JSON.stringify(matched)).not.toContain(secrets.QUERY_TOKEN);
  expect((await test('POST', '/items/1')).data!.testTenantRoute).toMatchObject({ matched: false, status: 405 });
  expect((await test('GET', '/custom')).data!.testTenantRoute).toMatchObject({ matched: true, status: 501, route: { path: '/custom' } });
  expect((await test('GET', '/none')).data!.testTenantRoute).toMatchObject({ matched: false, status: 404, problem: 'No route of this tenant for GET /none' });
  expect(upstream.seen.length).toBe(before);
});

describe('red-team findings (each failed before its fix)', () => {
  test('an upstream named by DNS is reached (Node asks the lookup for every address)', async () => {
    const { call } = await tenantWithRoutes([
      { path: '/named', method: 'GET', upstream: { url: `${upstream.origin.replace('127.0.0.1', 'localhost')}/named` } },
    ]);
    const response = await call('GET', '/named');
    expect(response.status).toBe(200);
    expect(lastSeen().url).toBe('/named');
  });

  test('a URL the parser reads with a placeholder as its host is refused, so a caller cannot choose where the credential goes', async () => {
    const tenant = await createTenant(gateway, {});
    const key = await createKey(gateway, { scopes: ['CONFIG_WRITE'], tenant: tenant.id });
    const save = (url: string) =>
      gateway.rest('POST', '/tenant/config', {
        headers: { authorization: `Bearer ${key.secret}` },
        body: { routes: [{ path: '/p/{host}', method: 'GET', upstream: { url } }] },
      });
    for (const url of ['http:/{host}/secure', 'http:/{host}?x=1', 'https:/\\{host}/x', 'http://x@{host}/y', 'HTTP:{host}/z']) {
      const saved = await save(url);
      expect(saved.status, url).toBe(400);
    }
  });

  test("an expired tenant's routes do not answer, whoever calls", async () => {
    const { call, tenant } = await tenantWithRoutes([{ path: '/items', method: 'GET', upstream: { url: 'UPSTREAM/items' } }]);
    await gateway.database.prisma.tenant.update({ where: { id: tenant.id }, data: { expiresAt: new Date(Date.now() - 60_000) } });
    const before = upstream.seen.length;
    const refused = await call('GET', '/items', { key: gateway.adminKey, headers: { 'x-tenant-id': tenant.slug } });
    expect(refused.status).toBe(403);
    expect((await refused.json()).message).toContain('EXPIRED');
    expect(upstream.seen.length).toBe(before);
  });

  test('205 passes through without a body and the call is sent once; HEAD of a body over the cap is not refused', async () => {
    const { call } = await tenantWithRoutes([
      { path: '/reset', method: 'GET', upstream: { url: 'UPSTREAM/reset' } },
      { path: '/huge', method: 'GET', upstream: { url: 'UPSTREAM/huge' } },
    ]);
    const before = upstream.seen.length;
    const reset = await call('GET', '/reset');
    expect(reset.status).toBe(205);
    expect(await reset.text()).toBe('');
    expect(upstream.seen.length).toBe(before + 1);
    const head = await call('HEAD', '/huge');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(200 * 1024 * 1024));
  });

  test('Expect: 100-continue from the caller does not fail the call', async () => {
    const { call } = await tenantWithRoutes([{ path: '/orders', method: 'POST', upstream: { url: 'UPSTREAM/orders' } }]);
    const response = await call('POST', '/orders', { headers: { expect: '100-continue' }, body: '{"qty":1}' });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(lastSeen().headers.expect).toBeUndefined();
  });

  test('a refused address is not told to the caller; the dry run resolves dot segments as a call does; parameters are whole segments', async () => {
    const strict = await startGateway();
    try {
      const tenant = await createTenant(strict, {});
      const key = await createKey(strict, { scopes: ['CONFIG_WRITE', 'ROUTES_CALL'], tenant: tenant.id });
      const headers = { authorization: `Bearer ${key.secret}` };
      await strict.rest('POST', '/tenant/config', {
        headers,
        body: { routes: [{ path: '/local', method: 'GET', upstream: { url: upstream.origin.replace('127.0.0.1', 'localhost') } }] },
      });
      const refused = await strict.app.fetch(new Request('http://gateway.test/gw/local', { headers }));
      expect(refused.status).toBe(502);
      expect(await refused.text()).not.toContain('127.0.0.1');
    } finally {
      await strict.close();
    }
    const { tenant, key } = await tenantWithRoutes([{ path: '/files/{name}', method: 'GET', upstream: { url: 'UPSTREAM/v1/{name}' } }]);
    const dry = await gateway.graphql<{ testTenantRoute: { matched: boolean; status: number | null } }, { tenant: string }>(
      'query ($tenant: ID!) { testTenantRoute(tenant: $tenant, method: GET, path: "/files/..") { matched status } }',
      { tenant: tenant.slug },
    );
    expect(dry.data!.testTenantRoute).toEqual({ matched: false, status: 404 });
    const save = (routes: unknown[]) => gateway.rest('POST', '/tenant/config', { headers: { authorization: `Bearer ${key}` }, body: { routes } });
    expect((await save([{ path: '/x/{a}-{b}', method: 'GET' }])).status).toBe(400);
    const twice = await save([
      { path: '/i/{id}', method: 'GET' },
      { path: '/i/{key}', method: 'GET' },
    ]);
    expect(twice.status).toBe(400);
  });
});
