import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { printSchema } from 'graphql';
import { schema } from '../graphql/schema.js';

/** Which build is running: the package's version, the commit it was built from, and a digest of its GraphQL schema. */
export type BuildInfo = { name: string; version: string; commit: string | null; schemaHash: string; node: string };

const root = new URL('../../', import.meta.url);

/**
 * The running build, worked out once. `commit`: GATEWAY_COMMIT when the deployment names it (a
 * container has no .git), else what `git rev-parse HEAD` says in the checkout, else null.
 * `schemaHash`: `sha256:` and the hex digest of the printed schema, the same bytes as
 * schema/schema.graphql, so `sha256sum schema/schema.graphql` tells a client's copy from the server's.
 */
export async function buildInfo(givenCommit: string | undefined): Promise<BuildInfo> {
  // A compiled build runs from dist/src/http; the package file is at the root either way.
  const packageFile = await readFile(new URL('package.json', root), 'utf8').catch(() => readFile(new URL('../package.json', root), 'utf8'));
  const { name, version } = JSON.parse(packageFile) as { name: string; version: string };
  return {
    name,
    version,
    commit: givenCommit ?? (await checkoutCommit()),
    schemaHash: `sha256:${createHash('sha256')
      .update(`${printSchema(schema)}\n`)
      .digest('hex')}`,
    node: process.version,
  };
}

async function checkoutCommit(): Promise<string | null> {
  try {
    const { stdout } = await promisify(execFile)('git', ['rev-parse', 'HEAD'], { cwd: root, timeout: 2_000 });
    return /^[0-9a-f]{40}$/.test(stdout.trim()) ? stdout.trim() : null;
  } catch {
    // No git, or not a checkout: the build does not know its commit.
    return null;
  }
}
