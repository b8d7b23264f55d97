import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { configurationReferencePath, renderConfigurationReference, schemaDefault } from '../scripts/config-reference.js';
import { readOutsideTheGateway, sections } from '../scripts/env-docs.js';
import { environmentSchema } from '../src/env.js';

// docs/configuration.md is generated from the env schema and scripts/env-docs.ts, so it cannot drift.

const root = path.resolve(import.meta.dirname, '..');
const schemaNames = Object.keys(environmentSchema.shape).sort();
const documented = sections.flatMap(({ variables }) => Object.entries(variables));
const documentedNames = documented.map(([name]) => name);

test('every variable of the env schema is documented in scripts/env-docs.ts, once', () => {
  expect(
    schemaNames.filter((name) => !documentedNames.includes(name)),
    'undocumented: describe them in scripts/env-docs.ts',
  ).toEqual([]);
  expect(
    documentedNames.filter((name, index) => documentedNames.indexOf(name) !== index),
    'documented twice',
  ).toEqual([]);
});

test('every variable scripts/env-docs.ts documents is in the env schema', () => {
  expect(
    documentedNames.filter((name) => !schemaNames.includes(name)),
    'not in src/env.ts',
  ).toEqual([]);
  expect(
    Object.keys(readOutsideTheGateway).filter((name) => schemaNames.includes(name)),
    'read by the gateway',
  ).toEqual([]);
});

test('defaults come from the schema: a description states one only where the schema has none', () => {
  const both = documented.filter(
    ([name, doc]) => 'unset' in doc && schemaDefault(environmentSchema.shape[name as keyof typeof environmentSchema.shape]) !== undefined,
  );
  expect(
    both.map(([name]) => name),
    "a default stated beside the schema's",
  ).toEqual([]);
});

test('an older name stands for documented newer names', () => {
  const newer = documented.flatMap(([, doc]) => ('olderNameOf' in doc ? doc.olderNameOf : []));
  const currentNames = documented.filter(([, doc]) => !('olderNameOf' in doc)).map(([name]) => name);
  expect(
    newer.filter((name) => !currentNames.includes(name)),
    'not a documented current name',
  ).toEqual([]);
});

test('every variable read outside src/env.ts is in the schema or documented as read by the tests and the benchmark', () => {
  const read = new Map<string, string>();
  for (const folder of ['src', 'test', 'scripts', 'bench']) {
    for (const file of readdirSync(path.join(root, folder), { recursive: true, encoding: 'utf8' })) {
      if (!/\.(ts|js|mjs|cjs)$/.test(file) || file.split(path.sep).includes('generated')) continue;
      const text = readFileSync(path.join(root, folder, file), 'utf8');
      for (const match of text.matchAll(/process\.env(?:\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\])/g)) {
        read.set((match[1] ?? match[2])!, path.join(folder, file));
      }
    }
  }
  const unknown = [...read].filter(([name]) => !schemaNames.includes(name) && !(name in readOutsideTheGateway));
  expect(unknown, 'read but neither in src/env.ts nor in readOutsideTheGateway (scripts/env-docs.ts)').toEqual([]);
  for (const [name, { readBy }] of Object.entries(readOutsideTheGateway)) {
    expect(readFileSync(path.join(root, readBy), 'utf8'), `${readBy} reads ${name}`).toContain(`process.env.${name}`);
  }
});

test('docs/configuration.md is what the generator writes (run `npm run generate:config-docs` after changing src/env.ts or scripts/env-docs.ts)', () => {
  const committed = readFileSync(configurationReferencePath, 'utf8');
  expect(committed, 'docs/configuration.md is stale: run `npm run generate:config-docs`').toBe(renderConfigurationReference());
});
