import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type ServerProcess, startServerProcess } from './support/server-process.js';

// A bounded load on loopback (127.0.0.1, 2 seconds, 10 connections) against a real gateway
// process: the IP limiter holds, and the ban holds after it.

let server: ServerProcess;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'gateway-load-'));
  server = await startServerProcess({
    DATABASE_URL: dataDir,
    GATEWAY_ADMIN_KEY: 'load-test-operator-key-0123456789',
    RATE_LIMIT_IP_PER_SECOND: '50',
    RATE_LIMIT_IP_BAN_AFTER: '5',
    RATE_LIMIT_IP_BAN_SECONDS: '30',
    LOG_LEVEL: 'warn',
  });
}, 90_000);
afterAll(async () => {
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

test('under load, an address gets at most its per-second allowance, then a ban with Retry-After', { timeout: 60_000 }, async () => {
  const statuses: Record<string, number> = {};
  const result = await autocannon({
    url: `${server.url}/openapi.json`,
    connections: 10,
    duration: 2,
    setupClient: (client) => client.on('response', (status: number) => (statuses[status] = (statuses[status] ?? 0) + 1)),
  });
  const total = Object.values(statuses).reduce((sum, count) => sum + count, 0);
  expect(total).toBeGreaterThan(200);
  expect(result.errors).toBe(0);
  expect(statuses['200'] ?? 0).toBeGreaterThan(0);
  expect(statuses['200'] ?? 0).toBeLessThanOrEqual(50);
  expect(Object.keys(statuses).sort()).toEqual(['200', '429']);

  const after = await fetch(`${server.url}/openapi.json`);
  expect(after.status).toBe(429);
  expect(Number(after.headers.get('retry-after'))).toBeGreaterThan(20);
  expect(await after.json()).toEqual({ error: 'rate_limited', message: 'Too many requests: this address is temporarily banned' });
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
});
