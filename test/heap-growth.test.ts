import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { InvalidEnvironmentError, readEnvironment } from '../src/env.js';
import { heapGrowthPercent } from '../src/lib/heap-growth.js';

test('HEAP_GROWTH_PERCENT: 50 unless given; 0 leaves the growth to V8', () => {
  expect(heapGrowthPercent(undefined)).toBe(50);
  expect(heapGrowthPercent('')).toBe(50);
  expect(heapGrowthPercent('20')).toBe(20);
  expect(heapGrowthPercent('0')).toBe(0);
  expect(heapGrowthPercent('300')).toBe(300);
  expect(readEnvironment({}).HEAP_GROWTH_PERCENT).toBe(50);
});

test('the environment refuses what the start-up setting does not apply, naming the variable, and they agree on every value it takes', () => {
  for (const accepted of ['0', '7', '20', '50', '99', '100', '250', '300']) {
    expect(readEnvironment({ HEAP_GROWTH_PERCENT: accepted }).HEAP_GROWTH_PERCENT).toBe(heapGrowthPercent(accepted));
    expect(heapGrowthPercent(accepted)).toBe(Number(accepted));
  }
  // Each of these a number coercion would take; the setting would not apply it, so the start is refused.
  for (const refused of ['301', '-5', '2.5', '20.0', ' 20', '20 ', '+20', '1e2', '0x20', '050', 'lots']) {
    expect(heapGrowthPercent(refused)).toBe(0);
    expect(() => readEnvironment({ HEAP_GROWTH_PERCENT: refused })).toThrow(InvalidEnvironmentError);
    expect(() => readEnvironment({ HEAP_GROWTH_PERCENT: refused })).toThrow(/HEAP_GROWTH_PERCENT/);
  }
});

test('the server imports it before anything else than the WebAssembly tiering, so the setting holds from its first collections', () => {
  const source = readFileSync(new URL('../src/server.ts', import.meta.url), 'utf8');
  expect(
    source
      .split('\n')
      .filter((line) => line.startsWith('import '))
      .slice(0, 2),
  ).toEqual(["import './lib/wasm-tiering.js';", "import './lib/heap-growth.js';"]);
});
