import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { wasmTierUp } from '../src/lib/wasm-tiering.js';

test('WASM_TIER_UP: auto keeps the optimizing tier for PGlite (the database is WebAssembly) and drops it on PostgreSQL; on and off force it', () => {
  expect(wasmTierUp(undefined, undefined)).toBe(true);
  expect(wasmTierUp('auto', './data/pglite')).toBe(true);
  expect(wasmTierUp('auto', 'memory://')).toBe(true);
  expect(wasmTierUp(undefined, 'postgres://127.0.0.1/gateway')).toBe(false);
  expect(wasmTierUp('auto', 'postgresql://127.0.0.1/gateway')).toBe(false);
  expect(wasmTierUp('on', 'postgres://127.0.0.1/gateway')).toBe(true);
  expect(wasmTierUp('off', './data/pglite')).toBe(false);
});

/** How a process that imports the setting first runs a WebAssembly function it calls in a loop for up to 3 s: its tier. */
function tierIn(env: Record<string, string>): string {
  const script = `
    await import('./src/lib/wasm-tiering.ts');
    const bytes = new Uint8Array([0,97,115,109,1,0,0,0,1,7,1,96,2,127,127,1,127,3,2,1,0,7,7,1,3,97,100,100,0,0,10,9,1,7,0,32,0,32,1,106,11]);
    const { instance } = await WebAssembly.instantiate(bytes);
    const add = instance.exports.add;
    const until = Date.now() + 3000;
    let sum = 0;
    while (Date.now() < until && !eval('%IsTurboFanFunction(add)')) {
      for (let i = 0; i < 100000; i++) sum = add(sum, 1);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    process.stdout.write(eval('%IsTurboFanFunction(add)') ? 'turbofan' : eval('%IsLiftoffFunction(add)') ? 'liftoff' : 'other');`;
  return execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
}

test('imported before any WebAssembly is compiled, the setting decides the tier: Liftoff only on PostgreSQL, TurboFan for hot functions with PGlite or when forced on', () => {
  expect(tierIn({ DATABASE_URL: 'postgres://127.0.0.1:1/none', WASM_TIER_UP: 'auto' })).toBe('liftoff');
  expect(tierIn({ DATABASE_URL: 'postgres://127.0.0.1:1/none', WASM_TIER_UP: 'on' })).toBe('turbofan');
  expect(tierIn({ DATABASE_URL: 'memory://', WASM_TIER_UP: 'auto' })).toBe('turbofan');
});

test('the server imports it first, so nothing it imports compiles WebAssembly before it', () => {
  const source = readFileSync(new URL('../src/server.ts', import.meta.url), 'utf8');
  expect(source.split('\n').find((line) => line.startsWith('import '))).toBe("import './lib/wasm-tiering.js';");
});
