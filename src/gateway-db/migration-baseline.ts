import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Database } from './client.js';

/**
 * The squashed baseline (prisma/migrations-baseline.sql): the DDL pg_dump prints of a database
 * that the whole migration history was applied to, with the name and checksum of each migration
 * it stands for. A fresh database gets it in one script instead of the history one migration at
 * a time through the schema engine (seconds on PGlite); every migration it stands for is then
 * recorded in `_prisma_migrations` as applied, so a later build's newer migrations apply on top
 * as on any other database. Databases made before keep upgrading through the history.
 * `npm run db:baseline` writes it; test/migration-baseline.test.ts checks it equals the history.
 */
export type Baseline = { sql: string; migrations: Array<{ name: string; checksum: string }> };

const migrationLine = /^-- migration: (\S+) ([0-9a-f]{64})$/;

export function baselinePath(prismaDir: string): string {
  return path.join(prismaDir, 'migrations-baseline.sql');
}

export function parseBaseline(sql: string): Baseline {
  const migrations = sql.split('\n').flatMap((line) => {
    const match = migrationLine.exec(line);
    return match ? [{ name: match[1]!, checksum: match[2]! }] : [];
  });
  return { sql, migrations };
}

/** The checked-in baseline, or null when there is none. */
export async function readBaseline(prismaDir: string): Promise<Baseline | null> {
  const sql = await readFile(baselinePath(prismaDir), 'utf8').catch(() => null);
  return sql === null ? null : parseBaseline(sql);
}

/**
 * Whether the baseline stands for the oldest migrations of `local` exactly (same names, same
 * checksums, in order, at least one): only then may it replace them. A baseline left behind by
 * an edited history is not used; the schema engine applies the history instead.
 */
export function baselineFits(baseline: Baseline, local: Array<{ name: string; checksum: string }>): boolean {
  return (
    baseline.migrations.length > 0 &&
    baseline.migrations.length <= local.length &&
    baseline.migrations.every((migration, i) => local[i]!.name === migration.name && local[i]!.checksum === migration.checksum)
  );
}

/** A session that runs a text of many statements as one message (the simple query protocol). */
export type ScriptSession = {
  run(sql: string): Promise<Array<Record<string, unknown>>>;
  end(): Promise<void>;
};

/**
 * PGlite: its `exec` over the one instance. PostgreSQL: a connection of its own (node-postgres
 * sends a query without parameters as a simple query, statements and dollar quotes intact).
 * Prisma's driver adapters cannot run the baseline: they split a script at every semicolon.
 */
export async function openScriptSession(database: Pick<Database, 'kind' | 'url' | 'pglite'>): Promise<ScriptSession> {
  if (database.kind === 'pglite') {
    const pglite = database.pglite!;
    return {
      run: async (sql) => ((await pglite.exec(sql)).at(-1)?.rows ?? []) as Array<Record<string, unknown>>,
      end: async () => {},
    };
  }
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  return {
    run: async (sql) => {
      const result = (await client.query(sql)) as pg.QueryResult | pg.QueryResult[];
      return (Array.isArray(result) ? (result.at(-1)?.rows ?? []) : result.rows) as Array<Record<string, unknown>>;
    },
    end: () => client.end(),
  };
}

/** Prisma's advisory lock id for migrations: the schema engine of another replica waits on it too. */
const migrationLock = 72707369;

/**
 * Applies the baseline to an empty database and records its migrations as applied, in one
 * transaction, holding the migration lock. Returns the migrations recorded, or null when the
 * database is not empty (another replica got there first, or it holds objects of its own: the
 * schema engine deals with it then).
 */
export async function applyBaseline(session: ScriptSession, baseline: Baseline): Promise<string[] | null> {
  await session.run(`SELECT pg_advisory_lock(${migrationLock})`);
  try {
    const [row] = await session.run(
      `SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace)
            + (SELECT count(*) FROM pg_type WHERE typnamespace = 'public'::regnamespace)
            + (SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace) AS objects`,
    );
    if (Number(row?.objects) !== 0) return null;
    const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
    const recorded = baseline.migrations
      .map(({ name, checksum }) => `(${quote(randomUUID())}, ${quote(checksum)}, now(), ${quote(name)}, NULL, NULL, now(), 1)`)
      .join(',\n');
    try {
      await session.run(
        [
          'BEGIN',
          'SET LOCAL check_function_bodies = false',
          'SET LOCAL client_min_messages = warning',
          baseline.sql,
          `INSERT INTO public._prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) VALUES\n${recorded}`,
          'COMMIT',
        ].join('\n;\n'),
      );
    } catch (error) {
      await session.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
    return baseline.migrations.map((migration) => migration.name);
  } finally {
    await session.run(`SELECT pg_advisory_unlock(${migrationLock})`);
  }
}

/**
 * The baseline's text from pg_dump's `--schema-only --no-owner --no-privileges` output of a
 * database the history was applied to: its session settings go (the script sets what it needs
 * for its own transaction; `transaction_timeout` is unknown before PostgreSQL 17), and a header
 * names each migration it stands for with its checksum.
 */
export function renderBaseline(dump: string, migrations: Array<{ name: string; checksum: string }>): string {
  const body = dump
    .split('\n')
    .filter((line) => !/^(SET |SELECT pg_catalog\.set_config\(|\\)/.test(line))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return [
    '-- The squashed baseline: what the migrations below, applied in order to an empty database,',
    '-- make of it (pg_dump --schema-only). A fresh database gets this in one script and records',
    '-- them all as applied; older databases upgrade through prisma/migrations as before.',
    '-- Written by `npm run db:baseline`: do not edit. test/migration-baseline.test.ts checks it.',
    ...migrations.map(({ name, checksum }) => `-- migration: ${name} ${checksum}`),
    '',
    body,
    '',
  ].join('\n');
}
