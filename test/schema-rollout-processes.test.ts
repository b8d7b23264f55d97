import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { expect, test } from 'vitest';
import { callServer, eventually, type ServerProcess, startServerProcess } from './support/server-process.js';

// Issue 17: a deployment is a durable job. A real gateway process is killed (SIGKILL, no chance
// to hand the job back) while one tenant's DDL is under way; a new process takes the job over
// once its lease runs out, and every tenant ends at the new version exactly once, with its
// per-tenant result and one audit event, and the job ends completed, never stuck.
// To stop the job at a known tenant, the test holds a lock on that tenant's table from outside,
// so its ALTER TABLE waits. That takes a second connection to the database: PGlite cannot be
// shared between processes, so this one runs in CI's PostgreSQL pass (TEST_POSTGRES_URL); the
// PGlite variant below runs in every pass.

const serverUrl = process.env.TEST_POSTGRES_URL;

const call = callServer;

test.skipIf(!serverUrl)(
  'SIGKILL mid-deployment: a new process finishes the job, each tenant migrated exactly once with its result and audit event',
  { timeout: 240_000 },
  async () => {
    const name = `gateway_rollout_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(serverUrl!);
    url.pathname = `/${name}`;
    const db = new pg.Client({ connectionString: url.toString() });
    // The tenants' schemas are in the project's data-plane database: the blocker and the checks connect there.
    let blocker: pg.Client | undefined;
    let dataDb: pg.Client | undefined;
    let dataPlaneName: string | undefined;
    const env = {
      DATABASE_URL: url.toString(),
      GATEWAY_ADMIN_KEY: 'rollout-operator-key-0123456789',
      SECRETS_KEY: 'ab'.repeat(32),
      BACKUP_SCHEDULER: 'off',
      DEPLOYMENT_POLL_MS: '100',
      DEPLOYMENT_LEASE_MS: '1500',
      LOG_LEVEL: 'warn',
      // The test polls the deployment every 100 ms with the project's key, faster than a FREE project's minute allows.
      RATE_LIMIT_TIER_PER_MINUTE: '100000,100000,100000,100000',
    };
    let first: ServerProcess | undefined;
    let second: ServerProcess | undefined;
    try {
      first = await startServerProcess(env);
      await db.connect();

      const signup = await call(first, 'POST', '/signup', undefined, {
        email: `rollout-${randomBytes(4).toString('hex')}@example.com`,
        password: 'correct horse battery',
      });
      expect(signup.status, JSON.stringify(signup.body)).toBe(201);
      const key: string = signup.body.api_key;
      expect((await call(first, 'POST', '/workspaces', key, { name: 'main', database: 'PostgreSQL', mode: 'tenant' })).status).toBe(201);
      expect((await call(first, 'POST', '/workspaces/main/queries', key, { query: 'CREATE TABLE users (id SERIAL PRIMARY KEY, name TEXT)' })).status).toBe(200);
      expect((await call(first, 'POST', '/deployments', key, { blueprint_name: 'main' })).status).toBe(201);
      const slugs = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
      for (const slug of slugs) {
        const created = await call(first, 'POST', '/tenants', key, { tenant_id: slug, databases: [{ blueprint: 'main', isolation_level: 1 }] });
        expect(created.status, JSON.stringify(created.body)).toBe(201);
      }
      const { rows: databases } = await db.query<{
        slug: string;
        tenantId: string;
        schemaName: string;
        schemaVersion: number;
        database: string;
        placementId: string;
      }>(
        `SELECT t.slug, t.id AS "tenantId", p."schemaName", d."schemaVersion", b.name AS database, p.id AS "placementId"
         FROM "TenantDatabase" d JOIN "Tenant" t ON t.id = d."tenantId" JOIN "DataPlacement" p ON p.id = d."placementId" JOIN "DataPlaneDatabase" b ON b.id = p."databaseId"
        WHERE t.slug = ANY($1) ORDER BY t."createdAt"`,
        [slugs],
      );
      dataPlaneName = databases[0]!.database;
      const dataUrl = new URL(serverUrl!);
      dataUrl.pathname = `/${dataPlaneName}`;
      blocker = new pg.Client({ connectionString: dataUrl.toString() });
      dataDb = new pg.Client({ connectionString: dataUrl.toString() });
      await blocker.connect();
      await dataDb.connect();
      expect(databases.map((database) => [database.slug, database.schemaVersion])).toEqual(slugs.map((slug) => [slug, 1]));
      const charlie = databases[2]!;

      // Version 2 adds a column; charlie's table is held by another transaction, so its ALTER waits.
      expect((await call(first, 'POST', '/workspaces/main/queries', key, { query: 'ALTER TABLE users ADD COLUMN email TEXT' })).status).toBe(200);
      await blocker!.query('BEGIN');
      await blocker!.query(`LOCK TABLE "${charlie.schemaName}".users IN ACCESS SHARE MODE`);
      const deployed = await call(first, 'POST', '/deployments', key, { blueprint_name: 'main' });
      expect(deployed.status, JSON.stringify(deployed.body)).toBe(201);
      expect(deployed.body).toMatchObject({ version: 2, tenants_total: 5 });
      const waiting = async () =>
        Number(
          (
            await db.query(`SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND query ILIKE 'ALTER TABLE%'`, [
              dataPlaneName,
            ])
          ).rows[0].count,
        ) === 1;
      await eventually(waiting, "charlie's ALTER TABLE waiting on the lock");
      const midway = (await call(first, 'GET', `/deployments/${deployed.body.id}`, key)).body;
      expect(midway).toMatchObject({ status: 'in_progress', tenants_total: 5, tenants_completed: 2, tenants_failed: 0 });

      // Killed with the job in hand: no release, no result for charlie.
      first.child.kill('SIGKILL');
      await new Promise((resolve) => first!.child.on('exit', resolve));
      first = undefined;
      await blocker!.query('ROLLBACK');
      // The dead process's transaction on charlie never commits (its backend goes once it finds the client gone).
      await eventually(async () => !(await waiting()), "the killed process's ALTER TABLE to end");
      const { rows: targetsAfterKill } = await db.query<{ status: string }>(
        `SELECT x.status FROM "SchemaRolloutTarget" x JOIN "SchemaRollout" r ON r.id = x."rolloutId" WHERE r.version = 2 ORDER BY x.position`,
      );
      expect(targetsAfterKill.map((target) => target.status)).toEqual(['COMPLETED', 'COMPLETED', 'PENDING', 'PENDING', 'PENDING']);
      const { rows: stillAt } = await db.query<{ schemaVersion: number }>(`SELECT "schemaVersion" FROM "TenantDatabase" WHERE "placementId" = $1`, [
        charlie.placementId,
      ]);
      expect(stillAt).toEqual([{ schemaVersion: 1 }]);

      // A new process takes the job over once the dead one's lease has run out, and finishes it.
      second = await startServerProcess(env);
      let done: Record<string, any> = {};
      await eventually(
        async () => {
          done = (await call(second!, 'GET', `/deployments/${deployed.body.id}`, key)).body;
          return done.status !== 'in_progress' && done.status !== 'pending';
        },
        'the resumed deployment to end',
        30_000,
      );
      expect(done).toMatchObject({ status: 'completed', version: 2, tenants_total: 5, tenants_completed: 5, tenants_failed: 0 });
      expect(done.results).toEqual(slugs.map((slug) => ({ tenant_id: slug, status: 'completed', duration: expect.stringMatching(/^\d+ms$/) })));

      const { rows: rollout } = await db.query(`SELECT id, status, attempts FROM "SchemaRollout" WHERE version = 2`);
      expect(rollout).toEqual([{ id: expect.any(String), status: 'COMPLETED', attempts: 2 }]);
      // The lease was its queue job's (src/jobs/): the job ended with the deployment.
      const { rows: queued } = await db.query(`SELECT count(*)::int AS count FROM "Job" WHERE kind = 'schema-rollout' AND payload->>'rolloutId' = $1`, [
        rollout[0].id,
      ]);
      expect(queued).toEqual([{ count: 0 }]);
      for (const database of databases) {
        const { rows: version } = await db.query(`SELECT "schemaVersion" FROM "TenantDatabase" WHERE "placementId" = $1`, [database.placementId]);
        expect(version, database.slug).toEqual([{ schemaVersion: 2 }]);
        const { rows: columns } = await dataDb!.query(
          `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'users' ORDER BY ordinal_position`,
          [database.schemaName],
        );
        expect(
          columns.map((column) => column.column_name),
          database.slug,
        ).toEqual(['id', 'name', 'email']);
        // Exactly once: one audit event per tenant for version 2, however many processes tried.
        const { rows: audit } = await db.query(
          `SELECT changes FROM "AuditEvent" WHERE "tenantId" = $1 AND action = 'database.deployed' AND changes @> '[{"after": 2}]'`,
          [database.tenantId],
        );
        expect(audit, database.slug).toEqual([{ changes: [{ path: 'databases.main.schemaVersion', before: 1, after: 2 }] }]);
      }
    } finally {
      await first?.stop();
      await second?.stop();
      await blocker?.end().catch(() => {});
      await dataDb?.end().catch(() => {});
      await db.end().catch(() => {});
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      if (dataPlaneName) await admin.query(`DROP DATABASE IF EXISTS ${dataPlaneName} WITH (FORCE)`);
      await admin.end();
    }
  },
);

// The embedded default: one process owns the PGlite directory, so nothing outside can hold a lock.
// The job is made long instead (many tenants, a version whose DDL sleeps), the process is
// killed once some tenants are done and others are not, and the next process on the directory,
// alone with it, takes the job over at start.
test('PGlite: SIGKILL mid-deployment, the next process on the directory finishes the job, each tenant migrated exactly once', {
  timeout: 240_000,
}, async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gateway-rollout-'));
  const operator = 'rollout-pglite-operator-key-0123';
  const env = {
    DATABASE_URL: path.join(dataDir, 'pglite'),
    GATEWAY_ADMIN_KEY: operator,
    SECRETS_KEY: 'cd'.repeat(32),
    BACKUP_SCHEDULER: 'off',
    LOG_LEVEL: 'warn',
    // The test polls the deployment every 100 ms with the project's key, faster than a BASIC project's minute allows.
    RATE_LIMIT_TIER_PER_MINUTE: '100000,100000,100000,100000',
  };
  let server: ServerProcess | undefined = await startServerProcess(env);
  try {
    const signup = await call(server, 'POST', '/signup', undefined, {
      email: `rollout-${randomBytes(4).toString('hex')}@example.com`,
      password: 'correct horse battery',
    });
    expect(signup.status, JSON.stringify(signup.body)).toBe(201);
    const key: string = signup.body.api_key;
    expect((await call(server, 'POST', '/workspaces', key, { name: 'main', database: 'PostgreSQL', mode: 'tenant' })).status).toBe(201);
    expect((await call(server, 'POST', '/workspaces/main/queries', key, { query: 'CREATE TABLE users (id SERIAL PRIMARY KEY)' })).status).toBe(200);
    expect((await call(server, 'POST', '/deployments', key, { blueprint_name: 'main' })).status).toBe(201);
    // Twelve tenants: past FREE's 5, so the operator makes the project BASIC.
    const paid = await call(server, 'POST', '/graphql', operator, {
      query: 'mutation ($p: ID!) { setProjectTier(project: $p, tier: BASIC) { tier } }',
      variables: { p: signup.body.project_id },
    });
    expect(paid.body, JSON.stringify(paid.body)).toEqual({ data: { setProjectTier: { tier: 'BASIC' } } });
    const slugs = Array.from({ length: 12 }, (_, index) => `t${String(index).padStart(2, '0')}`);
    for (const slug of slugs) {
      const created = await call(server, 'POST', '/tenants', key, { tenant_id: slug, databases: [{ blueprint: 'main', isolation_level: 1 }] });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
    // Version 2 takes a quarter of a second per tenant (PGlite runs it on the process's one thread; requests answer between tenants).
    const slow = await call(server, 'POST', '/workspaces/main/queries', key, { query: 'CREATE TABLE slow_step AS SELECT pg_sleep(0.25)::text AS slept' });
    expect(slow.status, JSON.stringify(slow.body)).toBe(200);
    const deployed = await call(server, 'POST', '/deployments', key, { blueprint_name: 'main' });
    expect(deployed.status, JSON.stringify(deployed.body)).toBe(201);

    // Requests wait while PGlite runs the job (one thread), so progress cannot be watched from
    // here: the process is killed a second into a job of about three, and the next process must
    // say it resumed an unfinished deployment.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    server.child.kill('SIGKILL');
    await new Promise((resolve) => server!.child.on('exit', resolve));
    server = undefined;

    server = await startServerProcess(env);
    let done: Record<string, any> = {};
    await eventually(
      async () => {
        done = (await call(server!, 'GET', `/deployments/${deployed.body.id}`, key)).body;
        return done.status !== 'in_progress' && done.status !== 'pending';
      },
      'the resumed deployment to end',
      60_000,
    );
    expect(done).toMatchObject({ status: 'completed', version: 2, tenants_total: slugs.length, tenants_completed: slugs.length, tenants_failed: 0 });
    expect(done.results).toEqual(slugs.map((slug) => ({ tenant_id: slug, status: 'completed', duration: expect.stringMatching(/^\d+ms$/) })));
    // Killed mid-job, not after it (else the test proves nothing).
    expect(`${server.stdout}${server.stderr}`).toContain('resuming deployments a stopped process left unfinished');

    // Exactly once: one database.deployed event to version 2 per tenant.
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}` },
      body: JSON.stringify({ query: '{ auditLog(first: 100, filter: { action: "database.deployed" }) { edges { node { tenantId changes } } } }' }),
    });
    const { data, errors } = (await response.json()) as { data: { auditLog: { edges: { node: { tenantId: string; changes: unknown } }[] } }; errors?: unknown };
    expect(errors).toBeUndefined();
    const toVersion2 = data.auditLog.edges.filter((edge) => (edge.node.changes as { after: unknown }[])[0]?.after === 2);
    for (const edge of toVersion2) expect(edge.node.changes).toEqual([{ path: 'databases.main.schemaVersion', before: 1, after: 2 }]);
    expect(toVersion2).toHaveLength(slugs.length);
    expect(new Set(toVersion2.map((edge) => edge.node.tenantId)).size).toBe(slugs.length);
  } finally {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
