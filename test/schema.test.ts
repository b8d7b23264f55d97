import { readFile } from 'node:fs/promises';
import { printSchema } from 'graphql';
import { expect, test } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { diffMigrationsToSchema } from '../src/db/schema-engine.js';
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
