import { describe, expect, test } from 'vitest';
import { type Database, openDatabase } from '../src/gateway-db/client.js';
import { applyBaseline, baselineFits, openScriptSession, parseBaseline, readBaseline } from '../src/gateway-db/migration-baseline.js';
import { applyMigrations, bringSchemaUpToDate, localMigrations, migrationsUpToDate, prismaDir } from '../src/gateway-db/schema-engine.js';
import { freshPostgresDatabase } from './support/gateway.js';

// prisma/migrations-baseline.sql stands for the whole migration history on a fresh database
// (src/gateway-db/migration-baseline.ts). It must make the same database the history makes.

test('the baseline stands for every local migration, unchanged (else: npm run db:baseline)', async () => {
  const baseline = await readBaseline(prismaDir);
  expect(baseline, 'prisma/migrations-baseline.sql is missing: npm run db:baseline').not.toBeNull();
  expect(baseline!.migrations, 'the baseline is behind prisma/migrations: npm run db:baseline').toEqual(await localMigrations());
});

test('a baseline fits only the oldest local migrations exactly', () => {
  const local = [
    { name: '1_a', checksum: 'a' },
    { name: '2_b', checksum: 'b' },
  ];
  const baseline = (migrations: typeof local) => parseBaseline(migrations.map((m) => `-- migration: ${m.name} ${m.checksum.repeat(64)}`).join('\n'));
  const long = local.map((m) => ({ ...m, checksum: m.checksum.repeat(64) }));
  expect(baselineFits(baseline(local), long)).toBe(true);
  // Older than the newest migration: the schema engine applies the newer ones on top.
  expect(baselineFits(baseline(local.slice(0, 1)), long)).toBe(true);
  // An edited migration, a migration the code does not have, or no migrations at all: not used.
  expect(baselineFits(baseline([local[0]!, { name: '2_b', checksum: 'c' }]), long)).toBe(false);
  expect(baselineFits(baseline([...local, { name: '3_c', checksum: 'c' }]), long)).toBe(false);
  expect(baselineFits(baseline([]), long)).toBe(false);
});

/**
 * Everything the migrations make, as sorted text: the two databases must print the same. An
 * index's own column names are left out (they keep a column's name from before a RENAME, which
 * nothing reads); the index itself is compared by its definition.
 */
async function catalog(database: Database): Promise<Record<string, string[]>> {
  const queries: Record<string, string> = {
    columns: `SELECT c.relname || '.' || a.attname || ' #' || row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum) || ' ' || format_type(a.atttypid, a.atttypmod)
                || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
                || coalesce(' IDENTITY ' || nullif(a.attidentity::text, ''), '') || coalesce(' GENERATED ' || nullif(a.attgenerated::text, ''), '')
                || coalesce(' COLLATE ' || nullif(a.attcollation, 0)::regcollation::text, '') || coalesce(' -- ' || col_description(c.oid, a.attnum), '') AS item
                FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
               WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c') AND a.attnum > 0 AND NOT a.attisdropped`,
    relations: `SELECT relname || ' ' || relkind::text || ' ' || relpersistence::text || coalesce(' -- ' || obj_description(oid, 'pg_class'), '') AS item FROM pg_class WHERE relnamespace = 'public'::regnamespace`,
    indexes: `SELECT pg_get_indexdef(indexrelid) AS item FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = 'public'::regnamespace`,
    constraints: `SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) || CASE WHEN condeferrable THEN ' DEFERRABLE' ELSE '' END AS item
                    FROM pg_constraint WHERE connamespace = 'public'::regnamespace`,
    triggers: `SELECT pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text AS item FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal`,
    functions: `SELECT pg_get_functiondef(oid) AS item FROM pg_proc WHERE pronamespace = 'public'::regnamespace`,
    types: `SELECT t.typname || ' ' || t.typtype::text || coalesce(' (' || (SELECT string_agg(enumlabel, ', ' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid) || ')', '') AS item
              FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace`,
    sequences: `SELECT sequencename || ' ' || data_type || ' ' || start_value || ' ' || increment_by || ' ' || min_value || ' ' || max_value || ' ' || cycle AS item FROM pg_sequences WHERE schemaname = 'public'`,
    views: `SELECT viewname || ' ' || definition AS item FROM pg_views WHERE schemaname = 'public'`,
    policies: `SELECT tablename || ' ' || policyname || ' ' || cmd || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, '') AS item FROM pg_policies WHERE schemaname = 'public'`,
    extensions: `SELECT extname || ' ' || extversion AS item FROM pg_extension`,
  };
  const result: Record<string, string[]> = {};
  for (const [kind, sql] of Object.entries(queries)) {
    const rows = await database.prisma.$queryRawUnsafe<Array<{ item: string }>>(sql);
    result[kind] = rows.map((row) => row.item).sort();
  }
  // Rows the migrations themselves wrote (none today): the same in both.
  const tables = await database.prisma.$queryRawUnsafe<Array<{ name: string }>>(
    `SELECT relname AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND relname <> '_prisma_migrations' ORDER BY 1`,
  );
  result.rows = [];
  for (const { name } of tables) {
    const [row] = await database.prisma.$queryRawUnsafe<Array<{ rows: string }>>(`SELECT count(*)::text AS rows FROM public."${name}"`);
    result.rows.push(`${name} ${row!.rows}`);
  }
  return result;
}

const recorded = (database: Database) =>
  database.prisma.$queryRawUnsafe<Array<{ migration_name: string; checksum: string; applied_steps_count: number }>>(
    'SELECT migration_name, checksum, applied_steps_count FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name',
  );

/** A start on a fresh database: the baseline, then whatever is newer (nothing here). */
async function startOn(database: Database): Promise<{ applied: string[]; said: string[] }> {
  const said: string[] = [];
  const applied = await bringSchemaUpToDate(
    { adapterFactory: database.adapterFactory, query: (sql) => database.prisma.$queryRawUnsafe(sql), openScriptSession: () => openScriptSession(database) },
    (message) => said.push(message),
  );
  return { applied, said };
}

async function expectBaselineEqualsChain(open: () => Promise<{ database: Database; drop(): Promise<void> }>) {
  const chain = await open();
  const squashed = await open();
  try {
    await applyMigrations(chain.database.adapterFactory);
    const { applied, said } = await startOn(squashed.database);
    const local = await localMigrations();
    expect(applied).toEqual(local.map((migration) => migration.name));
    expect(said.some((line) => line.startsWith('applied the migrations baseline'))).toBe(true);
    expect(said.some((line) => line.startsWith('applying migrations: the schema engine'))).toBe(false);

    expect(await catalog(squashed.database)).toEqual(await catalog(chain.database));
    // Recorded as the schema engine records them: a later build applies only what is newer.
    expect(
      (await recorded(squashed.database)).map(({ migration_name, checksum, applied_steps_count }) => ({ migration_name, checksum, applied_steps_count })),
    ).toEqual((await recorded(chain.database)).map(({ migration_name, checksum, applied_steps_count }) => ({ migration_name, checksum, applied_steps_count })));
    expect(await migrationsUpToDate((sql) => squashed.database.prisma.$queryRawUnsafe(sql))).toBe(true);
    expect(await applyMigrations(squashed.database.adapterFactory)).toEqual([]);
    // A second start has nothing to do.
    expect(await startOn(squashed.database)).toEqual({ applied: [], said: [] });
  } finally {
    await chain.database.close();
    await squashed.database.close();
    await chain.drop();
    await squashed.drop();
  }
}

describe('the baseline makes the database the migration history makes', () => {
  test('on PGlite', { timeout: 180_000 }, async () => {
    await expectBaselineEqualsChain(async () => ({ database: openDatabase('memory://'), drop: async () => {} }));
  });

  const serverUrl = process.env.TEST_POSTGRES_URL;
  test.skipIf(!serverUrl)('on PostgreSQL', { timeout: 180_000 }, async () => {
    await expectBaselineEqualsChain(async () => {
      const fresh = await freshPostgresDatabase(serverUrl!, 'gateway_baseline');
      return { database: openDatabase(fresh.url), drop: fresh.drop };
    });
  });
});

test('the baseline is not applied to a database that holds objects of its own', { timeout: 60_000 }, async () => {
  const database = openDatabase('memory://');
  try {
    await database.prisma.$executeRawUnsafe('CREATE TABLE "Mine" (id int)');
    const session = await openScriptSession(database);
    expect(await applyBaseline(session, (await readBaseline(prismaDir))!)).toBeNull();
    await session.end();
    expect(await database.prisma.$queryRawUnsafe(`SELECT to_regclass('public._prisma_migrations') IS NULL AS missing`)).toEqual([{ missing: true }]);
  } finally {
    await database.close();
  }
});
