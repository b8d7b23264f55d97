import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readEnvironment } from '../src/env.js';
import { schema } from '../src/graphql/schema.js';
import { loadTrustedDocuments, TrustedDocumentsError } from '../src/graphql/trusted-documents.js';
import { createKey, createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

// Issue 30, item 5: trusted documents. The manifest is built the way docs/graphql-api.md tells a
// client to build it: GraphQL Code Generator's client preset with `persistedDocuments: true`.

let directory: string;
let manifestFile: string;
let manifest: Record<string, string>;
let gateway: TestGateway;
let tenantKey: string;
let tenantId: string;

const clientOperation = 'query TenantSlugs { tenants(first: 5) { edges { node { slug } } } }';

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'trusted-documents-'));
  await writeFile(path.join(directory, 'operations.graphql'), clientOperation);
  await generate(
    {
      schema: path.resolve('schema/schema.graphql'),
      documents: [path.join(directory, 'operations.graphql')],
      generates: { [`${directory}/gql/`]: { preset: 'client', presetConfig: { persistedDocuments: true, fragmentMasking: false } } },
      silent: true,
    },
    true,
  );
  manifestFile = path.join(directory, 'gql', 'persisted-documents.json');
  manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
  gateway = await startGateway({ env: { TRUSTED_DOCUMENTS_FILE: manifestFile } });
  const tenant = await createTenant(gateway, {});
  tenantId = tenant.id;
  tenantKey = (await createKey(gateway, { scopes: ['CONFIG_READ', 'TENANTS_READ'], tenant: tenant.id })).secret;
}, 120_000);
afterAll(async () => {
  await gateway?.close();
  await rm(directory, { recursive: true, force: true });
});

const post = (body: unknown, key: string, on: TestGateway = gateway) =>
  on.app.fetch(
    new Request('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    }),
  );

describe('TRUSTED_DOCUMENTS_FILE set (enforce)', () => {
  test('the client preset wrote one document, keyed by its SHA-256', () => {
    const [[id, text]] = Object.entries(manifest) as [[string, string]];
    expect(id).toBe(`sha256:${createHash('sha256').update(text).digest('hex')}`);
    expect(text).toContain('query TenantSlugs');
  });

  test('a trusted document runs by documentId (POST body or GET query string) and by the Apollo extension', async () => {
    const [prefixed] = Object.keys(manifest) as [string];
    const id = prefixed.slice('sha256:'.length);
    const expected = { data: { tenants: { edges: [{ node: { slug: expect.any(String) } }] } } };
    const byId = await post({ documentId: prefixed }, tenantKey);
    expect(byId.status).toBe(200);
    expect(await byId.json()).toEqual(expected);
    expect(await (await post({ documentId: id }, tenantKey)).json()).toEqual(expected);
    const apollo = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: id } } }, tenantKey);
    expect(await apollo.json()).toEqual(expected);
    const get = await gateway.app.fetch(
      new Request(`http://gateway.test/graphql?documentId=${id}`, { headers: { accept: 'application/json', authorization: `Bearer ${tenantKey}` } }),
    );
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual(expected);
  });

  test('any other document is refused with PERSISTED_QUERY_ONLY, an unknown id with PERSISTED_QUERY_NOT_FOUND; nothing runs', async () => {
    const arbitrary = await post(
      { query: `mutation { updateTenantConfig(tenant: "${tenantId}", input: { performance: { cacheSizeMb: 2048 } }) { updatedCount } }` },
      tenantKey,
    );
    expect(arbitrary.status).toBe(400);
    const refused = await arbitrary.json();
    expect(refused.errors[0].extensions.code).toBe('PERSISTED_QUERY_ONLY');
    expect(refused.errors[0].message).toContain('TRUSTED_DOCUMENTS=enforce');
    const unknown = await post({ documentId: 'f'.repeat(64) }, tenantKey);
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const neither = await post({ variables: {} }, tenantKey);
    expect(neither.status).toBe(400);
    expect((await neither.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const config = await gateway.graphql<{ tenant: { config: { performance: { cacheSizeMb: number } } } }, never>(
      `{ tenant(id: "${tenantId}") { config { performance { cacheSizeMb } } } }`,
    );
    expect(config.data?.tenant.config.performance.cacheSizeMb).not.toBe(2048);
  });

  test('the operator key may still send any document (GraphiQL for operators), and the REST routes run their own operations', async () => {
    const operator = await post({ query: '{ tenants(first: 1) { totalCount } }' }, gateway.adminKey);
    expect(operator.status).toBe(200);
    expect((await operator.json()).data.tenants.totalCount).toBeGreaterThan(0);
    const rest = await gateway.rest('GET', `/api/v1/tenants/${tenantId}/config`, { headers: { authorization: `Bearer ${tenantKey}` } });
    expect(rest.status).toBe(200);
  });
});

test('TRUSTED_DOCUMENTS=allow-arbitrary runs the manifest by id and any other document too', async () => {
  const open = await startGateway({ env: { TRUSTED_DOCUMENTS_FILE: manifestFile, TRUSTED_DOCUMENTS: 'allow-arbitrary' } });
  try {
    const tenant = await createTenant(open, {});
    const key = (await createKey(open, { scopes: ['CONFIG_READ', 'TENANTS_READ'], tenant: tenant.id })).secret;
    const [id] = Object.keys(manifest) as [string];
    expect((await post({ documentId: id }, key, open)).status).toBe(200);
    const arbitrary = await post({ query: '{ tenants(first: 1) { totalCount } }' }, key, open);
    expect(await arbitrary.json()).toEqual({ data: { tenants: { totalCount: 1 } } });
  } finally {
    await open.close();
  }
});

test('a manifest that cannot be served stops the start with a sentence naming the document and the rule', async () => {
  const write = async (content: unknown) => {
    const file = path.join(directory, `manifest-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const refusal = async (content: unknown) => {
    try {
      loadTrustedDocuments(await write(content), schema);
    } catch (error) {
      expect(error).toBeInstanceOf(TrustedDocumentsError);
      return (error as Error).message;
    }
    throw new Error('the manifest was accepted');
  };
  const text = '{ tenants(first: 1) { totalCount } }';
  expect(await refusal('{not json')).toMatch(/cannot be read as JSON/);
  expect(await refusal(['a'])).toMatch(/must hold a JSON object/);
  expect(await refusal({ ['0'.repeat(64)]: text })).toMatch(/document "0{64}": the id is not the SHA-256 of its document/);
  expect(await refusal({ mine: '{ tenants(first: 1) { nope } }' })).toMatch(/document "mine": Cannot query field "nope"/);
  expect(await refusal({ mine: '{ tenants(' })).toMatch(/document "mine": Syntax Error/);
  expect(await refusal({ mine: 42 })).toMatch(/must be a string/);
  expect(await refusal({ 'bad id!': text })).toMatch(/an id is 1 to 128 letters/);
  // A custom id is any short token; the documents load.
  expect(loadTrustedDocuments(await write({ 'tenant-count-v1': text }), schema).has('tenant-count-v1')).toBe(true);
  await expect(startGateway({ env: { TRUSTED_DOCUMENTS: 'enforce' } })).rejects.toThrow(/TRUSTED_DOCUMENTS=enforce needs TRUSTED_DOCUMENTS_FILE/);
  expect(() => readEnvironment({ TRUSTED_DOCUMENTS: 'sometimes' })).toThrow(/TRUSTED_DOCUMENTS/);
});
