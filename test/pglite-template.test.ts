import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { isNewEmbeddedDirectory, openDatabase } from '../src/gateway-db/client.js';
import { pgliteTemplatePath, readPgliteTemplate, savePgliteTemplate } from '../src/gateway-db/pglite-template.js';
import { migrationsUpToDate, prismaDir } from '../src/gateway-db/schema-engine.js';

// A new embedded database starts from the copy the first one left (src/gateway-db/pglite-template.ts).
const scratch = mkdtempSync(path.join(tmpdir(), 'pglite-template-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test("the copy's name follows the baseline: another baseline, another copy", async () => {
  const cache = path.join(scratch, 'cache');
  const other = path.join(scratch, 'prisma');
  mkdirSync(other);
  writeFileSync(path.join(other, 'migrations-baseline.sql'), `${readFileSync(path.join(prismaDir, 'migrations-baseline.sql'), 'utf8')}-- changed\n`);
  const ours = await pgliteTemplatePath(prismaDir, cache);
  expect(path.dirname(ours)).toBe(cache);
  expect(path.basename(ours)).toMatch(/^pglite-\d+\.\d+\.\d+-[0-9a-f]{16}\.tar$/);
  expect(await pgliteTemplatePath(other, cache)).not.toBe(ours);
  expect(await readPgliteTemplate(ours)).toBeUndefined();
});

// It starts from the suite's migrated PGlite, which only the embedded run has (on PostgreSQL the global setup makes a template database instead).
test.skipIf(!process.env.TEST_PGLITE_TEMPLATE)('a new data directory made from the copy is migrated, without initdb', { timeout: 120_000 }, async () => {
  const file = path.join(scratch, 'copy', 'template.tar');
  // The migrated database the test suite starts from stands for the first start's.
  const first = openDatabase('memory://', { loadDataDir: new Blob([readFileSync(process.env.TEST_PGLITE_TEMPLATE!)]) });
  try {
    await savePgliteTemplate(first.pglite!, file);
  } finally {
    await first.close();
  }
  const directory = path.join(scratch, 'data');
  expect(isNewEmbeddedDirectory(directory)).toBe(true);
  const loadDataDir = await readPgliteTemplate(file);
  expect(loadDataDir).toBeDefined();
  const second = openDatabase(directory, { loadDataDir: loadDataDir! });
  try {
    expect(await migrationsUpToDate((sql) => second.prisma.$queryRawUnsafe(sql))).toBe(true);
    expect(await second.prisma.apiKey.count()).toBe(0);
  } finally {
    await second.close();
  }
  expect(isNewEmbeddedDirectory(directory)).toBe(false);
});
