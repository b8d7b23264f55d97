import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';

type Started = { child: ChildProcess; url: string; readonly stdout: string };

/** The gateway as `npm start` runs it: a real process on a loopback port, PGlite in a directory. */
async function startServer(dataDir: string, extraEnv: Record<string, string> = {}): Promise<Started> {
  const { GATEWAY_ADMIN_KEY: _key, DATABASE_URL: _url, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: { ...inherited, NODE_ENV: 'development', PORT: '0', HOST: '127.0.0.1', DATABASE_URL: dataDir, LOG_LEVEL: 'info', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 45_000);
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
      const match = /"url":"(http:\/\/[^"]+)"/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, get stdout() { return stdout; } });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${stderr}`)));
  });
}

async function stop(started: Started): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => started.child.on('exit', resolve));
  started.child.kill('SIGTERM');
  return exited;
}

async function viewer(url: string, key: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: '{ viewer { label owner } }' }),
  });
  return (await response.json()) as { data?: { viewer: { label: string; owner: string } }; errors?: unknown[] };
}

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'gateway-data-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

test('first start creates and prints an operator key once; later starts keep it working', { timeout: 120_000 }, async () => {
  const first = await startServer(dataDir);
  await expect.poll(() => first.stdout).toContain('It is shown only this once');
  const key = /(tgw_\S+)/.exec(first.stdout)?.[1];
  expect(first.stdout).toContain('It is shown only this once');
  expect(first.stdout).toContain('set GATEWAY_ADMIN_KEY');
  expect(key).toBeDefined();
  expect((await viewer(first.url, key!)).data?.viewer).toEqual({ label: expect.stringContaining('bootstrap operator key'), owner: 'GLOBAL' });
  expect(await stop(first)).toBe(0);

  const second = await startServer(dataDir);
  expect(second.stdout).not.toContain('tgw_');
  expect((await viewer(second.url, key!)).data?.viewer.owner).toBe('GLOBAL');
  await stop(second);
});

test('with GATEWAY_ADMIN_KEY set, that value is the operator key and nothing is printed', { timeout: 120_000 }, async () => {
  const own = await mkdtemp(path.join(tmpdir(), 'gateway-data-'));
  try {
    const started = await startServer(own, { GATEWAY_ADMIN_KEY: 'my-own-operator-key-0123456789' });
    expect(started.stdout).not.toContain('tgw_');
    expect((await viewer(started.url, 'my-own-operator-key-0123456789')).data?.viewer).toEqual({ label: 'operator', owner: 'GLOBAL' });
    await stop(started);
  } finally {
    await rm(own, { recursive: true, force: true });
  }
});
