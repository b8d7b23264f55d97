import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Database } from './client.js';

/**
 * The DDL of one schema of the gateway's own database, as pg_dump prints it (`--schema-only
 * --no-owner --no-privileges`): on PostgreSQL the `pg_dump` program (PG_DUMP names another, of the
 * server's version or newer); on PGlite its WASM build (pglite-tools) over the same instance.
 * pg_dump is the one complete writer of DDL from a catalog: nothing here re-derives it.
 */
export async function dumpSchemaDdl(database: Pick<Database, 'kind' | 'url' | 'pglite'>, schemaName: string, pgDumpProgram = 'pg_dump'): Promise<string> {
  const args = ['--schema-only', '--no-owner', '--no-privileges', `--schema=${schemaName}`];
  if (database.kind === 'pglite') {
    const { pgDump } = await import('@electric-sql/pglite-tools/pg_dump');
    return (await pgDump({ pg: database.pglite!, args })).text();
  }
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
