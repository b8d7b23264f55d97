import { once } from 'node:events';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readEnvironment } from '../src/env.js';
import { createJobs } from '../src/jobs/jobs.js';
import { enqueueJob } from '../src/jobs/queue.js';
import { createLogger } from '../src/lib/logger.js';
import { tracingOn } from '../src/lib/tracing.js';
import { startTracing, type Tracing, tracingWanted } from '../src/telemetry/start-tracing.js';
import { createKey, createTenant, signupAccount } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

// Issue 30, item 3: OpenTelemetry spans, off by default; a caller's traceparent is continued
// through GraphQL, Prisma, tenant routes' upstream calls, queued jobs and webhook deliveries.

/** A loopback server that records the headers of each request: a tenant route's upstream and a webhook receiver at once. */
async function startRecorder() {
  const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      seen.push({ path: new URL(request.url!, 'http://recorder').pathname, headers: request.headers });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((resolve) => server.close(resolve)) };
}

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const callerParent = `00-${traceId}-00f067aa0ba902b7-01`;
const gatewayEnv = { TENANT_ROUTES_ALLOW_PRIVATE: 'on', WEBHOOK_ALLOW_PRIVATE: 'on', WEBHOOK_POLL_MS: 50 } as const;

let recorder: Awaited<ReturnType<typeof startRecorder>>;
beforeAll(async () => {
  recorder = await startRecorder();
});
afterAll(() => recorder.close());

/** A tenant with a route to the recorder and a webhook on stored secrets, and a key that may call both. */
async function tenantOf(gateway: TestGateway, label: string) {
  const tenant = await createTenant(gateway, { tier: 'PRO' });
  const key = await createKey(gateway, { scopes: ['ROUTES_CALL', 'CONFIG_READ', 'CONFIG_WRITE', 'SECRETS_WRITE'], tenant: tenant.id });
  const saved = await gateway.rest('POST', '/tenant/config', {
    headers: { authorization: `Bearer ${key.secret}` },
    body: {
      routes: [{ path: '/data', method: 'GET', upstream: { url: `${recorder.origin}/${label}/data` } }],
      webhooks: [{ url: `${recorder.origin}/${label}/hook`, events: ['secret.stored'] }],
    },
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  return { tenant, key };
}

const send = (gateway: TestGateway, path: string, init: { method?: string; key: string; body?: unknown }) =>
  gateway.app.fetch(
    new Request(`http://gateway.test${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${init.key}`, traceparent: callerParent, 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    }),
    {},
  );

test('tracing is off unless OTEL_TRACES_EXPORTER=otlp or an OTLP endpoint is set', () => {
  expect(tracingWanted(readEnvironment({}))).toBe(false);
  expect(tracingWanted(readEnvironment({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }))).toBe(true);
  expect(tracingWanted(readEnvironment({ OTEL_TRACES_EXPORTER: 'otlp' }))).toBe(true);
  expect(tracingWanted(readEnvironment({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }))).toBe(false);
  expect(() => readEnvironment({ OTEL_TRACES_EXPORTER: 'jaeger' })).toThrow(/OTEL_TRACES_EXPORTER/);
});

describe('with tracing off', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway({ env: gatewayEnv });
  });
  afterAll(() => gateway.close());

  test('nothing is registered: no tracer provider, no Prisma tracing helper; a caller traceparent reaches the upstream untouched', async () => {
    const { key } = await tenantOf(gateway, 'off');
    const answer = await send(gateway, '/gw/data', { key: key.secret });
    expect(answer.status).toBe(200);
    await answer.text();
    expect(tracingOn()).toBe(false);
    expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(false);
    expect(Object.keys(globalThis).filter((name) => name.includes('PRISMA_INSTRUMENTATION'))).toEqual([]);
    // Passed on as any other header: the gateway adds no span of its own.
    expect(recorder.seen.find((entry) => entry.path === '/off/data')?.headers.traceparent).toBe(callerParent);
  });
});

describe('with tracing on', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let gateway: TestGateway;
  beforeAll(async () => {
    tracing = (await startTracing(readEnvironment({}), exporter))!;
    gateway = await startGateway({ env: gatewayEnv });
  });
  afterAll(async () => {
    await gateway.close();
    await tracing.stop();
  });

  const inTrace = () => exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
  const named = (spans: ReadableSpan[], name: string | RegExp) =>
    spans.filter((span) => (typeof name === 'string' ? span.name === name : name.test(span.name)));
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  test('a GraphQL request with a traceparent: its server span continues the trace, with parse, validate, execute and Prisma queries below it', async () => {
    exporter.reset();
    const answer = await gateway.app.fetch(
      new Request('http://gateway.test/graphql', {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.adminKey}`, traceparent: callerParent, 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'query Tenants { tenants(first: 1) { edges { node { id } } } }' }),
      }),
      {},
    );
    expect(answer.status).toBe(200);
    await answer.text();
    const spans = inTrace();
    const [server] = named(spans, 'POST /graphql');
    expect(server, spans.map((span) => span.name).join(', ')).toBeDefined();
    expect(parentOf(server!)).toBe('00f067aa0ba902b7');
    expect(server!.attributes).toMatchObject({ 'http.route': '/graphql', 'http.response.status_code': 200, 'graphql.operation.name': 'Tenants' });
    for (const name of ['graphql.parse', 'graphql.validate', 'graphql.execute query.Tenants']) {
      expect(named(spans, name).map(parentOf), name).toEqual([server!.spanContext().spanId]);
    }
    const [execute] = named(spans, 'graphql.execute query.Tenants');
    const prisma = named(spans, 'prisma:client:operation');
    expect(prisma.length).toBeGreaterThan(0);
    expect(prisma.some((span) => parentOf(span) === execute!.spanContext().spanId)).toBe(true);
    expect(named(spans, 'prisma:client:db_query').length).toBeGreaterThan(0);
  });

  test("a tenant route's upstream gets a traceparent of the caller's trace, the upstream call's own span id", async () => {
    exporter.reset();
    const { key } = await tenantOf(gateway, 'on');
    const answer = await send(gateway, '/gw/data', { key: key.secret });
    expect(answer.status).toBe(200);
    await answer.text();
    const [client] = named(inTrace(), 'GET upstream');
    expect(client?.attributes).toMatchObject({ 'http.request.method': 'GET', 'url.path': '/on/data', 'http.response.status_code': 200 });
    const sent = recorder.seen.find((entry) => entry.path === '/on/data')?.headers.traceparent;
    expect(sent).toBe(`00-${traceId}-${client!.spanContext().spanId}-01`);
  });

  test('a change that queues a webhook: the job run and the delivery continue the trace, and the receiver gets its traceparent; no secret in any span', async () => {
    exporter.reset();
    const { key } = await tenantOf(gateway, 'hook');
    const secretValue = 'sk_live_never_in_a_span';
    const stored = await send(gateway, '/tenant/secrets', { method: 'POST', key: key.secret, body: { key: 'STRIPE_SECRET_KEY', value: secretValue } });
    expect(stored.status, await stored.text()).toBe(200);
    await expect.poll(() => recorder.seen.filter((entry) => entry.path === '/hook/hook').length, { timeout: 15_000 }).toBe(1);
    await expect.poll(() => named(inTrace(), 'job webhook-delivery').length, { timeout: 5_000 }).toBe(1);
    const spans = inTrace();
    const [job] = named(spans, 'job webhook-delivery');
    const [post] = named(spans, 'POST webhook');
    expect(parentOf(post!)).toBe(job!.spanContext().spanId);
    expect(recorder.seen.find((entry) => entry.path === '/hook/hook')?.headers.traceparent).toBe(`00-${traceId}-${post!.spanContext().spanId}-01`);
    // What a span says is names, ids and statuses: never a key, a password or a stored value.
    const said = JSON.stringify(exporter.getFinishedSpans().map((span) => [span.name, span.attributes, span.events]));
    for (const secret of [secretValue, key.secret, gateway.adminKey]) expect(said).not.toContain(secret);
    expect(said).not.toMatch(/bearer /i);
  });

  test("a failed job's span is an error, with the exception recorded", async () => {
    exporter.reset();
    const kind = `traced-failure-${Date.now()}`;
    const jobs = createJobs(gateway.database, createLogger('silent'), { pollMs: 100 });
    jobs.handle({
      kind,
      leaseMs: 10_000,
      maxAttempts: 1,
      async run() {
        throw new Error('the receiver answered 503');
      },
    });
    await jobs.start();
    try {
      await enqueueJob(gateway.database.prisma, { kind });
      jobs.wake(kind);
      await expect.poll(() => named(exporter.getFinishedSpans(), `job ${kind}`).length, { timeout: 10_000 }).toBe(1);
    } finally {
      await jobs.stop();
    }
    const [span] = named(exporter.getFinishedSpans(), `job ${kind}`);
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'the receiver answered 503' });
    expect(span!.events.map((event) => [event.name, event.attributes?.['exception.message']])).toEqual([['exception', 'the receiver answered 503']]);
  });

  test("an event stream's span lasts as long as the stream: open while it streams, ended when the caller closes it", async () => {
    exporter.reset();
    const tenant = await createTenant(gateway, {});
    await gateway.app.changes.barrier();
    const answer = await gateway.app.fetch(
      new Request('http://gateway.test/graphql', {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.adminKey}`, traceparent: callerParent, 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: `subscription Watch { tenantStateChanged(tenant: "${tenant.id}") { state } }` }),
      }),
      {},
    );
    expect(answer.headers.get('content-type')).toContain('text/event-stream');
    const reader = answer.body!.getReader();
    await reader.read();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(named(inTrace(), 'POST /graphql')).toEqual([]);
    const closedAt = Date.now();
    await reader.cancel();
    await expect.poll(() => named(inTrace(), 'POST /graphql').length, { timeout: 5_000 }).toBe(1);
    const [server] = named(inTrace(), 'POST /graphql');
    const endedAt = server!.endTime[0] * 1000 + server!.endTime[1] / 1e6;
    expect(endedAt).toBeGreaterThanOrEqual(closedAt - 1);
    expect(server!.attributes).toMatchObject({ 'http.response.status_code': 200, 'graphql.operation.name': 'Watch' });
  });

  test("a TenantsDB query: the transaction and the statement are spans of the caller's trace, with its command and never its text", async () => {
    const account = await signupAccount(gateway);
    const headers = { authorization: `Bearer ${account.key}` };
    expect((await gateway.rest('POST', '/workspaces', { headers, body: { name: 'traced', database: 'PostgreSQL', mode: 'tenant' } })).status).toBe(201);
    exporter.reset();
    const literal = 'literal-never-in-a-span';
    const ran = await gateway.rest('POST', '/workspaces/traced/queries', {
      headers: { ...headers, traceparent: callerParent },
      body: { query: `SELECT '${literal}' AS v` },
    });
    expect(ran.status, JSON.stringify(ran.body)).toBe(200);
    const spans = inTrace();
    const [transaction] = named(spans, 'tenantsdb transaction');
    const [statement] = named(spans, 'tenantsdb SELECT');
    expect(parentOf(statement!)).toBe(transaction!.spanContext().spanId);
    expect(statement!.attributes).toMatchObject({ 'db.system.name': 'postgresql', 'db.operation.name': 'SELECT', 'db.response.returned_rows': 1 });
    expect(JSON.stringify(exporter.getFinishedSpans().map((span) => span.attributes))).not.toContain(literal);
  });
});
