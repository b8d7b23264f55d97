import { type DocumentNode, parse } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import * as operations from '../src/generated/graphql/graphql.js';
import { useJit } from '../src/graphql/jit.js';
import { schema } from '../src/graphql/schema.js';
import { startGateway, type TestGateway } from './support/gateway.js';

// Every operation the REST dialects and the tests run, by its generated document.
const documents = Object.entries(operations).filter(
  (entry): entry is [string, DocumentNode] => entry[0].endsWith('Document') && (entry[1] as DocumentNode)?.kind === 'Document',
);

test('there are operations to check', () => {
  expect(documents.length).toBeGreaterThan(50);
});

test.each(documents)('%s compiles under graphql-jit (no silent fallback to the standard executor)', (_name, document) => {
  const compiled = compileQuery(schema, document);
  expect(isCompiledQuery(compiled) ? 'compiled' : compiled).toBe('compiled');
});

test('what graphql-jit refuses to compile is left to the standard executor, and reported once', () => {
  const reasons: unknown[] = [];
  const plugin = useJit((reason) => reasons.push(reason));
  const run = (source: string, operationName?: string) => {
    let replaced = false;
    const args = { schema, document: parse(source), operationName, contextValue: {}, variableValues: {} };
    (plugin.onExecute as (payload: unknown) => void)({ args, setExecuteFn: () => (replaced = true) });
    return replaced;
  };
  // Two operations and no name: graphql-jit answers an error instead of a function.
  const ambiguous = parse('query A { __typename } query B { __typename }');
  for (let attempt = 0; attempt < 2; attempt++) {
    let replaced = false;
    (plugin.onExecute as (payload: unknown) => void)({
      args: { schema, document: ambiguous, contextValue: {}, variableValues: {} },
      setExecuteFn: () => (replaced = true),
    });
    expect(replaced).toBe(false);
  }
  expect(reasons).toHaveLength(1);
  expect(run('query A { __typename } query B { __typename }', 'B')).toBe(true);
  expect(run('{ __typename }')).toBe(true);
  expect(reasons).toHaveLength(1);
});

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.close());

test('through the gateway, a bad variable is refused with graphql-js messages and a good one answers', async () => {
  const post = (variables: Record<string, unknown>) =>
    gateway.app.fetch(
      new Request('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.adminKey}` },
        body: JSON.stringify({ query: 'query T($first: Int) { tenants(first: $first) { edges { node { id } } } }', variables }),
      }),
    );
  const bad = await (await post({ first: 'many' })).json();
  expect(bad.errors[0].message).toBe('Variable "$first" got invalid value "many"; Int cannot represent non-integer value: "many"');
  const good = await (await post({ first: 1 })).json();
  expect(good.errors).toBeUndefined();
  expect(Array.isArray(good.data.tenants.edges)).toBe(true);
});
