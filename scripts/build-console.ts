/**
 * Builds the console (console/, served at /console) into dist/console: one script and one
 * stylesheet named by their content's hash (kept a year by browsers), and manifest.json naming
 * them for src/http/console.ts. esbuild takes well under a second, so `npm start` and `npm test`
 * run it first and a fresh clone has a console.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const outdir = path.join(root, 'dist', 'console');

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
const result = await build({
  entryPoints: [path.join(root, 'console', 'main.tsx')],
  outdir,
  entryNames: 'console-[hash]',
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022', 'chrome111', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  sourcemap: false,
  legalComments: 'none',
  metafile: true,
  write: true,
  logLevel: 'warning',
});

const files = await readdir(outdir);
const script = files.find((file) => file.endsWith('.js'));
const style = files.find((file) => file.endsWith('.css'));
if (!script || !style) throw new Error(`esbuild wrote ${files.join(', ')}: expected one .js and one .css`);
await writeFile(path.join(outdir, 'manifest.json'), `${JSON.stringify({ script, style }, null, 2)}\n`);

const sizes = { raw: 0, gzip: 0, br: 0 };
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (!/\.(js|css)$/.test(file)) continue;
  const bytes = readFileSync(path.resolve(root, file));
  sizes.raw += output.bytes;
  sizes.gzip += gzipSync(bytes, { level: 9 }).byteLength;
  sizes.br += brotliCompressSync(bytes).byteLength;
}
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
console.log(`console built into dist/console: JS+CSS ${kb(sizes.raw)} raw, ${kb(sizes.gzip)} gzip, ${kb(sizes.br)} br`);
