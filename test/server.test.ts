import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { startServerProcess } from './support/server-process.js';

async function startServer(dataDir: string, extraEnv: Record<string, string> = {}) {
  return startServerProcess({ DATABASE_URL: dataDir, ...extraEnv });
}

async function viewer(url: string, key: string) {
  const response = await fetch(`${url}/graphql`, {
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
  expect(await first.stop()).toBe(0);

  const second = await startServer(dataDir);
  expect(second.stdout).not.toContain('tgw_');
  expect((await viewer(second.url, key!)).data?.viewer.owner).toBe('GLOBAL');
  await second.stop();
});

test('with GATEWAY_ADMIN_KEY set, that value is the operator key and nothing is printed', { timeout: 120_000 }, async () => {
  const own = await mkdtemp(path.join(tmpdir(), 'gateway-data-'));
  try {
    const started = await startServer(own, { GATEWAY_ADMIN_KEY: 'my-own-operator-key-0123456789' });
    expect(started.stdout).not.toContain('tgw_');
    expect((await viewer(started.url, 'my-own-operator-key-0123456789')).data?.viewer).toEqual({ label: 'operator', owner: 'GLOBAL' });
    await started.stop();
  } finally {
    await rm(own, { recursive: true, force: true });
  }
});

test('a tenant left RESTORING by a killed process returns to its status at the next start; a fresh mark is left alone', { timeout: 120_000 }, async () => {
  const own = await mkdtemp(path.join(tmpdir(), 'gateway-data-'));
  const key = 'restart-operator-key-0123456789';
  try {
    let server = await startServer(own, { GATEWAY_ADMIN_KEY: key });
    const created = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: 'mutation { createTenant(input: { slug: "stuck", name: "Stuck" }) { id } }' }),
    });
    expect(((await created.json()) as { errors?: unknown }).errors).toBeUndefined();
    server.child.kill('SIGKILL');
    await new Promise((resolve) => server.child.once('exit', resolve));

    const database = openDatabase(own);
    // Marked 20 minutes ago: older than any restore still running elsewhere.
    await database.prisma.tenant.update({
      where: { slug: 'stuck' },
      data: { status: 'RESTORING', statusBeforeRestore: 'SUSPENDED', updatedAt: new Date(Date.now() - 20 * 60_000) },
    });
    await database.prisma.tenant.create({
      data: { slug: 'busy', name: 'Busy', region: 'eu-central', maxUsers: 1, maxApiCallsPerMonth: 1, maxStorageMb: 1, status: 'RESTORING', statusBeforeRestore: 'ACTIVE' },
    });
    await database.close();

    server = await startServer(own, { GATEWAY_ADMIN_KEY: key });
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: '{ tenant(id: "stuck") { status } }' }),
    });
    expect(((await response.json()) as { data: { tenant: { status: string } } }).data.tenant.status).toBe('SUSPENDED');
    const busy = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: '{ tenant(id: "busy") { status } }' }),
    });
    expect(((await busy.json()) as { data: { tenant: { status: string } } }).data.tenant.status).toBe('RESTORING');
    expect(server.stderr).toContain('tenants left restoring by an interrupted process returned to their status');
    await server.stop();
  } finally {
    await rm(own, { recursive: true, force: true });
  }
});
