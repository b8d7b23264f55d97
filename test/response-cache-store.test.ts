import { parse, validate } from 'graphql';
import { describe, expect, test } from 'vitest';
import { isCacheableOperation } from '../src/graphql/cacheable-operations.js';
import { objectFactor, ResponseCache } from '../src/graphql/response-cache-store.js';
import { schema } from '../src/graphql/schema.js';

// Issue 28: the response cache's store (bytes, tags, generations) and which operations it may keep.

const answer = (n: number) => ({ data: { n } });

describe('the store', () => {
  test('keeps answers within its byte budget, least recently used out first', () => {
    // Each answer costs its text (`{"n":0}`: 7), its key (2) and 200 of bookkeeping, and while
    // it holds its object `objectFactor` times its text; ten fit.
    const cost = 209 + 7 * objectFactor;
    const cache = new ResponseCache(10 * cost, 60_000);
    for (let n = 0; n < 10; n++) expect(cache.store(`k${n}`, answer(n), ['t'], cache.generation)).toBe(true);
    expect(cache.bytes).toBe(10 * cost);
    expect(cache.get('k0')).toMatchObject({ data: { n: 0 } });
    // k1 is now the least recently used: an eleventh answer pushes it out, not k0.
    expect(cache.store('kA', answer(9), ['t'], cache.generation)).toBe(true);
    expect(cache.bytes).toBeLessThanOrEqual(10 * cost);
    expect(cache.get('k1')).toBeUndefined();
    expect(cache.get('k0')).toBeDefined();
    expect(cache.get('kA')).toBeDefined();
    expect(cache.counts.evicted).toBe(1);
    // An answer over a tenth of the budget is never kept.
    expect(cache.store('big', { data: { text: 'x'.repeat(10) } }, ['t'], cache.generation)).toBe(false);
    expect(cache.get('big')).toBeUndefined();
  });

  test('objects take at most half the budget: the rest are kept as text and parsed again when asked for', () => {
    const text = (n: number) => JSON.stringify({ n, padding: 'x'.repeat(90) }).length;
    // Texts of 110 bytes (keys k0..k9): 312 each as text, `objectFactor` times 110 more as an object; half the budget holds a few objects.
    const budget = 10 * (110 + 2 + 200 + 110 * objectFactor);
    const cache = new ResponseCache(budget, 60_000);
    const answers = Array.from({ length: 10 }, (_, n) => ({ data: { n, padding: 'x'.repeat(90) } }));
    for (const [n, kept] of answers.entries()) expect(cache.store(`k${n}`, kept, ['t'], cache.generation)).toBe(true);
    expect(cache.size).toBe(10);
    const objectBytes = text(0) * objectFactor;
    const hot = Math.floor(budget / 2 / objectBytes);
    expect(hot).toBeGreaterThan(0);
    expect(hot).toBeLessThan(10);
    expect(cache.bytes).toBe(10 * (text(0) + 2 + 200) + hot * objectBytes);
    // The newest are served as the very object stored (frozen); the oldest from their text, equal and frozen too.
    expect(cache.get('k9')!.data).toBe(answers[9]!.data);
    expect(Object.isFrozen(answers[9]!.data)).toBe(true);
    const parsed = cache.get('k0')!;
    expect(parsed.data).not.toBe(answers[0]!.data);
    expect(parsed.data).toEqual(answers[0]!.data);
    expect(Object.isFrozen(parsed.data)).toBe(true);
    expect(cache.counts.parsed).toBe(1);
    // Parsed, it holds its object again: the next hit does not parse.
    expect(cache.get('k0')!.data).toBe(parsed.data);
    expect(cache.counts.parsed).toBe(1);
    expect(cache.bytes).toBeLessThanOrEqual(budget);
  });

  test('under pressure objects are let go before answers, down to an eighth of the budget', () => {
    const answers = Array.from({ length: 20 }, (_, n) => ({ data: { n: n + 10, padding: 'x'.repeat(90) } }));
    const text = JSON.stringify(answers[0]!.data).length;
    const asText = text + 3 + 200;
    const budget = 10 * (asText + text * objectFactor);
    const cache = new ResponseCache(budget, 60_000);
    for (const [n, kept] of answers.entries()) expect(cache.store(`k${n + 10}`, kept, ['t'], cache.generation)).toBe(true);
    // Twenty answers where ten fit with their objects: all kept, some objects let go, none evicted.
    expect(cache.size).toBe(20);
    expect(cache.counts.evicted).toBe(0);
    expect(cache.bytes).toBeLessThanOrEqual(budget);
    const objects = (cache.bytes - 20 * asText) / (text * objectFactor);
    expect(objects).toBeGreaterThanOrEqual(1);
    expect(objects * text * objectFactor).toBeLessThanOrEqual(budget / 8);
    expect(cache.get('k29')!.data).toBe(answers[19]!.data);
    expect(cache.get('k10')!.data).toEqual(answers[0]!.data);
    expect(cache.counts.parsed).toBe(1);
    // Past what answers alone can take, the least recently used go.
    for (let n = 30; n < 40; n++) cache.store(`k${n}`, { data: { n, padding: 'x'.repeat(90) } }, ['t'], cache.generation);
    expect(cache.counts.evicted).toBeGreaterThan(0);
    expect(cache.bytes).toBeLessThanOrEqual(budget);
    expect(cache.get('k39')).toBeDefined();
    expect(cache.get('k11')).toBeUndefined();
  });

  test("a tenant's change drops its answers and every list, and no other tenant's", () => {
    const cache = new ResponseCache(1_000_000, 60_000);
    cache.store('a', answer(1), ['tenant-a'], cache.generation);
    cache.store('b', answer(2), ['tenant-b'], cache.generation);
    cache.store('list', answer(3), ['*'], cache.generation);
    cache.store('untagged', answer(4), [], cache.generation);
    cache.invalidate('tenant-a');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('list')).toBeUndefined();
    expect(cache.get('untagged')).toBeUndefined();
    expect(cache.get('b')).toBeDefined();
    cache.invalidate('*');
    expect(cache.get('b')).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });

  test('an answer whose execution overlapped a change is not kept', () => {
    const cache = new ResponseCache(1_000_000, 60_000);
    const started = cache.generation;
    cache.invalidate('someone-else');
    expect(cache.store('late', answer(1), ['tenant-a'], started)).toBe(false);
    expect(cache.get('late')).toBeUndefined();
  });

  test('nothing is served or kept while the change feed is not listening, and answers expire', async () => {
    let live = false;
    const cache = new ResponseCache(1_000_000, 20, () => live);
    expect(cache.store('k', answer(1), ['t'], cache.generation)).toBe(false);
    live = true;
    expect(cache.store('k', answer(1), ['t'], cache.generation)).toBe(true);
    live = false;
    expect(cache.get('k')).toBeUndefined();
    live = true;
    expect(cache.get('k')).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(cache.get('k')).toBeUndefined();
  });
});

describe('which operations are kept', () => {
  // Every document here is valid: an invalid one would be refused for the wrong reason.
  const cacheable = (text: string) => {
    const document = parse(text);
    expect(validate(schema, document).map((error) => error.message)).toEqual([]);
    return isCacheableOperation(schema, document, undefined);
  };

  test('tenants, their configuration, features and pages of them are', () => {
    expect(
      cacheable(
        'query { tenant(id: "x") { id slug name tier config { version performance { cacheSizeMb } } features { totalEnabled features { name enabled } } } }',
      ),
    ).toBe(true);
    expect(cacheable('query { tenants(first: 5) { totalCount edges { node { id config { version } } } pageInfo { hasNextPage } } }')).toBe(true);
    expect(cacheable('query { tenantConfigIfChanged(tenant: "x", knownVersions: []) { version config { backup { destinations { bucket } } } } }')).toBe(true);
  });

  test('mutations, usage, jobs, TenantsDB data and what moves with the clock are not', () => {
    expect(cacheable('mutation { updateTenant(id: "x", input: { name: "n" }) { id } }')).toBe(false);
    expect(cacheable('query { tenant(id: "x") { state } }')).toBe(false);
    expect(cacheable('query { tenant(id: "x") { counts { users } } }')).toBe(false);
    expect(cacheable('query { tenant(id: "x") { databases { blueprint } } }')).toBe(false);
    expect(cacheable('query { tenant(id: "x") { id } tenantBackups(tenant: "x") { id } }')).toBe(false);
    expect(cacheable('query { regions { id } }')).toBe(false);
  });
});
