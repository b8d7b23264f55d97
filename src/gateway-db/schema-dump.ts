import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { PGlite } from '@electric-sql/pglite';
import type { Database } from './client.js';

/**
 * The DDL of one schema of the gateway's own database, as pg_dump prints it (`--schema-only
 * --no-owner --no-privileges`): on PostgreSQL the `pg_dump` program (PG_DUMP names another, of the
 * server's version or newer); on PGlite its WASM build (pglite-tools) over the same instance.
 * pg_dump is the one complete writer of DDL from a catalog: nothing here re-derives it.
 */
export async function dumpSchemaDdl(database: Pick<Database, 'kind' | 'url' | 'pglite'>, schemaName: string, pgDumpProgram = 'pg_dump'): Promise<string> {
  const args = ['--schema-only', '--no-owner', '--no-privileges', `--schema=${schemaName}`];
  if (database.kind === 'pglite') return dumpEmbedded(database.pglite!, args);
  // The password goes in the environment, not on a command line others can read.
  const url = new URL(database.url);
  const password = decodeURIComponent(url.password);
  url.password = '';
  const { stdout } = await promisify(execFile)(pgDumpProgram, [...args, '--dbname', url.toString()], {
    env: { ...process.env, PGPASSWORD: password },
    maxBuffer: 64 * 1024 * 1024,
  });
  // pg_dump since 15.14 frames its text with psql meta-commands (\restrict, \unrestrict): not SQL.
  return stdout
    .split('\n')
    .filter((line) => !line.startsWith('\\'))
    .join('\n');
}

/**
 * pglite-tools' pg_dump speaks to PGlite's one session, and it leaves that session as a pg_dump
 * process leaves its connection: inside its `REPEATABLE READ, READ ONLY` transaction (a process
 * ends it by disconnecting) and with its session settings (`row_security = off`,
 * `restrict_nonsystem_relation_kind = view, foreign-table`, `statement_timeout = 0` …). Whatever
 * statement ran next on the gateway's database ran inside that transaction: a job's claim
 * (`UPDATE`) failed there as read-only and aborted it, and every statement after it failed with
 * "current transaction is aborted". So the dump holds PGlite's transaction lock from its first
 * statement until its transaction is rolled back and the session's settings are as they were.
 */
async function dumpEmbedded(pglite: PGlite, args: string[]): Promise<string> {
  const { pgDump } = await import('@electric-sql/pglite-tools/pg_dump');
  return pglite.transaction(async (tx) => {
    // The lock is what is wanted here, not the transaction: pg_dump begins its own.
    await tx.exec('ROLLBACK');
    const { rows: settings } = await tx.query<{ settings: string }>(
      "SELECT coalesce(json_agg(json_build_object('name', name, 'setting', setting)), '[]')::text AS settings FROM pg_settings WHERE source = 'session'",
    );
    try {
      // What pgDump uses of PGlite (pglite-tools 0.3): query and exec, here the locked session's; the wire protocol, unlocked.
      const session = { query: tx.query, exec: tx.exec, execProtocolRawSync: (message: Uint8Array) => pglite.execProtocolRawSync(message) };
      return await (await pgDump({ pg: session as unknown as PGlite, args })).text();
    } finally {
      await tx.exec('ROLLBACK');
      await tx.query(
        `SELECT set_config(s.name, coalesce(b.setting, s.reset_val), false)
           FROM pg_settings s LEFT JOIN json_to_recordset($1::json) AS b(name text, setting text) USING (name)
          WHERE s.source = 'session' AND s.setting IS DISTINCT FROM coalesce(b.setting, s.reset_val)`,
        [settings[0]!.settings],
      );
      // PGlite's transaction ends with a COMMIT: give it one to end.
      await tx.exec('BEGIN');
    }
  });
}
