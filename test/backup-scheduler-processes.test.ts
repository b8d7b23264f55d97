import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { expect, test } from 'vitest';
import { eventually, type ServerProcess, startServerProcess } from './support/server-process.js';

// Two gateway processes on one PostgreSQL database: exactly one runs the backup schedule (a
// session advisory lock), and when it dies the other takes over. PGlite cannot be shared
// between processes, so this runs in CI's PostgreSQL pass (TEST_POSTGRES_URL).

const serverUrl = process.env.TEST_POSTGRES_URL;
const key = 'scheduler-operator-key-0123456789';

async function graphql(url: string, query: string) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: any; errors?: unknown[] };
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)![1]);
}

async function scheduledBackups(url: string, tenant: string): Promise<number> {
  const { data } = await graphql(url, `{ tenantBackups(tenant: "${tenant}") { trigger } }`);
  return (data.tenantBackups as { trigger: string }[]).filter((backup) => backup.trigger === 'SCHEDULED').length;
}

test.skipIf(!serverUrl)(
  'two processes share a database: one runs the schedule, each due backup is taken once, and a survivor takes over',
  { timeout: 180_000 },
  async () => {
    const name = `gateway_scheduler_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(serverUrl!);
    url.pathname = `/${name}`;
    const backupDir = await mkdtemp(path.join(tmpdir(), 'gateway-backups-'));
    const env = {
      DATABASE_URL: url.toString(),
      GATEWAY_ADMIN_KEY: key,
      BACKUP_DIR: backupDir,
      BACKUP_SCHEDULER_INTERVAL_MS: '200',
      SECRETS_KEY: 'cd'.repeat(32),
    };
    const servers: ServerProcess[] = [];
    try {
      // One after the other: the first applies the migrations.
      servers.push(await startServerProcess(env));
      servers.push(await startServerProcess(env));
      const tenants = ['sched_a', 'sched_b', 'sched_c'];
      for (const slug of tenants)
        expect((await graphql(servers[0]!.url, `mutation { createTenant(input: { slug: "${slug}", name: "${slug}" }) { id } }`)).errors).toBeUndefined();

      await eventually(
        async () => (await Promise.all(tenants.map((slug) => scheduledBackups(servers[1]!.url, slug)))).every((count) => count > 0),
        'scheduled backups',
      );
      // Several more rounds on both processes: still one backup each (frequency_hours is 24).
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await Promise.all(tenants.map((slug) => scheduledBackups(servers[0]!.url, slug)))).toEqual([1, 1, 1]);

      const leading = await Promise.all(servers.map((server) => metric(server.url, 'gateway_backup_scheduler_leader')));
      expect([...leading].sort()).toEqual([0, 1]);
      const leader = servers[leading.indexOf(1)]!;
      const follower = servers.find((server) => server !== leader)!;
      expect(await metric(follower.url, 'gateway_backup_scheduler_rounds_total')).toBe(0);
      expect(await metric(leader.url, 'gateway_backup_scheduler_rounds_total')).toBeGreaterThan(3);

      leader.child.kill('SIGKILL');
      await new Promise((resolve) => leader.child.once('exit', resolve));
      expect((await graphql(follower.url, 'mutation { createTenant(input: { slug: "sched_d", name: "d" }) { id } }')).errors).toBeUndefined();
      await eventually(async () => (await scheduledBackups(follower.url, 'sched_d')) === 1, 'the survivor to take over');
      expect(await metric(follower.url, 'gateway_backup_scheduler_leader')).toBe(1);
      expect(follower.stderr).toContain('backup scheduler: this process runs the schedule');
    } finally {
      await Promise.all(servers.filter((server) => server.child.exitCode === null && server.child.signalCode === null).map((server) => server.stop()));
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
      await rm(backupDir, { recursive: true, force: true });
    }
  },
);
