import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DirectoryBusyError, lockDirectory } from '../src/gateway-db/directory-lock.js';
import { startServerProcess } from './support/server-process.js';

const root = path.resolve(import.meta.dirname, '..');
const operatorKey = 'data-directory-operator-key-0123';

/** A script of the project run as `npm run` runs it, to its exit. */
function run(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { DATABASE_URL: _url, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: { ...inherited, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

async function tenantSlugs(url: string): Promise<string[]> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorKey}` },
    body: JSON.stringify({ query: '{ tenants(first: 100) { edges { node { slug } } } }' }),
  });
  const { data } = (await response.json()) as { data: { tenants: { edges: { node: { slug: string } }[] } } };
  return data.tenants.edges.map((edge) => edge.node.slug).sort();
}

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'gateway-lock-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

test('one process owns an embedded data directory: a seed or a second gateway is refused with the owner named, and nothing is corrupted', {
  timeout: 180_000,
}, async () => {
  const database = path.join(dataDir, 'pglite');
  const gateway = await startServerProcess({ DATABASE_URL: database, GATEWAY_ADMIN_KEY: operatorKey });
  const owner = `the gateway is running on ${database} (pid ${gateway.child.pid})`;

  const seed = await run('scripts/db-seed.ts', { DATABASE_URL: database });
  expect(seed.code).toBe(1);
  expect(seed.stderr.trim()).toBe(`db:seed: ${owner}; stop it, or set DATABASE_URL to another directory or a PostgreSQL server`);
  expect(seed.stdout).not.toContain('Seeded');

  const second = await run('src/server.ts', { DATABASE_URL: database, PORT: '0', HOST: '127.0.0.1', GATEWAY_ADMIN_KEY: operatorKey });
  expect(second.code).toBe(1);
  expect(second.stderr.trim()).toBe(`tenant-gateway: ${owner}; stop it, or set DATABASE_URL to another directory or a PostgreSQL server`);
  expect(await tenantSlugs(gateway.url)).toEqual([]);

  // Killed, the owner leaves its lock behind; the next process takes it over.
  gateway.child.kill('SIGKILL');
  await new Promise((resolve) => gateway.child.on('exit', resolve));
  expect(existsSync(path.join(database, 'gateway.lock'))).toBe(true);
  const seeded = await run('scripts/db-seed.ts', { DATABASE_URL: database });
  expect(seeded.code).toBe(0);
  expect(seeded.stdout).toContain('Seeded the demo project');
  expect(existsSync(path.join(database, 'gateway.lock'))).toBe(false);

  const restarted = await startServerProcess({ DATABASE_URL: database, GATEWAY_ADMIN_KEY: operatorKey });
  expect(await tenantSlugs(restarted.url)).toEqual(['acme', 'globex', 'initech', 'tenant-hooli-123']);
  expect(await restarted.stop()).toBe(0);
  expect(existsSync(path.join(database, 'gateway.lock'))).toBe(false);
});

test('a bad environment value or an unreachable PostgreSQL stops the start with one message naming it, exit code 1', { timeout: 60_000 }, async () => {
  const badPort = await run('src/server.ts', { DATABASE_URL: 'memory://', PORT: 'abc' });
  expect(badPort.code).toBe(1);
  expect(badPort.stderr).toMatch(/^tenant-gateway: Invalid environment:\n {2}PORT: /);
  expect(badPort.stderr).not.toContain('    at ');
  const unreachable = await run('src/server.ts', { DATABASE_URL: 'postgres://user:secret@127.0.0.1:1/gateway', PORT: '0' });
  expect(unreachable.code).toBe(1);
  expect(unreachable.stderr.trim()).toBe("tenant-gateway: Can't reach database server at `127.0.0.1:1`: check DATABASE_URL and that the server is up");
});

test('a second open of the same directory in the same process is refused too; released, it can be taken again', async () => {
  const directory = path.join(dataDir, 'same-process');
  await mkdir(directory, { recursive: true });
  const first = lockDirectory(directory);
  expect(() => lockDirectory(directory)).toThrow(DirectoryBusyError);
  first.release();
  expect(existsSync(path.join(directory, 'gateway.lock'))).toBe(false);
  lockDirectory(directory).release();
});
