import { z } from 'zod';

const otherEngines: Record<string, string> = { mysql: 'MySQL', mongodb: 'MongoDB', redis: 'Redis' };

export const workspaceName = z
  .string({ error: 'name must be a string' })
  .regex(/^[a-z][a-z0-9_-]{0,39}$/, { error: 'name must be 1-40 lowercase letters, digits, "_" or "-", starting with a letter' })
  .refine((value) => !value.includes('__'), { error: 'name cannot contain __ (reserved separator)' });

export const createWorkspaceInput = z
  .object({
    name: workspaceName,
    database: z.string({ error: 'database must be a string' }).superRefine((value, context) => {
      const engine = value.toLowerCase();
      if (engine === 'postgresql' || engine === 'postgres') return;
      const named = otherEngines[engine];
      context.addIssue({
        code: 'custom',
        message: named
          ? `database ${named} is not available: this gateway serves PostgreSQL`
          : 'database must be one of PostgreSQL, MySQL, MongoDB, Redis (this gateway serves PostgreSQL)',
      });
    }),
    mode: z.enum(['tenant', 'control'], { error: 'mode must be tenant or control' }),
  })
  .superRefine((value, context) => {
    // A tenant-mode workspace names its blueprint, and blueprints name databases `<blueprint>__<tenant>`.
    if (value.mode === 'tenant' && value.name.includes('-')) {
      context.addIssue({ code: 'custom', path: ['name'], message: 'name of a tenant-mode workspace may not contain "-": it names the blueprint' });
    }
  });

export const settingsInput = z
  .object({
    queryTimeoutMs: z
      .number()
      .int()
      .min(100, { error: 'query_timeout_ms must be 100 to 300000' })
      .max(300_000, { error: 'query_timeout_ms must be 100 to 300000' })
      .nullish(),
    maxRowsPerQuery: z
      .number()
      .int()
      .min(1, { error: 'max_rows_per_query must be 1 to 100000' })
      .max(100_000, { error: 'max_rows_per_query must be 1 to 100000' })
      .nullish(),
    maxConnections: z.number().int().min(1, { error: 'max_connections must be 1 to 1000' }).max(1000, { error: 'max_connections must be 1 to 1000' }).nullish(),
  })
  .strict();

export const queryText = z
  .string({ error: 'query must be a string' })
  .refine((value) => value.trim().length > 0, { error: 'query must not be empty' })
  .refine((value) => value.length <= 100_000, { error: 'query must be at most 100000 characters' });
