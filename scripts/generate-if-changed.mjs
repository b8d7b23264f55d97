import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// Plain JavaScript: run by node itself, without tsx's second of start-up.
// `npm start` (prestart) and `npm run dev` (predev): the Prisma client and the GraphQL codegen
// output are made again only when what they are made from changed since they were last made
// here: a stamp in src/generated holds the hash of those inputs (files and generator versions).
// Both take seconds (the Prisma CLI alone ~6 s); a fresh clone has no stamp and generates.
// `npm test`, `npm run check` and `npm run build` always generate.
// `--status` only says whether they would be made (exit 1) or not (exit 0); `--hash` prints the
// inputs' hash. GENERATE_ROOT names another checkout (tests).
const root = process.env.GENERATE_ROOT ?? path.resolve(import.meta.dirname, '..');
const stampFile = path.join(root, 'src/generated/.inputs.sha256');
const outputs = ['src/generated/prisma/client.ts', 'src/generated/pothos-types.ts', 'src/generated/graphql/index.ts'];
const generators = ['prisma', '@prisma/client', '@pothos/plugin-prisma', '@graphql-codegen/cli', '@graphql-codegen/client-preset'];

/** Files under `dir` whose names end with `ext`, relative to the root, sorted. */
function filesUnder(dir, ext) {
  const full = path.join(root, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith(ext))
    .map((name) => path.join(dir, name))
    .sort();
}

function inputsHash() {
  const hash = createHash('sha256');
  const files = [
    'prisma/schema.prisma',
    'scripts/prisma-generate.sh',
    'scripts/prisma-wasm-from-file.mjs',
    'prisma.config.ts',
    'codegen.ts',
    'schema/schema.graphql',
    'package-lock.json',
    ...filesUnder('test/operations', '.graphql'),
    ...filesUnder('src/rest', '.graphql'),
  ];
  for (const file of files)
    hash
      .update(`${file}\0`)
      .update(readFileSync(path.join(root, file)))
      .update('\0');
  for (const name of generators) {
    const { version } = JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8'));
    hash.update(`${name}@${version}\0`);
  }
  return hash.digest('hex');
}

const expected = inputsHash();
const stamp = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : '';
const fresh = stamp === expected && outputs.every((file) => existsSync(path.join(root, file)));
if (process.argv.includes('--hash')) {
  console.log(expected);
} else if (process.argv.includes('--status')) {
  console.log(fresh ? 'up to date' : 'stale');
  process.exitCode = fresh ? 0 : 1;
} else if (fresh) {
  console.error('generated code is up to date (prisma, codegen): not generating');
} else {
  for (const script of ['generate:prisma', 'generate:codegen']) {
    const started = performance.now();
    execFileSync('npm', ['run', '--silent', script], { cwd: root, stdio: 'inherit' });
    console.error(`${script}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  writeFileSync(stampFile, `${expected}\n`);
}
