import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from './support/chromium.js';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type ServerProcess, startServerProcess } from './support/server-process.js';

// Headless Chromium (Debian's package; .ci/run installs it) against a real gateway process,
// with every request that leaves 127.0.0.1 refused: GraphiQL and the API reference must work
// without internet.
const available = chromiumAvailable;

const operatorKey = 'browser-test-operator-key-0123456';
let server: ServerProcess;
let browser: Browser;
const outside: string[] = [];

/** A page server on another loopback origin (issue 30, CORS): the same page as http://127.0.0.1:<port> (allowed) and http://localhost:<port> (not). */
let pages: http.Server;
let pagePort: number;

beforeAll(async () => {
  if (!available) return;
  pages = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<!doctype html><title>another origin</title><p>calls the gateway</p>');
  });
  pages.listen(0, '127.0.0.1');
  await once(pages, 'listening');
  pagePort = (pages.address() as AddressInfo).port;
  server = await startServerProcess({ DATABASE_URL: 'memory://', GATEWAY_ADMIN_KEY: operatorKey, CORS_ORIGINS: `http://127.0.0.1:${pagePort}` });
  await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorKey}` },
    body: JSON.stringify({ query: 'mutation { createTenant(input: { slug: "browser-acme", name: "Acme in a browser" }) { id } }' }),
  });
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  pages?.close();
});

/** Monaco lays text out with non-breaking spaces. */
const text = async (page: Page, selector: string) => ((await page.locator(selector).last().textContent()) ?? '').replace(/\s+/g, ' ');

async function offlinePage(): Promise<Page> {
  const page = await browser.newPage();
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') return route.continue();
    outside.push(url.href);
    return route.abort();
  });
  return page;
}

test.skipIf(!available)('GraphiQL at /graphql works offline: the default operation, run with a real key, shows the tenants', { timeout: 90_000 }, async () => {
  const page = await offlinePage();
  await page.goto(`${server.url}/graphql`);
  await page.waitForSelector('.graphiql-execute-button', { timeout: 60_000 });
  expect(await text(page, '.graphiql-query-editor')).toContain('query TenantsWithConfiguration {');
  expect(await text(page, '.graphiql-editor-tool .graphiql-editor')).toContain('"Authorization": "Bearer <your API key>"');
  const headers = page.locator('.graphiql-editor-tool .graphiql-editor').last();
  await headers.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${operatorKey}` }));
  await page.locator('.graphiql-execute-button').click();
  await page.waitForFunction(() => document.querySelector('.graphiql-response')?.textContent?.replace(/\s+/g, ' ').includes('Acme in a browser'), null, {
    timeout: 30_000,
  });
  const response = await text(page, '.graphiql-response');
  expect(response).toContain('"slug": "browser-acme"');
  expect(response).toContain('"cacheSizeMb": 1024');
  expect(outside).toEqual([]);
  await page.close();
});

test.skipIf(!available)(
  "GraphiQL and the API reference arrive compressed; the reference's assets are kept a year (issue 30, compression)",
  { timeout: 60_000 },
  async () => {
    const page = await offlinePage();
    const assets: { url: string; encoding?: string; cacheControl?: string; encoded: number }[] = [];
    page.on('requestfinished', async (request) => {
      const response = await request.response();
      if (!response || !new URL(request.url()).pathname.startsWith('/docs/assets/')) return;
      const headers = await response.allHeaders();
      assets.push({
        url: request.url(),
        encoding: headers['content-encoding'],
        cacheControl: headers['cache-control'],
        encoded: (await request.sizes()).responseBodySize,
      });
    });
    const graphiql = (await page.goto(`${server.url}/graphql`))!;
    expect(graphiql.status()).toBe(200);
    const headers = await graphiql.allHeaders();
    expect(['br', 'gzip']).toContain(headers['content-encoding']);
    const { responseBodySize } = await graphiql.request().sizes();
    const decoded = (await graphiql.body()).byteLength;
    // What the page weighs on the wire against what the browser decoded (9 MB uncompressed).
    console.info(`GraphiQL in Chromium: ${responseBodySize} bytes sent (${headers['content-encoding']}), ${decoded} decoded`);
    expect(responseBodySize).toBeLessThan(decoded / 3);
    await page.goto(`${server.url}/docs`);
    await page.waitForSelector('.opblock-tag-section', { timeout: 30_000 });
    const bundle = assets.find((asset) => asset.url.includes('swagger-ui-bundle.js'));
    expect(bundle).toBeDefined();
    expect(['br', 'gzip']).toContain(bundle!.encoding);
    expect(bundle!.cacheControl).toBe('public, max-age=31536000, immutable');
    expect(outside).toEqual([]);
    await page.close();
  },
);

test.skipIf(!available)('/docs renders the API reference offline, one section per legacy API; / links everything', { timeout: 60_000 }, async () => {
  const page = await offlinePage();
  await page.goto(`${server.url}/docs`);
  await page.waitForSelector('.opblock-tag-section', { timeout: 30_000 });
  expect(await page.locator('.opblock-tag').allTextContents()).toEqual([
    'Control Core multi-tenant API',
    'Event History tenants',
    'Gateway tenant endpoints',
    'Tenant Configuration API v1',
    'TenantsDB API',
  ]);
  // Every operation of the served document is rendered, none dropped.
  const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const operations = Object.values(document.paths).flatMap((item) =>
    Object.keys(item).filter((key) => ['get', 'put', 'post', 'delete', 'patch'].includes(key)),
  );
  expect(operations.length).toBeGreaterThanOrEqual(75);
  expect(await page.locator('.opblock').count()).toBe(operations.length);
  await page.goto(`${server.url}/`);
  expect(await page.locator('a').allTextContents()).toEqual(['/console', '/graphql', '/docs', '/openapi.json', '/healthz', '/readyz', '/metrics', '/version']);
  expect(outside).toEqual([]);
  await page.close();
});

test.skipIf(!available)(
  '/docs asks for the key once for the four bearer APIs: one entry in Authorize unlocks all their operations',
  { timeout: 60_000 },
  async () => {
    const page = await offlinePage();
    await page.goto(`${server.url}/docs`);
    await page.waitForSelector('.opblock-tag-section', { timeout: 30_000 });
    await page.locator('.btn.authorize').first().click();
    expect(await page.locator('.auth-container h4').allTextContents()).toEqual([expect.stringContaining('bearerAuth'), expect.stringContaining('X-API-Key')]);
    const bearer = page.locator('.auth-container').first();
    await bearer.locator('input').fill(operatorKey);
    await bearer.locator('.btn.modal-btn.auth.authorize').click();
    await bearer.locator('.btn-done').click();
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { security: object[] }>> };
    const requirements = Object.values(document.paths).flatMap((item) => Object.values(item).map((operation) => JSON.stringify(operation.security)));
    const locked = page.locator('button.authorization__btn[aria-label="authorization button locked"]');
    expect(await locked.count()).toBe(requirements.filter((requirement) => requirement === '[{"bearerAuth":[]}]').length);
    expect(await page.locator('button.authorization__btn[aria-label="authorization button unlocked"]').count()).toBe(
      requirements.filter((requirement) => requirement === '[{"X-API-Key":[]}]').length,
    );
    expect(outside).toEqual([]);
    await page.close();
  },
);

test.skipIf(!available)(
  'a page on an allowed origin calls a REST route and /graphql with its key (preflighted); a page on another origin cannot read them',
  { timeout: 60_000 },
  async () => {
    const page = await browser.newPage();
    const callFrom = (origin: string) =>
      page.goto(`${origin}/`).then(() =>
        page.evaluate(
          async ({ gateway, key }) => {
            const outcome = async (work: () => Promise<Response>) => {
              try {
                const response = await work();
                return { status: response.status, requestId: response.headers.get('x-request-id') !== null, body: await response.text() };
              } catch (error) {
                return { failed: String(error) };
              }
            };
            const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
            return {
              rest: await outcome(() => fetch(`${gateway}/api/v1/tenants/browser-acme/config`, { headers })),
              graphql: await outcome(() =>
                fetch(`${gateway}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query: '{ tenants(first: 5) { edges { node { slug } } } }' }) }),
              ),
            };
          },
          { gateway: server.url, key: operatorKey },
        ),
      );
    const allowed = await callFrom(`http://127.0.0.1:${pagePort}`);
    expect(allowed.rest).toMatchObject({ status: 200, requestId: true });
    expect(allowed.graphql).toMatchObject({ status: 200 });
    expect((allowed.graphql as { body: string }).body).toContain('browser-acme');
    const refused = await callFrom(`http://localhost:${pagePort}`);
    expect(refused.rest).toMatchObject({ failed: expect.stringContaining('Failed to fetch') });
    expect(refused.graphql).toMatchObject({ failed: expect.stringContaining('Failed to fetch') });
    await page.close();
  },
);
