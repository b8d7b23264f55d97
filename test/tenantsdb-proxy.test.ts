import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type DataPlaneProject, projectWithBlueprint, tenantOf } from './support/data-plane.js';
import { createKey } from './support/fixtures.js';
import { defaultRateLimits } from '../src/rate-limit/limits.js';
import { sendCancelRequest } from '../src/data-plane/cancel-request.js';
import { openWorkspacePassword } from '../src/modules/workspaces/workspace-passwords.js';
import { startGateway, type TestGateway, testKeyring, uniqueSlug } from './support/gateway.js';

// The TenantsDB database proxy (seed 002, issue 26): customers open their databases with psql and
// node-postgres using the exact connection strings the API gives, through PostgreSQL's wire
// protocol on the proxy's port, over TLS.

const run = promisify(execFile);
let gateway: TestGateway;
let port: number;
let project: DataPlaneProject & { proxyPassword: string; user: string };
let acme: Awaited<ReturnType<typeof tenantOf>>;

beforeAll(async () => {
  gateway = await startGateway({ env: { TENANTSDB_PROXY_PORT: 0, TENANTSDB_PROXY_LISTEN_HOST: '127.0.0.1', TENANTSDB_PROXY_HOST: '127.0.0.1' } });
  ({ port } = await gateway.app.databaseProxy.listen());
  project = await withProxyPassword(await projectWithBlueprint(gateway, 'fintech', ['CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL)']));
  // One tenant most tests share (a FREE project holds five).
  acme = await tenantOf(gateway, project);
});
afterAll(() => gateway.close());

const as = (key: string) => ({ authorization: `Bearer ${key}` });

async function withProxyPassword<T extends DataPlaneProject>(made: T): Promise<T & { proxyPassword: string; user: string }> {
  const slug = (await gateway.database.prisma.project.findUniqueOrThrow({ where: { id: made.projectId } })).slug;
  const switched = await gateway.rest('POST', `/projects/${slug}/switch`, { headers: as(made.key) });
  expect(switched.status, JSON.stringify(switched.body)).toBe(200);
  return { ...made, key: switched.body.api_key, proxyPassword: switched.body.proxy_password, user: switched.body.project_id };
}

/** The connection string the API gives for a tenant's database, with the password put in. */
async function tenantConnectionString(made: DataPlaneProject & { proxyPassword: string }, slug: string): Promise<string> {
  const shown = await gateway.rest('GET', `/tenants/${slug}`, { headers: as(made.key) });
  expect(shown.status, JSON.stringify(shown.body)).toBe(200);
  const masked: string = shown.body.databases[0].connection_string;
  expect(masked).toContain(`@127.0.0.1:${port}/`);
  return masked.replace('••••••••', made.proxyPassword);
}

/** node-postgres: `sslmode=require` as libpq reads it (encrypted, the certificate not verified). */
async function connect(connectionString: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: `${connectionString}&uselibpqcompat=true` });
  await client.connect();
  return client;
}

async function psql(connectionString: string, sql: string): Promise<string> {
  const { stdout } = await run('psql', [connectionString, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', sql], { timeout: 20_000 });
  return stdout.trim();
}

describe('connecting with the connection string', () => {
  test('node-postgres reads and writes a shared tenant database over TLS, as the tenant, in its schema', async () => {
    const tenant = acme;
    const client = await connect(await tenantConnectionString(project, tenant.slug));
    try {
      await client.query("INSERT INTO customers (name) VALUES ('Ada'), ('Grace')");
      const { rows } = await client.query('SELECT name FROM customers ORDER BY id');
      expect(rows.map((row) => row.name)).toEqual(['Ada', 'Grace']);
      const who = await client.query('SELECT current_user, current_schema()');
      const placement = await gateway.database.prisma.dataPlacement.findUniqueOrThrow({ where: { id: tenant.placementId } });
      expect(who.rows[0]).toMatchObject({ current_user: placement.roleName, current_schema: placement.schemaName });
      expect((client as unknown as { connection: { stream: { encrypted?: boolean } } }).connection.stream.encrypted).toBe(true);
      // Extended protocol with parameters, as ORMs send it.
      const found = await client.query('SELECT name FROM customers WHERE name = $1', ['Grace']);
      expect(found.rows).toEqual([{ name: 'Grace' }]);
    } finally {
      await client.end();
    }
  });

  test('psql opens the tenant database with the exact connection string and reads what the API wrote', async () => {
    const tenant = await tenantOf(gateway, project);
    const wrote = await gateway.rest('POST', '/admin/query', {
      headers: as(project.key),
      body: { blueprint: 'fintech', tenant_id: tenant.slug, query: "INSERT INTO customers (name) VALUES ('from the API')" },
    });
    expect(wrote.status, JSON.stringify(wrote.body)).toBe(200);
    expect(await psql(await tenantConnectionString(project, tenant.slug), 'SELECT name FROM customers')).toBe('from the API');
  });

  test("POST /tenants answers the shared tenant's connection string with its password, and psql opens it as given; GET masks it", async () => {
    const slug = uniqueSlug('beta');
    const created = await gateway.rest('POST', '/tenants', {
      headers: as(project.key),
      body: { tenant_id: slug, databases: [{ blueprint: 'fintech', isolation_level: 1 }] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const given: string = created.body.databases[0].connection.connection_string;
    expect(given).toBe(`postgresql://${project.user}:${project.proxyPassword}@127.0.0.1:${port}/fintech__${slug}?sslmode=require`);
    expect(await psql(given, 'SELECT count(*) FROM customers')).toBe('0');
    const shown = await gateway.rest('GET', `/tenants/${slug}`, { headers: as(project.key) });
    expect(shown.body.databases[0].connection_string).toBe(given.replace(project.proxyPassword, '••••••••'));
    // A tenant's own key reads the tenant, never the project's password.
    const row = await gateway.database.prisma.tenant.findFirstOrThrow({ where: { slug, projectId: project.projectId } });
    const tenantKey = await createKey(gateway, { scopes: ['ADMIN'], tenant: row.id });
    const read = await gateway.graphql<{ tenant: { slug: string; databasePassword: string | null } }, object>(
      `query ($id: ID!) { tenant(id: $id) { slug databasePassword } }`,
      { id: row.id },
      tenantKey.secret,
    );
    expect(read.data?.tenant).toEqual({ slug, databasePassword: null });
    const mine = await gateway.graphql<{ tenant: { databasePassword: string | null } }, object>(
      `query ($id: ID!) { tenant(id: $id) { databasePassword } }`,
      { id: row.id },
      project.key,
    );
    expect(mine.data?.tenant.databasePassword).toBe(project.proxyPassword);
    // Tenant.databasePassword × every kind of caller that can read the tenant: only the project's own keys that write its tenants see it.
    const readOnly = await createKey(gateway, { scopes: ['TENANTS_READ'], projectId: project.projectId });
    const writer = await createKey(gateway, { scopes: ['TENANTS_READ', 'TENANTS_WRITE'], projectId: project.projectId });
    const other = await withProxyPassword(await projectWithBlueprint(gateway, 'other'));
    const callers: [string, string, string | null | 'unreadable'][] = [
      ['the operator', gateway.adminKey, null],
      ["the project's tenants:read key", readOnly.secret, null],
      ["the project's tenants:write key", writer.secret, project.proxyPassword],
      ["the tenant's own ADMIN key", tenantKey.secret, null],
      ["another project's key", other.key, 'unreadable'],
    ];
    for (const [who, key, expected] of callers) {
      const answer = await gateway.graphql<{ tenant: { databasePassword: string | null } | null }, object>(
        `query ($id: ID!) { tenant(id: $id) { databasePassword } }`,
        { id: row.id },
        key,
      );
      const seen = answer.data?.tenant ? answer.data.tenant.databasePassword : 'unreadable';
      expect({ who, seen }).toEqual({ who, seen: expected });
    }
  });

  test('a tenant whose name ends in _workspace is its tenant database, not a workspace', async () => {
    const tenant = await tenantOf(gateway, project, uniqueSlug('team').concat('_workspace'));
    const client = await connect(await tenantConnectionString(project, tenant.slug));
    try {
      expect((await client.query('SELECT current_schema()')).rows[0].current_schema).toBe(tenant.schemaName);
    } finally {
      await client.end();
    }
  });

  test('a workspace opens with its own connection string', async () => {
    const created = await gateway.rest('POST', '/workspaces', {
      headers: as(project.key),
      body: { name: uniqueSlug('scratch'), database: 'PostgreSQL', mode: 'control' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const connectionString: string = created.body.connection_string;
    expect(connectionString).toContain(`@127.0.0.1:${port}/`);
    expect(await psql(connectionString, 'CREATE TABLE notes (body text); INSERT INTO notes VALUES ($$hi$$); SELECT body FROM notes')).toBe('hi');
  });
});

describe('tenant-mode workspaces', () => {
  test('DDL a session commits through the proxy is queued for the blueprint, in order; rolled-back DDL is not; a deployment takes it to tenants', async () => {
    const made = await withProxyPassword(await projectWithBlueprint(gateway, 'ledger'));
    const workspace = await gateway.rest('GET', '/workspaces/ledger', { headers: as(made.key) });
    const password = (await gateway.rest('POST', '/workspaces', { headers: as(made.key), body: { name: 'unused', database: 'PostgreSQL', mode: 'control' } }))
      .status;
    expect(password).toBe(201);
    const row = await gateway.database.prisma.workspace.findFirstOrThrow({
      where: { projectId: made.projectId, name: 'ledger' },
      include: { placement: true },
    });
    const connectionString = (workspace.body.connection_string as string).replace('••••••••', openWorkspacePassword(testKeyring, row));
    const client = await connect(connectionString);
    try {
      await client.query('CREATE TABLE accounts (id serial PRIMARY KEY, owner text NOT NULL)');
      await client.query('BEGIN');
      await client.query('CREATE TABLE scratch (id int)');
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      await client.query('ALTER TABLE accounts ADD COLUMN balance numeric NOT NULL DEFAULT 0');
      await client.query('COMMIT');
      await client.query("INSERT INTO accounts (owner) VALUES ('not a change')");
      // DDL a savepoint rolled back is never queued (nothing of such a transaction is).
      await client.query('BEGIN');
      await client.query('SAVEPOINT before');
      await client.query('CREATE TABLE undone (id int)');
      await client.query('ROLLBACK TO SAVEPOINT before');
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
    let changes: { statement: string }[] = [];
    await waitFor(async () => {
      changes = await gateway.database.prisma.schemaChange.findMany({ where: { workspaceId: row.id }, orderBy: { position: 'asc' } });
      return changes.length >= 2;
    });
    expect(changes.map((change) => change.statement)).toEqual([
      'CREATE TABLE accounts (id serial PRIMARY KEY, owner text NOT NULL)',
      'ALTER TABLE accounts ADD COLUMN balance numeric NOT NULL DEFAULT 0',
    ]);
    const deployed = await gateway.rest('POST', '/deployments', { headers: as(made.key), body: { blueprint_name: 'ledger' } });
    expect(deployed.status, JSON.stringify(deployed.body)).toBe(201);
    await waitFor(async () => (await gateway.rest('GET', `/deployments/${deployed.body.id}`, { headers: as(made.key) })).body.status === 'completed');
    const tenant = await tenantOf(gateway, made);
    const tenantClient = await connect(await tenantConnectionString(made, tenant.slug));
    try {
      await tenantClient.query("INSERT INTO accounts (owner, balance) VALUES ('acme', 10)");
      expect((await tenantClient.query('SELECT owner, balance::int AS balance FROM accounts')).rows).toEqual([{ owner: 'acme', balance: 10 }]);
    } finally {
      await tenantClient.end();
    }
  });
});

describe('refusals', () => {
  test('a wrong password is 28P01, as PostgreSQL answers it', async () => {
    const tenant = acme;
    const right = await tenantConnectionString(project, tenant.slug);
    const wrong = right.replace(project.proxyPassword, 'tdb_0000000000000000');
    await expect(connect(wrong)).rejects.toMatchObject({ code: '28P01' });
  });

  test("another project's database name is refused like a wrong password, whatever the password", async () => {
    const other = await withProxyPassword(await projectWithBlueprint(gateway, 'fintech', ['CREATE TABLE secrets (value text)']));
    const theirs = await tenantOf(gateway, other);
    const theirString = await tenantConnectionString(other, theirs.slug);
    // Our user and password, their database's name: nothing of theirs answers.
    const mine = new URL(await tenantConnectionString(project, acme.slug));
    mine.pathname = new URL(theirString).pathname;
    await expect(connect(mine.toString())).rejects.toMatchObject({ code: '28P01' });
  });

  test('without TLS the proxy refuses (TENANTSDB_PROXY_PLAINTEXT is off)', async () => {
    const tenant = acme;
    const plain = (await tenantConnectionString(project, tenant.slug)).replace('sslmode=require', 'sslmode=disable');
    await expect(connect(plain)).rejects.toThrow(/SSL connection is required/);
  });
});

describe('limits', () => {
  test("max_connections of the blueprint's workspace holds at N+1 (53300), and a closed session frees its place", async () => {
    const limited = await withProxyPassword(await projectWithBlueprint(gateway, 'fintech', ['CREATE TABLE t (id int)']));
    const settings = await gateway.rest('POST', '/workspaces/fintech/settings', { headers: as(limited.key), body: { max_connections: 2 } });
    expect(settings.status, JSON.stringify(settings.body)).toBe(200);
    const tenant = await tenantOf(gateway, limited);
    const connectionString = await tenantConnectionString(limited, tenant.slug);
    // Three logins at once for two places: one is refused, whichever it is.
    const racing = await Promise.allSettled([connect(connectionString), connect(connectionString), connect(connectionString)]);
    const open = racing.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    expect(racing.filter((outcome) => outcome.status === 'rejected').map((outcome) => (outcome as PromiseRejectedResult).reason.code)).toEqual(['53300']);
    try {
      await expect(connect(connectionString)).rejects.toMatchObject({ code: '53300' });
      await open.pop()!.end();
      await waitFor(() => (gateway.app.databaseProxy.sessions().get(tenant.placementId) ?? 0) === 1);
      const again = await connect(connectionString);
      open.push(again);
      expect((await again.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await Promise.all(open.map((client) => client.end()));
    }
    await waitFor(() => !gateway.app.databaseProxy.sessions().has(tenant.placementId));
  });

  test.skipIf(process.env.TEST_POSTGRES_URL === undefined)(
    "a statement past the plan's query timeout is cancelled even when the session turned statement_timeout off",
    async () => {
      const limited = await withProxyPassword(await projectWithBlueprint(gateway, 'fintech', ['CREATE TABLE t (id int)']));
      expect((await gateway.rest('POST', '/workspaces/fintech/settings', { headers: as(limited.key), body: { query_timeout_ms: 300 } })).status).toBe(200);
      const tenant = await tenantOf(gateway, limited);
      const client = await connect(await tenantConnectionString(limited, tenant.slug));
      try {
        await client.query('SET statement_timeout = 0');
        const started = performance.now();
        await expect(client.query('SELECT pg_sleep(20)')).rejects.toMatchObject({ code: '57014' });
        expect(performance.now() - started).toBeLessThan(10_000);
        // The session goes on after the cancel.
        expect((await client.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
      } finally {
        await client.end();
      }
    },
  );

  test.skipIf(process.env.TEST_POSTGRES_URL === undefined)(
    "a client's CancelRequest to the proxy, with the key its greeting gave, cancels the running statement",
    async () => {
      const client = await connect(await tenantConnectionString(project, acme.slug));
      try {
        const { processID, secretKey } = client as unknown as { processID: number; secretKey: number };
        const running = client.query('SELECT pg_sleep(20)');
        await new Promise((resolve) => setTimeout(resolve, 300));
        const started = performance.now();
        await sendCancelRequest('127.0.0.1', port, processID, secretKey);
        await expect(running).rejects.toMatchObject({ code: '57014' });
        expect(performance.now() - started).toBeLessThan(5_000);
      } finally {
        await client.end();
      }
    },
  );

  test("a session cannot leave its tenant's role: after RESET ROLE (refused on the embedded data plane) it is still the tenant", async () => {
    const tenant = acme;
    const placement = await gateway.database.prisma.dataPlacement.findUniqueOrThrow({ where: { id: tenant.placementId } });
    const client = await connect(await tenantConnectionString(project, tenant.slug));
    try {
      await client.query('RESET ROLE').catch((error) => expect(error.code).toBe('42501'));
      expect((await client.query('SELECT current_user')).rows[0].current_user).toBe(placement.roleName);
      // The same through a named prepared statement whose name is longer in bytes than in characters.
      await client.query({ name: 'é', text: 'RESET ROLE' }).catch((error) => expect(error.code).toBe('42501'));
      expect((await client.query('SELECT current_user')).rows[0].current_user).toBe(placement.roleName);
      // Another tenant of the project, in the same database: its schema is not ours to read.
      await expect(client.query(`SELECT * FROM ${(await tenantOf(gateway, project)).schemaName}.customers`)).rejects.toMatchObject({
        code: '42501',
      });
    } finally {
      await client.end();
    }
  });
});

describe('sessions end with their tenant', () => {
  test('suspending a tenant ends its open proxy sessions and refuses new ones; resumed, the same string connects', async () => {
    // A project of its own: the suite's FREE project holds five tenants at most.
    const own = await withProxyPassword(await projectWithBlueprint(gateway, 'fintech', ['CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL)']));
    const tenant = await tenantOf(gateway, own);
    const connectionString = await tenantConnectionString(own, tenant.slug);
    const open = await connect(connectionString);
    const errors: Error[] = [];
    open.on('error', (error) => errors.push(error));
    expect((await open.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    const suspended = await gateway.rest('POST', `/tenants/${tenant.slug}/suspend`, { headers: as(own.key) });
    expect(suspended.status, JSON.stringify(suspended.body)).toBe(200);
    await expect(open.query('SELECT 1')).rejects.toThrow();
    await open.end().catch(() => {});
    await expect(connect(connectionString)).rejects.toMatchObject({ code: '28P01' });
    expect((await gateway.rest('POST', `/tenants/${tenant.slug}/resume`, { headers: as(own.key) })).status).toBe(200);
    const again = await connect(connectionString);
    expect((await again.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    await again.end();
  });
});

describe('query logs', () => {
  test('statements through the proxy are logged with source proxy, constants taken out, and counted by logs/stats', { timeout: 60_000 }, async () => {
    const tenant = acme;
    const client = await connect(await tenantConnectionString(project, tenant.slug));
    try {
      await client.query("SELECT name FROM customers WHERE name = 'a-secret-value'");
      // The server's own error for it, relayed (not a connection cut on the way).
      const failed = await client.query('SELECT no_such_column FROM customers').then(
        () => null,
        (error: Error & { code?: string }) => error,
      );
      expect(failed, String(failed?.stack)).toMatchObject({ code: '42703' });
    } finally {
      await client.end();
    }
    let logs: Record<string, any>[] = [];
    let seen = '';
    await waitFor(
      async () => {
        const response = await gateway.rest('GET', `/tenants/${tenant.slug}/logs?source=proxy`, { headers: as(project.key) });
        logs = response.body.logs ?? [];
        const stored = await gateway.database.prisma.tenantQueryLog.findMany({
          where: { tenant: { slug: tenant.slug, projectId: project.projectId }, source: 'PROXY' },
          orderBy: { createdAt: 'desc' },
          take: 5,
          select: { query: true, createdAt: true },
        });
        seen = `${response.status} ${JSON.stringify(response.body)}; stored: ${JSON.stringify(stored)}`;
        return logs.some((entry) => entry.query.includes('no_such_column')) && logs.some((entry) => entry.query.includes('WHERE name = $1'));
      },
      30_000,
      () => seen,
    );
    expect(logs.every((entry) => entry.source === 'proxy')).toBe(true);
    const texts = logs.map((entry) => entry.query);
    expect(texts).toContain('SELECT name FROM customers WHERE name = $1');
    expect(JSON.stringify(logs)).not.toContain('a-secret-value');
    expect(logs.find((entry) => entry.query.includes('no_such_column'))).toMatchObject({ success: false });
    const stats = await gateway.rest('GET', `/tenants/${tenant.slug}/logs/stats`, { headers: as(project.key) });
    expect(stats.body.by_source.proxy).toBeGreaterThanOrEqual(2);
    const api = await gateway.rest('GET', `/tenants/${tenant.slug}/logs?source=api`, { headers: as(project.key) });
    expect(api.body.logs.every((entry: { source: string }) => entry.source === 'api')).toBe(true);
  });
});

describe('bad input on the wire', () => {
  test('garbage, truncated and oversized messages close their connection; the proxy and the gateway go on serving', async () => {
    const { connect: tcp } = await import('node:net');
    const payloads = [
      Buffer.alloc(0),
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.from([0, 0, 0, 8, 4, 210, 22, 47]), // SSLRequest, then nothing
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 3, 0, 0]), // a startup claiming 4 GiB
      Buffer.from([0, 0, 0, 9, 0, 3, 0, 0, 0]), // a startup without user
      Buffer.concat([Buffer.from([0, 0, 0, 40, 0, 3, 0, 0]), Buffer.from('user\0tdb_00000000\0database\0x\0\0')]),
      ...Array.from({ length: 40 }, (_, index) => Buffer.from(Array.from({ length: 1 + index * 7 }, () => Math.floor(Math.random() * 256)))),
    ];
    for (const payload of payloads) {
      await new Promise<void>((resolve) => {
        const socket = tcp({ host: '127.0.0.1', port }, () => socket.end(payload));
        socket.on('data', () => {});
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
        socket.setTimeout(5_000, () => socket.destroy());
      });
    }
    // A startup message claiming 200,000 bytes, 100 KB of it sent: cut at the handshake's 64 KB, not held for 30 s.
    const closedIn = await new Promise<number>((resolve) => {
      const started = Date.now();
      const header = Buffer.from([0, 3, 13, 64, 0, 3, 0, 0]);
      const socket = tcp({ host: '127.0.0.1', port }, () => socket.write(Buffer.concat([header, Buffer.alloc(100_000, 0x61)])));
      socket.on('data', () => {});
      socket.on('error', () => {});
      socket.on('close', () => resolve(Date.now() - started));
      setTimeout(() => resolve(Number.POSITIVE_INFINITY), 5_000).unref();
    });
    expect(closedIn).toBeLessThan(5_000);
    const tenant = acme;
    const client = await connect(await tenantConnectionString(project, tenant.slug));
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await client.end();
    expect((await gateway.rest('GET', '/healthz')).status).toBe(200);
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, last: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting; last seen: ${last()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('bans, shared with the API', () => {
  let banning: TestGateway;
  let banningPort: number;
  beforeAll(async () => {
    banning = await startGateway({
      env: { TENANTSDB_PROXY_PORT: 0, TENANTSDB_PROXY_LISTEN_HOST: '127.0.0.1', TENANTSDB_PROXY_HOST: '127.0.0.1', RATE_LIMITS: 'on' },
      rateLimits: { ...defaultRateLimits, ip: { perSecond: 1_000, banAfterViolations: 3, banSeconds: 60 } },
    });
    ({ port: banningPort } = await banning.app.databaseProxy.listen());
  });
  afterAll(() => banning.close());

  const fromLoopback = (path: string) => banning.app.fetch(new Request(`http://gateway.test${path}`), { clientAddress: '127.0.0.1' });

  test('wrong proxy passwords ban the address from the proxy and from the API; plain HTTP from elsewhere is served', async () => {
    const wrong = `postgresql://tdb_00000000:wrong@127.0.0.1:${banningPort}/fintech__acme?sslmode=require&uselibpqcompat=true`;
    expect((await fromLoopback('/regions')).status).toBe(200);
    for (let attempt = 0; attempt < 3; attempt++) await expect(connect(wrong)).rejects.toMatchObject({ code: '28P01' });
    await expect(connect(wrong)).rejects.toMatchObject({ code: '08004', message: expect.stringMatching(/banned/) });
    // Clients that go away while being refused: the gateway stays up (an unhandled rejection would fail this file).
    for (let timeout = 1; timeout <= 30; timeout += 3) {
      await new pg.Client({ connectionString: wrong, connectionTimeoutMillis: timeout }).connect().catch(() => {});
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const api = await fromLoopback('/regions');
    expect(api.status).toBe(429);
    expect((await banning.app.fetch(new Request('http://gateway.test/regions'), { clientAddress: '192.0.2.7' })).status).toBe(200);
  });
});

describe('TENANTSDB_PROXY_PLAINTEXT=allow', () => {
  test('a client without TLS is authenticated by SCRAM-SHA-256 (no password in clear); a wrong one is refused', async () => {
    const plain = await startGateway({
      env: { TENANTSDB_PROXY_PORT: 0, TENANTSDB_PROXY_LISTEN_HOST: '127.0.0.1', TENANTSDB_PROXY_HOST: '127.0.0.1', TENANTSDB_PROXY_PLAINTEXT: 'allow' },
    });
    try {
      const { port: plainPort } = await plain.app.databaseProxy.listen();
      const made = await projectWithBlueprint(plain, 'fintech', ['CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL)']);
      const slug = (await plain.database.prisma.project.findUniqueOrThrow({ where: { id: made.projectId } })).slug;
      const switched = await plain.rest('POST', `/projects/${slug}/switch`, { headers: as(made.key) });
      const tenant = await tenantOf(plain, { ...made, key: switched.body.api_key });
      const url = (password: string) => `postgresql://${slug}:${password}@127.0.0.1:${plainPort}/fintech__${tenant.slug}?sslmode=disable`;
      const client = new pg.Client({ connectionString: url(switched.body.proxy_password) });
      await client.connect();
      try {
        expect((client as unknown as { connection: { stream: { encrypted?: boolean } } }).connection.stream.encrypted).toBeFalsy();
        expect((await client.query('SELECT count(*)::int AS n FROM customers')).rows).toEqual([{ n: 0 }]);
      } finally {
        await client.end();
      }
      await expect(new pg.Client({ connectionString: url('tdb_wrong') }).connect()).rejects.toThrow(/password authentication failed/);
      // TLS still works beside it.
      const tls = new pg.Client({ connectionString: url(switched.body.proxy_password).replace('sslmode=disable', 'sslmode=require&uselibpqcompat=true') });
      await tls.connect();
      await tls.end();
    } finally {
      await plain.close();
    }
  });
});
