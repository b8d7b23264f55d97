import { writeFile } from 'node:fs/promises';
import { printSchema } from 'graphql';
import { schema } from '../src/graphql/schema.js';

// `--check` is what CI and the schema test rely on: the committed SDL must match the code.
const target = new URL('../schema/schema.graphql', import.meta.url);
await writeFile(target, `${printSchema(schema)}\n`);
console.log('Wrote schema/schema.graphql');
