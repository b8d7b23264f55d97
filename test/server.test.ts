import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freshPostgresDatabase } from './support/gateway.js';
import { startServerProcess } from './support/server-process.js';
import { tenantRowsClient } from './support/tenant-rows-client.js';

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

test('SIGKILL in the middle of backups and rollbacks: after a restart the tenant is wholly one state or the other, nothing is left running', {
  timeout: 180_000,
}, async () => {
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
      expect(
        (await graphql(server.url, `mutation { updateTenantConfig(tenant: "killme", input: { performance: { cacheSizeMb: ${target.cache} } }) { message } }`))
          .errors,
      ).toBeUndefined();
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

/** A fresh database on the TEST_POSTGRES_URL server (CI's second pass), with a way to read it and to drop it. */
async function postgresDatabase(serverUrl: string) {
  const fresh = await freshPostgresDatabase(serverUrl, 'gateway_kill');
  return {
    ...fresh,
    /** Backup jobs of `kind` a worker claimed more than once: the first holder died under them. */
    async takenOver(kind: 'ROLLBACK' | 'BACKUP') {
      const client = new pg.Client({ connectionString: fresh.url });
      await client.connect();
      const { rows } = await client.query('SELECT count(*)::int AS count FROM "BackupJob" WHERE attempts > 1 AND kind = $1', [kind]);
      await client.end();
      return rows[0].count as number;
    },
  };
}

const backends = process.env.TEST_POSTGRES_URL ? ['pglite', 'postgres'] : ['pglite'];

test.each(backends)(
  "SIGKILL in the middle of rollback and backup jobs of a tenant with rows (%s): after a restart each job is finished, the rows wholly the backup's or the later ones, every backup whole, the status not stuck",
  { timeout: 420_000 },
  async (backend) => {
    const own = await mkdtemp(path.join(tmpdir(), 'gateway-data-'));
    const postgres = backend === 'postgres' ? await postgresDatabase(process.env.TEST_POSTGRES_URL!) : null;
    const databaseUrl = postgres?.url ?? path.join(own, 'pglite');
    // On PostgreSQL a killed process's lease must run out before another takes its job over.
    const env = {
      BACKUP_DIR: path.join(own, 'backups'),
      BACKUP_SCHEDULER: 'off',
      LOG_LEVEL: 'warn',
      SECRETS_KEY: 'cd'.repeat(32),
      TENANT_DATABASE_PROVISION_MS: '0',
      DEPLOYMENT_LEASE_MS: '2000',
      DEPLOYMENT_POLL_MS: '200',
      // The test polls and queries faster than a FREE project's per-minute quota allows.
      RATE_LIMITS: 'off',
    };
    const client = tenantRowsClient('rows');
    const { rest, sql, rowsOf } = client;
    const settled = (url: string) => client.settled(url, 'restoring');
    // The backup's rows, and the rows after it: every kill must leave exactly one of them.
    const original = { count: 3000, bodies: 'original' };
    const later = { count: 3100, bodies: 'later' };
    const toLater = "DELETE FROM notes WHERE id > 3000; UPDATE notes SET body = 'later'; INSERT INTO notes (body) SELECT 'later' FROM generate_series(1, 100)";
    try {
      let server = await startServer(databaseUrl, env);
      const signup = await rest(server.url, 'POST', '/signup', { email: 'kill@example.com', password: 'correct horse battery' });
      expect(signup.status, JSON.stringify(signup.body)).toBe(201);
      client.key = signup.body.api_key;
      const storagePath = await client.notesTenant(server.url, 1, 3000);

      // Kills at different moments after the rollback was answered, at least three, and until one
      // has landed in the middle of the job (a restart found it unfinished): at most eight.
      let interrupted = 0;
      const killTimes = [40, 150, 5, 300, 80, 20, 200, 120];
      for (let attempt = 0; attempt < killTimes.length && (attempt < 3 || interrupted === 0); attempt++) {
        await sql(server.url, toLater);
        expect(await rowsOf(server.url)).toEqual(later);
        const rollback = await rest(server.url, 'POST', '/tenants/rows/rollback', { storage_path: storagePath });
        expect(rollback.status, JSON.stringify(rollback.body)).toBe(200);
        expect(rollback.body.status).toBe('restoring');
        await new Promise((resolve) => setTimeout(resolve, killTimes[attempt]));
        server.child.kill('SIGKILL');
        await new Promise((resolve) => server.child.once('exit', resolve));

        server = await startServer(databaseUrl, env);
        if (server.stderr.includes('resuming backup jobs a stopped process left unfinished')) interrupted += 1;
        // The job recorded before the kill is finished after the restart (it never lost its request).
        expect(await settled(server.url)).toBe('ready');
        // On PostgreSQL the job is taken over when its lease runs out: a second claim says it was under way.
        if (postgres) interrupted = await postgres.takenOver('ROLLBACK');
        expect(await rowsOf(server.url), `after a kill at ${killTimes[attempt]} ms`).toEqual(original);
      }
      expect(interrupted).toBeGreaterThan(0);

      // Backups of a tenant with rows are jobs too: killed while one is written, the restarted
      // process writes it whole (listed only then), and it restores the rows it was taken with.
      const listed = async (url: string) =>
        ((await rest(url, 'GET', '/tenants/rows/backups')).body.backups as { storage_path: string }[]).map((entry) => entry.storage_path);
      await sql(server.url, toLater);
      let backupsInterrupted = 0;
      const backupKills = [5, 60, 20, 150, 0, 100];
      const taken: string[] = [];
      for (let attempt = 0; attempt < backupKills.length && (attempt < 3 || backupsInterrupted === 0); attempt++) {
        const backup = await rest(server.url, 'POST', '/tenants/rows/backup');
        expect(backup.status, JSON.stringify(backup.body)).toBe(200);
        const [path] = backup.body.paths as string[];
        await new Promise((resolve) => setTimeout(resolve, backupKills[attempt]));
        server.child.kill('SIGKILL');
        await new Promise((resolve) => server.child.once('exit', resolve));
        server = await startServer(databaseUrl, env);
        if (server.stderr.includes('resuming backup jobs a stopped process left unfinished')) backupsInterrupted += 1;
        await expect.poll(() => listed(server.url), { timeout: 60_000, message: `backup killed at ${backupKills[attempt]} ms never written` }).toContain(path);
        if (postgres) backupsInterrupted = await postgres.takenOver('BACKUP');
        taken.push(path!);
      }
      expect(backupsInterrupted).toBeGreaterThan(0);
      // Every one is whole: back to the first backup (original rows), then to the last of these.
      const back = async (storagePath: string) => {
        const rollback = await rest(server.url, 'POST', '/tenants/rows/rollback', { storage_path: storagePath });
        expect(rollback.status, JSON.stringify(rollback.body)).toBe(200);
        expect(await settled(server.url)).toBe('ready');
      };
      await back(storagePath!);
      expect(await rowsOf(server.url)).toEqual(original);
      for (const path of taken) {
        await back(path);
        expect(await rowsOf(server.url), `restored from ${path}`).toEqual(later);
      }
      await server.stop();
    } finally {
      await rm(own, { recursive: true, force: true });
      await postgres?.drop();
    }
  },
);

test('a restarted process ends the database phases a killed one started on time, and removes partial backup files', { timeout: 120_000 }, async () => {
  const own = await mkdtemp(path.join(tmpdir(), 'gateway-data-'));
  const key = 'phases-operator-key-0123456789';
  // Provisioning outlasts the restart; the minute sweep alone would end it a minute later.
  const env = { GATEWAY_ADMIN_KEY: key, BACKUP_DIR: path.join(own, 'backups'), BACKUP_SCHEDULER: 'off', TENANT_DATABASE_PROVISION_MS: '15000' };
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
