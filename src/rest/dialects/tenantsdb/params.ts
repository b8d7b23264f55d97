import { z } from 'zod';

// Query parameters as the seed's tables give them; the message of each is this dialect's 400.

/** `?name=` a whole number from `min` (to `max`). */
export function integerParam(name: string, min: number, max?: number) {
  const message = `${name} must be an integer from ${min}${max === undefined ? ' up' : ` to ${max}`}`;
  return z
    .number({ error: message })
    .int()
    .min(min)
    .max(max ?? 2_147_483_647)
    .optional();
}

/** `?name=` one of `values`. */
export const oneOfParam = <const T extends readonly [string, ...string[]]>(name: string, values: T) =>
  z.enum(values, { error: `${name} must be one of ${values.join(', ')}` }).optional();

const windows = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;

/** `?since=1h|24h|7d|30d` */
export const sinceParam = oneOfParam('since', Object.keys(windows) as ['1h', '24h', '7d', '30d']).describe('Time filter: 1h, 24h, 7d or 30d');

/** The instant a `since` window reaches back to (absent: null). */
export const sinceInstant = (window: keyof typeof windows | undefined, now = Date.now()): string | null =>
  window ? new Date(now - windows[window]).toISOString() : null;
