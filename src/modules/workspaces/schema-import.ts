import { z } from 'zod';
import { InvalidInputError } from '../../lib/errors.js';
import { parseInput } from '../../lib/validation.js';
import type { Actor } from '../../kernel/principal.js';
import { classifySql, loadSqlParser, quoteIdentifier } from '../data-plane-schemas/sql-classifier.js';
import { describeSchema } from '../data-plane-schemas/tenant-schemas.js';
import type { DataPlaneDeps } from '../data-plane-schemas/data-plane-deps.js';
import { findWorkspace, workspacePlacement } from './workspace-access.js';
import { recordChanges, runInWorkspace } from './workspace-changes.js';
import blog from './templates/blog.json' with { type: 'json' };
import ecommerce from './templates/ecommerce.json' with { type: 'json' };
import fintech from './templates/fintech.json' with { type: 'json' };
import saas from './templates/saas.json' with { type: 'json' };

const identifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: 'must be 1-63 lowercase letters, digits or underscores, not starting with a digit' });

// A type name as PostgreSQL spells one (`TEXT`, `NUMERIC(18,2)`, `TIMESTAMP WITH TIME ZONE`, `INTEGER[]`): no quotes, no `;`.
const typeName = z.string().regex(/^[A-Za-z][A-Za-z0-9_ ]{0,60}(\(\d{1,4}(, ?\d{1,4})?\))?( ?\[\])?$/, {
  error: 'must be a PostgreSQL type name such as TEXT, INTEGER or NUMERIC(18,2)',
});

/** Defaults that are expressions rather than values. */
const defaultExpressions = new Set(['now()', 'current_timestamp', 'current_date', 'gen_random_uuid()']);

const columnDefinition = z
  .object({
    name: identifier,
    type: typeName,
    nullable: z.boolean().optional(),
    primary_key: z.boolean().optional(),
    unique: z.boolean().optional(),
    default: z.union([z.string().max(200), z.number().finite(), z.boolean()]).optional(),
    references: z.object({ table: identifier, column: identifier }).strict().optional(),
  })
  .strict();

export const tableDefinition = z
  .object({ name: identifier, columns: z.array(columnDefinition).min(1, { error: 'a table needs at least one column' }).max(200) })
  .strict();
export type TableDefinition = z.infer<typeof tableDefinition>;

export const schemaTemplates: Record<string, TableDefinition[]> = { ecommerce, saas, blog, fintech };

const importInput = z.discriminatedUnion(
  'source',
  [
    z.object({
      source: z.literal('template'),
      template: z.enum(['ecommerce', 'saas', 'blog', 'fintech'], { error: 'template must be one of ecommerce, saas, blog, fintech' }),
    }),
    z.object({ source: z.literal('json'), tables: z.array(tableDefinition).min(1, { error: 'tables must list at least one table' }).max(100) }),
  ],
  { error: 'source must be json or template (database and url sources are not served)' },
);

const literal = (value: string | number | boolean) =>
  typeof value === 'string' ? (defaultExpressions.has(value.toLowerCase()) ? value : `'${value.replace(/'/g, "''")}'`) : String(value);

export async function createTableStatement(table: TableDefinition): Promise<string> {
  await loadSqlParser();
  const columns = table.columns.map((column) =>
    [
      quoteIdentifier(column.name),
      column.type,
      column.primary_key ? 'PRIMARY KEY' : null,
      column.nullable === false && !column.primary_key ? 'NOT NULL' : null,
      column.unique ? 'UNIQUE' : null,
      column.default !== undefined ? `DEFAULT ${literal(column.default)}` : null,
      column.references ? `REFERENCES ${quoteIdentifier(column.references.table)}(${quoteIdentifier(column.references.column)})` : null,
    ]
      .filter(Boolean)
      .join(' '),
  );
  return `CREATE TABLE ${quoteIdentifier(table.name)} (${columns.join(', ')})`;
}

export type SchemaImport = {
  source: string;
  created: string[];
  skipped: string[];
  errors: { table: string; error: string }[];
  statementsTotal: number;
};

/**
 * Creates a template's or the caller's tables in the workspace, one statement each: a table that
 * exists is skipped, one PostgreSQL refuses is reported with its message and the rest go on.
 * In tenant mode each created table is a pending change like any DDL run in the workspace.
 */
export async function importWorkspaceSchema(
  actor: Actor,
  deps: DataPlaneDeps,
  name: string,
  input: { source: string; template?: string | null; tables?: unknown },
): Promise<SchemaImport> {
  const workspace = await findWorkspace(actor, name, 'workspaces:write');
  if (input.source === 'database' || input.source === 'url') {
    throw new InvalidInputError([
      {
        field: 'source',
        rule: 'supported',
        message: `source ${input.source} is not served: this gateway does not connect to outside databases or URLs; use template or json`,
      },
    ]);
  }
  const data = parseInput(importInput, {
    source: input.source,
    ...(input.template != null ? { template: input.template } : {}),
    ...(input.tables != null ? { tables: input.tables } : {}),
  });
  const tables = data.source === 'template' ? schemaTemplates[data.template]! : data.tables;
  const existing = new Set((await describeSchema(deps, workspacePlacement(workspace))).map((table) => table.name));
  const result: SchemaImport = { source: data.source, created: [], skipped: [], errors: [], statementsTotal: tables.length };
  for (const table of tables) {
    if (existing.has(table.name)) {
      result.skipped.push(table.name);
      continue;
    }
    const statements = await classifySql(await createTableStatement(table));
    if (statements.length !== 1 || statements[0]?.command !== 'CREATE TABLE' || statements[0].refusal) {
      result.errors.push({ table: table.name, error: 'not a single CREATE TABLE statement' });
      continue;
    }
    try {
      await runInWorkspace(actor, deps, workspace, statements);
    } catch (error) {
      result.errors.push({ table: table.name, error: (error as Error).message });
      continue;
    }
    await recordChanges(actor, workspace, statements);
    result.created.push(table.name);
    existing.add(table.name);
  }
  return result;
}
