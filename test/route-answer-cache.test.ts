import { describe, expect, test } from 'vitest';
import { type KeptAnswer, RouteAnswerCache } from '../src/http/route-answer-cache.js';
import { UsageMeter } from '../src/modules/usage/meter.js';
import { createLogger } from '../src/lib/logger.js';

const answer = (scope: string, body = 'x'): KeptAnswer => ({
  scope,
  status: 200,
  headers: [['content-type', 'text/plain']],
  body: Buffer.from(body),
  storedAt: Date.now(),
});

describe('kept route answers', () => {
  test("an answer stored over its own expired one is counted once: the tenant's count does not leak (red team: it grew until nothing was kept)", async () => {
    const cache = new RouteAnswerCache(1_048_576);
    for (let round = 0; round < 3; round++) {
      expect(cache.set('k', answer('t 1'), 1, 2)).toBe(true);
      // Expired and never read again (as when the next call says no-cache): the next store lands on it.
      await new Promise((resolve) => setTimeout(resolve, 1_050));
    }
    // Had the three expired answers each stayed counted, a tenant allowed 2 could keep none.
    expect(cache.set('k', answer('t 1'), 60, 2)).toBe(true);
    expect(cache.set('k2', answer('t 1'), 60, 2)).toBe(true);
    expect(cache.set('k3', answer('t 1'), 60, 2)).toBe(false);
    // Another scope (the tenant's next configuration version) counts apart.
    expect(cache.set('k4', answer('t 2'), 60, 2)).toBe(true);
  });

  test('the byte budget evicts the least recently used, and an answer larger than the budget is refused', () => {
    // Each answer costs its body, key and headers plus 200: 523 bytes here, two of them fit.
    const cache = new RouteAnswerCache(1_200);
    expect(cache.set('a', answer('t 1', 'a'.repeat(300)), 60, 100)).toBe(true);
    expect(cache.set('b', answer('t 1', 'b'.repeat(300)), 60, 100)).toBe(true);
    cache.get('a');
    expect(cache.set('c', answer('t 1', 'c'.repeat(300)), 60, 100)).toBe(true);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.set('huge', answer('t 1', 'h'.repeat(2_000)), 60, 100)).toBe(false);
    expect(cache.size).toBe(2);
  });
});

test('a flush that fails while the database is away keeps every amount for the next one (red team: all were dropped as if their tenants were deleted)', async () => {
  const away = () => Promise.reject(new Error('connection refused'));
  const prisma = { usageRecord: { createMany: away }, tenant: { findMany: away }, $executeRawUnsafe: away };
  const meter = new UsageMeter(prisma as never, createLogger('silent'));
  meter.add({ tenantId: 't', resource: 'bandwidth', metric: 'bytes', amount: 100 });
  meter.record({ tenantId: 't', endpoint: 'route GET /x', ok: true, latencyMs: 1 });
  await meter.flush();
  expect(meter.pendingResources('t').map((entry) => entry.amount)).toEqual([100]);
  expect(meter.pending('t').map((stat) => stat.calls)).toEqual([1]);
});
