import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';
import { applyBaseline, baselineFits, readBaseline, type ScriptSession } from './migration-baseline.js';

/** The project's prisma/ folder, found upward from this file (src/gateway-db in development, dist/src/gateway-db compiled). */
function findPrismaDir(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'prisma', 'schema.prisma'))) return path.join(dir, 'prisma');
    if (path.dirname(dir) === dir) throw new Error(`No prisma/schema.prisma above ${from}`);
  }
}

export const prismaDir = findPrismaDir(import.meta.dirname);
const migrationsDir = path.join(prismaDir, 'migrations');
const schemaPath = path.join(prismaDir, 'schema.prisma');

let wasmReady: Promise<void> | undefined;

// The WASM build is the same schema engine the CLI downloads natively; it is
// instantiated by hand because its generated loader expects a bundler.
function loadWasm(): Promise<void> {
  wasmReady ??= (async () => {
    const wasmPath = path.join(path.dirname(createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm')), 'schema_engine_bg.wasm');
    const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), {
      './schema_engine_bg.js': bg as unknown as WebAssembly.ModuleImports,
    });
    const exports = instance.exports as WebAssembly.Exports & { __wbindgen_start: () => void };
    bg.__wbg_set_wasm(exports);
    exports.__wbindgen_start();
  })();
  return wasmReady;
}

export async function openSchemaEngine(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  log: (message: string) => void = () => {},
): Promise<SchemaEngine> {
  await loadWasm();
  const datamodel = await readFile(schemaPath, 'utf8');
  return (await bg.SchemaEngine.new({ datamodels: [[schemaPath, datamodel]] }, log, bindMigrationAwareSqlAdapterFactory(adapterFactory))) as SchemaEngine;
}

export async function readMigrationList(): Promise<MigrationList> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const directories = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const lockPath = path.join(migrationsDir, 'migration_lock.toml');
  return {
    baseDir: migrationsDir,
    lockfile: { path: lockPath, content: await readFile(lockPath, 'utf8').catch(() => null) },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      directories.map(async (name) => {
        const filePath = path.join(migrationsDir, name, 'migration.sql');
        const content = await readFile(filePath, 'utf8').then(
          (sql) => ({ tag: 'ok' as const, value: sql }),
          (error: Error) => ({ tag: 'error' as const, value: error.message }),
        );
        return { path: name, migrationFile: { path: 'migration.sql', content } };
      }),
    ),
  };
}

/** Each local migration's name and checksum (SHA-256 of its file, as `_prisma_migrations` records it), oldest first. */
export async function localMigrations(): Promise<Array<{ name: string; checksum: string }>> {
  return (await readMigrationList()).migrationDirectories.map(({ path: name, migrationFile: { content } }) => ({
    name,
    checksum: content.tag === 'ok' ? createHash('sha256').update(content.value).digest('hex') : '',
  }));
}

export async function applyMigrations(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<string[]> {
  const engine = await openSchemaEngine(adapterFactory);
  try {
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList: await readMigrationList(),
      filters: { externalTables: [], externalEnums: [] },
    });
    return appliedMigrationNames;
  } finally {
    engine.free();
  }
}

/** The schema engine giving up on the migration lock another process holds (Prisma's P1002, after 10 s). */
const lockTimedOut = (error: unknown) => /P1002|advisory lock/i.test(`${(error as { code?: unknown })?.code ?? ''} ${(error as Error)?.message ?? error}`);

/**
 * Takes the database to this build's migrations, saying so while it works: nothing when they are
 * all applied already. A fresh database (no `_prisma_migrations`) gets the squashed baseline in
 * one script when `openScriptSession` is given and the baseline fits the local history
 * (migration-baseline.ts), then the schema engine applies what is newer than the baseline, if
 * anything. Otherwise a line before the schema engine runs (tens of seconds on a fresh embedded
 * database) and one with how long it took. Replicas starting together on a database that needs
 * migrations queue on the engine's advisory lock; one that times out waiting (P1002) checks again
 * and waits on, up to `attempts` times, instead of failing its start: the other has usually just
 * applied them.
 */
export async function bringSchemaUpToDate(
  database: {
    adapterFactory: SqlMigrationAwareDriverAdapterFactory;
    query: (sql: string) => Promise<unknown[]>;
    openScriptSession?: () => Promise<ScriptSession>;
  },
  log: (message: string, fields?: Record<string, unknown>) => void,
  attempts = 12,
): Promise<string[]> {
  const applied: string[] = [];
  let baselineTried = !database.openScriptSession;
  for (let attempt = 1; ; attempt++) {
    if (await migrationsUpToDate(database.query)) return applied;
    if (!baselineTried) {
      baselineTried = true;
      const recorded = await applyBaselineIfFresh(database.query, database.openScriptSession!, log);
      if (recorded) {
        applied.push(...recorded);
        continue;
      }
    }
    const local = (await readMigrationList()).migrationDirectories.length;
    log('applying migrations: the schema engine brings the database to this build (tens of seconds on a fresh embedded database)', { migrations: local });
    try {
      const started = performance.now();
      const names = await applyMigrations(database.adapterFactory);
      log('applied migrations', { migrations: names.length, ms: Math.round(performance.now() - started) });
      return [...applied, ...names];
    } catch (error) {
      if (!lockTimedOut(error) || attempt >= attempts) throw error;
      log('another process holds the migration lock (it is applying them): waiting for it', { attempt });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

/** The baseline on a database without `_prisma_migrations`, when it fits the local history; the migrations recorded, or null. */
async function applyBaselineIfFresh(
  query: (sql: string) => Promise<unknown[]>,
  openSession: () => Promise<ScriptSession>,
  log: (message: string, fields?: Record<string, unknown>) => void,
): Promise<string[] | null> {
  const [row] = (await query(`SELECT to_regclass('public._prisma_migrations') IS NULL AS fresh`)) as Array<{ fresh: boolean }>;
  if (!row?.fresh) return null;
  const baseline = await readBaseline(prismaDir);
  if (!baseline) return null;
  if (!baselineFits(baseline, await localMigrations())) {
    log('the migrations baseline does not match prisma/migrations (run npm run db:baseline): applying them one by one');
    return null;
  }
  log('fresh database: applying the squashed migrations baseline in one script', { migrations: baseline.migrations.length });
  const started = performance.now();
  const session = await openSession();
  try {
    const recorded = await applyBaseline(session, baseline);
    if (recorded) log('applied the migrations baseline', { migrations: recorded.length, ms: Math.round(performance.now() - started) });
    return recorded;
  } finally {
    await session.end();
  }
}

/**
 * Whether the database records exactly the local migrations as applied, each unchanged (the
 * SHA-256 checksum Prisma keeps in `_prisma_migrations`). Then the schema engine has nothing to
 * do, and a start need not compile its 5 MB WebAssembly module at all. Anything else (a fresh
 * database, a pending, failed, edited or unknown migration) is for `applyMigrations` to handle.
 */
export async function migrationsUpToDate(query: (sql: string) => Promise<unknown[]>): Promise<boolean> {
  let rows: Array<{ migration_name: string; checksum: string }>;
  try {
    rows = (await query('SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL')) as typeof rows;
  } catch {
    return false;
  }
  const applied = new Map(rows.map((row) => [row.migration_name, row.checksum]));
  const local = await localMigrations();
  if (local.length !== applied.size || rows.length !== applied.size) return false;
  return local.every(({ name, checksum }) => checksum !== '' && applied.get(name) === checksum);
}

/** SQL that takes a database at the last migration to the current schema.prisma; empty when they agree. */
export async function diffMigrationsToSchema(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<string> {
  const engine = await openSchemaEngine(adapterFactory);
  try {
    const datamodel = await readFile(schemaPath, 'utf8');
    const result = await engine.diff({
      from: { tag: 'migrations', ...(await readMigrationList()) },
      to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: datamodel }] },
      script: true,
      exitCode: true,
      filters: { externalTables: [], externalEnums: [] },
    });
    return result.exitCode === 2 ? (result.stdout ?? '') : '';
  } finally {
    engine.free();
  }
}
