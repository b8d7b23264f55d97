import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ServerProcess, startServerProcess } from './support/server-process.js';

// Two gateway processes sharing one Redis (started by .ci/run on loopback, TEST_REDIS_URL).
// Stated tolerance: none. The field-limit store appends each call atomically as it reads,
// so together the processes admit exactly the limit.

const redisUrl = process.env.TEST_REDIS_URL;
const operatorKey = 'redis-test-operator-key-0123456789';

describe.skipIf(!redisUrl)('rate limits shared through Redis', () => {
  const servers: ServerProcess[] = [];
  const dirs: string[] = [];
  beforeAll(async () => {
    await new Redis(redisUrl!).flushdb().then(() => undefined);
    for (let index = 0; index < 2; index++) {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'gateway-redis-'));
      dirs.push(dataDir);
      servers.push(
        await startServerProcess({
          DATABASE_URL: dataDir,
          REDIS_URL: redisUrl!,
          GATEWAY_ADMIN_KEY: operatorKey,
          RATE_LIMIT_CONFIG_UPDATES_PER_MINUTE: '10',
          LOG_LEVEL: 'warn',
        }),
      );
    }
  }, 120_000);
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  test('two processes together never admit more than the limit', { timeout: 60_000 }, async () => {
    const slug = `shared_${Date.now()}`;
    for (const server of servers) {
      const created = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorKey}` },
        body: JSON.stringify({ query: `mutation { createTenant(input: { slug: "${slug}", name: "Shared" }) { id } }` }),
      });
      expect(((await created.json()) as { errors?: unknown }).errors).toBeUndefined();
    }
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
