import type { TenantSession } from '../../data-plane/data-plane.js';
import { quotedName } from './physical-names.js';
import { markChange } from './change-capture.js';
import { markSchemaVersion } from './placements.js';

export type TableRows = { name: string; rows: Record<string, unknown>[] };

async function tableNames(session: Pick<TenantSession, 'query'>, schemaName: string): Promise<string[]> {
  const { rows } = await session.query(
    `SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
    [schemaName],
  );
  return rows.map((row) => String(row[0]));
}

/**
 * Every row of every table of the schema, as JSON objects (PostgreSQL's own to_json, so values
 * round-trip through json_populate_recordset), read in the schema owner's session.
 */
export async function readSchemaData(session: Pick<TenantSession, 'query'>, schemaName: string): Promise<TableRows[]> {
  const tables: TableRows[] = [];
  for (const name of await tableNames(session, schemaName)) {
    const { rows } = await session.query(`SELECT coalesce(json_agg(t), '[]'::json) FROM ${quotedName(schemaName)}.${quotedName(name)} t`);
    tables.push({ name, rows: (rows[0]?.[0] as Record<string, unknown>[] | undefined) ?? [] });
  }
  return tables;
}

/** Tables in an order where each comes after the tables its foreign keys point to. */
async function insertionOrder(session: TenantSession, schemaName: string, names: string[]): Promise<string[]> {
  const { rows } = await session.query(
    `SELECT c.relname, p.relname FROM pg_catalog.pg_constraint k
       JOIN pg_catalog.pg_class c ON c.oid = k.conrelid JOIN pg_catalog.pg_class p ON p.oid = k.confrelid JOIN pg_catalog.pg_namespace n ON n.oid = k.connamespace
      WHERE k.contype = 'f' AND n.nspname = $1 AND k.conrelid <> k.confrelid`,
    [schemaName],
  );
  const edges = rows.map(([child, parent]) => ({ child: String(child), parent: String(parent) }));
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string) => {
    if (ordered.includes(name) || visiting.has(name)) return;
    visiting.add(name);
    for (const edge of edges) if (edge.child === name) visit(edge.parent);
    ordered.push(name);
  };
  names.forEach(visit);
  return ordered.filter((name) => names.includes(name));
}

/**
 * Empties the schema of everything in it (tables, views, sequences, types, domains), as its
 * owner: the schema itself stays, since its owner may not make schemas.
 */
export async function emptySchema(session: TenantSession, schemaName: string): Promise<void> {
  const { rows } = await session.query(
    `SELECT format('DROP %s IF EXISTS %I.%I CASCADE', kind, $1::text, name) FROM (
       SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS kind, c.relname AS name, 1 AS pass
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND NOT c.relispartition
       UNION ALL
       SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.typname, 2
         FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
         LEFT JOIN pg_catalog.pg_class r ON r.oid = t.typrelid
        WHERE n.nspname = $1 AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND r.relkind = 'c'))
     ) objects ORDER BY pass`,
    [schemaName],
  );
  for (const [statement] of rows) await session.query(String(statement));
}

/**
 * Puts a schema back to `tables`, in the schema owner's session (one transaction): when
 * `rebuild` is given (the backup's schema version differs from the current one) the schema is
 * emptied and that DDL chain run again and marked as `rebuild.version`; otherwise its tables are
 * truncated. Then the rows go back in foreign-key order and every sequence continues after the
 * largest value its column holds. Running it twice leaves the same schema.
 */
export async function restoreSchemaData(
  session: TenantSession,
  schemaName: string,
  tables: TableRows[],
  rebuild?: { statements: string[]; version: number },
): Promise<void> {
  const schema = quotedName(schemaName);
  // Logged first: a later recovery through this restore empties the schema here too, then plays its rows.
  await markChange(session, 'R', rebuild?.version ?? null);
  // The schema is emptied and its rows go back as they were: the tenant's own triggers (an audit
  // trigger, a truncate trigger) do not fire, as they did not when the rows were first written.
  // The change log's do: a later recovery through this restore plays these rows.
  let enableTriggers = await pauseTenantTriggers(session, schemaName);
  if (rebuild) {
    await emptySchema(session, schemaName);
    for (const statement of rebuild.statements) await session.run(statement, { maxRows: 1, maxBytes: 1 << 20 });
    await markSchemaVersion(session, schemaName, rebuild.version);
    // The rebuilt tables' triggers are the blueprint's, new and on.
    enableTriggers = await pauseTenantTriggers(session, schemaName);
  } else {
    const current = await tableNames(session, schemaName);
    if (current.length) await session.query(`TRUNCATE ${current.map((name) => `${schema}.${quotedName(name)}`).join(', ')}`);
  }
  const existing = new Set(await tableNames(session, schemaName));
  const byName = new Map(tables.filter((table) => existing.has(table.name)).map((table) => [table.name, table]));
  for (const name of await insertionOrder(session, schemaName, [...byName.keys()])) {
    const rows = byName.get(name)!.rows;
    if (rows.length === 0) continue;
    const table = `${schema}.${quotedName(name)}`;
    // Generated columns are computed again; OVERRIDING SYSTEM VALUE: identity columns GENERATED ALWAYS take the copied values.
    const columns = (await insertableColumns(session, schemaName, name)).map(quotedName).join(', ');
    await session.query(`INSERT INTO ${table} (${columns}) OVERRIDING SYSTEM VALUE SELECT ${columns} FROM json_populate_recordset(NULL::${table}, $1::json)`, [
      JSON.stringify(rows),
    ]);
  }
  await enableTriggers();
  await continueSequences(session, schemaName);
  await markChange(session, 'E', null);
}

/**
 * Disables the tenant's own enabled triggers on the schema's tables (not the change log's, not
 * foreign keys'), in the caller's transaction; answers how to enable them again.
 */
export async function pauseTenantTriggers(session: Pick<TenantSession, 'query'>, schemaName: string): Promise<() => Promise<void>> {
  // Partitions' triggers cloned from their parent's follow the parent's; each comes back as it was (ALWAYS, REPLICA or plain).
  const { rows: triggers } = await session.query(
    `SELECT format('%I.%I', n.nspname, c.relname), quote_ident(t.tgname), CASE t.tgenabled WHEN 'A' THEN 'ENABLE ALWAYS' WHEN 'R' THEN 'ENABLE REPLICA' ELSE 'ENABLE' END
       FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND NOT t.tgisinternal AND t.tgenabled <> 'D' AND t.tgname NOT LIKE '0\\_tdb\\_capture%' AND NOT c.relispartition`,
    [schemaName],
  );
  for (const [table, trigger] of triggers) await session.query(`ALTER TABLE ${String(table)} DISABLE TRIGGER ${String(trigger)}`);
  return async () => {
    for (const [table, trigger, enable] of triggers) await session.query(`ALTER TABLE ${String(table)} ${String(enable)} TRIGGER ${String(trigger)}`);
  };
}

/** The table's columns a row can be written to: all but the generated ones. */
async function insertableColumns(session: Pick<TenantSession, 'query'>, schemaName: string, table: string): Promise<string[]> {
  const { rows } = await session.query(
    `SELECT a.attname::text FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum`,
    [schemaName, table],
  );
  return rows.map((row) => String(row[0]));
}

/** Every identity or serial sequence of the schema goes on after the largest value its column holds. */
export async function continueSequences(session: Pick<TenantSession, 'query'>, schemaName: string): Promise<void> {
  const schema = quotedName(schemaName);
  const { rows: sequences } = await session.query(
    `SELECT c.relname, a.attname, pg_catalog.pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname)
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND pg_catalog.pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) IS NOT NULL`,
    [schemaName],
  );
  for (const [relname, attname, sequence] of sequences as [string, string, string][]) {
    await session.query(`SELECT pg_catalog.setval($1, coalesce((SELECT max(${quotedName(attname)}) FROM ${schema}.${quotedName(relname)}), 0) + 1, false)`, [
      sequence,
    ]);
  }
}
