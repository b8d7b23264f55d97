import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createKey, createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

// Issue 29, items 4 and 5: tenant routes' answers kept (cache), their bytes and an LLM
// upstream's tokens metered, and resource limits gating the calls before the upstream.

/** A loopback upstream: /data counts its calls, /chat is an OpenAI-compatible stub (JSON, or SSE with `"stream": true`). */
async function startUpstream() {
  const calls = new Map<string, number>();
  const encodings: (string | undefined)[] = [];
  const server = http.createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url!, 'http://upstream');
    calls.set(url.pathname, (calls.get(url.pathname) ?? 0) + 1);
    if (url.pathname.endsWith('/chat')) {
      encodings.push(request.headers['accept-encoding']);
      const asked = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { stream?: boolean; anthropic?: boolean };
      if (!asked.stream) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ choices: [{ message: { content: 'hi' } }], usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 } }));
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      if (asked.anthropic) {
        response.write(
          `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { usage: { input_tokens: 20, output_tokens: 1 } } })}\n\n`,
        );
        response.write(`event: message_delta\ndata: ${JSON.stringify({ type: 'message_delta', usage: { output_tokens: 15 } })}\n\n`);
        response.end();
        return;
      }
      // The usage comes in the last chunk, split across writes as a network would.
      response.write(`data: ${JSON.stringify({ choices: [{ delta: { content: 'h' } }] })}\n\n`);
      const last = `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 7, completion_tokens: 50, total_tokens: 57 } })}\n\n`;
      response.write(last.slice(0, 20));
      await new Promise((resolve) => setTimeout(resolve, 20));
      response.end(`${last.slice(20)}data: [DONE]\n\n`);
      return;
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const control = url.searchParams.get('cc');
    if (control) headers['cache-control'] = control;
    const vary = url.searchParams.get('vary');
    if (vary) headers.vary = vary;
    response.writeHead(200, headers);
    response.end(
      JSON.stringify({ path: url.pathname, call: calls.get(url.pathname), language: request.headers['accept-language'] ?? null, usage: { total_tokens: 999 } }),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: (path: string) => calls.get(path) ?? 0,
    /** The Accept-Encoding each /chat call arrived with. */
    encodings,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

let gateway: TestGateway;
let upstream: Awaited<ReturnType<typeof startUpstream>>;

beforeAll(async () => {
  upstream = await startUpstream();
  // Flushed only when a test says so: a read during the timer's write could miss the amount being written.
  gateway = await startGateway({ env: { TENANT_ROUTES_ALLOW_PRIVATE: 'on', USAGE_FLUSH_INTERVAL_MS: 300_000 } });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

let unique = 0;

/** A tenant whose routes go to the stub (paths made unique per tenant, so upstream counts are per test), and a key that may call them. */
async function tenantWith(config: { routes: { path: string; method: string; upstream: Record<string, unknown> }[]; cache?: unknown }) {
  const tenant = await createTenant(gateway, { tier: 'PRO' });
  const key = await createKey(gateway, { scopes: ['ROUTES_CALL'], tenant: tenant.id });
  const prefix = `/t${++unique}`;
  const routes = config.routes.map((route) => ({
    ...route,
    upstream: { ...route.upstream, url: String(route.upstream.url).replace('UPSTREAM', `${upstream.origin}${prefix}`) },
  }));
  const admin = { authorization: `Bearer ${gateway.adminKey}`, 'x-tenant-id': tenant.slug };
  const save = async (body: unknown) => {
    const saved = await gateway.rest('POST', '/tenant/config', { headers: admin, body });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  };
  await save({ routes, ...(config.cache ? { cache: config.cache } : {}) });
  /** The answer with its body read (as a server writing it to its caller does: what is kept and metered is counted at its end), as `text`. */
  const call = async (method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) => {
    const response = await gateway.app.fetch(
      new Request(`http://gateway.test/gw${path}`, { method, headers: { authorization: `Bearer ${key.secret}`, ...init.headers }, body: init.body }),
      {},
    );
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as unknown };
  };
  return { tenant, admin, save, call, upstreamPath: (path: string) => `${prefix}${path}` };
}

describe('kept answers (cache)', () => {
  const cached = { enabled: true, ttlSeconds: 60, maxEntries: 100 };

  test('a GET answered 200 is kept: the second call is a HIT with its Age, the upstream called once; no-cache reads the upstream again', async () => {
    const { call, upstreamPath } = await tenantWith({
      routes: [{ path: '/data/{id}', method: 'GET', upstream: { url: 'UPSTREAM/data/{id}' } }],
      cache: cached,
    });
    const first = await call('GET', '/data/1');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('MISS');
    const firstBody = first.json();
    const second = await call('GET', '/data/1');
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(Number(second.headers.get('age'))).toBeGreaterThanOrEqual(0);
    expect(second.headers.get('content-type')).toBe('application/json');
    expect(second.json()).toEqual(firstBody);
    expect(upstream.calls(upstreamPath('/data/1'))).toBe(1);
    // Another parameter is another answer.
    expect((await call('GET', '/data/2')).headers.get('x-cache')).toBe('MISS');
    const bypass = await call('GET', '/data/1', { headers: { 'cache-control': 'no-cache' } });
    expect(bypass.headers.get('x-cache')).toBe('BYPASS');
    expect((bypass.json() as { call: number }).call).toBe(2);
    // The fresh answer replaced the kept one.
    expect(((await call('GET', '/data/1')).json() as { call: number }).call).toBe(2);
    expect(upstream.calls(upstreamPath('/data/1'))).toBe(2);
  });

  test("saving the tenant's configuration makes its kept answers unreachable at once", async () => {
    const { call, save, upstreamPath } = await tenantWith({ routes: [{ path: '/data', method: 'GET', upstream: { url: 'UPSTREAM/data' } }], cache: cached });
    await call('GET', '/data');
    expect((await call('GET', '/data')).headers.get('x-cache')).toBe('HIT');
    await save({ cache: { ...cached, ttlSeconds: 120 } });
    const after = await call('GET', '/data');
    expect(after.headers.get('x-cache')).toBe('MISS');
    expect(upstream.calls(upstreamPath('/data'))).toBe(2);
  });

  test("what is not kept: other methods, an upstream's no-store, private or cookie, max-age=0, a Vary the key lacks; routes left out of cache.routes", async () => {
    const { call, save, upstreamPath } = await tenantWith({
      routes: [
        { path: '/data', method: 'GET', upstream: { url: 'UPSTREAM/data' } },
        { path: '/data', method: 'POST', upstream: { url: 'UPSTREAM/data' } },
        { path: '/other', method: 'GET', upstream: { url: 'UPSTREAM/other' } },
      ],
      cache: cached,
    });
    for (const query of ['?cc=no-store', '?cc=private', '?cc=max-age%3D0', '?vary=x-user']) {
      await call('GET', `/data${query}`);
      expect((await call('GET', `/data${query}`)).headers.get('x-cache'), query).toBe('MISS');
    }
    expect(upstream.calls(upstreamPath('/data'))).toBe(8);
    const posted = await call('POST', '/data', { body: '{}' });
    expect(posted.headers.get('x-cache')).toBeNull();
    await save({ cache: { ...cached, routes: [{ path: '/other' }] } });
    await call('GET', '/data');
    expect((await call('GET', '/data')).headers.get('x-cache')).toBeNull();
    await call('GET', '/other');
    expect((await call('GET', '/other')).headers.get('x-cache')).toBe('HIT');
  });

  test('varyBy keys answers by the named headers; maxEntries bounds what one tenant keeps; another tenant never gets them', async () => {
    const { call, save, upstreamPath } = await tenantWith({
      routes: [{ path: '/data/{id}', method: 'GET', upstream: { url: 'UPSTREAM/data/{id}' } }],
      cache: { ...cached, varyBy: ['Accept-Language'] },
    });
    const french = await call('GET', '/data/1', { headers: { 'accept-language': 'fr' } });
    expect((french.json() as { language: string }).language).toBe('fr');
    const german = await call('GET', '/data/1', { headers: { 'accept-language': 'de' } });
    expect(german.headers.get('x-cache')).toBe('MISS');
    expect((german.json() as { language: string }).language).toBe('de');
    const again = await call('GET', '/data/1', { headers: { 'accept-language': 'fr' } });
    expect(again.headers.get('x-cache')).toBe('HIT');
    expect((again.json() as { language: string }).language).toBe('fr');

    await save({ cache: { ...cached, maxEntries: 2 } });
    for (const id of [1, 2, 3]) await call('GET', `/data/${id}`);
    expect((await call('GET', '/data/1')).headers.get('x-cache')).toBe('HIT');
    expect((await call('GET', '/data/3')).headers.get('x-cache')).toBe('MISS');
    expect(upstream.calls(upstreamPath('/data/3'))).toBe(2);

    // A second tenant with a route to the very same upstream URL reads the upstream itself.
    const other = await createTenant(gateway, {});
    const otherKey = await createKey(gateway, { scopes: ['ROUTES_CALL'], tenant: other.id });
    const saved = await gateway.rest('POST', '/tenant/config', {
      headers: { authorization: `Bearer ${gateway.adminKey}`, 'x-tenant-id': other.slug },
      body: { routes: [{ path: '/data/{id}', method: 'GET', upstream: { url: `${upstream.origin}${upstreamPath('/data/{id}')}` } }], cache: cached },
    });
    expect(saved.status).toBe(200);
    const theirs = await gateway.app.fetch(new Request('http://gateway.test/gw/data/1', { headers: { authorization: `Bearer ${otherKey.secret}` } }), {});
    expect(theirs.headers.get('x-cache')).toBe('MISS');
  });
});

type Summary = { llm_tokens: number; bandwidth_bytes: number; api_calls: number };

describe('metering and resource limits', () => {
  const summary = async (admin: Record<string, string>) => (await gateway.rest('GET', '/usage/summary', { headers: admin })).body as Summary;

  test("every call's bytes both ways count as bandwidth_bytes, kept answers too", async () => {
    const { call, admin, save } = await tenantWith({ routes: [{ path: '/data', method: 'POST', upstream: { url: 'UPSTREAM/data' } }] });
    const body = 'x'.repeat(100);
    const answered = await call('POST', '/data', { body });
    const received = Buffer.byteLength(answered.text);
    expect((await summary(admin)).bandwidth_bytes).toBe(100 + received);
    await save({ routes: [{ path: '/data', method: 'GET', upstream: { url: `${upstream.origin}/bandwidth/data` } }], cache: { enabled: true } });
    const first = Buffer.byteLength((await call('GET', '/data')).text);
    const hit = await call('GET', '/data');
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(Buffer.byteLength(hit.text)).toBe(first);
    // Written by the meter's flush, read back the same.
    await gateway.app.meter.flush();
    expect((await summary(admin)).bandwidth_bytes).toBe(100 + received + 2 * first);
  });

  test("an LLM upstream's reported usage counts as llm_tokens: JSON, OpenAI SSE and Anthropic SSE; other routes count none", async () => {
    const { call, admin } = await tenantWith({
      routes: [
        { path: '/chat', method: 'POST', upstream: { url: 'UPSTREAM/chat', llm: true } },
        { path: '/data', method: 'GET', upstream: { url: 'UPSTREAM/data' } },
      ],
    });
    await call('POST', '/chat', { body: '{}' });
    expect((await summary(admin)).llm_tokens).toBe(42);
    const streamed = await call('POST', '/chat', { body: '{"stream":true}' });
    expect(streamed.headers.get('content-type')).toBe('text/event-stream');
    expect(streamed.text).toContain('data: [DONE]');
    expect((await summary(admin)).llm_tokens).toBe(42 + 57);
    await call('POST', '/chat', { body: '{"stream":true,"anthropic":true}' });
    expect((await summary(admin)).llm_tokens).toBe(42 + 57 + 35);
    // /data answers a `usage` too, but its route is not an LLM upstream.
    await call('GET', '/data');
    expect((await summary(admin)).llm_tokens).toBe(134);
    const history = await gateway.rest('GET', '/usage/history', { headers: admin });
    expect((history.body as { history: { llm_tokens: number }[] }).history.at(-1)!.llm_tokens).toBe(134);
  });

  test('a spent BLOCK limit refuses the call before the upstream sees it, naming the limit; a WARN limit lets it through with a warning and an alert', async () => {
    const { call, admin, upstreamPath } = await tenantWith({ routes: [{ path: '/chat', method: 'POST', upstream: { url: 'UPSTREAM/chat', llm: true } }] });
    const limits = (body: unknown) => gateway.rest('PUT', '/tenant/limits/resources', { headers: admin, body });
    expect((await limits([{ resource: 'llm', metric: 'tokens', period: 'month', limit: 50, gateAction: 'block' }])).status).toBe(200);
    expect((await call('POST', '/chat', { body: '{}' })).status).toBe(200); // 42 of 50: allowed, then counted
    await call('POST', '/chat', { body: '{"stream":true}' }); // 42 < 50: allowed; now 99
    const refused = await call('POST', '/chat', { body: '{}' });
    expect(refused.status).toBe(429);
    expect(refused.json()).toMatchObject({
      error: 'rate_limited',
      message: 'Limit exceeded: llm tokens is limited to 50 per month (current 99, the budget of this window is spent)',
    });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(upstream.calls(upstreamPath('/chat'))).toBe(2);
    const usage = await gateway.rest('GET', '/tenant/limits/resources/usage', { headers: admin });
    expect(usage.body).toEqual([expect.objectContaining({ resource: 'llm', metric: 'tokens', current: 99, limit: 50 })]);

    expect((await limits([{ resource: 'llm', metric: 'tokens', period: 'month', limit: 50, gateAction: 'warn' }])).status).toBe(200);
    const warned = await call('POST', '/chat', { body: '{}' });
    expect(warned.status).toBe(200);
    expect(warned.headers.get('x-usage-warning')).toBe('llm tokens 99/50 per month');
    expect(upstream.calls(upstreamPath('/chat'))).toBe(3);
    const alerts = await gateway.graphql(`query($tenant: ID) { usageAlerts(tenant: $tenant, status: ACTIVE) { level current threshold } }`, {
      tenant: admin['x-tenant-id'],
    });
    expect(alerts.data).toEqual({ usageAlerts: [expect.objectContaining({ level: 'CRITICAL', threshold: 50 })] });
  });

  test('a bandwidth limit gates every route; a token limit only LLM routes', async () => {
    const { call, admin } = await tenantWith({
      routes: [
        { path: '/data', method: 'GET', upstream: { url: 'UPSTREAM/data' } },
        { path: '/chat', method: 'POST', upstream: { url: 'UPSTREAM/chat', llm: true } },
      ],
    });
    const limits = (body: unknown) => gateway.rest('PUT', '/tenant/limits/resources', { headers: admin, body });
    expect((await limits([{ resource: 'llm', metric: 'tokens', period: 'day', limit: 1, gateAction: 'block' }])).status).toBe(200);
    await call('POST', '/chat', { body: '{}' });
    expect((await call('POST', '/chat', { body: '{}' })).status).toBe(429);
    expect((await call('GET', '/data')).status).toBe(200);
    expect((await limits([{ resource: 'bandwidth', metric: 'bytes', period: 'hour', limit: 10, gateAction: 'block' }])).status).toBe(200);
    const refused = await call('GET', '/data');
    expect(refused.status).toBe(429);
    expect((refused.json() as { message: string }).message).toMatch(/^Limit exceeded: bandwidth bytes is limited to 10 per hour/);
  });
});

describe('webhook events', () => {
  test('route.called for every call (a kept answer too), route.failed for a failed one; the payload holds no header, body or secret', async () => {
    const { call, save, tenant } = await tenantWith({
      routes: [
        { path: '/data', method: 'GET', upstream: { url: 'UPSTREAM/data' } },
        { path: '/down', method: 'GET', upstream: { url: 'http://127.0.0.1:1/down' } },
      ],
      cache: { enabled: true },
    });
    await save({
      webhooks: [
        { url: 'https://hooks.example.com/called', events: ['route.called'] },
        { url: 'https://hooks.example.com/failed', events: ['route.failed'] },
      ],
    });
    await call('GET', '/data');
    await call('GET', '/data', { headers: { 'x-secret-header': 'do-not-send' } });
    expect((await call('GET', '/down')).status).toBe(502);
    const deliveries = async () =>
      gateway.database.prisma.webhookDelivery.findMany({
        where: { tenantId: tenant.id },
        orderBy: { createdAt: 'asc' },
        select: { event: true, url: true, payload: true },
      });
    await expect.poll(async () => (await deliveries()).length).toBe(4);
    const written = await deliveries();
    const byEvent = (event: string) => written.filter((delivery) => delivery.event === event).map((delivery) => delivery.payload as Record<string, unknown>);
    expect(
      byEvent('route.called')
        .map((payload) => [
          payload.target,
          (payload.changes as { status: number; cache: string | null }).status,
          (payload.changes as { cache: string | null }).cache,
        ])
        .sort(),
    ).toEqual([
      ['route GET /data', 200, 'HIT'],
      ['route GET /data', 200, 'MISS'],
      ['route GET /down', 502, 'MISS'],
    ]);
    expect(byEvent('route.failed')).toEqual([
      expect.objectContaining({
        event: 'route.failed',
        target: 'route GET /down',
        changes: expect.objectContaining({ status: 502, error: 'upstream_unreachable', path: '/down' }),
      }),
    ]);
    expect(JSON.stringify(written)).not.toContain('do-not-send');
  });
});

test("tenantRoutes: the tenant's routes as served, cached or not, their limit and this month's calls and failures", async () => {
  const { call, save, tenant } = await tenantWith({
    routes: [
      { path: '/data', method: 'GET', upstream: { url: 'UPSTREAM/data' } },
      { path: '/down', method: 'GET', upstream: { url: 'http://127.0.0.1:1/down' } },
    ],
  });
  await save({ cache: { enabled: true, routes: [{ path: '/data' }] }, rateLimit: { enabled: true, routes: [{ path: '/down', max: 5 }] } });
  await call('GET', '/data');
  await call('GET', '/data');
  await call('GET', '/down');
  const listed = await gateway.graphql(
    'query ($tenant: ID) { tenantRoutes(tenant: $tenant) { route { path method } servedAt cached rateLimit calls failures averageLatencyMs } }',
    { tenant: tenant.slug },
  );
  expect(listed.errors).toBeUndefined();
  const routes = (listed.data as { tenantRoutes: Record<string, unknown>[] }).tenantRoutes;
  expect(routes.map(({ averageLatencyMs, ...rest }) => rest)).toEqual([
    { route: { path: '/data', method: 'GET' }, servedAt: '/gw/data', cached: true, rateLimit: "the tenant's default rateLimit", calls: 2, failures: 0 },
    { route: { path: '/down', method: 'GET' }, servedAt: '/gw/down', cached: false, rateLimit: 'rateLimit.routes.0 (any method /down)', calls: 1, failures: 1 },
  ]);
  expect(routes[0]!.averageLatencyMs).toBeGreaterThanOrEqual(0);
});

describe('red-team findings (each failed before its fix)', () => {
  test('an LLM upstream is asked for an uncompressed answer, so a caller asking gzip cannot hide its tokens', async () => {
    const { call, admin } = await tenantWith({ routes: [{ path: '/chat', method: 'POST', upstream: { url: 'UPSTREAM/chat', llm: true } }] });
    await call('POST', '/chat', { body: '{}', headers: { 'accept-encoding': 'gzip, br' } });
    expect(upstream.encodings.at(-1)).toBe('identity');
    expect(((await gateway.rest('GET', '/usage/summary', { headers: admin })).body as Summary).llm_tokens).toBe(42);
  });

  test("a call carrying a cookie neither reads nor leaves a kept answer (it may be that caller's own)", async () => {
    const { call, upstreamPath } = await tenantWith({
      routes: [{ path: '/data', method: 'GET', upstream: { url: 'UPSTREAM/data' } }],
      cache: { enabled: true },
    });
    const personal = await call('GET', '/data?cc=max-age%3D60', { headers: { cookie: 'session=A' } });
    expect(personal.headers.get('x-cache')).toBe('BYPASS');
    expect((await call('GET', '/data?cc=max-age%3D60')).headers.get('x-cache')).toBe('MISS');
    expect((await call('GET', '/data?cc=max-age%3D60')).headers.get('x-cache')).toBe('HIT');
    expect((await call('GET', '/data?cc=max-age%3D60', { headers: { cookie: 'session=A' } })).headers.get('x-cache')).toBe('BYPASS');
    expect(upstream.calls(upstreamPath('/data'))).toBe(3);
  });

  test('calls crossing a limit together raise one alert; a refusal by a resource limit does not spend the rate limit', async () => {
    const { call, admin } = await tenantWith({ routes: [{ path: '/data', method: 'GET', upstream: { url: 'UPSTREAM/data' } }] });
    const limits = (body: unknown) => gateway.rest('PUT', '/tenant/limits/resources', { headers: admin, body });
    // One call's ~75 bytes spend the 60: each of the next six finds the limit spent, at once.
    expect((await limits([{ resource: 'bandwidth', metric: 'bytes', period: 'day', limit: 60, gateAction: 'warn' }])).status).toBe(200);
    await call('GET', '/data');
    await Promise.all(Array.from({ length: 6 }, () => call('GET', '/data')));
    const alerts = await gateway.graphql('query($tenant: ID) { usageAlerts(tenant: $tenant, status: ACTIVE) { level } }', { tenant: admin['x-tenant-id'] });
    expect(alerts.data).toEqual({ usageAlerts: [{ level: 'CRITICAL' }] });

    const saved = await gateway.rest('POST', '/tenant/config', {
      headers: admin,
      body: { rateLimit: { enabled: true, default: { max: 1, windowSeconds: 60 } } },
    });
    expect(saved.status).toBe(200);
    expect((await limits([{ resource: 'bandwidth', metric: 'bytes', period: 'day', limit: 60, gateAction: 'block' }])).status).toBe(200);
    for (let n = 0; n < 3; n++)
      expect((await call('GET', '/data')).json()).toMatchObject({ message: expect.stringMatching(/^Limit exceeded: bandwidth bytes/) });
    expect((await limits([])).status).toBe(200);
    expect((await call('GET', '/data')).status).toBe(200);
    expect((await call('GET', '/data')).status).toBe(429);
  });

  test('tenantRoutes answers a key without usage:read the routes, not their usage', async () => {
    const { tenant } = await tenantWith({ routes: [{ path: '/data', method: 'GET', upstream: { url: 'UPSTREAM/data' } }] });
    const reader = await createKey(gateway, { scopes: ['CONFIG_READ'], tenant: tenant.id });
    const listed = await gateway.graphql('{ tenantRoutes { servedAt calls failures averageLatencyMs } }', {}, reader.secret);
    expect(listed.data).toEqual({ tenantRoutes: [{ servedAt: '/gw/data', calls: null, failures: null, averageLatencyMs: null }] });
  });
});
