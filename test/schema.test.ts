import { readdir, readFile } from 'node:fs/promises';
import { printSchema } from 'graphql';
import { expect, test } from 'vitest';
import { openDatabase } from '../src/gateway-db/client.js';
import { diffMigrationsToSchema } from '../src/gateway-db/schema-engine.js';
import { schema } from '../src/graphql/schema.js';

test('schema/schema.graphql is the schema the code builds (run `npm run generate` after changing types)', async () => {
  const committed = await readFile(new URL('../schema/schema.graphql', import.meta.url), 'utf8');
  expect(committed).toBe(`${printSchema(schema)}\n`);
});

test('the migrations build exactly schema.prisma (run `npm run db:migration:new -- <name>` after changing it)', async () => {
  const database = openDatabase('memory://');
  try {
    expect(await diffMigrationsToSchema(database.adapterFactory)).toBe('');
  } finally {
    await database.close();
  }
});

test("no migration has a semicolon in a comment: the schema engine splits scripts at every semicolon on PostgreSQL, so the comment's rest would run as SQL", async () => {
  const directory = new URL('../prisma/migrations/', import.meta.url);
  const offending: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const script = await readFile(new URL(`${entry.name}/migration.sql`, directory), 'utf8');
    script.split('\n').forEach((line, index) => {
      const comment = line.indexOf('--');
      if (comment >= 0 && line.slice(comment).includes(';')) offending.push(`${entry.name}:${index + 1}`);
    });
  }
  expect(offending).toEqual([]);
});
