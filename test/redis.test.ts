import { once } from 'node:events';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ServerProcess, startServerProcess } from './support/server-process.js';

// Two gateway processes sharing one Redis (started by .ci/run on loopback, TEST_REDIS_URL).
// Stated tolerance: none. The field-limit store decides and records each use in one script,
// so together the processes admit exactly the limit. Field limits are keyed by tenant id, and
// replicas share one database: here each process opens its own copy of one PGlite directory,
// so the tenant has the same id in both.

const redisUrl = process.env.TEST_REDIS_URL;
const operatorKey = 'redis-test-operator-key-0123456789';

describe.skipIf(!redisUrl)('rate limits shared through Redis', () => {
  const servers: ServerProcess[] = [];
  const dirs: string[] = [];
  // The tenant's route's upstream, counting what reaches it.
  let upstreamCalls = 0;
  const upstream = http.createServer((_request, response) => {
    upstreamCalls++;
    response.end('{}');
  });
  const slug = `shared_${Date.now()}`;
  const start = (dataDir: string) =>
    startServerProcess({
      DATABASE_URL: dataDir,
      REDIS_URL: redisUrl!,
      GATEWAY_ADMIN_KEY: operatorKey,
      RATE_LIMIT_CONFIG_UPDATES_PER_MINUTE: '10',
      TENANT_ROUTES_ALLOW_PRIVATE: 'on',
      LOG_LEVEL: 'warn',
    });
  beforeAll(async () => {
    await new Redis(redisUrl!).flushdb().then(() => undefined);
    const seedDir = await mkdtemp(path.join(tmpdir(), 'gateway-redis-'));
    dirs.push(seedDir);
    const seeding = await start(seedDir);
    try {
      const created = await fetch(`${seeding.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorKey}` },
        body: JSON.stringify({ query: `mutation { createTenant(input: { slug: "${slug}", name: "Shared" }) { id } }` }),
      });
      expect(((await created.json()) as { errors?: unknown }).errors).toBeUndefined();
      upstream.listen(0, '127.0.0.1');
      await once(upstream, 'listening');
      const saved = await fetch(`${seeding.url}/tenant/config`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorKey}`, 'x-tenant-id': slug },
        body: JSON.stringify({
          routes: [{ path: '/items/{id}', method: 'GET', upstream: { url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/items/{id}` } }],
          rateLimit: { enabled: true, routes: [{ path: '/items/{id}', max: 7, windowSeconds: 60 }] },
        }),
      });
      expect(saved.status).toBe(200);
    } finally {
      await seeding.stop();
    }
    for (let index = 0; index < 2; index++) {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'gateway-redis-'));
      dirs.push(dataDir);
      await cp(seedDir, dataDir, { recursive: true });
      servers.push(await start(dataDir));
    }
  }, 180_000);
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await new Promise((resolve) => upstream.close(resolve));
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  test('two processes together never admit more than the limit', { timeout: 60_000 }, async () => {
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_unused, index) =>
        fetch(`${servers[index % 2]!.url}/api/v1/tenants/${slug}/config`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorKey}` },
          body: JSON.stringify({ performance: { cache_size_mb: index } }),
        }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30);
    const perServer = [0, 1].map((server) => statuses.filter((status, index) => status === 200 && index % 2 === server).length);
    expect(perServer[0]! + perServer[1]!).toBe(10);
  });

  test("a tenant route's own limit holds across the two processes, and the refused calls never reach the upstream", { timeout: 60_000 }, async () => {
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_unused, index) =>
        fetch(`${servers[index % 2]!.url}/gw/items/${index}`, { headers: { authorization: `Bearer ${operatorKey}`, 'x-tenant-id': slug } }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(7);
    expect(statuses.filter((status) => status === 429)).toHaveLength(23);
    // Counted apart, each process would have admitted 7.
    expect(upstreamCalls).toBe(7);
  });

  test('an IP ban set through one process holds on the other', { timeout: 30_000 }, async () => {
    const redis = new Redis(redisUrl!);
    try {
      await redis.set('tgw:rl:ban:127.0.0.1', '1', 'PX', 5_000);
      for (const server of servers) expect((await fetch(`${server.url}/openapi.json`)).status).toBe(429);
      await redis.del('tgw:rl:ban:127.0.0.1');
      for (const server of servers) expect((await fetch(`${server.url}/openapi.json`)).status).toBe(200);
    } finally {
      await redis.quit();
    }
  });
});
