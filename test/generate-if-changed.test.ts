import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';

// `npm start`'s prestart (scripts/generate-if-changed.mjs) generates the Prisma client and the
// codegen output only when their inputs changed since the stamp was written. Here on a copy of
// those inputs, with `--status` (which generates nothing).
const repo = path.resolve(import.meta.dirname, '..');
const root = mkdtempSync(path.join(tmpdir(), 'generate-if-changed-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const script = path.join(repo, 'scripts/generate-if-changed.mjs');
const run = (flag: string) => {
  try {
    return execFileSync(process.execPath, [script, flag], { env: { ...process.env, GENERATE_ROOT: root }, encoding: 'utf8' }).trim();
  } catch (error) {
    return `${(error as { stdout: string }).stdout.trim()} (exit ${(error as { status: number }).status})`;
  }
};

test('generation is skipped exactly when the inputs and outputs are what the stamp says', () => {
  for (const file of [
    'prisma/schema.prisma',
    'prisma.config.ts',
    'scripts/prisma-generate.sh',
    'scripts/prisma-wasm-from-file.mjs',
    'codegen.ts',
    'schema/schema.graphql',
    'package-lock.json',
  ]) {
    cpSync(path.join(repo, file), path.join(root, file));
  }
  cpSync(path.join(repo, 'test/operations'), path.join(root, 'test/operations'), { recursive: true });
  cpSync(path.join(repo, 'src/rest'), path.join(root, 'src/rest'), { recursive: true, filter: (from) => !/\.ts$/.test(from) });
  symlinkSync(path.join(repo, 'node_modules'), path.join(root, 'node_modules'));
  const outputs = ['src/generated/prisma/client.ts', 'src/generated/pothos-types.ts', 'src/generated/graphql/index.ts'];
  for (const file of outputs) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), '');
  }
  const stamp = path.join(root, 'src/generated/.inputs.sha256');

  // A fresh clone: no stamp.
  expect(run('--status')).toBe('stale (exit 1)');
  const hash = run('--hash');
  expect(hash).toMatch(/^[0-9a-f]{64}$/);
  writeFileSync(stamp, `${hash}\n`);
  expect(run('--status')).toBe('up to date');

  // A changed Prisma schema, a new GraphQL document: made again.
  writeFileSync(path.join(root, 'prisma/schema.prisma'), '// changed\n', { flag: 'a' });
  expect(run('--status')).toBe('stale (exit 1)');
  writeFileSync(stamp, `${run('--hash')}\n`);
  expect(run('--status')).toBe('up to date');
  writeFileSync(path.join(root, 'src/rest/new.graphql'), 'query New { __typename }\n');
  expect(run('--status')).toBe('stale (exit 1)');
  writeFileSync(stamp, `${run('--hash')}\n`);

  // An output gone (src/generated cleaned by hand): made again.
  rmSync(path.join(root, outputs[0]!));
  expect(run('--status')).toBe('stale (exit 1)');
});
