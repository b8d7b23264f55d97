import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startGateway, type TestGateway } from './support/gateway.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.close());

const get = (path: string, headers: Record<string, string> = {}) => gateway.app.fetch(new Request(`http://gateway.test${path}`, { headers }));

test('/ answers JSON links for Accept: application/json, and an HTML page for browsers', async () => {
  const json = await get('/', { accept: 'application/json' });
  expect(json.status).toBe(200);
  expect(await json.json()).toEqual({
    name: 'tenant-gateway',
    links: [
      { rel: 'console', href: '/console', title: expect.any(String) },
      { rel: 'graphiql', href: '/graphql', title: expect.any(String) },
      { rel: 'api-reference', href: '/docs', title: expect.any(String) },
      { rel: 'openapi', href: '/openapi.json', title: expect.any(String) },
      { rel: 'health', href: '/healthz', title: expect.any(String) },
      { rel: 'ready', href: '/readyz', title: expect.any(String) },
      { rel: 'metrics', href: '/metrics', title: expect.any(String) },
      { rel: 'version', href: '/version', title: expect.any(String) },
    ],
  });
  const html = await get('/', { accept: 'text/html,application/xhtml+xml' });
  expect(html.headers.get('content-type')).toContain('text/html');
  expect(await html.text()).toContain('<a href="/docs">/docs</a>');
});

test('GraphiQL is served from the package, with no CDN, and opens on a real operation', async () => {
  const page = await get('/graphql', { accept: 'text/html' });
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).not.toMatch(/unpkg\.com|jsdelivr|esm\.sh|cdnjs/);
  expect(html).toContain('TenantsWithConfiguration');
});

test("GraphiQL's header placeholder is no credential: an anonymous explorer browses, a wrong key is still refused", async () => {
  const query = (authorization: string) =>
    gateway.app.fetch(
      new Request('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ query: '{ __typename }' }),
      }),
    );
  const placeholder = await query('Bearer <your API key>');
  expect(placeholder.status).toBe(200);
  expect(await placeholder.json()).toEqual({ data: { __typename: 'Query' } });
  expect((await query('Bearer tgw_wrongkey_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')).status).toBe(401);
});

test('/docs and its assets come from the gateway itself', async () => {
  const docs = await get('/docs');
  const html = await docs.text();
  expect(html).toContain('/docs/assets/swagger-ui-bundle.js');
  expect(html).not.toMatch(/https?:\/\//);
  const bundle = await get('/docs/assets/swagger-ui-bundle.js');
  expect(bundle.status).toBe(200);
  expect(bundle.headers.get('content-type')).toContain('javascript');
  expect((await get('/docs/assets/../package.json')).status).toBe(404);
});

test('/version names the package version, the commit (GATEWAY_COMMIT, else the checkout) and the hash of schema/schema.graphql', async () => {
  const answer = await get('/version');
  expect(answer.status).toBe(200);
  const build = await answer.json();
  const packageJson = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
  const schemaFile = await readFile(new URL('../schema/schema.graphql', import.meta.url));
  expect(build).toEqual({
    name: 'tenant-gateway',
    version: packageJson.version,
    commit: execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim(),
    schemaHash: `sha256:${createHash('sha256').update(schemaFile).digest('hex')}`,
    node: process.version,
  });
  const named = await startGateway({ env: { GATEWAY_COMMIT: 'abc1234' } });
  try {
    const given = await named.app.fetch(new Request('http://gateway.test/version'));
    expect((await given.json()).commit).toBe('abc1234');
  } finally {
    await named.close();
  }
  expect((await get('/version', {})).headers.get('content-type')).toBe('application/json');
});
