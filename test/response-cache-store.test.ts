import { parse, validate } from 'graphql';
import { describe, expect, test } from 'vitest';
import { isCacheableOperation } from '../src/graphql/cacheable-operations.js';
import { ResponseCache } from '../src/graphql/response-cache-store.js';
import { schema } from '../src/graphql/schema.js';

// Issue 28: the response cache's store (bytes, tags, generations) and which operations it may keep.

const answer = (n: number) => ({ data: { n } });

describe('the store', () => {
  test('keeps answers within its byte budget, least recently used out first', () => {
    // Each answer counts its bytes, its key and 200 bytes of bookkeeping: 180 + 4 + 200 = 384.
    const cache = new ResponseCache(2_000, 60_000);
    for (let n = 0; n < 5; n++) expect(cache.store(`k${n}`, answer(n), ['t'], cache.generation, 180)).toBe(true);
    expect(cache.bytes).toBe(5 * 384);
    expect(cache.get('k0')).toMatchObject({ data: { n: 0 } });
    // k1 is now the least recently used: the sixth answer pushes it out, not k0.
    cache.store('k5', answer(5), ['t'], cache.generation, 180);
    expect(cache.bytes).toBeLessThanOrEqual(2_000);
    expect(cache.get('k1')).toBeUndefined();
    expect(cache.get('k0')).toBeDefined();
    expect(cache.get('k5')).toBeDefined();
    expect(cache.counts.evicted).toBe(1);
    // An answer over a tenth of the budget is never kept.
    expect(cache.store('huge', answer(9), ['t'], cache.generation, 201)).toBe(false);
  });

  test("a tenant's change drops its answers and every list, and no other tenant's", () => {
    const cache = new ResponseCache(1_000_000, 60_000);
    cache.store('a', answer(1), ['tenant-a'], cache.generation, 10);
    cache.store('b', answer(2), ['tenant-b'], cache.generation, 10);
    cache.store('list', answer(3), ['*'], cache.generation, 10);
    cache.store('untagged', answer(4), [], cache.generation, 10);
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
    expect(cache.store('late', answer(1), ['tenant-a'], started, 10)).toBe(false);
    expect(cache.get('late')).toBeUndefined();
  });

  test('nothing is served or kept while the change feed is not listening, and answers expire', async () => {
    let live = false;
    const cache = new ResponseCache(1_000_000, 20, () => live);
    expect(cache.store('k', answer(1), ['t'], cache.generation, 10)).toBe(false);
    live = true;
    expect(cache.store('k', answer(1), ['t'], cache.generation, 10)).toBe(true);
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
