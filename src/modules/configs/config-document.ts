import { type ConfigDocument, configCategories, defaultConfig } from './config-spec.js';
import { extend } from '../../lib/extend.js';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The defaults, built once: frozen, so a reader that mutated what it was given would fail loudly instead of changing them. */
const defaults = deepFreeze(defaultConfig());

/** Documents already read, by the stored JSON object Prisma returned: a request's six category fields read it once. */
const read = new WeakMap<object, ConfigDocument>();

/**
 * Every stored document is read through this, so a document written before a field existed
 * gains its default. The result is frozen (it is shared by every reader of the same stored
 * object): clone it before changing it.
 */
export function readConfigDocument(stored: unknown): ConfigDocument {
  const key = stored !== null && typeof stored === 'object' ? stored : null;
  const cached = key && read.get(key);
  if (cached) return cached;
  const source = (stored ?? {}) as Partial<Record<string, Record<string, unknown>>>;
  const document = Object.fromEntries(
    configCategories.map((category) => [category, extend(defaults[category], source[category] ?? {})]),
  ) as unknown as ConfigDocument;
  document.custom_settings = { ...(source.custom_settings as ConfigDocument['custom_settings']) };
  if (key) read.set(key, document);
  return deepFreeze(document);
}
