import { type ConfigDocument, configCategories, defaultConfig } from './config-spec.js';

/** Every stored document is read through this, so a document written before a field existed gains its default. */
export function readConfigDocument(stored: unknown): ConfigDocument {
  const document = defaultConfig();
  const source = (stored ?? {}) as Partial<Record<string, Record<string, unknown>>>;
  for (const category of configCategories) {
    Object.assign(document[category], source[category] ?? {});
  }
  document.custom_settings = { ...(source.custom_settings as ConfigDocument['custom_settings']) };
  return document;
}
