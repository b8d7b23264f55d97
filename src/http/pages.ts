import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { StaticFile } from './static-answers.js';

const swaggerUiPackage = createRequire(import.meta.url).resolve('swagger-ui-dist/package.json');
const swaggerUiDir = path.dirname(swaggerUiPackage);
const assetTypes: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

/** The page asks for its assets under the package's version, so they can be kept for a year and a new release asks anew. */
let swaggerUiVersion: Promise<string> | undefined;
const assetVersion = () => (swaggerUiVersion ??= readFile(swaggerUiPackage, 'utf8').then((text) => (JSON.parse(text) as { version: string }).version));

const links = [
  { rel: 'console', href: '/console', title: 'Console: tenants, configuration, usage and keys in the browser (sign in with an API key)' },
  { rel: 'graphiql', href: '/graphql', title: 'GraphiQL: explore and run the GraphQL API' },
  { rel: 'api-reference', href: '/docs', title: 'API reference of the legacy REST routes' },
  { rel: 'openapi', href: '/openapi.json', title: 'OpenAPI 3.1 document of the legacy REST routes' },
  { rel: 'health', href: '/healthz', title: 'Liveness' },
  { rel: 'ready', href: '/readyz', title: 'Readiness (the database answers)' },
  { rel: 'metrics', href: '/metrics', title: 'Prometheus metrics' },
  { rel: 'version', href: '/version', title: 'Which build is running: version, commit, schema hash' },
];

/** A page: revalidated on every visit (its ETag makes that a 304), its scripts only its own. */
const html = (body: string): StaticFile => ({
  bytes: Buffer.from(body),
  contentType: 'text/html; charset=utf-8',
  cacheControl: 'no-cache',
  headers: { 'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'" },
});

/** `/` asked for as JSON (`Accept: application/json` without text/html). */
export const wantsJsonLanding = (request: Request) =>
  /application\/json/.test(request.headers.get('accept') ?? '') && !/text\/html/.test(request.headers.get('accept') ?? '');

/** `/` as JSON: the same links. */
export const landingJson = () => Response.json({ name: 'tenant-gateway', links });

/** `/`: where to go from here, for browsers. */
export async function landingPage(): Promise<StaticFile> {
  const items = links.map((link) => `<li><a href="${link.href}">${link.href}</a>: ${link.title}</li>`).join('\n      ');
  return html(`<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>tenant-gateway</title>
    <style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem}code{background:#f3f3f3;padding:0 .2em}</style>
  </head>
  <body>
    <h1>tenant-gateway</h1>
    <p>A GraphQL gateway for multi-tenant control planes, with the legacy REST APIs served over the same schema.
      Send your API key as <code>Authorization: Bearer &lt;key&gt;</code>.</p>
    <ul>
      ${items}
    </ul>
  </body>
</html>`);
}

/** `/docs`: the OpenAPI reference rendered by Swagger UI, every asset served from the package (no CDN); one section per dialect. */
export async function docsPage(): Promise<StaticFile> {
  const v = encodeURIComponent(await assetVersion());
  return html(`<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>tenant-gateway: legacy REST API reference</title>
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css?v=${v}"><link rel="icon" href="/docs/assets/favicon-32x32.png?v=${v}">
  </head>
  <body>
    <div id="reference"></div>
    <script src="/docs/assets/swagger-ui-bundle.js?v=${v}"></script>
    <script>
      window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#reference', validatorUrl: null, deepLinking: true, docExpansion: 'list', tagsSorter: 'alpha', persistAuthorization: true });
    </script>
  </body>
</html>`);
}

/** Whether `name` is one of the reference page's files (an own key: `constructor` is not a file). */
export const isDocsAsset = (name: string) => Object.hasOwn(assetTypes, name);

/** Whether `version` (a request's `?v=`) is the running Swagger UI's: the page asks for its assets under it. */
export const isCurrentAssetVersion = async (version: string | null) => version === (await assetVersion());

/**
 * A file of the reference page, from swagger-ui-dist. Asked for under the running version (as the
 * page does) it is kept for a year; otherwise for an hour. Two entries per file at most, whatever
 * `?v=` a caller sends.
 */
export async function docsAsset(name: string, current: boolean): Promise<StaticFile> {
  return {
    bytes: await readFile(path.join(swaggerUiDir, name)),
    contentType: assetTypes[name]!,
    cacheControl: current ? 'public, max-age=31536000, immutable' : 'public, max-age=3600',
  };
}
