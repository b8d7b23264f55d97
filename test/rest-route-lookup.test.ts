import { describe, expect, test } from 'vitest';
import { readEnvironment } from '../src/env.js';
import { mountedDialects } from '../src/rest/dialects/index.js';
import { createRestEngine } from '../src/rest/engine.js';

// The engine tests only the routes of a path's segment count (engine.ts): every path must find
// exactly the routes a test of every pattern finds, in the same order.
const dialects = mountedDialects(readEnvironment({}));
const engine = createRestEngine(dialects, async () => ({ data: null }), { maxBodyBytes: 1024 });
const templates = dialects.flatMap((dialect) => dialect.routes.map((route) => `${dialect.prefix}${route.path}`));
const patterns = templates.map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}/?$`),
}));

const lookup = (path: string) =>
  engine.lookup(new Request(`http://gateway.test${path}`)).candidates.map((found) => `${found.dialect.prefix}${found.route.path}`);
const everyPatternFinds = (path: string) => patterns.filter(({ pattern }) => pattern.test(path)).map(({ template }) => template);

describe('REST route lookup', () => {
  const filled = templates.map((template) => template.replace(/\{\w+\}/g, 'x1'));
  const paths = [
    ...filled,
    ...filled.map((path) => `${path}/`),
    ...filled.map((path) => `${path}//`),
    ...filled.map((path) => `${path}/extra`),
    ...filled.map((path) => path.split('/').slice(0, -1).join('/') || '/'),
    '/',
    '//',
    '',
    '/nothing/here',
  ];

  test('finds every route whose pattern matches, in table order, for every route and its near misses', () => {
    expect(templates.length).toBeGreaterThan(90);
    let found = 0;
    for (const path of paths) {
      const expected = everyPatternFinds(path || '/');
      expect(lookup(path), path).toEqual(expected);
      found += expected.length;
    }
    // Each filled template finds at least itself, with and without its trailing slash.
    expect(found).toBeGreaterThanOrEqual(templates.length * 2);
  });
});
