import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Clock, watchChanges } from '../src/kernel/change-watch.js';
import { createKey, createTenant } from './support/fixtures.js';
import { freshPostgresDatabase, startGateway, type TestGateway } from './support/gateway.js';
import { type ServerProcess, startServerProcess } from './support/server-process.js';

// Issue 30, item 6: subscriptions over SSE (GraphQL over SSE, distinct connections), fed by the
// change feed: tenantConfigChanged, tenantStateChanged. Authorization applies to the
// subscription and to every event; a revoked key ends it. Across two processes: the last test
// (PostgreSQL: PGlite cannot be shared between processes).

type Event = { event: string; data: any };

/** Reads a text/event-stream answer event by event. */
function events(response: Response) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    async next(timeoutMs = 10_000): Promise<Event> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n').filter((line) => !line.startsWith(':'));
          if (lines.length === 0) continue;
          const event =
            lines
              .find((line) => line.startsWith('event:'))
              ?.slice(6)
              .trim() ?? 'message';
          const data = lines
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trim())
            .join('\n');
          return { event, data: data ? JSON.parse(data) : null };
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('no event in time');
        const chunk = await Promise.race([reader.read(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no event in time')), left))]);
        if (chunk.done) return { event: 'eof', data: null };
        buffer += chunk.value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

const subscribe = (fetcher: (request: Request) => Promise<Response>, url: string, key: string, query: string) =>
  fetcher(
    new Request(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query }),
    }),
  );

test('a watcher wakes for its tables and tenants, on a lost feed and on the clock; a burst is one wake; abort ends it', async () => {
  const listeners: { heard(change: { table: string; tenant: string; op: string }): void; lost(): void }[] = [];
  const feed = {
    subscribe(listener: (typeof listeners)[number]) {
      listeners.push(listener);
      return () => listeners.splice(listeners.indexOf(listener), 1);
    },
  };
  const clock = new Clock();
  const aborted = new AbortController();
  const wakes = watchChanges(feed, { tables: new Set(['TenantConfig']), tenants: new Set(['t1']), signal: aborted.signal, clock });
  const first = wakes.next();
  await new Promise((resolve) => setImmediate(resolve));
  listeners[0]!.heard({ table: 'TenantConfig', tenant: 't2', op: 'UPDATE' });
  listeners[0]!.heard({ table: 'Tenant', tenant: 't1', op: 'UPDATE' });
  listeners[0]!.heard({ table: 'TenantConfig', tenant: 't1', op: 'UPDATE' });
  listeners[0]!.heard({ table: 'TenantConfig', tenant: '*', op: 'TRUNCATE' });
  expect(await first).toEqual({ value: 'changed', done: false });
  clock.strike();
  expect(await wakes.next()).toEqual({ value: 'tick', done: false });
  listeners[0]!.lost();
  clock.strike();
  expect(await wakes.next()).toEqual({ value: 'lost', done: false });
  const last = wakes.next();
  aborted.abort();
  expect(await last).toEqual({ value: undefined, done: true });
  expect(listeners).toHaveLength(0);
});

describe('on one gateway', () => {
  let gateway: TestGateway;
  let tenant: { id: string; slug: string };
  let key: string;
  const local = (request: Request) => gateway.app.fetch(request);

  beforeAll(async () => {
    gateway = await startGateway();
    tenant = await createTenant(gateway, {});
    key = (await createKey(gateway, { scopes: ['CONFIG_READ', 'TENANTS_READ'], tenant: tenant.id })).secret;
    await gateway.app.changes.barrier();
  });
  afterAll(() => gateway.close());

  test('tenantConfigChanged sends each new version, then ends with UNAUTHENTICATED when its key is revoked', async () => {
    const response = await subscribe(
      local,
      'http://gateway.test',
      key,
      `subscription { tenantConfigChanged(tenant: "${tenant.slug}") { version performance { cacheSizeMb } } }`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    // Never compressed (Yoga marks event streams `none` so that proxies do not buffer them).
    expect(['br', 'gzip']).not.toContain(response.headers.get('content-encoding'));
    const stream = events(response);
    // A subscription starts after its first read: give it a moment before writing.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const cacheSizeMb of [2048, 4096]) {
      const updated = await gateway.graphql(
        `mutation { updateTenantConfig(tenant: "${tenant.id}", input: { performance: { cacheSizeMb: ${cacheSizeMb} } }) { config { version } } }`,
      );
      expect(updated.errors).toBeUndefined();
      const event = await stream.next();
      expect(event.event).toBe('next');
      expect(event.data.data.tenantConfigChanged.performance.cacheSizeMb).toBe(cacheSizeMb);
    }
    const [{ id: keyId }] = (await gateway.graphql<any, never>(`{ apiKeys(first: 50) { edges { node { id prefix } } } }`))
      .data!.apiKeys.edges.map((edge: any) => edge.node)
      .filter((node: any) => key.startsWith(node.prefix));
    expect((await gateway.graphql(`mutation { revokeApiKey(id: "${keyId}") { id } }`)).errors).toBeUndefined();
    const ended = await stream.next();
    expect(ended.event).toBe('next');
    expect(ended.data.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await stream.next()).event).toBe('complete');
  });

  test('tenantStateChanged sends a suspension and a resumption; a change of something else sends nothing', async () => {
    const own = (await createKey(gateway, { scopes: ['TENANTS_READ'], tenant: tenant.id })).secret;
    await gateway.app.changes.barrier();
    const stream = events(await subscribe(local, 'http://gateway.test', own, `subscription { tenantStateChanged(tenant: "${tenant.id}") { slug state } }`));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(
      (await gateway.graphql(`mutation { updateTenantConfig(tenant: "${tenant.id}", input: { performance: { cacheSizeMb: 1024 } }) { updatedCount } }`)).errors,
    ).toBeUndefined();
    expect((await gateway.graphql(`mutation { suspendTenant(id: "${tenant.id}") { state } }`)).errors).toBeUndefined();
    const suspended = await stream.next();
    expect(suspended.data.data.tenantStateChanged).toEqual({ slug: tenant.slug, state: 'SUSPENDED' });
    const resumed = await gateway.graphql<any, never>(`mutation { resumeTenant(id: "${tenant.id}") { state } }`);
    expect(resumed.errors).toBeUndefined();
    expect((await stream.next()).data.data.tenantStateChanged.state).toBe(resumed.data!.resumeTenant.state);
    await stream.cancel();
  });

  test("another tenant's key, or a key without the scope, is refused before any event", async () => {
    const other = await createTenant(gateway, {});
    const otherKey = (await createKey(gateway, { scopes: ['CONFIG_READ', 'TENANTS_READ'], tenant: other.id })).secret;
    const foreign = events(await subscribe(local, 'http://gateway.test', otherKey, `subscription { tenantConfigChanged(tenant: "${tenant.id}") { version } }`));
    const refused = await foreign.next();
    expect(refused.data.errors[0].extensions.code).toBe('NOT_FOUND');
    expect(refused.data.data ?? null).toBeNull();
    const scopeless = (await createKey(gateway, { scopes: ['TENANTS_READ'], tenant: tenant.id })).secret;
    const forbidden = events(
      await subscribe(local, 'http://gateway.test', scopeless, `subscription { tenantConfigChanged(tenant: "${tenant.id}") { version } }`),
    );
    expect((await forbidden.next()).data.errors[0].extensions.code).toBe('FORBIDDEN');
  });
});

const serverUrl = process.env.TEST_POSTGRES_URL;
const adminKey = 'subscriptions-operator-key-0123456789';

test.skipIf(!serverUrl)('a change committed through one process reaches a subscription on the other', { timeout: 180_000 }, async () => {
  const database = await freshPostgresDatabase(serverUrl!, 'gateway_subscriptions', process.env.TEST_POSTGRES_TEMPLATE);
  const env = { DATABASE_URL: database.url, GATEWAY_ADMIN_KEY: adminKey, BACKUP_SCHEDULER: 'off', LOG_LEVEL: 'warn', TENANTSDB_PROXY: 'off' };
  const servers: ServerProcess[] = [];
  try {
    servers.push(...(await Promise.all([startServerProcess(env), startServerProcess(env)])));
    const [a, b] = servers as [ServerProcess, ServerProcess];
    const graphql = async (server: ServerProcess, query: string) =>
      (await (
        await fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
          body: JSON.stringify({ query }),
        })
      ).json()) as any;
    const slug = `sse-${randomBytes(3).toString('hex')}`;
    const created = await graphql(a, `mutation { createTenant(input: { slug: "${slug}", name: "SSE" }) { id } }`);
    const tenantId = created.data.createTenant.id;
    const stream = events(
      await subscribe(fetch, b.url, adminKey, `subscription { tenantConfigChanged(tenant: "${tenantId}") { version performance { cacheSizeMb } } }`),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = performance.now();
    expect(
      (await graphql(a, `mutation { updateTenantConfig(tenant: "${tenantId}", input: { performance: { cacheSizeMb: 3072 } }) { updatedCount } }`)).errors,
    ).toBeUndefined();
    const event = await stream.next();
    expect(event.data.data.tenantConfigChanged.performance.cacheSizeMb).toBe(3072);
    console.info(`subscription on B heard A's commit in ${Math.round(performance.now() - started)} ms`);
    await stream.cancel();
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await database.drop();
  }
});
