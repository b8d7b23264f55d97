import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { baselinePath } from './migration-baseline.js';

/**
 * A new embedded database starts from a copy of one made before on this machine, when there is
 * one: PGlite's initdb costs some 10 s of CPU, loading a dumped data directory about 3. The copy
 * is the data directory of a fresh database with the migrations baseline applied and nothing
 * else (no key, no tenant), dumped by the first start that made one and kept in the user's cache
 * directory, `$XDG_CACHE_HOME/tenant-gateway` or `~/.cache/tenant-gateway` (a cache: deleting it
 * costs the next new database its initdb). Its name
 * holds PGlite's version and the baseline's hash, so another PGlite or another baseline makes a
 * new one; what is newer than the baseline is migrated on top as on any database.
 */
export async function pgliteTemplatePath(prismaDir: string, cacheDir = defaultCacheDir()): Promise<string> {
  // The package exports no ./package.json: it sits above its dist/ entry point.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const { version } = JSON.parse(await readFile(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  const baseline = await readFile(baselinePath(prismaDir)).catch(() => Buffer.alloc(0));
  const hash = createHash('sha256').update(baseline).digest('hex').slice(0, 16);
  return path.join(cacheDir, `pglite-${version}-${hash}.tar`);
}

function defaultCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'tenant-gateway');
}

/** The template's bytes, or undefined when none was made yet (or it cannot be read). */
export async function readPgliteTemplate(file: string): Promise<Blob | undefined> {
  const bytes = await readFile(file).catch(() => undefined);
  return bytes ? new Blob([bytes]) : undefined;
}

/** Dumps `pglite` (just made and migrated, nothing else in it) as the template; written whole or not at all. */
export async function savePgliteTemplate(pglite: PGlite, file: string): Promise<void> {
  const dump = Buffer.from(await (await pglite.dumpDataDir('none')).arrayBuffer());
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, dump);
  await rename(partial, file);
}
