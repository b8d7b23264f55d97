import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
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

test('SIGKILL in the middle of backups and rollbacks: after a restart the tenant is wholly one state or the other, nothing is left running', { timeout: 180_000 }, async () => {
  const own = await mkdtemp(path.join(tmpdir(), 'gateway-data-'));
  const key = 'restart-operator-key-0123456789';
  // One key across restarts: backups sealed before the kill are opened after it.
  const env = { GATEWAY_ADMIN_KEY: key, BACKUP_DIR: path.join(own, 'backups'), BACKUP_SCHEDULER: 'off', LOG_LEVEL: 'warn', SECRETS_KEY: 'ab'.repeat(32) };
  const graphql = async (url: string, query: string) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as { data?: any; errors?: unknown[] };
  };
  const state = async (url: string) => {
    const { data } = await graphql(url, '{ tenant(id: "killme") { name status maxUsers } tenantConfig(tenant: "killme") { performance { cacheSizeMb } } }');
    return { name: data.tenant.name, status: data.tenant.status, maxUsers: data.tenant.maxUsers, cache: data.tenantConfig.performance.cacheSizeMb };
  };
  const A = { name: 'A', status: 'ACTIVE', maxUsers: 11, cache: 1000 };
  const B = { name: 'B', status: 'ACTIVE', maxUsers: 22, cache: 2000 };
  try {
    let server = await startServer(path.join(own, 'pglite'), env);
    const paths: string[] = [];
    expect((await graphql(server.url, 'mutation { createTenant(input: { slug: "killme", name: "A", maxUsers: 11 }) { id } }')).errors).toBeUndefined();
    for (const target of [A, B]) {
      await graphql(server.url, `mutation { updateTenant(id: "killme", input: { name: "${target.name}", maxUsers: ${target.maxUsers} }) { id } }`);
      expect((await graphql(server.url, `mutation { updateTenantConfig(tenant: "killme", input: { performance: { cacheSizeMb: ${target.cache} } }) { message } }`)).errors).toBeUndefined();
      paths.push((await graphql(server.url, 'mutation { backupTenant(tenant: "killme") { storagePath } }')).data.backupTenant.storagePath);
    }
    expect(await state(server.url)).toEqual(B);

    // Kills at different moments, at least three, and until one has landed in the middle of
    // work (a restore marked or a backup running): at most eight.
    let interrupted = 0;
    const killTimes = [120, 350, 600, 200, 450, 150, 500, 300];
    for (let attempt = 0; attempt < killTimes.length && (attempt < 3 || interrupted === 0); attempt++) {
      const killAfterMs = killTimes[attempt]!;
      // Rollbacks to A and B and backups, three callers at once, until the process dies under them.
      let stop = false;
      const caller = async (queries: string[]) => {
        for (let i = 0; !stop; i++) await graphql(server.url, queries[i % queries.length]!).catch(() => (stop = true));
      };
      const rollbacks = paths.map((storagePath) => `mutation { rollbackTenant(tenant: "killme", storagePath: "${storagePath}") { tenant { id } } }`);
      const backup = 'mutation { backupTenant(tenant: "killme") { id } }';
      const traffic = Promise.all([caller(rollbacks), caller([backup]), caller([...rollbacks].reverse())]);
      await new Promise((resolve) => setTimeout(resolve, killAfterMs));
      server.child.kill('SIGKILL');
      await new Promise((resolve) => server.child.once('exit', resolve));
      stop = true;
      await traffic;

      server = await startServer(path.join(own, 'pglite'), env);
      if (server.stderr.includes('settled work an interrupted process left behind')) interrupted += 1;
      const after = await state(server.url);
      expect([A, B], `after a kill at ${killAfterMs} ms: ${JSON.stringify(after)}`).toContainEqual(after);
      const { data } = await graphql(server.url, '{ tenantBackups(tenant: "killme") { status storagePath checksum } }');
      const backups = data.tenantBackups as { status: string; storagePath: string | null; checksum: string | null }[];
      expect(backups.filter((backup) => backup.status === 'RUNNING' || backup.status === 'PENDING')).toEqual([]);
      for (const backup of backups.filter((candidate) => candidate.status === 'COMPLETED')) {
        const bytes = await readFile(path.join(own, 'backups', backup.storagePath!));
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(backup.checksum);
      }
      // The restarted gateway works: a rollback now succeeds.
      expect((await graphql(server.url, `mutation { rollbackTenant(tenant: "killme", storagePath: "${paths[0]}") { tenant { id } } }`)).errors).toBeUndefined();
      expect(await state(server.url)).toEqual(A);
    }
    // The kills did land in the middle of work: at least one restart found a restore or a backup to settle.
    expect(interrupted).toBeGreaterThan(0);
    await server.stop();
  } finally {
    await rm(own, { recursive: true, force: true });
  }
});

test('a restarted process ends the database phases a killed one started on time, and removes partial backup files', { timeout: 120_000 }, async () => {
  const own = await mkdtemp(path.join(tmpdir(), 'gateway-data-'));
  const key = 'phases-operator-key-0123456789';
  // Provisioning outlasts the restart; the minute sweep alone would end it a minute later.
  const env = { GATEWAY_ADMIN_KEY: key, BACKUP_DIR: path.join(own, 'backups'), BACKUP_SCHEDULER: 'off', DATABASE_PROVISION_MS: '15000' };
  const state = async (url: string) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: '{ tenant(id: "phases") { state } }' }),
    });
    return ((await response.json()) as { data: { tenant: { state: string } } }).data.tenant.state;
  };
  try {
    let server = await startServer(path.join(own, 'pglite'), env);
    const created = Date.now();
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        query: 'mutation { createTenant(input: { slug: "phases", name: "p", tier: PRO, databases: [{ blueprint: "main", isolation: DEDICATED }] }) { state } }',
      }),
    });
    expect(((await response.json()) as { data: { createTenant: { state: string } } }).data.createTenant.state).toBe('PROVISIONING');
    const partial = path.join(own, 'backups', 'some-tenant', 'backup.json.gz.1234.tmp');
    await mkdir(path.dirname(partial), { recursive: true });
    await writeFile(partial, 'half');
    server.child.kill('SIGKILL');
    await new Promise((resolve) => server.child.once('exit', resolve));

    server = await startServer(path.join(own, 'pglite'), env);
    expect(await state(server.url)).toBe('PROVISIONING');
    while ((await state(server.url)) !== 'READY') {
      expect(Date.now() - created, 'still provisioning long after its phase ended').toBeLessThan(40_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await expect(readFile(partial)).rejects.toThrow(/ENOENT/);
    await server.stop();
  } finally {
    await rm(own, { recursive: true, force: true });
  }
});
