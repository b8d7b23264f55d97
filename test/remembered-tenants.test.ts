import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { describe, expect, test } from 'vitest';
import { useChangesMade } from '../src/graphql/changes-made.js';
import type { GraphQLContext } from '../src/graphql/context.js';
import { RememberedTenants } from '../src/kernel/remembered-tenants.js';

// Issue 29 (R1) and 28: a tenant route's call reads its tenant once, then from memory until the
// tenant changes.

const tenantA = '0b5e3c52-7a7c-4c53-9d0e-5a8f6d1e2a01';
const tenantB = '6f1d2e3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f';

function counted() {
  let reads = 0;
  return {
    load: (value: string) => () => {
      reads++;
      return Promise.resolve(value);
    },
    get reads() {
      return reads;
    },
  };
}

describe('RememberedTenants', () => {
  test('a read is made once while its tenant does not change; a change to it (any case of its id) reads again', async () => {
    const remembered = new RememberedTenants(() => true);
    const reads = counted();
    expect(await remembered.through('k', tenantA, reads.load('one'))).toBe('one');
    expect(await remembered.through('k', tenantA, reads.load('two'))).toBe('one');
    expect(reads.reads).toBe(1);
    remembered.invalidate(tenantB);
    expect(await remembered.through('k', tenantA, reads.load('two'))).toBe('one');
    remembered.invalidate(tenantA.toUpperCase());
    expect(await remembered.through('k', tenantA, reads.load('three'))).toBe('three');
    expect(reads.reads).toBe(2);
  });

  test("a read by slug is dropped by any tenant's change, and `*` drops everything", async () => {
    const remembered = new RememberedTenants(() => true);
    const reads = counted();
    await remembered.through('slug', 'acme', reads.load('acme'));
    await remembered.through('id', tenantA, reads.load('a'));
    remembered.invalidate(tenantB);
    expect(remembered.size).toBe(1);
    await remembered.through('slug', 'acme', reads.load('acme'));
    remembered.invalidate('*');
    expect(remembered.size).toBe(0);
    expect(reads.reads).toBe(3);
  });

  test('a read that fails is not kept; concurrent misses share one read', async () => {
    const remembered = new RememberedTenants(() => true);
    await expect(remembered.through('k', tenantA, () => Promise.reject(new Error('no such tenant')))).rejects.toThrow('no such tenant');
    expect(remembered.size).toBe(0);
    const reads = counted();
    const both = await Promise.all([remembered.through('k', tenantA, reads.load('x')), remembered.through('k', tenantA, reads.load('y'))]);
    expect(both).toEqual(['x', 'x']);
    expect(reads.reads).toBe(1);
  });

  test('a change heard while a read is on its way drops that read too', async () => {
    const remembered = new RememberedTenants(() => true);
    let finish!: (value: string) => void;
    const first = remembered.through('k', tenantA, () => new Promise<string>((resolve) => (finish = resolve)));
    remembered.invalidate(tenantA);
    finish('before the change');
    expect(await first).toBe('before the change');
    expect(await remembered.through('k', tenantA, () => Promise.resolve('after'))).toBe('after');
  });

  test('while the change feed is not live nothing is kept or served', async () => {
    let live = true;
    const remembered = new RememberedTenants(() => live);
    const reads = counted();
    await remembered.through('k', tenantA, reads.load('kept'));
    live = false;
    expect(await remembered.through('k', tenantA, reads.load('fresh'))).toBe('fresh');
    expect(reads.reads).toBe(2);
  });

  test('at most maxBytes are kept, as weighed, the least recently used dropped first', async () => {
    const remembered = new RememberedTenants(() => true, 100, 1_000);
    const reads = counted();
    const weigh = () => 400;
    await remembered.through('a', tenantA, reads.load('a'), weigh);
    await remembered.through('b', tenantB, reads.load('b'), weigh);
    expect(remembered.bytes).toBe(800);
    await remembered.through('c', 'slug-c', reads.load('c'), weigh);
    expect(remembered.size).toBe(2);
    expect(remembered.bytes).toBe(800);
    await remembered.through('a', tenantA, reads.load('a'), weigh);
    expect(reads.reads).toBe(4);
    remembered.invalidate('*');
    expect(remembered.bytes).toBe(0);
  });

  test('at most maxEntries are kept, the least recently used dropped first', async () => {
    const remembered = new RememberedTenants(() => true, 2);
    const reads = counted();
    await remembered.through('a', tenantA, reads.load('a'));
    await remembered.through('b', tenantB, reads.load('b'));
    await remembered.through('a', tenantA, reads.load('a'));
    await remembered.through('c', 'slug-c', reads.load('c'));
    expect(remembered.size).toBe(2);
    await remembered.through('a', tenantA, reads.load('a'));
    expect(reads.reads).toBe(3);
    await remembered.through('b', tenantB, reads.load('b'));
    expect(reads.reads).toBe(4);
  });
});

describe('useChangesMade', () => {
  test("a mutation's tenants are told before its answer leaves (every tenant when it named none); a query's never", async () => {
    const heard: string[] = [];
    const yoga = createYoga({
      schema: createSchema({
        typeDefs: 'type Query { read: Int } type Mutation { touch(tenant: String): Int }',
        resolvers: {
          Query: {
            read: (_root: unknown, _args: unknown, ctx: Pick<GraphQLContext, 'cacheTags'>) => {
              (ctx.cacheTags ??= new Set()).add(tenantA);
              return 1;
            },
          },
          Mutation: {
            touch: (_root: unknown, args: { tenant?: string }, ctx: Pick<GraphQLContext, 'cacheTags'>) => {
              if (args.tenant) (ctx.cacheTags ??= new Set()).add(args.tenant);
              return 1;
            },
          },
        },
      }),
      plugins: [useChangesMade((tenant) => heard.push(tenant)) as Plugin],
    });
    const post = async (query: string) => {
      const response = await yoga.fetch('http://yoga.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
      const told = [...heard];
      await response.text();
      return told;
    };
    expect(await post('{ read }')).toEqual([]);
    expect(await post(`mutation { touch(tenant: "${tenantB}") }`)).toEqual([tenantB]);
    heard.length = 0;
    expect(await post('mutation { touch }')).toEqual(['*']);
  });
});
