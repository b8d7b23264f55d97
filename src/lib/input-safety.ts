import type { Violation } from './errors.js';

/** Keys that reach Object.prototype when a JSON object is merged or spread into another. */
const prototypeKeys = new Set(['__proto__', 'constructor', 'prototype']);

/** Deeper JSON than any document the gateway takes; it also keeps later recursive walks off the stack's end. */
export const maxInputDepth = 32;

// PostgreSQL refuses NUL in text (22021), and a lone surrogate has no UTF-8 encoding (22P05).
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what this refuses (PostgreSQL text cannot hold it)
const unstorableText = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a text cannot be stored, or null. */
export function textProblem(text: string): string | null {
  return unstorableText.test(text) ? 'must not contain NUL characters or unpaired UTF-16 surrogates' : null;
}

const joined = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));

/**
 * The first thing in a decoded JSON value no handler may see: text PostgreSQL cannot store,
 * a key naming the object prototype (JSON.parse makes `__proto__` an own key), or nesting
 * past maxInputDepth. Iterative, so no input depth can exhaust the stack.
 */
export function unsafeInput(value: unknown, root = ''): Violation | null {
  const pending: { value: unknown; path: string; depth: number }[] = [{ value, path: root, depth: 0 }];
  while (pending.length) {
    const { value: current, path, depth } = pending.pop()!;
    if (typeof current === 'string') {
      const problem = textProblem(current);
      if (problem) return { field: path, rule: 'text', message: `${path || 'The input'} ${problem}` };
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= maxInputDepth) return { field: path, rule: 'depth', message: `${path || 'The input'} is nested more than ${maxInputDepth} levels deep` };
    const entries: [string | number, unknown][] = Array.isArray(current)
      ? current.map((item, index) => [index, item])
      : Object.keys(current).map((key) => [key, (current as Record<string, unknown>)[key]]);
    for (const [key, item] of entries) {
      const itemPath = joined(path, key);
      if (typeof key === 'string') {
        if (prototypeKeys.has(key)) return { field: itemPath, rule: 'key', message: `${itemPath}: the key "${key}" is not allowed` };
        const problem = textProblem(key);
        if (problem) return { field: path, rule: 'text', message: `A key in ${path || 'the input'} ${problem}` };
      }
      pending.push({ value: item, path: itemPath, depth: depth + 1 });
    }
  }
  return null;
}
