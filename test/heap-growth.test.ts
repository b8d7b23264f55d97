import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { InvalidEnvironmentError, readEnvironment } from '../src/env.js';
import { heapGrowthPercent } from '../src/lib/heap-growth.js';

test('HEAP_GROWTH_PERCENT: 50 unless given; 0 (and anything malformed, which the environment then refuses) leaves the growth to V8', () => {
  expect(heapGrowthPercent(undefined)).toBe(50);
  expect(heapGrowthPercent('')).toBe(50);
  expect(heapGrowthPercent('20')).toBe(20);
  expect(heapGrowthPercent('0')).toBe(0);
  expect(heapGrowthPercent('300')).toBe(300);
  for (const malformed of ['301', '-5', '1e2', 'lots', ' 20']) expect(heapGrowthPercent(malformed)).toBe(0);
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

test('the environment refuses a growth that is not a whole number from 0 to 300, naming the variable', () => {
  expect(readEnvironment({}).HEAP_GROWTH_PERCENT).toBe(50);
  expect(readEnvironment({ HEAP_GROWTH_PERCENT: '0' }).HEAP_GROWTH_PERCENT).toBe(0);
  for (const malformed of ['301', '-5', '2.5', 'lots']) {
    expect(() => readEnvironment({ HEAP_GROWTH_PERCENT: malformed })).toThrow(InvalidEnvironmentError);
    expect(() => readEnvironment({ HEAP_GROWTH_PERCENT: malformed })).toThrow(/HEAP_GROWTH_PERCENT/);
  }
});
