import { z } from 'zod';
import { InvalidInputError, type Violation } from '../../lib/errors.js';
import { documentLimitFields, planFields } from '../../kernel/plans.js';

const limitMaxima = {
  maxUsers: 10_000_000,
  maxApiCallsPerMonth: 2_000_000_000,
  maxStorageMb: 2_000_000_000,
  maxLlmTokensPerMonth: 2_000_000_000,
  maxPolicies: 1_000_000,
  maxBouncers: 10_000,
} as const;

type LimitField = keyof typeof limitMaxima;

function limit(field: string, max: number) {
  return z
    .number({ error: `${field} must be an integer` })
    .int({ error: `${field} must be an integer` })
    .min(0, { error: `${field} must be between 0 and ${max}` })
    .max(max, { error: `${field} must be between 0 and ${max}` });
}

/** A tenant's limit fields, each with its range. */
export const limits = Object.fromEntries(Object.entries(limitMaxima).map(([field, max]) => [field, limit(field, max)])) as Record<
  LimitField,
  ReturnType<typeof limit>
>;

/** Free-form settings: a JSON object of at most 64 KiB. */
const freeForm = z
  .record(z.string(), z.unknown(), { error: 'settings must be a JSON object' })
  .refine((value) => JSON.stringify(value).length <= 65_536, { error: 'settings must be at most 64 KiB of JSON' });

const squash = (name: string) => name.toLowerCase().replace(/[_-]/g, '');

/** Control Core's settings (`max_policies`, `max_users`, `max_bouncers`), however spelt: the tenant's limit fields. */
const limitSettings = new Map<string, LimitField>([
  [squash('maxPolicies'), 'maxPolicies'],
  [squash('maxUsers'), 'maxUsers'],
  [squash('maxBouncers'), 'maxBouncers'],
]);

/** Names of the plan and where the tenant lives, which no setting may take. */
const notSettings = new Set([...planFields, ...documentLimitFields, 'planType', 'plan', 'region', 'status'].map(squash));

type SettingsInput = { settings?: Record<string, unknown> | null } & Partial<Record<LimitField, number | null>>;

/**
 * `settings` as every path takes it. Control Core's settings (`max_policies`, `max_users`,
 * `max_bouncers`) are the tenant's limit fields, so they become those fields, with their ranges and
 * their rule (an operator's or the tenant's project's act, never the tenant's own); a key naming
 * any other part of the plan or the tenant's place (`tier`, `plan_type`, `isolation`, `region` …)
 * is refused; the other keys are free-form settings of the tenant's own. `fromSettings` names
 * the settings key each folded limit came from, for errors.
 */
export function foldSettings<T extends SettingsInput>(
  input: T,
): { input: T & { settings?: Record<string, unknown> | null }; fromSettings: Partial<Record<LimitField, string>> } {
  if (input.settings == null) return { input, fromSettings: {} };
  const settings = freeForm.safeParse(input.settings);
  if (!settings.success)
    throw new InvalidInputError(
      settings.error.issues.map((issue) => ({ field: ['settings', ...issue.path.map(String)].join('.'), rule: issue.code, message: issue.message })),
    );
  const violations: Violation[] = [];
  const folded: Partial<Record<LimitField, number>> = {};
  const fromSettings: Partial<Record<LimitField, string>> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings.data)) {
    const field = limitSettings.get(squash(key));
    const path = `settings.${key}`;
    if (field) {
      const parsed = limit(path, limitMaxima[field]).safeParse(value);
      if (!parsed.success) violations.push({ field: path, rule: parsed.error.issues[0]!.code, message: parsed.error.issues[0]!.message });
      else if (input[field] != null && input[field] !== parsed.data)
        violations.push({ field: path, rule: 'conflict', message: `${path} and ${field} name different limits` });
      else {
        folded[field] = parsed.data;
        fromSettings[field] = path;
      }
    } else if (notSettings.has(squash(key))) {
      violations.push({
        field: path,
        rule: 'not_a_setting',
        message: `${path}: ${key} is part of the tenant's plan or place, not a setting; it has a field of its own`,
      });
    } else rest[key] = value;
  }
  if (violations.length) throw new InvalidInputError(violations);
  return { input: { ...input, ...folded, settings: rest }, fromSettings };
}

/** Free-form settings change key by key: a key given replaces the stored one, null removes it, keys not given stay. */
export function mergeSettings(stored: unknown, given: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...(stored && typeof stored === 'object' && !Array.isArray(stored) ? (stored as Record<string, unknown>) : {}) };
  for (const [key, value] of Object.entries(given)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}
