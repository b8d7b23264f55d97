// After `prisma generate` (scripts/prisma-generate.sh): the generated client imports its query
// compiler's WebAssembly as a module holding it in base64 (4.4 MB), and an imported module stays
// for the life of the process: its source text and the string both (~9 MB of heap, measured with a
// heap snapshot of an idle gateway). The client reads that module's text as a file instead, once,
// and lets it go when the WebAssembly is compiled.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../src/generated/prisma/internal/class.ts', import.meta.url);
const imported = /const \{ wasm \} = await import\(("@prisma\/client\/runtime\/[\w.-]+\.wasm-base64\.mjs")\)\n(\s*)return await decodeBase64AsWasm\(wasm\)/;
const text = readFileSync(file, 'utf8');
const found = imported.exec(text);
if (!found) {
  console.error(
    `${file.pathname}: the query compiler's import was not found where scripts/prisma-wasm-from-file.mjs expects it (a new Prisma?): update the script`,
  );
  process.exit(1);
}
const [, specifier, indent] = found;
writeFileSync(
  file,
  text.replace(
    imported,
    [
      '// Read as a file, not imported (scripts/prisma-wasm-from-file.mjs): an imported module holds its base64 for the life of the process.',
      "const { readFile } = await import('node:fs/promises')",
      "const { createRequire } = await import('node:module')",
      `const source = await readFile(createRequire(import.meta.url).resolve(${specifier}), 'utf8')`,
      "return await decodeBase64AsWasm(source.slice(source.indexOf('\"') + 1, source.lastIndexOf('\"')))",
    ].join(`\n${indent}`),
  ),
);
