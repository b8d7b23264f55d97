import type { z } from 'zod';
import { InvalidInputError, type Violation } from './errors.js';

export function violationsFromZod(error: z.ZodError, prefix = ''): Violation[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    rule: issue.code,
    message: issue.message,
  }));
}

/** Parses or throws one BAD_USER_INPUT error that lists every violation with its field path. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, prefix = ''): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw new InvalidInputError(violationsFromZod(result.error, prefix));
  return result.data;
}
