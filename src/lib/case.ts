export function camelCase(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

export function snakeCase(camel: string): string {
  return camel.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

export function pascalCase(snake: string): string {
  const camel = camelCase(snake);
  return camel.charAt(0).toUpperCase() + camel.slice(1);
}

/** A GraphQL enum value's name for a wire value (`config.updated` → `CONFIG_UPDATED`, `get` → `GET`). */
export const enumValueName = (value: string) => value.toUpperCase().replace(/[^A-Z0-9]+/g, '_');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Renames object keys recursively; the values under `opaque` keys (free-form maps) are copied as they are. */
export function renameKeysDeep(value: unknown, rename: (key: string) => string, opaque: ReadonlySet<string> = new Set()): Json {
  if (Array.isArray(value)) return value.map((item) => renameKeysDeep(item, rename, opaque));
  if (value === null || typeof value !== 'object') return value as Json;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => {
      const renamed = rename(key);
      return [renamed, opaque.has(renamed) || opaque.has(key) ? (inner as Json) : renameKeysDeep(inner, rename, opaque)];
    }),
  );
}
