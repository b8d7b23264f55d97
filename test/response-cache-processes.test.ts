import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { expect, test } from 'vitest';
import { freshPostgresDatabase } from './support/gateway.js';
import { type ServerProcess, startServerProcess } from './support/server-process.js';

// Issue 28: the response cache across replicas. Two real gateway processes on one PostgreSQL
// database; each answers repeated reads from memory, and a change committed through the other
// (or by hand, in SQL) is heard on the change feed (LISTEN/NOTIFY) and drops what was kept.
// PGlite cannot be shared between processes, so this runs in CI's PostgreSQL pass; the same
// rules on one process are in rest-config-conditional.test.ts (both databases).

const serverUrl = process.env.TEST_POSTGRES_URL;
const adminKey = 'cache-operator-key-0123456789abcdef';

async function call(server: ServerProcess, method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${route}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}`, ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as any };
}

/** Answers a process served from its response cache (the jobs' polling makes SQL counts move on their own). */
async function cacheHits(server: ServerProcess): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^gateway_response_cache_hits_total (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

/** Polls until `read` gives `wanted`; returns how long that took after `since`. */
async function seen<T>(wanted: T, read: () => Promise<T>, since: number): Promise<number> {
  for (;;) {
    if ((await read()) === wanted) return performance.now() - since;
    if (performance.now() - since > 5_000) throw new Error(`still not ${String(wanted)} after 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test.skipIf(!serverUrl)('a write on one process, or in SQL, is seen on the other at once; no-cache reads through', { timeout: 180_000 }, async () => {
  // From the migrated template: neither process needs to apply the migrations.
  const database = await freshPostgresDatabase(serverUrl!, 'gateway_cache', process.env.TEST_POSTGRES_TEMPLATE);
  const env = { DATABASE_URL: database.url, GATEWAY_ADMIN_KEY: adminKey, BACKUP_SCHEDULER: 'off', LOG_LEVEL: 'warn' };
  const servers: ServerProcess[] = [];
  const direct = new pg.Client({ connectionString: database.url });
  try {
    servers.push(...(await Promise.all([startServerProcess(env), startServerProcess(env)])));
    const [a, b] = servers as [ServerProcess, ServerProcess];
    await direct.connect();

    const created = await call(a, 'POST', '/graphql', {
      query: 'mutation($input: CreateTenantInput!) { createTenant(input: $input) { id slug } }',
      variables: { input: { slug: `cache-${randomBytes(3).toString('hex')}`, name: 'Cache' } },
    });
    expect(created.body.errors).toBeUndefined();
    const tenant = created.body.data.createTenant as { id: string; slug: string };
    const config = `/api/v1/tenants/${tenant.id}/config`;
    const graphql = { query: 'query($id: ID!) { tenant(id: $id) { name config { version } } }', variables: { id: tenant.id } };

    // B answers the second read of each from memory.
    expect((await call(b, 'GET', config)).status).toBe(200);
    expect((await call(b, 'POST', '/graphql', graphql)).body.data.tenant.name).toBe('Cache');
    const before = await cacheHits(b);
    expect((await call(b, 'GET', config)).body.performance.cache_size_mb).toBe(1024);
    expect((await call(b, 'POST', '/graphql', graphql)).body.data.tenant.config.version).toBe(1);
    expect(await cacheHits(b)).toBe(before + 2);

    // A write on A: B's next reads follow within the feed's delay, and no-cache reads through at once.
    expect((await call(a, 'PUT', config, { performance: { cache_size_mb: 2048 } })).status).toBe(200);
    const acknowledged = performance.now();
    expect((await call(b, 'GET', config, undefined, { 'cache-control': 'no-cache' })).body.performance.cache_size_mb).toBe(2048);
    const restDelay = await seen(2048, async () => (await call(b, 'GET', config)).body.performance.cache_size_mb, acknowledged);
    const graphqlDelay = await seen(2, async () => (await call(b, 'POST', '/graphql', graphql)).body.data.tenant.config.version, acknowledged);
    expect(restDelay).toBeLessThan(1_000);
    expect(graphqlDelay).toBeLessThan(1_000);

    // A GraphQL mutation on A renames the tenant: B's cached query follows.
    const renamed = await call(a, 'POST', '/graphql', {
      query: 'mutation($id: ID!) { updateTenant(id: $id, input: { name: "Renamed" }) { name } }',
      variables: { id: tenant.id },
    });
    expect(renamed.body.errors).toBeUndefined();
    await seen('Renamed', async () => (await call(b, 'POST', '/graphql', graphql)).body.data.tenant.name, performance.now());

    // A change made in SQL, by neither process, is announced by the database itself.
    await direct.query(`UPDATE "Tenant" SET name = 'By hand' WHERE id = $1`, [tenant.id]);
    await seen('By hand', async () => (await call(a, 'POST', '/graphql', graphql)).body.data.tenant.name, performance.now());
    await seen('By hand', async () => (await call(b, 'POST', '/graphql', graphql)).body.data.tenant.name, performance.now());

    // ETags keep working from the cache: a 304 for the current version, 200 for an old one.
    const current = await fetch(`${b.url}${config}`, { headers: { authorization: `Bearer ${adminKey}`, 'if-none-match': '"v2"' } });
    expect(current.status).toBe(304);
    const old = await fetch(`${b.url}${config}`, { headers: { authorization: `Bearer ${adminKey}`, 'if-none-match': '"v1"' } });
    expect(old.status).toBe(200);
    expect(old.headers.get('etag')).toBe('"v2"');
  } finally {
    await direct.end().catch(() => undefined);
    await Promise.all(servers.map((server) => server.stop()));
    await database.drop();
  }
});
