import type { TenantSession } from '../../data-plane/data-plane.js';
import { quotedName } from '../data-plane-schemas/physical-names.js';

/**
 * A tenant database as plain SQL that `psql` restores into an empty PostgreSQL database (seed
 * 002's `postgresql/...sql.gz` backups, issue 27): the blueprint's DDL at the schema's version,
 * each table's rows as a `COPY … FROM stdin` block, and every sequence set where it stood. Written
 * by the gateway itself, read in the tenant's own session: no pg_dump on the gateway's host, and
 * the same on the embedded data plane. Objects a session made outside the blueprint's DDL are not
 * in it (their rows are, when they are tables the chain made).
 */
export async function sqlDump(
  session: Pick<TenantSession, 'query'>,
  source: { schemaName: string; database: string; version: number; ddl: readonly string[]; takenAt: Date },
): Promise<string> {
  // Values as text in the server's defaults, whatever the tenant set for its own role (as pg_dump does).
  for (const setting of dumpSettings) await session.query(`SET LOCAL ${setting}`);
  const tables = await tableColumns(session, source.schemaName);
  const parts = [
    `-- TenantsDB backup of ${oneLine(source.database)}, blueprint version ${source.version}, taken ${source.takenAt.toISOString()}`,
    '-- Restore into an empty database: gunzip -c <file> | psql -v ON_ERROR_STOP=1 <connection string>',
    "SET client_encoding = 'UTF8';",
    'SET standard_conforming_strings = on;',
    ...dumpSettings.map((setting) => `SET ${setting};`),
    'BEGIN;',
    ...source.ddl.map((statement) => `${statement.trim().replace(/;\s*$/, '')};`),
    // A table made outside the blueprint (through the proxy): its columns, so its rows restore too.
    ...tables.map((table) => `CREATE TABLE IF NOT EXISTS ${quotedName(table.name)} (${table.definitions.join(', ')});`),
    // Rows the DDL itself wrote (seed data) are in the COPY blocks below.
    ...(tables.length ? [`TRUNCATE ${tables.map((table) => quotedName(table.name)).join(', ')};`] : []),
    // The rows go in as they were: the blueprint's own triggers (an audit trigger) do not fire for them.
    ...tables.map((table) => `ALTER TABLE ${quotedName(table.name)} DISABLE TRIGGER USER;`),
  ];
  for (const table of tables) {
    if (table.columns.length === 0) continue;
    const columns = table.columns.map(quotedName).join(', ');
    // A partitioned table is read whole (its partitions hold its rows and are not dumped apart); any other, ONLY its own rows.
    const from = `${table.partitioned ? '' : 'ONLY '}${quotedName(source.schemaName)}.${quotedName(table.name)}`;
    const { rows } = await session.query(`SELECT ${table.columns.map((column) => `${quotedName(column)}::text`).join(', ')} FROM ${from}`);
    parts.push(`COPY ${quotedName(table.name)} (${columns}) FROM stdin;`);
    for (const row of rows) parts.push(row.map(copyField).join('\t'));
    parts.push('\\.');
  }
  parts.push(...tables.map((table) => `ALTER TABLE ${quotedName(table.name)} ENABLE TRIGGER USER;`));
  const { rows: sequences } = await session.query(
    'SELECT sequencename, last_value::text FROM pg_catalog.pg_sequences WHERE schemaname = $1 AND last_value IS NOT NULL ORDER BY sequencename',
    [source.schemaName],
  );
  for (const [name, value] of sequences)
    parts.push(`SELECT pg_catalog.setval('${quotedName(String(name)).replace(/'/g, "''")}', ${BigInt(String(value))}, true);`);
  parts.push('COMMIT;', '');
  return parts.join('\n');
}

const dumpSettings = ["DateStyle = 'ISO, MDY'", "IntervalStyle = 'postgres'", 'extra_float_digits = 3', "bytea_output = 'hex'", "TimeZone = 'UTC'"];

type DumpedTable = { name: string; partitioned: boolean; columns: string[]; definitions: string[] };

/**
 * The schema's tables (partitions are their parent's), each with the columns a COPY can write
 * (generated columns are computed again) and a plain definition of every column, in an order
 * foreign keys accept.
 */
async function tableColumns(session: Pick<TenantSession, 'query'>, schemaName: string): Promise<DumpedTable[]> {
  const { rows } = await session.query(
    `SELECT c.relname, c.relkind = 'p',
            array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attgenerated = ''),
            array_agg(format('%I %s%s', a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END) ORDER BY a.attnum)
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      GROUP BY c.relname, c.relkind ORDER BY c.relname`,
    [schemaName],
  );
  const tables = rows.map(([name, partitioned, columns, definitions]) => ({
    name: String(name),
    partitioned: partitioned === true,
    columns: (columns as string[] | null) ?? [],
    definitions: definitions as string[],
  }));
  const { rows: references } = await session.query(
    `SELECT c.relname, p.relname FROM pg_catalog.pg_constraint k
       JOIN pg_catalog.pg_class c ON c.oid = k.conrelid JOIN pg_catalog.pg_class p ON p.oid = k.confrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = k.connamespace
      WHERE k.contype = 'f' AND n.nspname = $1 AND k.conrelid <> k.confrelid`,
    [schemaName],
  );
  const ordered: typeof tables = [];
  const visiting = new Set<string>();
  const visit = (table: (typeof tables)[number]) => {
    if (ordered.includes(table) || visiting.has(table.name)) return;
    visiting.add(table.name);
    for (const [child, parent] of references) {
      const target = child === table.name ? tables.find((candidate) => candidate.name === parent) : undefined;
      if (target) visit(target);
    }
    ordered.push(table);
  };
  tables.forEach(visit);
  return ordered;
}

/** A value in COPY's text format: `\N` for NULL; backslash, tab, newline and carriage return escaped. */
function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  return String(value).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

const oneLine = (text: string) => text.replace(/[\r\n]+/g, ' ');
