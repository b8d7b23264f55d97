import { InvalidInputError } from '../lib/errors.js';

export const maxPageSize = 100;

/** Refuses a page larger than the connection serves, rather than silently clamping it. */
export function assertPageSize(args: { first?: number | null; last?: number | null }): void {
  for (const key of ['first', 'last'] as const) {
    const value = args[key];
    if (value != null && (value < 0 || value > maxPageSize)) {
      throw new InvalidInputError([{ field: key, rule: 'range', message: `${key} must be between 0 and ${maxPageSize}` }]);
    }
  }
}
