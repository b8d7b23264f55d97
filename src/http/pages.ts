import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

const swaggerUiDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const assetTypes: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};
const assets = new Map<string, Promise<Buffer>>();

const links = [
  { rel: 'graphiql', href: '/graphql', title: 'GraphiQL: explore and run the GraphQL API' },
  { rel: 'api-reference', href: '/docs', title: 'API reference of the legacy REST routes' },
  { rel: 'openapi', href: '/openapi.json', title: 'OpenAPI 3.1 document of the legacy REST routes' },
  { rel: 'health', href: '/healthz', title: 'Liveness' },
  { rel: 'ready', href: '/readyz', title: 'Readiness (the database answers)' },
  { rel: 'metrics', href: '/metrics', title: 'Prometheus metrics' },
];

const html = (body: string) =>
  new Response(body, {
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'",
    },
  });

/** `/`: where to go from here, as HTML for browsers and JSON for `Accept: application/json`. */
export function landingPage(request: Request): Response {
  if (/application\/json/.test(request.headers.get('accept') ?? '') && !/text\/html/.test(request.headers.get('accept') ?? '')) {
    return Response.json({ name: 'tenant-gateway', links });
  }
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
export function docsPage(): Response {
  return html(`<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>tenant-gateway: legacy REST API reference</title>
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css"><link rel="icon" href="/docs/assets/favicon-32x32.png">
  </head>
  <body>
    <div id="reference"></div>
    <script src="/docs/assets/swagger-ui-bundle.js"></script>
    <script>
      window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#reference', validatorUrl: null, deepLinking: true, docExpansion: 'list', tagsSorter: 'alpha', persistAuthorization: true });
    </script>
  </body>
</html>`);
}

/** A file of the reference page, from swagger-ui-dist; null for anything else. */
export async function docsAsset(name: string): Promise<Response | null> {
  const type = assetTypes[name];
  if (!type) return null;
  let bytes = assets.get(name);
  if (!bytes) {
    bytes = readFile(path.join(swaggerUiDir, name));
    assets.set(name, bytes);
  }
  return new Response(new Uint8Array(await bytes), { headers: { 'content-type': type, 'cache-control': 'public, max-age=86400' } });
}
