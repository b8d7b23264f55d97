import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { StaticFile } from './static-answers.js';

/** dist/console of the project, found upward from this file (src/http in development, dist/src/http compiled). */
function findConsoleDir(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'dist', 'console');
    if (path.dirname(dir) === dir) return path.join(from, 'console');
  }
}

const consoleDir = findConsoleDir(import.meta.dirname);

/** What scripts/build-console.ts wrote: the hashed names of the console's two files. */
type Manifest = { script: string; style: string };

async function manifest(): Promise<Manifest | null> {
  try {
    return JSON.parse(await readFile(path.join(consoleDir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

/** Its own files only: no inline script or style, and it talks to this origin alone. */
const policy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** `/console`: the page that loads the built bundle; null when it was never built. */
export async function consolePage(): Promise<StaticFile | null> {
  const built = await manifest();
  if (!built) return null;
  return {
    bytes: Buffer.from(`<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
    <title>tenant-gateway console</title>
    <meta name="color-scheme" content="light dark">
    <link rel="stylesheet" href="/console/assets/${built.style}">
    <script type="module" src="/console/assets/${built.script}"></script>
  </head>
  <body><div id="console"><noscript>The console needs JavaScript.</noscript></div></body>
</html>`),
    contentType: 'text/html; charset=utf-8',
    cacheControl: 'no-cache',
    headers: { 'content-security-policy': policy, 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff' },
  };
}

/** The answer to /console when dist/console is missing: how to build it. */
export const consoleMissing = () =>
  new Response('The console is not built: run `npm run build:console` (npm start, npm test and npm run build run it), then reload.\n', {
    status: 503,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  });

/** Whether `name` is one of the built console's files (the manifest's names; never a caller's path). */
export async function isConsoleAsset(name: string): Promise<boolean> {
  const built = await manifest();
  return !!built && (name === built.script || name === built.style);
}

/** A file of the console: its name carries its content's hash, so it is kept a year. */
export async function consoleAsset(name: string): Promise<StaticFile | null> {
  try {
    return {
      bytes: await readFile(path.join(consoleDir, name)),
      contentType: name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
      cacheControl: 'public, max-age=31536000, immutable',
    };
  } catch {
    return null;
  }
}
