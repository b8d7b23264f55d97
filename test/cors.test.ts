import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readEnvironment } from '../src/env.js';
import { corsPolicy } from '../src/http/cors.js';
import { createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway, testRateLimits } from './support/gateway.js';

// Issue 30, item 1: one CORS policy for /graphql, every REST route and the tenant routes,
// preflights answered per path. (Chromium on another loopback origin: test/browser.test.ts.)

const app = 'https://app.example.com';
let gateway: TestGateway;
let upstream: http.Server;
let upstreamOrigin: string;
let tenantId: string;

beforeAll(async () => {
  // An upstream that grants every origin itself: the gateway's policy must win.
  upstream = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true' });
    response.end('{"ok":true}');
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  upstreamOrigin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gateway = await startGateway({ env: { CORS_ORIGINS: `${app},http://localhost:*`, TENANT_ROUTES_ALLOW_PRIVATE: 'on' } });
  const tenant = await createTenant(gateway, {});
  tenantId = tenant.id;
  const saved = await gateway.rest('POST', '/tenant/config', {
    headers: { authorization: `Bearer ${gateway.adminKey}`, 'x-tenant-id': tenant.id },
    body: { routes: [{ path: '/items', method: 'GET', upstream: { url: `${upstreamOrigin}/items` } }] },
  });
  expect(saved.status).toBe(200);
});
afterAll(async () => {
  await gateway.close();
  await new Promise((resolve) => upstream.close(resolve));
});

const preflight = (path: string, origin: string, method = 'GET', headers = 'authorization, content-type') =>
  gateway.app.fetch(
    new Request(`http://gateway.test${path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
    }),
  );
const call = (path: string, origin: string | null, init: RequestInit = {}) =>
  gateway.app.fetch(
    new Request(`http://gateway.test${path}`, {
      ...init,
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'x-tenant-id': tenantId, ...(origin ? { origin } : {}), ...(init.headers as object) },
    }),
  );

describe('preflights', () => {
  test("a REST route's preflight names the methods its path serves, the allowed headers and how long to keep it", async () => {
    const answered = await preflight(`/api/v1/tenants/${tenantId}/config`, app, 'PUT');
    expect(answered.status).toBe(204);
    expect(answered.headers.get('access-control-allow-origin')).toBe(app);
    expect(answered.headers.get('access-control-allow-methods')).toBe('GET, PUT, HEAD');
    expect(answered.headers.get('access-control-allow-headers')).toContain('Authorization');
    expect(answered.headers.get('access-control-allow-headers')).toContain('X-Tenant-ID');
    expect(answered.headers.get('access-control-max-age')).toBe('600');
    expect(answered.headers.get('access-control-allow-credentials')).toBeNull();
    expect(answered.headers.get('vary')).toContain('Origin');
  });

  test('/graphql and the tenant routes are preflighted alike; a path nothing serves is 404', async () => {
    expect((await preflight('/graphql', app, 'POST')).headers.get('access-control-allow-methods')).toBe('GET, POST');
    const routed = await preflight('/gw/items', 'http://localhost:5173', 'DELETE');
    expect(routed.status).toBe(204);
    expect(routed.headers.get('access-control-allow-methods')).toContain('DELETE');
    const nowhere = await preflight('/nothing/here', app);
    expect(nowhere.status).toBe(404);
  });

  test('an origin not allowed is refused with the setting named; look-alike origins are not allowed', async () => {
    for (const origin of ['https://evil.example', 'http://localhost.evil.example:80', 'https://localhost:5173', 'http://app.example.com', 'null']) {
      const refused = await preflight('/graphql', origin, 'POST');
      expect(refused.status, origin).toBe(403);
      expect(refused.headers.get('access-control-allow-origin'), origin).toBeNull();
      expect((await refused.json()).message).toContain('CORS_ORIGINS');
    }
  });
});

describe('answers', () => {
  test('an allowed origin is named on the answer with the headers a page may read; another origin gets none', async () => {
    const allowed = await call(`/api/v1/tenants/${tenantId}/config`, app);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(app);
    expect(allowed.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
    expect(allowed.headers.get('vary')).toContain('Origin');
    const other = await call(`/api/v1/tenants/${tenantId}/config`, 'https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect((await call(`/api/v1/tenants/${tenantId}/config`, null)).headers.get('access-control-allow-origin')).toBeNull();
  });

  test('/graphql no longer grants any origin with credentials (Yoga reflected every Origin)', async () => {
    const answered = await call('/graphql', 'https://evil.example', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(answered.status).toBe(200);
    expect(answered.headers.get('access-control-allow-origin')).toBeNull();
    expect(answered.headers.get('access-control-allow-credentials')).toBeNull();
  });

  test("a tenant route's upstream cannot grant an origin the gateway does not: its Access-Control headers are replaced", async () => {
    const foreign = await call('/gw/items', 'https://evil.example');
    expect(foreign.status).toBe(200);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(foreign.headers.get('access-control-allow-credentials')).toBeNull();
    const own = await call('/gw/items', app);
    expect(own.headers.get('access-control-allow-origin')).toBe(app);
    expect(own.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('the policy', () => {
  test('production allows no other origin unless told; development allows localhost; * with credentials is refused at start', async () => {
    expect(corsPolicy({ ...readEnvironment({}), NODE_ENV: 'production' }).origins).toEqual([]);
    expect(corsPolicy({ ...readEnvironment({}), NODE_ENV: 'development' }).origins).toContain('http://localhost:*');
    expect(corsPolicy({ ...readEnvironment({}), NODE_ENV: 'development', CORS_ORIGINS: '' }).origins).toEqual([]);
    expect(() => corsPolicy({ ...readEnvironment({ CORS_ORIGINS: '*', CORS_ALLOW_CREDENTIALS: 'on' }) })).toThrow('CORS_ALLOW_CREDENTIALS');
    // Origins that could never match are refused at start, with what to write instead.
    for (const never of [
      'https://app.example.com/path',
      'app.example.com',
      'https://*.example.com',
      'http://localhost:3000:*',
      'https://user@app.example.com',
    ]) {
      expect(() => readEnvironment({ CORS_ORIGINS: never }), never).toThrow('such as https://app.example.com');
    }
    // Spellings a browser would send differently are written as it sends them.
    expect(readEnvironment({ CORS_ORIGINS: 'https://App.Example.com/, https://api.example.com:443,http://localhost:*' }).CORS_ORIGINS).toBe(
      'https://app.example.com,https://api.example.com,http://localhost:*',
    );
    expect(() => readEnvironment({ CORS_ALLOW_HEADERS: '*' })).toThrow('no *');
  });

  test('a preflight counts on the address limit like any request; operational paths carry no CORS headers', async () => {
    const limited = await startGateway({ env: { CORS_ORIGINS: app }, rateLimits: { ...testRateLimits, ip: { ...testRateLimits.ip, perSecond: 3 } } });
    try {
      const preflightFrom = () =>
        limited.app.fetch(
          new Request('http://gateway.test/graphql', { method: 'OPTIONS', headers: { origin: app, 'access-control-request-method': 'POST' } }),
          {
            clientAddress: '203.0.113.77',
          },
        );
      const statuses: number[] = [];
      for (let n = 0; n < 6; n++) statuses.push((await preflightFrom()).status);
      expect(statuses.slice(0, 3)).toEqual([204, 204, 204]);
      expect(statuses).toContain(429);
      const ready = await limited.app.fetch(new Request('http://gateway.test/readyz', { headers: { origin: app } }));
      expect(ready.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await limited.close();
    }
  });
});
