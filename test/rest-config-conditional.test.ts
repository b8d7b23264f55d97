import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { App } from '../src/app.js';
import { createKey, createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway, testRateLimits } from './support/gateway.js';
import { startReplica, within } from './support/replica.js';

// GET /api/v1/tenants/{id}/config with If-None-Match, and the response cache behind it.

const readsPerMinute = 5;
let gateway: TestGateway;
let replica: App;
let auth: Record<string, string>;
beforeAll(async () => {
  const rateLimits = { ...testRateLimits, fields: { ...testRateLimits.fields, 'Query.tenantConfig': readsPerMinute } };
  gateway = await startGateway({ rateLimits });
  replica = await startReplica(gateway, {}, rateLimits);
  auth = { authorization: `Bearer ${gateway.adminKey}` };
});
afterAll(async () => {
  await replica.close();
  await gateway.close();
});

const get = (id: string, headers: Record<string, string> = {}) => gateway.rest('GET', `/api/v1/tenants/${id}/config`, { headers: { ...auth, ...headers } });
const put = (id: string, body: unknown) => gateway.rest('PUT', `/api/v1/tenants/${id}/config`, { headers: auth, body });

describe('If-None-Match', () => {
  test('a matching ETag is 304 with the ETag and no body', async () => {
    const tenant = await createTenant(gateway);
    const first = await get(tenant.id);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toBe('"v1"');

    const again = await get(tenant.id, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.body).toBeUndefined();
    expect((await get(tenant.slug, { 'if-none-match': `"v7", W/${etag}` })).status).toBe(304);
    expect((await get(tenant.id, { 'if-none-match': '*' })).status).toBe(304);
  });

  test('after a PUT the old ETag is 200 with the new configuration and the new ETag', async () => {
    const tenant = await createTenant(gateway);
    const etag = (await get(tenant.id)).headers.get('etag')!;
    expect((await put(tenant.id, { performance: { cache_size_mb: 2048 } })).status).toBe(200);

    const changed = await get(tenant.id, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe('"v2"');
    expect(changed.body.performance.cache_size_mb).toBe(2048);
  });

  test("a 304 is a configuration read: it counts against the tenant's limit and is metered", async () => {
    const tenant = await createTenant(gateway);
    const { secret } = await createKey(gateway, { scopes: ['CONFIG_READ'], tenant: tenant.id });
    const own = { authorization: `Bearer ${secret}` };
    const etag = (await get(tenant.id, own)).headers.get('etag')!;
    for (let read = 1; read < readsPerMinute; read++) expect((await get(tenant.id, { ...own, 'if-none-match': etag })).status).toBe(304);

    const refused = await get(tenant.id, { ...own, 'if-none-match': etag });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: 'Too Many Requests', code: 429, tenant_id: tenant.id });

    await gateway.app.meter.flush();
    const stat = await gateway.database.prisma.apiCallStat.findFirst({ where: { tenantId: tenant.id, endpoint: 'GET /api/v1/tenants/{id}/config' } });
    expect(stat).toMatchObject({ calls: readsPerMinute + 1, failures: 1 });
  });

  test("another tenant's key gets 404, not 304, and a refused key 401", async () => {
    const tenant = await createTenant(gateway);
    const other = await createTenant(gateway);
    const intruder = await createKey(gateway, { scopes: ['CONFIG_READ'], tenant: other.id });
    const etag = (await get(tenant.id)).headers.get('etag')!;

    const hidden = await get(tenant.id, { authorization: `Bearer ${intruder.secret}`, 'if-none-match': etag });
    expect(hidden.status).toBe(404);
    expect(hidden.headers.get('etag')).toBeNull();
    expect(hidden.body).toEqual({ error: 'Not Found', message: 'Tenant does not exist', code: 404, tenant_id: tenant.id });
    expect((await get(tenant.id, { authorization: 'Bearer not-a-key', 'if-none-match': etag })).status).toBe(401);
  });
});

describe('the response cache (issue 28)', () => {
  test('a PUT through another replica is seen here once the change feed says so; no-cache reads through at once', async () => {
    const tenant = await createTenant(gateway);
    expect((await get(tenant.id)).headers.get('etag')).toBe('"v1"');
    expect((await get(tenant.id)).headers.get('etag')).toBe('"v1"');

    const written = await replica.fetch(
      new Request(`http://gateway.test/api/v1/tenants/${tenant.id}/config`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ security: { session_timeout_mins: 45 } }),
      }),
    );
    expect(written.status).toBe(200);

    const through = await get(tenant.id, { 'cache-control': 'no-cache' });
    expect(through.headers.get('etag')).toBe('"v2"');
    expect(through.body.security.session_timeout_mins).toBe(45);
    await within(45, async () => (await get(tenant.id)).body.security.session_timeout_mins);
    expect((await get(tenant.id)).headers.get('etag')).toBe('"v2"');
  });

  test('a warm GET sends no SQL; a write on this replica drops the answer before it is acknowledged', async () => {
    const tenant = await createTenant(gateway);
    // The tenant's creation is announced too: heard before the reads, it drops nothing they keep.
    await gateway.app.changes.barrier();
    const cold = await gateway.countQueries(() => get(tenant.id));
    expect(cold).toHaveLength(1);
    expect(cold[0]).toMatch(/"document"/);

    let body: unknown;
    const warm = await gateway.countQueries(async () => {
      body = (await get(tenant.id)).body;
    });
    expect(warm).toHaveLength(0);
    expect(body).toEqual((await get(tenant.id, { 'cache-control': 'no-cache' })).body);

    expect((await put(tenant.id, { performance: { cache_size_mb: 512 } })).status).toBe(200);
    const changed = await gateway.countQueries(async () => {
      body = (await get(tenant.id)).body;
    });
    expect(changed).toHaveLength(1);
    expect(body).toMatchObject({ performance: { cache_size_mb: 512 } });
  });

  test('a change written straight to the database (a job, another tool) is heard and drops the answer', async () => {
    const tenant = await createTenant(gateway);
    expect((await get(tenant.id)).body.performance.cache_size_mb).not.toBe(4096);
    const config = await gateway.database.prisma.tenantConfig.findUniqueOrThrow({ where: { tenantId: tenant.id } });
    const document = config.document as { performance: Record<string, unknown> };
    await gateway.database.prisma.tenantConfig.update({
      where: { tenantId: tenant.id },
      data: { document: { ...document, performance: { ...document.performance, cache_size_mb: 4096 } }, version: { increment: 1 } },
    });
    await within(4096, async () => (await get(tenant.id)).body.performance.cache_size_mb);
  });

  test("a key's cached answer is not another key's: a key that cannot read the tenant is refused from the cache too", async () => {
    const tenant = await createTenant(gateway);
    const other = await createTenant(gateway);
    expect((await get(tenant.id)).status).toBe(200);
    expect((await get(tenant.id)).status).toBe(200);
    const intruder = await createKey(gateway, { scopes: ['CONFIG_READ'], tenant: other.id });
    expect((await get(tenant.id, { authorization: `Bearer ${intruder.secret}` })).status).toBe(404);
    const own = await createKey(gateway, { scopes: ['TENANTS_READ'], tenant: tenant.id });
    expect((await get(tenant.id, { authorization: `Bearer ${own.secret}` })).status).toBe(403);
  });

  test("a read by slug is dropped by any tenant's change (which tenant a slug names depends on the others); a list by state is never kept", async () => {
    const tenant = await createTenant(gateway);
    const other = await createTenant(gateway);
    await gateway.app.changes.barrier();
    const bySlug = () => gateway.graphql(`{ tenant(id: "${tenant.slug}") { id config { version } } }`);
    expect((await bySlug()).errors).toBeUndefined();
    expect(await gateway.countQueries(bySlug)).toHaveLength(0);
    const renamed = await gateway.graphql(`mutation { updateTenant(id: "${other.id}", input: { name: "Other" }) { name } }`);
    expect(renamed.errors).toBeUndefined();
    expect((await gateway.countQueries(bySlug)).length).toBeGreaterThan(0);
    await gateway.app.changes.barrier();

    const byState = () => gateway.graphql('{ tenants(first: 1, filter: { state: READY }) { edges { node { id } } } }');
    expect((await byState()).errors).toBeUndefined();
    expect((await gateway.countQueries(byState)).length).toBeGreaterThan(0);
    const byTier = () => gateway.graphql('{ tenants(first: 1, filter: { tier: FREE }) { edges { node { id } } } }');
    expect((await byTier()).errors).toBeUndefined();
    expect(await gateway.countQueries(byTier)).toHaveLength(0);
  });

  test('`Cache-Control: no-store` reads through and keeps nothing; `no-cache` reads through and keeps the fresh answer', async () => {
    const tenant = await createTenant(gateway);
    await gateway.app.changes.barrier();
    expect((await gateway.countQueries(() => get(tenant.id, { 'cache-control': 'no-store' }))).length).toBeGreaterThan(0);
    // Nothing was kept: the next plain read goes to the database, and is kept.
    expect((await gateway.countQueries(() => get(tenant.id))).length).toBeGreaterThan(0);
    expect(await gateway.countQueries(() => get(tenant.id))).toHaveLength(0);
    // (Five reads in all: this file allows five configuration reads a minute per tenant.)
    expect((await gateway.countQueries(() => get(tenant.id, { 'cache-control': 'no-cache' }))).length).toBeGreaterThan(0);
    expect(await gateway.countQueries(() => get(tenant.id))).toHaveLength(0);
  });

  test("/metrics counts the response cache's hits, misses and invalidations, and what it holds", async () => {
    const scrape = async () => {
      const text = await (await gateway.app.fetch(new Request('http://gateway.test/metrics'))).text();
      const value = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1]);
      return {
        hits: value('gateway_response_cache_hits_total'),
        misses: value('gateway_response_cache_misses_total'),
        invalidated: value('gateway_response_cache_invalidated_total'),
        entries: value('gateway_response_cache_entries'),
        bytes: value('gateway_response_cache_bytes'),
      };
    };
    const tenant = await createTenant(gateway);
    await gateway.app.changes.barrier();
    const before = await scrape();
    await get(tenant.id);
    await get(tenant.id);
    await get(tenant.id);
    const read = await scrape();
    expect(read.misses - before.misses).toBe(1);
    expect(read.hits - before.hits).toBe(2);
    expect(read.entries).toBeGreaterThan(0);
    expect(read.bytes).toBeGreaterThan(0);
    expect((await put(tenant.id, { performance: { cache_size_mb: 640 } })).status).toBe(200);
    await gateway.app.changes.barrier();
    expect((await scrape()).invalidated).toBeGreaterThan(read.invalidated);
  });

  // PostgreSQL only: PGlite delivers notifications in-process, with no connection to lose.
  test.skipIf(!process.env.TEST_POSTGRES_URL)(
    'a change the feed could have missed: once its connection is lost, everything kept is dropped, and answers are kept again when it is back',
    async () => {
      const tenant = await createTenant(gateway);
      await gateway.app.changes.barrier();
      const named = () => gateway.graphql<{ tenant: { name: string } }, object>(`{ tenant(id: "${tenant.id}") { name } }`);
      const before = (await named()).data!.tenant.name;
      expect(await gateway.countQueries(named)).toHaveLength(0);
      // A change no trigger announces (replication role: triggers do not fire), as if it had
      // been sent while the feed was deaf: the kept answer is stale, and still served.
      await gateway.database.prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe('SET LOCAL session_replication_role = replica');
        await tx.tenant.update({ where: { id: tenant.id }, data: { name: 'Missed' } });
      });
      await gateway.app.changes.barrier();
      expect((await named()).data!.tenant.name).toBe(before);

      // The server cuts the feed's connections (this replica's and the other's).
      const lost = new Promise<void>((resolve) => {
        const stop = gateway.app.changes.subscribe({
          heard() {},
          lost() {
            stop();
            resolve();
          },
        });
      });
      await gateway.database.prisma.$queryRaw`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'tenant-gateway changes' AND datname = current_database()`;
      await lost;
      // Back (the feed's check reconnects within a second): nothing kept before the loss is served.
      await within(1, async () => (gateway.app.changes.live ? 1 : 0));
      await gateway.app.changes.barrier();
      expect((await named()).data!.tenant.name).toBe('Missed');
      expect(await gateway.countQueries(named)).toHaveLength(0);
    },
  );
});
