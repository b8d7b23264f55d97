import { quotedName } from './physical-names.js';

/** What runs raw SQL: the Prisma client or one of its interactive transactions. */
type RawSql = {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
};

export type TableRows = { name: string; rows: Record<string, unknown>[] };

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

async function tableNames(db: RawSql, schemaName: string): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<{ relname: string }[]>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ${literal(schemaName)} AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
  );
  return rows.map((row) => row.relname);
}

/**
 * Every row of every table of the schema, as JSON objects (PostgreSQL's own to_json, so
 * values round-trip through json_populate_recordset). The gateway's user reads them through its
 * membership of the schema's role.
 */
export async function readSchemaData(db: RawSql, schemaName: string): Promise<TableRows[]> {
  const tables: TableRows[] = [];
  for (const name of await tableNames(db, schemaName)) {
    const [result] = await db.$queryRawUnsafe<{ rows: Record<string, unknown>[] }[]>(
      `SELECT coalesce(json_agg(t), '[]'::json) AS rows FROM ${quotedName(schemaName)}.${quotedName(name)} t`,
    );
    tables.push({ name, rows: result?.rows ?? [] });
  }
  return tables;
}

/** Tables in an order where each comes after the tables its foreign keys point to. */
async function insertionOrder(db: RawSql, schemaName: string, names: string[]): Promise<string[]> {
  const edges = await db.$queryRawUnsafe<{ child: string; parent: string }[]>(
    `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid JOIN pg_namespace n ON n.oid = k.connamespace
      WHERE k.contype = 'f' AND n.nspname = ${literal(schemaName)} AND k.conrelid <> k.confrelid`,
  );
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
 * Puts a schema back to `tables`, inside the caller's transaction: when `rebuild` is given (the
 * backup's schema version differs from the current one) the schema is emptied and its DDL chain
 * run again as the schema's role; otherwise its tables are truncated. Then the rows go back in
 * foreign-key order and every sequence continues after the largest value its column holds.
 */
export async function restoreSchemaData(tx: RawSql, schemaName: string, tables: TableRows[], rebuild?: string[]): Promise<void> {
  const schema = quotedName(schemaName);
  if (rebuild) {
    await tx.$executeRawUnsafe(`DROP SCHEMA ${schema} CASCADE`);
    await tx.$executeRawUnsafe(`CREATE SCHEMA ${schema} AUTHORIZATION ${schema}`);
    await tx.$executeRawUnsafe(`REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC`);
    await tx.$executeRawUnsafe(`SET LOCAL ROLE ${schema}`);
    await tx.$executeRawUnsafe(`SET LOCAL search_path TO ${schema}`);
    for (const statement of rebuild) await tx.$executeRawUnsafe(statement);
    await tx.$executeRawUnsafe('SET LOCAL ROLE NONE');
    await tx.$executeRawUnsafe('SET LOCAL search_path TO DEFAULT');
  } else {
    const current = await tableNames(tx, schemaName);
    if (current.length) await tx.$executeRawUnsafe(`TRUNCATE ${current.map((name) => `${schema}.${quotedName(name)}`).join(', ')}`);
  }
  const existing = new Set(await tableNames(tx, schemaName));
  const byName = new Map(tables.filter((table) => existing.has(table.name)).map((table) => [table.name, table]));
  for (const name of await insertionOrder(tx, schemaName, [...byName.keys()])) {
    const rows = byName.get(name)!.rows;
    if (rows.length === 0) continue;
    const table = `${schema}.${quotedName(name)}`;
    await tx.$executeRawUnsafe(`INSERT INTO ${table} SELECT * FROM json_populate_recordset(NULL::${table}, $1::json)`, JSON.stringify(rows));
  }
  const sequences = await tx.$queryRawUnsafe<{ relname: string; attname: string; sequence: string }[]>(
    `SELECT c.relname, a.attname, pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) AS sequence
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = ${literal(schemaName)} AND c.relkind IN ('r', 'p') AND pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) IS NOT NULL`,
  );
  for (const { relname, attname, sequence } of sequences) {
    await tx.$queryRawUnsafe(
      `SELECT setval(${literal(sequence)}, coalesce((SELECT max(${quotedName(attname)}) FROM ${schema}.${quotedName(relname)}), 0) + 1, false)`,
    );
  }
}
