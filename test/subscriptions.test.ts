import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { GraphQLContext } from '../src/graphql/context.js';
import { SubscriptionSlots } from '../src/graphql/subscription-slots.js';
import { changesOf } from '../src/graphql/subscriptions.js';
import { Clock, watchChanges } from '../src/kernel/change-watch.js';
import { type Change, changePayload, parseChange } from '../src/gateway-db/change-feed.js';
import { createKey, createTenant } from './support/fixtures.js';
import { freshPostgresDatabase, startGateway, type TestGateway, testRateLimits } from './support/gateway.js';
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
  // A read outlives a wait that timed out: the next wait takes its chunk rather than losing it.
  let reading: ReturnType<typeof reader.read> | null = null;
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
        reading ??= reader.read();
        const chunk = await Promise.race([reading, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no event in time')), left))]);
        reading = null;
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

test('a watcher of a key wakes for a change that names that key, not for another key of its tenant or a key of none; one naming no key wakes it by tenant', async () => {
  const listeners: { heard(change: Change): void; lost(): void }[] = [];
  const feed = {
    subscribe(listener: (typeof listeners)[number]) {
      listeners.push(listener);
      return () => listeners.splice(listeners.indexOf(listener), 1);
    },
  };
  const aborted = new AbortController();
  const rows = new Map([['ApiKey', new Set(['key-a'])]]);
  const wakes = watchChanges(feed, { tables: new Set(['Tenant', 'ApiKey']), tenants: new Set(['t1']), rows, signal: aborted.signal });
  const woken: string[] = [];
  const consumed = (async () => {
    for await (const wake of wakes) woken.push(wake);
  })();
  await new Promise((resolve) => setImmediate(resolve));
  // What the triggers send travels through the payload and back (the Redis relay passes it on).
  const hear = (payload: string) => listeners[0]!.heard(parseChange(changePayload(parseChange(payload)!))!);
  hear('ApiKey * UPDATE key-b');
  hear('ApiKey t1 UPDATE key-c');
  await new Promise((resolve) => setImmediate(resolve));
  expect(woken).toEqual([]);
  hear('ApiKey * UPDATE key-a');
  await new Promise((resolve) => setImmediate(resolve));
  expect(woken).toEqual(['changed']);
  hear('ApiKey t1 UPDATE');
  await new Promise((resolve) => setImmediate(resolve));
  expect(woken).toEqual(['changed', 'changed']);
  aborted.abort();
  await consumed;
});

test('the subscription clock spreads its watchers over its slices: each beat wakes one slice, each watcher once a round', () => {
  const clock = new Clock(3);
  const woken: number[] = [];
  const stops = Array.from({ length: 7 }, (_, index) => clock.subscribe(() => woken.push(index)));
  const beats: number[][] = [];
  for (let beat = 0; beat < 3; beat++) {
    woken.length = 0;
    clock.strike();
    beats.push([...woken]);
  }
  // No beat wakes more than its share (7 watchers, 3 slices: at most 3), and the round wakes each watcher once.
  for (const beat of beats) expect(beat.length).toBeLessThanOrEqual(3);
  expect(beats.flat().sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  // A watcher that leaves is woken no more; the next round wakes the others once again.
  stops[0]!();
  woken.length = 0;
  for (let beat = 0; beat < 3; beat++) clock.strike();
  expect(woken.sort()).toEqual([1, 2, 3, 4, 5, 6]);
});

test('subscription slots: per holder and in all, each given back once', () => {
  const slots = new SubscriptionSlots(2, 3);
  const a1 = slots.take('a');
  slots.take('a');
  expect(() => slots.take('a')).toThrow(/SUBSCRIPTIONS_PER_KEY is 2/);
  slots.take('b');
  expect(() => slots.take('c')).toThrow(/most open subscriptions \(3\)/);
  a1();
  a1();
  expect(slots.total).toBe(2);
  slots.take('c');
  expect(() => slots.take('a')).toThrow(/most open/);
});

test('a caller gone during the first read gives its slot back: the stream is never pulled, and its signal fires no more', async () => {
  const slots = new SubscriptionSlots(1, 10);
  const leaving = new AbortController();
  const ctx = { changes: {}, signal: leaving.signal, subscriptionSlots: slots, principal: { id: 'key-1' } } as unknown as GraphQLContext;
  const read = async () => {
    // The caller leaves while the first read (the authorization) is under way.
    leaving.abort();
    return { id: 'tenant-1' };
  };
  await changesOf(ctx, { tenant: 'tenant-1', tenantId: (value) => value.id, tables: ['Tenant'] }, read, (value) => value.id);
  expect(slots.total).toBe(0);
  expect(() => slots.take('key-1')).not.toThrow();
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

describe("a key's change wakes only the subscriptions opened with that key", () => {
  let gateway: TestGateway;
  const local = (request: Request) => gateway.app.fetch(request);
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());

  /** Writes the tenant's status without announcing it: a subscription sees it only if something else wakes it. */
  const suspendUnannounced = (tenantId: string) =>
    gateway.database.prisma.$transaction([
      gateway.database.prisma.$executeRawUnsafe('ALTER TABLE "Tenant" DISABLE TRIGGER "announce_change"'),
      gateway.database.prisma.$executeRaw`UPDATE "Tenant" SET "status" = 'SUSPENDED' WHERE "id" = ${tenantId}::uuid`,
      gateway.database.prisma.$executeRawUnsafe('ALTER TABLE "Tenant" ENABLE TRIGGER "announce_change"'),
    ]);

  // Operator keys name no tenant (announced as "*"); two keys of one tenant are announced by that tenant.
  test.each([
    ['two operator keys', false],
    ['two keys of the watched tenant', true],
  ])('%s: revoking key A ends A’s subscription and does not wake B’s', async (_name, tenantKeys) => {
    const tenant = await createTenant(gateway, {});
    const [a, b] = await Promise.all(
      [0, 1].map(() => createKey(gateway, { scopes: ['TENANTS_READ', 'KEYS_WRITE'], ...(tenantKeys ? { tenant: tenant.id } : {}) })),
    );
    await gateway.app.changes.barrier();
    const watch = `subscription { tenantStateChanged(tenant: "${tenant.id}") { state } }`;
    const watchingA = events(await subscribe(local, 'http://gateway.test', a!.secret, watch));
    const watchingB = events(await subscribe(local, 'http://gateway.test', b!.secret, watch));
    await new Promise((resolve) => setTimeout(resolve, 200));

    await suspendUnannounced(tenant.id);
    expect((await gateway.graphql(`mutation { revokeApiKey(id: "${a!.apiKey.id}") { id } }`)).errors).toBeUndefined();
    const ended = await watchingA.next();
    expect(ended.data.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await watchingA.next()).event).toBe('complete');
    // B woken would re-read the tenant and send the suspension it was not told of.
    await gateway.app.changes.barrier();
    await expect(watchingB.next(500)).rejects.toThrow('no event in time');

    // B is alive: the next change announced for its tenant wakes it, and it sends what it reads.
    await gateway.database.prisma.$executeRaw`UPDATE "Tenant" SET "name" = "name" WHERE "id" = ${tenant.id}::uuid`;
    expect((await watchingB.next()).data.data.tenantStateChanged.state).toBe('SUSPENDED');
    await watchingB.cancel();
  });
});

describe('a subscription is an operation like any other: tier quota, metering, metrics', () => {
  let gateway: TestGateway;
  const local = (request: Request) => gateway.app.fetch(request);
  beforeAll(async () => {
    gateway = await startGateway({
      rateLimits: { ...testRateLimits, tierPerMinute: { ...testRateLimits.tierPerMinute, FREE: 3 } },
      // The test flushes the meter itself.
      env: { USAGE_FLUSH_INTERVAL_MS: 300_000 },
    });
  });
  afterAll(() => gateway.close());

  /** The count of a labelled sample of /metrics (0 when absent). */
  async function sample(name: string, labels: string): Promise<number> {
    const text = await (await local(new Request('http://gateway.test/metrics'))).text();
    const line = text.split('\n').find((each) => each.startsWith(`${name}{${labels}} `));
    return line ? Number(line.split(' ').at(-1)) : 0;
  }
  const graphqlOk = () => sample('gateway_graphql_operation_duration_seconds_count', 'operation="graphql",outcome="ok"');
  const graphqlError = () => sample('gateway_graphql_operation_duration_seconds_count', 'operation="graphql",outcome="error"');
  const rateLimited = () => sample('gateway_errors_total', 'code="RATE_LIMITED"');

  test("opening one spends one of the key's calls a minute, is metered as one call and observed as one operation; at the quota it is refused RATE_LIMITED as a query is", async () => {
    const tenant = await createTenant(gateway, { tier: 'FREE' });
    const key = (await createKey(gateway, { scopes: ['TENANTS_READ'], tenant: tenant.id })).secret;
    await gateway.app.changes.barrier();
    const watch = `subscription Watch { tenantStateChanged(tenant: "${tenant.id}") { state } }`;
    const okBefore = await graphqlOk();
    const opened = await subscribe(local, 'http://gateway.test', key, watch);
    expect(opened.status).toBe(200);
    expect(await graphqlOk()).toBe(okBefore + 1);
    // The subscription was the first of 3 calls this minute: two queries pass, the third is refused.
    const query = `{ tenant(id: "${tenant.id}") { id } }`;
    for (let index = 0; index < 2; index++) expect((await gateway.graphql(query, {}, key)).errors).toBeUndefined();
    const refusedQuery = await gateway.graphql(query, {}, key);
    expect(refusedQuery.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', policy: 'tier-free', limit: 3 });

    const [errorsBefore, limitedBefore] = [await graphqlError(), await rateLimited()];
    const refused = await events(await subscribe(local, 'http://gateway.test', key, watch)).next();
    expect(refused.event).toBe('next');
    expect(refused.data.data ?? null).toBeNull();
    expect(refused.data.errors).toHaveLength(1);
    expect(refused.data.errors[0].message).toBe(refusedQuery.errors![0]!.message);
    expect(refused.data.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', policy: 'tier-free', limit: 3, windowSeconds: 60 });
    expect([await graphqlError(), await rateLimited()]).toEqual([errorsBefore + 1, limitedBefore + 1]);

    await events(opened).cancel();
    await gateway.app.meter.flush();
    // One call for the subscription that opened, whatever it sent since; none for the one refused at the quota, as for an executed query.
    const rows = await gateway.database.prisma.apiCallStat.findMany({ where: { tenantId: tenant.id, endpoint: 'graphql Watch' } });
    expect(rows.map((row) => [row.endpoint, row.calls, row.failures])).toEqual([['graphql Watch', 1, 0]]);
  });

  test("an operator's subscription is metered to the tenant it watches; one refused before it starts counts a failure", async () => {
    const tenant = await createTenant(gateway, { tier: 'FREE' });
    const opened = await subscribe(
      local,
      'http://gateway.test',
      gateway.adminKey,
      `subscription Follow { tenantStateChanged(tenant: "${tenant.slug}") { state } }`,
    );
    expect(opened.status).toBe(200);
    const scopeless = (await createKey(gateway, { scopes: ['CONFIG_READ'], tenant: tenant.id })).secret;
    const forbidden = await events(
      await subscribe(local, 'http://gateway.test', scopeless, `subscription Follow { tenantStateChanged(tenant: "${tenant.id}") { state } }`),
    ).next();
    expect(forbidden.data.errors[0].extensions.code).toBe('FORBIDDEN');
    await events(opened).cancel();
    await gateway.app.meter.flush();
    const [row] = await gateway.database.prisma.apiCallStat.findMany({ where: { tenantId: tenant.id, endpoint: 'graphql Follow' } });
    expect(row).toMatchObject({ calls: 2, failures: 1 });
  });
});

describe('jobProgress', () => {
  // Regional deploy phases of 150 ms: the job's queue handler ends each one as it falls due.
  const phases = { REGIONAL_DEPLOY_DATABASE_MIGRATION_MS: 150, REGIONAL_DEPLOY_DNS_UPDATE_MS: 150, REGIONAL_DEPLOY_SSL_SETUP_MS: 150 };
  let gateway: TestGateway;
  const local = (request: Request) => gateway.app.fetch(request);
  beforeAll(async () => {
    gateway = await startGateway({ env: { ...phases, SUBSCRIPTIONS_PER_KEY: 2 } });
  });
  afterAll(() => gateway.close());

  test('sends where the job stands at once, each phase as it ends, the finished state, then completes', async () => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE' });
    const key = (await createKey(gateway, { scopes: ['DEPLOYMENTS_READ'], tenant: tenant.id })).secret;
    await gateway.app.changes.barrier();
    const started = await gateway.graphql<any, never>(`mutation { deployTenant(tenant: "${tenant.id}", input: { region: "eu-west-1" }) { id } }`);
    expect(started.errors).toBeUndefined();
    const id = started.data!.deployTenant.id;
    const stream = events(
      await subscribe(
        local,
        'http://gateway.test',
        key,
        `subscription { jobProgress(id: "${id}") { id kind state phase done total finished tenantId regionalDeploy { region status } } }`,
      ),
    );
    const seen: any[] = [];
    for (;;) {
      const event = await stream.next();
      if (event.event === 'complete') break;
      expect(event.event).toBe('next');
      expect(event.data.errors).toBeUndefined();
      seen.push(event.data.data.jobProgress);
    }
    expect(seen[0]).toMatchObject({ id, kind: 'REGIONAL_DEPLOY', tenantId: tenant.id, total: 3, finished: false });
    expect(seen.at(-1)).toMatchObject({
      state: 'SUCCEEDED',
      phase: 'DONE',
      done: 3,
      total: 3,
      finished: true,
      regionalDeploy: { region: 'eu-west-1', status: 'COMPLETED' },
    });
    // Each event is a step forward: never the same step twice, never backwards.
    const steps = seen.map((progress) => progress.done);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(new Set(seen.map((progress) => progress.phase)).size).toBe(seen.length);
    // The query of the same name reads the same record.
    const read = await gateway.graphql<any, object>(`{ jobProgress(id: "${id}") { state done finished } }`, {}, key);
    expect(read.data!.jobProgress).toEqual({ state: 'SUCCEEDED', done: 3, finished: true });
  });

  test("a finished job sends its state once and completes; an id that names no job, or another tenant's, is NOT_FOUND", async () => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE' });
    const other = await createTenant(gateway, { tier: 'ENTERPRISE' });
    const started = await gateway.graphql<any, never>(`mutation { deployTenant(tenant: "${tenant.id}", input: { region: "eu-west-1" }) { id } }`);
    const id = started.data!.deployTenant.id;
    await expect
      .poll(async () => (await gateway.graphql<any, never>(`{ jobProgress(id: "${id}") { finished } }`)).data?.jobProgress.finished, { timeout: 10_000 })
      .toBe(true);
    const operator = gateway.adminKey;
    const done = events(await subscribe(local, 'http://gateway.test', operator, `subscription { jobProgress(id: "${id}") { state } }`));
    expect((await done.next()).data.data.jobProgress.state).toBe('SUCCEEDED');
    expect((await done.next()).event).toBe('complete');
    const otherKey = (await createKey(gateway, { scopes: ['DEPLOYMENTS_READ'], tenant: other.id })).secret;
    for (const [who, ask] of [
      [otherKey, id],
      [operator, '00000000-0000-4000-8000-000000000000'],
      [operator, 'not-a-uuid'],
    ] as const) {
      const refused = events(await subscribe(local, 'http://gateway.test', who, `subscription { jobProgress(id: "${ask}") { state } }`));
      const first = await refused.next();
      expect(first.data.errors[0].extensions.code).toBe('NOT_FOUND');
      expect(first.data.errors[0].message).toBe(`Job not found: ${ask}`);
    }
  });

  test('a key holds at most SUBSCRIPTIONS_PER_KEY open subscriptions (here 2); one closed frees its slot', async () => {
    const tenant = await createTenant(gateway, {});
    const key = (await createKey(gateway, { scopes: ['TENANTS_READ'], tenant: tenant.id })).secret;
    const open = async () =>
      events(await subscribe(local, 'http://gateway.test', key, `subscription { tenantStateChanged(tenant: "${tenant.id}") { state } }`));
    const first = await open();
    const second = await open();
    // An accepted subscription sends nothing until a change: give both a moment to take their slots.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const third = await (await open()).next();
    expect(third.data.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(third.data.errors[0].message).toContain('SUBSCRIPTIONS_PER_KEY is 2');
    await first.cancel();
    await expect
      .poll(async () => {
        const again = await open();
        const outcome = await again.next(400).catch(() => 'open');
        await again.cancel();
        return outcome === 'open' ? 'open' : (outcome as { data: any }).data.errors?.[0]?.extensions?.code;
      })
      .toBe('open');
    await second.cancel();
  });
});

const serverUrl = process.env.TEST_POSTGRES_URL;
const adminKey = 'subscriptions-operator-key-0123456789';

const redisUrl = process.env.TEST_REDIS_URL;
// The same feed two ways: each process LISTENs on PostgreSQL, or one relays to Redis pub/sub (CHANGE_FEED=redis).
const feeds: [string, Record<string, string>][] = [
  ['postgres', {}],
  ...(redisUrl ? [['redis', { CHANGE_FEED: 'redis', REDIS_URL: redisUrl }] as [string, Record<string, string>]] : []),
];

test.skipIf(!serverUrl).each(feeds)(
  'a change committed through one process reaches subscriptions on the other (CHANGE_FEED=%s)',
  { timeout: 180_000 },
  async (feed, feedEnv) => {
    const database = await freshPostgresDatabase(serverUrl!, `gateway_subscriptions_${feed}`, process.env.TEST_POSTGRES_TEMPLATE);
    const env = {
      DATABASE_URL: database.url,
      GATEWAY_ADMIN_KEY: adminKey,
      BACKUP_SCHEDULER: 'off',
      LOG_LEVEL: 'warn',
      TENANTSDB_PROXY: 'off',
      REGIONAL_DEPLOY_DATABASE_MIGRATION_MS: '200',
      REGIONAL_DEPLOY_DNS_UPDATE_MS: '200',
      REGIONAL_DEPLOY_SSL_SETUP_MS: '200',
      ...feedEnv,
    };
    const servers: ServerProcess[] = [];
    const observer = new pg.Client({ connectionString: database.url });
    await observer.connect();
    try {
      servers.push(...(await Promise.all([startServerProcess(env), startServerProcess(env)])));
      const [a, b] = servers as [ServerProcess, ServerProcess];
      // Over Redis one process listens on the database for both; otherwise each listens for itself.
      const listening = async () =>
        Number(
          (
            await observer.query(
              "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'tenant-gateway changes'",
            )
          ).rows[0].n,
        );
      await expect.poll(listening, { timeout: 15_000 }).toBe(feed === 'redis' ? 1 : 2);
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
      // The relay announces itself each second: give both a beat to hear it before writing.
      await new Promise((resolve) => setTimeout(resolve, feed === 'redis' ? 2_500 : 500));
      const started = performance.now();
      expect(
        (await graphql(a, `mutation { updateTenantConfig(tenant: "${tenantId}", input: { performance: { cacheSizeMb: 3072 } }) { updatedCount } }`)).errors,
      ).toBeUndefined();
      const event = await stream.next();
      expect(event.data.data.tenantConfigChanged.performance.cacheSizeMb).toBe(3072);
      console.info(`CHANGE_FEED=${feed}: a subscription on B heard A's commit in ${Math.round(performance.now() - started)} ms`);
      await stream.cancel();

      // A job started through A, run by whichever process claims it, followed from B to its end.
      const deployed = await graphql(a, `mutation { deployTenant(tenant: "${tenantId}", input: { region: "eu-west-1" }) { id } }`);
      expect(deployed.errors).toBeUndefined();
      const progress = events(
        await subscribe(fetch, b.url, adminKey, `subscription { jobProgress(id: "${deployed.data.deployTenant.id}") { state done finished } }`),
      );
      let last: any = null;
      for (;;) {
        const next = await progress.next(20_000);
        if (next.event === 'complete') break;
        expect(next.data.errors).toBeUndefined();
        last = next.data.data.jobProgress;
      }
      expect(last).toEqual({ state: 'SUCCEEDED', done: 3, finished: true });
    } finally {
      await observer.end();
      await Promise.all(servers.map((server) => server.stop()));
      await database.drop();
    }
  },
);
