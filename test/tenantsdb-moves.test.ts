import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { backupAt, type DataPlaneProject, deploymentFinished, projectWithBlueprint } from './support/data-plane.js';
import { startGateway, type TestGateway, uniqueSlug } from './support/gateway.js';
import { advanceDatabaseWork } from '../src/modules/tenantsdb-databases/database-state.js';
import { buildMoveTarget, copyAndSwitch, type MoveDeps, provisionDedicated } from '../src/modules/tenantsdb-databases/database-moves.js';

// Issue 26, parts 2 and 3: TenantsDB databases placed across data-plane servers by zone, and
// moves between shared (L1) and dedicated (L2) and between zones that carry the rows, with the
// same connection string before and after. Two PostgreSQL clusters on loopback: the shared
// server (the suite's) and a second one in us-east, started here.

const postgres = Boolean(process.env.TEST_POSTGRES_URL);
const run = promisify(execFile);
let gateway: TestGateway;
let second: { dir: string; url: string };
let project: DataPlaneProject & { proxyPassword: string };
let proxyPort: number;

const as = (key: string) => ({ authorization: `Bearer ${key}` });

beforeAll(async () => {
  if (!postgres) return;
  const { stdout } = await run('bash', ['scripts/postgres-cluster.sh', 'start'], { timeout: 120_000 });
  const [dir, url] = stdout.trim().split(/\s+/) as [string, string];
  second = { dir, url };
  gateway = await startGateway({
    env: {
      // us-west's server is configured but away (nothing listens on port 1): moves there fail.
      DATA_PLANE_SERVERS: [
        { name: 'us1', region: 'us-east', url },
        { name: 'gone', region: 'us-west', url: 'postgresql://postgres:x@127.0.0.1:1/postgres' },
      ],
      TENANT_DATABASE_WORK_ATTEMPTS: 2,
      TENANTSDB_PROXY_PORT: 0,
      TENANTSDB_PROXY_LISTEN_HOST: '127.0.0.1',
      TENANTSDB_PROXY_HOST: '127.0.0.1',
    },
  });
  ({ port: proxyPort } = await gateway.app.databaseProxy.listen());
  const made = await projectWithBlueprint(gateway, 'fintech', ['CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, joined date)'], 'PRO');
  const slug = (await gateway.database.prisma.project.findUniqueOrThrow({ where: { id: made.projectId } })).slug;
  const switched = await gateway.rest('POST', `/projects/${slug}/switch`, { headers: as(made.key) });
  expect(switched.status, JSON.stringify(switched.body)).toBe(200);
  project = { ...made, key: switched.body.api_key, proxyPassword: switched.body.proxy_password };
}, 180_000);

afterAll(async () => {
  if (!postgres) return;
  await gateway?.close();
  if (second) await run('bash', ['scripts/postgres-cluster.sh', 'stop', second.dir]);
});

async function waitForStatus(id: string, wanted: string, timeoutMs = 20_000): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await gateway.rest('GET', `/tenants/${id}`, { headers: as(project.key) });
    if (response.body.status === wanted) return response.body;
    if (Date.now() > deadline) throw new Error(`tenant ${id} is ${response.body.status}, not ${wanted}: ${JSON.stringify(response.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The connection string GET /tenants/{id} gives, the proxy password put in. */
async function connectionString(id: string): Promise<string> {
  const shown = await gateway.rest('GET', `/tenants/${id}`, { headers: as(project.key) });
  const masked: string = shown.body.databases[0].connection_string;
  expect(masked).toContain(`@127.0.0.1:${proxyPort}/fintech__${id}?`);
  return masked.replace('••••••••', project.proxyPassword);
}

async function client(id: string): Promise<pg.Client> {
  const opened = new pg.Client({ connectionString: `${await connectionString(id)}&uselibpqcompat=true` });
  await opened.connect();
  return opened;
}

async function names(id: string): Promise<string[]> {
  const opened = await client(id);
  try {
    return (await opened.query('SELECT name FROM customers ORDER BY id')).rows.map((row) => row.name);
  } finally {
    await opened.end();
  }
}

/** Where the tenant's database lives now: the server's name in the placement record and the database there. */
async function placementOf(id: string) {
  const prisma = gateway.database.prisma;
  const database = await prisma.tenantDatabase.findFirstOrThrow({ where: { tenant: { slug: id } }, include: { placement: { include: { database: true } } } });
  return { server: database.placement!.database.server, name: database.placement!.database.name, dedicated: database.placement!.database.dedicated };
}

/** The databases a server holds (tdbd_…), read as its superuser: what is really there, not what the records say. */
async function databasesOn(url: string): Promise<string[]> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    return (await admin.query("SELECT datname FROM pg_database WHERE datname LIKE 'tdbd\\_%' ORDER BY 1")).rows.map((row) => row.datname);
  } finally {
    await admin.end();
  }
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function createTenant(body: Record<string, unknown>) {
  return gateway.rest('POST', '/tenants', { headers: as(project.key), body });
}

async function move(id: string, body: Record<string, unknown>) {
  const response = await gateway.rest('PATCH', `/tenants/${id}/isolation`, { headers: as(project.key), body: { blueprint: 'fintech', ...body } });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return waitForStatus(id, 'ready');
}

describe.skipIf(!postgres)('placement across data-plane servers', () => {
  test("GET /regions lists the zones a server is in (the shared server's, us-east and us-west), and GraphQL the same", async () => {
    const regions = await gateway.rest('GET', '/regions');
    expect(regions.status).toBe(200);
    expect(regions.body.regions.map((region: { zone: string }) => region.zone)).toEqual(['eu-central', 'us-east', 'us-west']);
    const graphql = await gateway.graphql<{ regions: { id: string; kind: string }[] }, object>('{ regions { id kind } }');
    expect(graphql.data!.regions.filter((region) => region.kind === 'ZONE').map((region) => region.id)).toEqual(['eu-central', 'us-east', 'us-west']);
  });

  test('a dedicated database in a zone no server is in is refused naming the served zones; nothing is made', async () => {
    const before = await databasesOn(second.url);
    const id = uniqueSlug('nowhere').replace(/-/g, '_');
    const refused = await createTenant({ tenant_id: id, databases: [{ blueprint: 'fintech', isolation_level: 2, region: 'ap-southeast' }] });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('served zones: eu-central, us-east, us-west');
    expect((await gateway.rest('GET', `/tenants/${id}`, { headers: as(project.key) })).status).toBe(404);
    expect(await databasesOn(second.url)).toEqual(before);
    expect(await gateway.database.prisma.dataPlaneDatabase.count({ where: { projectId: project.projectId, dedicated: true, readyAt: null } })).toBe(0);
  });

  test('a dedicated us-east database is a database of its own on the us-east server; psql reaches it with the connection string', async () => {
    const id = uniqueSlug('east').replace(/-/g, '_');
    const created = await createTenant({ tenant_id: id, databases: [{ blueprint: 'fintech', isolation_level: 2, region: 'us-east' }] });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('provisioning');
    // The request recorded it; the database-phases job makes it (the test's phase lasts 300 ms).
    const recorded = await gateway.database.prisma.tenantDatabase.findFirstOrThrow({ where: { tenant: { slug: id } } });
    expect(recorded).toMatchObject({ status: 'PROVISIONING', placementId: null });
    await waitForStatus(id, 'ready');
    const placed = await placementOf(id);
    expect(placed).toMatchObject({ server: 'us1', dedicated: true });
    expect(await databasesOn(second.url)).toContain(placed.name);
    expect(await databasesOn(process.env.TEST_POSTGRES_URL!)).not.toContain(placed.name);
    const { stdout } = await run('psql', [
      await connectionString(id),
      '-XAtq',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      "INSERT INTO customers (name) VALUES ('Ada') RETURNING name",
    ]);
    expect(stdout.trim()).toBe('Ada');
  });
});

describe.skipIf(!postgres)('provisioning that dies midway', () => {
  test('a dedicated database made but not recorded (the process died) is dropped when provisioning runs again', async () => {
    const id = uniqueSlug('again').replace(/-/g, '_');
    const prisma = gateway.database.prisma;
    const moves: MoveDeps = { dataPlane: gateway.app.dataPlane, disconnect: (placementId) => gateway.app.databaseProxy.disconnect(placementId) };
    expect((await createTenant({ tenant_id: id, databases: [{ blueprint: 'fintech', isolation_level: 2, region: 'us-east' }] })).status).toBe(201);
    await waitForStatus(id, 'ready');
    const first = await placementOf(id);
    // As if the record's update had been lost: the database exists on us-east, nothing names it.
    const record = await prisma.tenantDatabase.findFirstOrThrow({ where: { tenant: { slug: id } } });
    // Its phase ends in an hour: the background job leaves it to this test's own run.
    await prisma.tenantDatabase.update({
      where: { id: record.id },
      data: { placementId: null, status: 'PROVISIONING', phaseEndsAt: new Date(Date.now() + 3_600_000) },
    });
    expect(await databasesOn(second.url)).toContain(first.name);
    expect(await provisionDedicated(moves, await prisma.tenantDatabase.findUniqueOrThrow({ where: { id: record.id } }))).toBe(true);
    const again = await placementOf(id);
    expect(again.name).not.toBe(first.name);
    const onServer = await databasesOn(second.url);
    expect(onServer).toContain(again.name);
    expect(onServer).not.toContain(first.name);
    expect(await names(id)).toEqual([]);
  });
});

describe.skipIf(!postgres)('moves carry the rows; the connection string stays', () => {
  test('L1 → L2 us-east → L2 eu-central → L1: rows equal after each move, sessions open at a cutover are closed, the same string reconnects', async () => {
    const id = uniqueSlug('mover').replace(/-/g, '_');
    expect((await createTenant({ tenant_id: id, databases: [{ blueprint: 'fintech', isolation_level: 1 }] })).status).toBe(201);
    const writer = await client(id);
    const writerErrors: Error[] = [];
    writer.on('error', (error) => writerErrors.push(error));
    await writer.query("INSERT INTO customers (name, joined) VALUES ('Ada', '1815-12-10'), ('Grace', '1906-12-09'), ($1, NULL)", ['Ké\u00e9 "q" \\ x']);
    const expected = await names(id);
    const shared = await placementOf(id);
    expect(shared).toMatchObject({ server: 'default', dedicated: false });

    await move(id, { isolation_level: 2, region: 'us-east' });
    const east = await placementOf(id);
    expect(east).toMatchObject({ server: 'us1', dedicated: true });
    expect(await names(id)).toEqual(expected);
    // The session opened before the move was closed at its cutover; a new one (same string) works and writes on.
    await expect(writer.query('SELECT 1')).rejects.toThrow();
    expect(writerErrors.length).toBeGreaterThan(0);
    await writer.end().catch(() => {});
    const again = await client(id);
    await again.query("INSERT INTO customers (name) VALUES ('Hedy')");
    // Sequences continue after the copied rows.
    expect((await again.query("SELECT id FROM customers WHERE name = 'Hedy'")).rows[0].id).toBe(4);
    await again.end();

    await move(id, { isolation_level: 2, region: 'eu-central' });
    const europe = await placementOf(id);
    expect(europe).toMatchObject({ server: 'default', dedicated: true });
    expect(europe.name).not.toBe(shared.name);
    // The us-east database it left is dropped there (the move's last step, just after the switch).
    await eventually(async () => !(await databasesOn(second.url)).includes(east.name));
    expect(await names(id)).toEqual([...expected, 'Hedy']);

    await move(id, { isolation_level: 1 });
    expect(await placementOf(id)).toEqual(shared);
    await eventually(async () => !(await databasesOn(process.env.TEST_POSTGRES_URL!)).includes(europe.name));
    expect(await names(id)).toEqual([...expected, 'Hedy']);
    const listed = (await gateway.rest('GET', `/tenants/${id}`, { headers: as(project.key) })).body.databases[0];
    expect(listed).toMatchObject({ isolation_level: 'L1' });
    // The API's queries reach the moved database too.
    const queried = await gateway.rest('POST', '/admin/query', {
      headers: as(project.key),
      body: { blueprint: 'fintech', tenant_id: id, query: 'SELECT count(*) AS n FROM customers' },
    });
    expect(queried.status, JSON.stringify(queried.body)).toBe(200);
    expect(JSON.stringify(queried.body)).toContain('4');
  });

  test("recovery to an instant before a move and to one after it gives that instant's rows, on the server the database is on now", async () => {
    const id = uniqueSlug('pitrmove').replace(/-/g, '_');
    expect((await createTenant({ tenant_id: id, databases: [{ blueprint: 'fintech', isolation_level: 2, region: 'eu-central' }] })).status).toBe(201);
    await waitForStatus(id, 'ready');
    const write = async (text: string) => {
      const opened = await client(id);
      try {
        await opened.query(text);
      } finally {
        await opened.end();
      }
    };
    const instant = async () => {
      await new Promise((resolve) => setTimeout(resolve, 15));
      const at = new Date();
      await new Promise((resolve) => setTimeout(resolve, 15));
      return at;
    };
    await write("INSERT INTO customers (name) VALUES ('Ada')");
    const backup = await gateway.rest('POST', `/tenants/${id}/backup`, { headers: as(project.key) });
    expect(backup.status, JSON.stringify(backup.body)).toBe(200);
    const [storagePath] = backup.body.paths as string[];
    await eventually(async () => (await backupAt(gateway, storagePath!))?.status === 'COMPLETED', 20_000);
    await write("INSERT INTO customers (name) VALUES ('Bea')");
    const beforeMove = await instant();
    await write("UPDATE customers SET name = 'Ada L' WHERE name = 'Ada'");
    await move(id, { isolation_level: 2, region: 'us-east' });
    expect(await placementOf(id)).toMatchObject({ server: 'us1', dedicated: true });
    const afterMove = await instant();
    await write("INSERT INTO customers (name) VALUES ('Cy')");
    const latest = await instant();

    const recover = async (at: Date) => {
      const recovered = await gateway.rest('POST', `/tenants/${id}/recover`, { headers: as(project.key), body: { timestamp: at.toISOString() } });
      expect(recovered.status, JSON.stringify(recovered.body)).toBe(200);
      await waitForStatus(id, 'ready');
      return names(id);
    };
    // The changes before the move were made on the shared server and came along with the database.
    expect(await recover(beforeMove)).toEqual(['Ada', 'Bea']);
    expect(await recover(latest)).toEqual(['Ada L', 'Bea', 'Cy']);
    expect(await recover(afterMove)).toEqual(['Ada L', 'Bea']);
    expect(await placementOf(id)).toMatchObject({ server: 'us1', dedicated: true });
  });

  test('a move that dies midway starts again: a target left behind is rebuilt, a cutover that failed gives the source its writes back, the rerun loses nothing', async () => {
    const id = uniqueSlug('crash').replace(/-/g, '_');
    expect((await createTenant({ tenant_id: id, databases: [{ blueprint: 'fintech', isolation_level: 1 }] })).status).toBe(201);
    const writer = await client(id);
    await writer.query("INSERT INTO customers (name) VALUES ('Ada'), ('Grace')");
    await writer.end();
    const prisma = gateway.database.prisma;
    const moves: MoveDeps = { dataPlane: gateway.app.dataPlane, disconnect: (placementId) => gateway.app.databaseProxy.disconnect(placementId) };
    const record = await prisma.tenantDatabase.findFirstOrThrow({ where: { tenant: { slug: id } } });
    // The move's request, as migrateTenantDatabase records it (no job runs it: the phase ends in an hour).
    await prisma.tenantDatabase.update({
      where: { id: record.id },
      data: { status: 'SYNCING', phaseEndsAt: new Date(Date.now() + 3_600_000), targetIsolation: 'DEDICATED', targetRegion: 'us-east' },
    });
    await buildMoveTarget(moves, await prisma.tenantDatabase.findUniqueOrThrow({ where: { id: record.id } }));
    const firstTarget = (await prisma.tenantDatabase.findUniqueOrThrow({ where: { id: record.id } })).movingToPlacementId!;
    expect(firstTarget).toBeTruthy();
    // The process died here; the step runs again: the first target is dropped and another built.
    await prisma.tenantDatabase.update({ where: { id: record.id }, data: { movingToPlacementId: firstTarget } });
    await buildMoveTarget(moves, await prisma.tenantDatabase.findUniqueOrThrow({ where: { id: record.id } }));
    const secondTarget = (await prisma.tenantDatabase.findUniqueOrThrow({ where: { id: record.id } })).movingToPlacementId!;
    expect(secondTarget).not.toBe(firstTarget);
    expect(await prisma.dataPlacement.findUnique({ where: { id: firstTarget } })).toBeNull();
    // A cutover that fails after the copy: the source gets its password back and serves writes again.
    await prisma.tenantDatabase.update({ where: { id: record.id }, data: { status: 'MIGRATING' } });
    await expect(
      copyAndSwitch(moves, await prisma.tenantDatabase.findUniqueOrThrow({ where: { id: record.id } }), async () => {
        throw new Error('the process died at the switch');
      }),
    ).rejects.toThrow('died at the switch');
    // While a cutover holds the source (here: frozen as copyAndSwitch freezes it), the API's queries are 409, nothing run, retry.
    const source = await prisma.dataPlacement.findUniqueOrThrow({ where: { id: record.placementId! }, include: { database: true } });
    const login = { server: source.database.server, database: source.database.name, schemaName: source.schemaName, roleName: source.roleName };
    await gateway.app.dataPlane.dataPlane.setPassword({ ...login, password: 'frozen-for-the-test' }, { endSessions: true });
    const held = await gateway.rest('POST', '/admin/query', {
      headers: as(project.key),
      body: { blueprint: 'fintech', tenant_id: id, query: "INSERT INTO customers (name) VALUES ('Lost')" },
    });
    expect(held.status).toBe(409);
    expect(JSON.stringify(held.body)).toContain('retry in a moment');
    expect(JSON.stringify(held.body)).not.toContain(source.roleName);
    await copyAndSwitch(moves, await prisma.tenantDatabase.findUniqueOrThrow({ where: { id: record.id } }), async () => {
      throw new Error('the process died at the switch');
    }).catch(() => {});
    const during = await client(id);
    await during.query("INSERT INTO customers (name) VALUES ('Hedy')");
    await during.end();
    // The job runs the cutover again, now due: everything, Hedy too, is at the target.
    await prisma.tenantDatabase.update({ where: { id: record.id }, data: { phaseEndsAt: new Date() } });
    await advanceDatabaseWork(prisma, { provisionMs: 0, syncMs: 0, cutoverMs: 0 }, record.tenantId, new Date(), moves);
    expect(await placementOf(id)).toMatchObject({ server: 'us1', dedicated: true });
    expect(await names(id)).toEqual(['Ada', 'Grace', 'Hedy']);
    const after = await prisma.tenantDatabase.findUniqueOrThrow({ where: { id: record.id } });
    expect(after).toMatchObject({ status: 'READY', placementId: secondTarget, movingToPlacementId: null, movedFromPlacementId: null });
    expect(await prisma.dataPlacement.findUnique({ where: { id: record.placementId! } })).toBeNull();
  });
});

describe.skipIf(!postgres)('a move that keeps failing', () => {
  test('is given up after TENANT_DATABASE_WORK_ATTEMPTS failures: the database ready where it was, its rows and string unchanged, the audit trail says why', async () => {
    const id = uniqueSlug('stuck').replace(/-/g, '_');
    expect((await createTenant({ tenant_id: id, databases: [{ blueprint: 'fintech', isolation_level: 1 }] })).status).toBe(201);
    const writer = await client(id);
    await writer.query("INSERT INTO customers (name) VALUES ('Ada')");
    await writer.end();
    const before = await placementOf(id);
    const asked = await gateway.rest('PATCH', `/tenants/${id}/isolation`, {
      headers: as(project.key),
      body: { blueprint: 'fintech', isolation_level: 2, region: 'us-west' },
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(200);
    // Two attempts (the second a second after the first), then given up.
    const shown = await waitForStatus(id, 'ready', 30_000);
    expect(shown.databases[0]).toMatchObject({ isolation_level: 'L1' });
    expect(await placementOf(id)).toEqual(before);
    expect(await names(id)).toEqual(['Ada']);
    const prisma = gateway.database.prisma;
    const record = await prisma.tenantDatabase.findFirstOrThrow({ where: { tenant: { slug: id } } });
    expect(record).toMatchObject({ status: 'READY', isolation: 'SHARED', targetIsolation: null, targetRegion: null, movingToPlacementId: null });
    const event = await prisma.auditEvent.findFirstOrThrow({ where: { tenantId: record.tenantId, action: 'database.move_failed' } });
    expect(event).toMatchObject({ target: 'database:fintech', actor: expect.stringContaining('database migration') });
    expect(JSON.stringify(event.changes)).toContain('ECONNREFUSED');
    // The work of the tenant goes on: the job is not left failed.
    await eventually(async () => (await prisma.job.count({ where: { uniqueKey: `database-phases:${record.tenantId}`, status: 'FAILED' } })) === 0);
    // Asked again elsewhere, it moves.
    await move(id, { isolation_level: 2, region: 'us-east' });
    expect(await placementOf(id)).toMatchObject({ server: 'us1', dedicated: true });
    expect(await names(id)).toEqual(['Ada']);
  });
});

describe.skipIf(!postgres)('a deployment during a move', () => {
  test("a blueprint version deployed to the source while it moves is carried: the target is rebuilt at the source's version, its rows with it", async () => {
    const id = uniqueSlug('deploy').replace(/-/g, '_');
    const prisma = gateway.database.prisma;
    const moves: MoveDeps = { dataPlane: gateway.app.dataPlane, disconnect: (placementId) => gateway.app.databaseProxy.disconnect(placementId) };
    expect((await createTenant({ tenant_id: id, databases: [{ blueprint: 'fintech', isolation_level: 1 }] })).status).toBe(201);
    const writer = await client(id);
    await writer.query("INSERT INTO customers (name) VALUES ('Ada')");
    await writer.end();
    const record = await prisma.tenantDatabase.findFirstOrThrow({ where: { tenant: { slug: id } } });
    await prisma.tenantDatabase.update({
      where: { id: record.id },
      data: { status: 'SYNCING', phaseEndsAt: new Date(Date.now() + 3_600_000), targetIsolation: 'DEDICATED', targetRegion: 'us-east' },
    });
    await buildMoveTarget(moves, await prisma.tenantDatabase.findUniqueOrThrow({ where: { id: record.id } }));
    // The next version of the blueprint reaches the source, the target having been built at the one before.
    const headers = as(project.key);
    expect(
      (
        await gateway.rest('POST', '/workspaces/fintech/queries', {
          headers,
          body: { query: 'ALTER TABLE customers ADD COLUMN vip boolean NOT NULL DEFAULT false' },
        })
      ).status,
    ).toBe(200);
    const deployed = await gateway.rest('POST', '/deployments', { headers, body: { blueprint_name: 'fintech' } });
    expect(deployed.status, JSON.stringify(deployed.body)).toBe(201);
    await deploymentFinished(gateway, project, deployed.body.id);
    const source = await client(id);
    await source.query("UPDATE customers SET vip = true WHERE name = 'Ada'");
    await source.end();
    await prisma.tenantDatabase.update({ where: { id: record.id }, data: { status: 'MIGRATING', phaseEndsAt: new Date() } });
    await advanceDatabaseWork(prisma, { provisionMs: 0, syncMs: 0, cutoverMs: 0 }, record.tenantId, new Date(), moves);
    expect(await placementOf(id)).toMatchObject({ server: 'us1', dedicated: true });
    const moved = await client(id);
    try {
      expect((await moved.query('SELECT name, vip FROM customers')).rows).toEqual([{ name: 'Ada', vip: true }]);
    } finally {
      await moved.end();
    }
  });
});
