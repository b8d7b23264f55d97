import { expect, test } from 'vitest';
import { extend } from '../src/lib/extend.js';

test('extend: the same own properties, order and overrides as { ...base, ...fields }, without changing either', () => {
  const base = { a: 1, b: 2, [Symbol.for('s')]: 3 };
  const fields = { b: 20, c: 30 };
  const made = extend(base, fields);
  expect(made).toEqual({ ...base, ...fields });
  expect(Reflect.ownKeys(made)).toEqual(Reflect.ownKeys({ ...base, ...fields }));
  expect(made[Symbol.for('s')]).toBe(3);
  expect(base).toEqual({ a: 1, b: 2, [Symbol.for('s')]: 3 });
  expect(fields).toEqual({ b: 20, c: 30 });
  expect(Object.getPrototypeOf(made)).toBe(Object.prototype);
});

test('extend: a parsed __proto__ key stays an own property, as in a spread, and never sets the prototype', () => {
  const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
  for (const made of [extend(parsed, { b: 2 }), extend({ b: 2 }, parsed)] as Record<string, unknown>[]) {
    expect(Object.getPrototypeOf(made)).toBe(Object.prototype);
    expect(made.polluted).toBeUndefined();
    expect(Object.hasOwn(made, '__proto__')).toBe(true);
    expect(made.a).toBe(1);
    expect(made.b).toBe(2);
  }
});

test('extend: on this V8, objects made by it share one hidden class (a `{ ...base, x }` literal makes one per object on Node 20)', async () => {
  const { execFileSync } = await import('node:child_process');
  const script = `
    const { extend } = await import(${JSON.stringify(new URL('../src/lib/extend.ts', import.meta.url).href)});
    const base = JSON.parse('{"a":1,"b":2}');
    const same = (make) => { let previous = make(0), changes = 0; for (let i = 1; i < 2000; i++) { const next = make(i); if (!eval('%HaveSameMap(next, previous)')) changes++; previous = next; } return changes; };
    process.stdout.write(JSON.stringify({ extend: same((i) => extend(base, { i })), spread: same((i) => ({ ...base, i })) }));`;
  const counts = JSON.parse(
    execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' }),
  ) as {
    extend: number;
    spread: number;
  };
  expect(counts.extend).toBe(0);
  // What the helper is for: on Node 20 every spread object had its own (1,999 of 1,999); V8 12 (Node 22) shares them.
  if (process.versions.node.startsWith('20.')) expect(counts.spread).toBeGreaterThan(1_900);
});
