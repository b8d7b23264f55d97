import { setFlagsFromString } from 'node:v8';
import { isPostgresUrl } from './database-url.js';

// Imported first by the server's entry point, before any WebAssembly is compiled. V8 compiles
// WebAssembly with its baseline compiler (Liftoff), then compiles the functions that run often
// again with its optimizing compiler (TurboFan) in the background. In this gateway that tier-up
// is Prisma's query compiler (a 4.4 MB module), and it holds some 90 MB of a production process
// on PostgreSQL (idle RSS 277 → 186 MB measured with Liftoff only) for about 5 % more CPU on a
// read that misses the response cache. On the embedded default the database itself (PGlite) is
// WebAssembly, so there the optimizing compiler stays on.

/** WASM_TIER_UP: `on`, `off`, or `auto` (off on PostgreSQL, on with PGlite). */
export function wasmTierUp(setting: string | undefined, databaseUrl: string | undefined): boolean {
  if (setting === 'on') return true;
  if (setting === 'off') return false;
  return !isPostgresUrl(databaseUrl ?? '');
}

if (!wasmTierUp(process.env.WASM_TIER_UP, process.env.DATABASE_URL)) setFlagsFromString('--liftoff-only');
