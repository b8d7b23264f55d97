// Writes the OpenAPI document of the legacy routes (as GET /openapi.json serves it with the
// environment's prefixes) to the file named, for linters and client generators.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readEnvironment } from '../src/env.js';
import { mountedDialects } from '../src/rest/dialects/index.js';
import { buildOpenApi } from '../src/rest/openapi.js';

const target = process.argv[2] ?? 'openapi.json';
mkdirSync(path.dirname(target), { recursive: true });
writeFileSync(target, `${JSON.stringify(buildOpenApi(mountedDialects(readEnvironment({}))), null, 2)}\n`);
console.log(`Wrote ${target}`);
