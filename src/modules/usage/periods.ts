import { z } from 'zod';
import { InvalidInputError } from '../../lib/errors.js';

export type LimitPeriodName = 'MINUTE' | 'HOUR' | 'DAY' | 'MONTH';
export type Granularity = 'HOUR' | 'DAY' | 'WEEK' | 'MONTH';

const monthPattern = /^(\d{4})-(0[1-9]|1[0-2])$/;
const notAMonth = (field: string, label: unknown) => `${field} must be a month written YYYY-MM, got "${label}"`;

/** The rule parseMonth applies, as a schema for the REST routes that declare a month. */
export const monthSchema = (field = 'period') => z.string().regex(monthPattern, { error: (issue) => notAMonth(field, issue.input) });

/** An instant bounding a metrics period: an ISO 8601 date (its whole day) or date-time. */
export const instantSchema = (field: string) =>
  z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
    error: `${field} must be an ISO 8601 date or date-time, like 2025-01-01 or 2025-01-01T00:00:00Z`,
  });

export const granularitySchema = z.enum(['hour', 'day', 'week', 'month'], { error: 'granularity must be one of hour, day, week, month' });

/** A billing period `YYYY-MM` (UTC), the current month when absent. */
export function parseMonth(period: string | null | undefined, field = 'period'): { label: string; start: Date; end: Date } {
  const now = new Date();
  const label = period ?? `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  const match = monthPattern.exec(label);
  if (!match) throw new InvalidInputError([{ field, rule: 'format', message: notAMonth(field, label) }]);
  const year = Number(match[1]);
  const month = Number(match[2]) - 1;
  return { label, start: new Date(Date.UTC(year, month, 1)), end: new Date(Date.UTC(year, month + 1, 1)) };
}

/** The fixed window a limit counts in: the current minute, hour, UTC day or UTC month. */
export function currentWindow(period: LimitPeriodName, now = new Date()): { start: Date; end: Date } {
  const t = now.getTime();
  switch (period) {
    case 'MINUTE':
      return { start: new Date(t - (t % 60_000)), end: new Date(t - (t % 60_000) + 60_000) };
    case 'HOUR':
      return { start: new Date(t - (t % 3_600_000)), end: new Date(t - (t % 3_600_000) + 3_600_000) };
    case 'DAY':
      return { start: new Date(t - (t % 86_400_000)), end: new Date(t - (t % 86_400_000) + 86_400_000) };
    case 'MONTH':
      return {
        start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
        end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
      };
  }
}

/** The start of the bucket an instant falls in (weeks start on Monday, UTC). */
export function bucketStart(at: Date, granularity: Granularity): Date {
  const t = at.getTime();
  switch (granularity) {
    case 'HOUR':
      return new Date(t - (t % 3_600_000));
    case 'DAY':
      return new Date(t - (t % 86_400_000));
    case 'WEEK': {
      const day = new Date(t - (t % 86_400_000));
      return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * 86_400_000);
    }
    case 'MONTH':
      return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  }
}

export function isoDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}
