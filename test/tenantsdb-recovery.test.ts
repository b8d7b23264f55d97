import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  backupAt,
  type DataPlaneProject,
  dataPlaneCatalog,
  deploymentFinished,
  inSchema,
  pendingChange,
  projectWithBlueprint,
  tenantOf,
} from './support/data-plane.js';
import { pruneChangeLogs } from '../src/modules/data-plane-schemas/change-log-retention.js';
import { startGateway, type TestGateway, uniqueSlug } from './support/gateway.js';
import { installCapture } from '../src/modules/data-plane-schemas/change-capture.js';
import { inSchemaSession } from '../src/modules/data-plane-schemas/tenant-schemas.js';

// Issue 27, item 1: recovery to an instant gives the rows exactly as they were at that instant —
// the last backup before it plus every change committed after the backup's read up to it (the
// change log of tdb_capture) — across statements milliseconds apart, a rollback, a blueprint
// deployment that changed the table, and an undo. Both databases.

let gateway: TestGateway;
let project: DataPlaneProject;

beforeAll(async () => {
  gateway = await startGateway({ env: { TENANT_DATABASE_PROVISION_MS: 0 } });
  project = await projectWithBlueprint(gateway, 'crm', ['CREATE TABLE people (id serial PRIMARY KEY, name text NOT NULL)'], 'PRO');
}, 120_000);
afterAll(() => gateway?.close());

const as = () => ({ authorization: `Bearer ${project.key}` });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForStatus(id: string, wanted: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await gateway.rest('GET', `/tenants/${id}`, { headers: as() });
    if (response.body.status === wanted) return;
    if (Date.now() > deadline) throw new Error(`tenant ${id} is ${response.body.status}, not ${wanted}: ${JSON.stringify(response.body)}`);
    await pause(50);
  }
}

/** An instant strictly between what committed before and what commits after. */
async function instant(): Promise<Date> {
  await pause(15);
  const at = new Date();
  await pause(15);
  return at;
}

/** A dedicated (L2) tenant of the project, ready, with SQL run in its database as its own login. */
async function dedicatedTenant(prefix: string) {
  const id = uniqueSlug(prefix);
  const created = await gateway.rest('POST', '/tenants', { headers: as(), body: { tenant_id: id, databases: [{ blueprint: 'crm', isolation_level: 2 }] } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await waitForStatus(id, 'ready');
  const database = await gateway.database.prisma.tenantDatabase.findFirstOrThrow({ where: { tenant: { slug: id, projectId: project.projectId } } });
  return { id, database, sql: (text: string) => inSchema(gateway, database.placementId!, text) };
}

/** A backup of the tenant, written: the path its answer gave. */
async function backedUp(id: string): Promise<string> {
  const backup = await gateway.rest('POST', `/tenants/${id}/backup`, { headers: as() });
  expect(backup.status, JSON.stringify(backup.body)).toBe(200);
  const [storagePath] = backup.body.paths as string[];
  await expect.poll(async () => (await backupAt(gateway, storagePath!))?.status, { timeout: 20_000 }).toBe('COMPLETED');
  return storagePath!;
}

/** The tenant recovered to `at`, the job ended. */
async function recovered(id: string, at: Date): Promise<void> {
  const answer = await gateway.rest('POST', `/tenants/${id}/recover`, { headers: as(), body: { timestamp: at.toISOString() } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  await waitForStatus(id, 'ready');
}

describe('point-in-time recovery of tenant rows', () => {
  test('each instant gives exactly its rows: between statements, after a rollback, across a deployment; the undo returns the rows before', async () => {
    const { id, database, sql } = await dedicatedTenant('pitr');
    const people = async () => (await sql('SELECT * FROM people ORDER BY id')).rows;

    await sql("INSERT INTO people (name) VALUES ('Bob'), ('Carol')");
    const backup = await gateway.rest('POST', `/tenants/${id}/backup`, { headers: as() });
    expect(backup.status, JSON.stringify(backup.body)).toBe(200);
    const [storagePath] = backup.body.paths as string[];
    await expect.poll(async () => (await backupAt(gateway, storagePath!))?.status, { timeout: 20_000 }).toBe('COMPLETED');

    const t0 = await instant();
    await sql("INSERT INTO people (name) VALUES ('Dave')");
    const t1 = await instant();
    // Two statements within the same second.
    const bobby = Date.now();
    await sql("UPDATE people SET name = 'Bobby' WHERE name = 'Bob'");
    const t2 = await instant();
    await sql("DELETE FROM people WHERE name = 'Carol'");
    expect(Date.now() - bobby).toBeLessThan(1_000);
    const t3 = await instant();

    // A rollback to the backup: its truncate and the rows it put back are changes too.
    const rolledBack = await gateway.rest('POST', `/tenants/${id}/rollback`, { headers: as(), body: { storage_path: storagePath } });
    expect(rolledBack.status, JSON.stringify(rolledBack.body)).toBe(200);
    await waitForStatus(id, 'ready');
    expect(await people()).toEqual([
      [1, 'Bob'],
      [2, 'Carol'],
    ]);
    const t4 = await instant();
    await sql("INSERT INTO people (name) VALUES ('Eve')");
    const t5 = await instant();

    // A deployment changes the table; the rows after it have the new column.
    await pendingChange(gateway, project, "ALTER TABLE people ADD COLUMN city text NOT NULL DEFAULT 'Berlin'");
    const deployed = await gateway.rest('POST', '/deployments', { headers: as(), body: { blueprint_name: 'crm' } });
    expect(deployed.status, JSON.stringify(deployed.body)).toBe(201);
    expect((await deploymentFinished(gateway, project, deployed.body.id)).status).toBe('completed');
    const t6 = await instant();
    await sql("UPDATE people SET city = 'Paris' WHERE name = 'Eve'");
    const t7 = await instant();

    const recover = async (at: Date) => {
      const recovered = await gateway.rest('POST', `/tenants/${id}/recover`, { headers: as(), body: { timestamp: at.toISOString() } });
      expect(recovered.status, JSON.stringify(recovered.body)).toBe(200);
      await waitForStatus(id, 'ready');
      return people();
    };
    const expected: [Date, unknown[][]][] = [
      [
        t0,
        [
          [1, 'Bob'],
          [2, 'Carol'],
        ],
      ],
      [
        t1,
        [
          [1, 'Bob'],
          [2, 'Carol'],
          [3, 'Dave'],
        ],
      ],
      [
        t2,
        [
          [1, 'Bobby'],
          [2, 'Carol'],
          [3, 'Dave'],
        ],
      ],
      [
        t3,
        [
          [1, 'Bobby'],
          [3, 'Dave'],
        ],
      ],
      [
        t4,
        [
          [1, 'Bob'],
          [2, 'Carol'],
        ],
      ],
      [
        t5,
        [
          [1, 'Bob'],
          [2, 'Carol'],
          [3, 'Eve'],
        ],
      ],
      [
        t6,
        [
          [1, 'Bob', 'Berlin'],
          [2, 'Carol', 'Berlin'],
          [3, 'Eve', 'Berlin'],
        ],
      ],
      [
        t7,
        [
          [1, 'Bob', 'Berlin'],
          [2, 'Carol', 'Berlin'],
          [3, 'Eve', 'Paris'],
        ],
      ],
    ];
    // Out of order on purpose: each recovery starts from whatever the one before left.
    for (const index of [3, 1, 7, 0, 5, 2, 4, 6]) {
      const [at, rows] = expected[index]!;
      expect(await recover(at), `recovered to t${index}`).toEqual(rows);
    }
    // The recovery to t6 left the schema at the blueprint's version 2; the record says so.
    expect(await gateway.database.prisma.tenantDatabase.findUniqueOrThrow({ where: { id: database.id } })).toMatchObject({ schemaVersion: 2 });
    // New rows after a recovery go on from the recovered ids.
    await sql("INSERT INTO people (name) VALUES ('Zoe')");
    expect((await people()).at(-1)).toEqual([4, 'Zoe', 'Berlin']);

    // The undo returns the rows before the last recovery (the rows at t4, as t4's recovery left them).
    const undone = await gateway.rest('POST', `/tenants/${id}/recover-undo`, { headers: as() });
    expect(undone.status, JSON.stringify(undone.body)).toBe(200);
    await waitForStatus(id, 'ready');
    expect(await people()).toEqual([
      [1, 'Bob'],
      [2, 'Carol'],
    ]);
    // Every recovery played its changes with none unmatched, as the trail records.
    const recoveries = await gateway.database.prisma.auditEvent.findMany({ where: { tenantId: database.tenantId, action: 'backup.recovered' } });
    expect(recoveries).toHaveLength(8);
    for (const event of recoveries) {
      const replayed = (event.changes as { path: string; after: { unmatched: number } }[]).find((change) => change.path === 'data.crm.replayed');
      if (replayed) expect(replayed.after.unmatched).toBe(0);
    }
  }, 240_000);

  test('a recovery through an earlier recovery that ran a deployment plays what that recovery played after it', async () => {
    const { id, database, sql } = await dedicatedTenant('again');
    await sql("INSERT INTO people (name) VALUES ('a')");
    await backedUp(id);
    await pendingChange(gateway, project, 'ALTER TABLE people ADD COLUMN note text');
    const deployed = await gateway.rest('POST', '/deployments', { headers: as(), body: { blueprint_name: 'crm' } });
    expect(deployed.status, JSON.stringify(deployed.body)).toBe(201);
    await deploymentFinished(gateway, project, deployed.body.id);
    const version = (await gateway.database.prisma.tenantDatabase.findUniqueOrThrow({ where: { id: database.id } })).schemaVersion;
    expect(version).toBeGreaterThan(database.schemaVersion);
    await sql("INSERT INTO people (name, note) VALUES ('b', 'after the deployment')");
    // The first recovery rebuilds the schema at the backup's version, plays a, runs the deployment again, plays b.
    await recovered(id, await instant());
    const names = async () => (await sql('SELECT name, note FROM people ORDER BY id')).rows;
    expect(await names()).toEqual([
      ['a', null],
      ['b', 'after the deployment'],
    ]);
    await sql("INSERT INTO people (name, note) VALUES ('c', 'later')");
    // The second starts from the first one's safety backup and plays the first recovery's own changes: b included.
    await recovered(id, await instant());
    expect(await names()).toEqual([
      ['a', null],
      ['b', 'after the deployment'],
      ['c', 'later'],
    ]);
    expect((await gateway.database.prisma.tenantDatabase.findUniqueOrThrow({ where: { id: database.id } })).schemaVersion).toBe(version);
  });

  test("the change log is the gateway's: a tenant reads none of it, its own or a neighbour's, marks only its own schema, and old changes are pruned", async () => {
    const a = await tenantOf(gateway, project);
    const b = await tenantOf(gateway, project);
    await inSchema(gateway, b, "INSERT INTO people (name) VALUES ('only-b-knows')");
    const count = async (schemaName: string, op: string) =>
      Number((await dataPlaneCatalog(gateway, a, 'SELECT count(*) FROM tdb_capture.changes WHERE schema_name = $1 AND op = $2', [schemaName, op])).rows[0]![0]);
    expect(await count(b.schemaName, 'I')).toBe(1);
    // Shared (L1): both schemas in one database, one log. The tenant's login reads none of it.
    for (const read of ['SELECT * FROM tdb_capture.changes', 'SELECT * FROM tdb_capture.commits', 'UPDATE tdb_capture.commits SET committed_at = now()']) {
      await expect(inSchema(gateway, a, read), read).rejects.toThrow(/permission denied/);
    }
    await expect(inSchema(gateway, a, 'SELECT tdb_capture.stamp()')).rejects.toThrow(/permission denied/);
    await expect(inSchema(gateway, a, 'SELECT tdb_capture.capture_row()')).rejects.toThrow(/trigger/);
    // A mark it makes is its own schema's, whatever it would like.
    const marksOfB = await count(b.schemaName, 'R');
    await inSchema(gateway, a, "SELECT tdb_capture.mark('R', NULL)");
    expect(await count(a.schemaName, 'R')).toBe(2);
    expect(await count(b.schemaName, 'R')).toBe(marksOfB);
    await expect(inSchema(gateway, a, "SELECT tdb_capture.mark('X', 1)")).rejects.toThrow(/unknown change mark/);

    // Past the retention (AUDIT_RETENTION_DAYS + a day) nothing of it is kept.
    expect(await pruneChangeLogs(gateway.app.dataPlane, 30, undefined, Date.now() + 20 * 86_400_000)).toBe(0);
    expect(await pruneChangeLogs(gateway.app.dataPlane, 30, undefined, Date.now() + 32 * 86_400_000)).toBeGreaterThan(0);
    expect(await count(b.schemaName, 'I')).toBe(0);
  });

  test('a database made before the change log gets one at its next backup, and recovery from that backup on is exact', async () => {
    const { id, database, sql } = await dedicatedTenant('older');
    // As an older gateway left it: no log in the database, no triggers on the table.
    await dataPlaneCatalog(gateway, database.placementId!, 'DROP SCHEMA tdb_capture CASCADE');
    await sql("INSERT INTO people (name) VALUES ('Ann')");
    await backedUp(id);
    await sql("INSERT INTO people (name) VALUES ('Ben')");
    const at = await instant();
    await sql("DELETE FROM people WHERE name = 'Ann'");
    await recovered(id, at);
    expect((await sql('SELECT name FROM people ORDER BY id')).rows).toEqual([['Ann'], ['Ben']]);
  });

  test("a tenant's own cast runs as the tenant when its rows are logged: it reads nothing of the log", async () => {
    const tenant = await tenantOf(gateway, project);
    await inSchema(
      gateway,
      tenant,
      `CREATE TYPE mood AS ENUM ('calm');
       CREATE FUNCTION mood_json(mood) RETURNS json LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'read the log: %', (SELECT count(*) FROM tdb_capture.changes); END $$;
       CREATE CAST (mood AS json) WITH FUNCTION mood_json(mood);
       CREATE TABLE moods (id int PRIMARY KEY, m mood)`,
    );
    // Its triggers, as the next backup or DDL through the admin query route puts them on.
    const placed = await gateway.database.prisma.dataPlacement.findUniqueOrThrow({ where: { id: tenant.placementId }, include: { database: true } });
    await inSchemaSession(gateway.app.dataPlane, placed, (session) => installCapture(session, placed.schemaName));
    // to_jsonb uses the tenant's cast; it runs with the tenant's rights, so the log stays out of reach.
    await expect(inSchema(gateway, tenant, "INSERT INTO moods VALUES (1, 'calm')")).rejects.toThrow(/permission denied for table changes/);
  });

  test("a tenant's triggers through a rollback and a recovery: its audit trigger and a cascading delete come out exactly, never twice", async () => {
    const { id, database, sql } = await dedicatedTenant('cascade');
    const state = async () => ({
      people: (await sql('SELECT id, name FROM people ORDER BY id')).rows,
      kids: (await sql('SELECT id, person_id FROM kids ORDER BY id')).rows,
      audit: (await sql('SELECT id, note FROM audit ORDER BY id')).rows,
    });
    await sql(
      `CREATE TABLE kids (id int PRIMARY KEY, person_id int REFERENCES people (id) ON DELETE CASCADE);
       CREATE TABLE audit (id serial PRIMARY KEY, note text NOT NULL);
       CREATE FUNCTION audited() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO audit (note) VALUES ('person ' || NEW.name); RETURN NULL; END $$;
       CREATE TRIGGER people_audit AFTER INSERT ON people FOR EACH ROW EXECUTE FUNCTION audited()`,
    );
    await sql("INSERT INTO people (name) VALUES ('Ann'), ('Ben'); INSERT INTO kids VALUES (1, 1), (2, 2)");
    const atBackup = await state();
    const storagePath = await backedUp(id);
    await sql("INSERT INTO people (name) VALUES ('Cy'); INSERT INTO kids VALUES (3, 3); DELETE FROM people WHERE name = 'Ann'");
    // A rollback puts the rows back with the tenant's triggers off: no second audit row for Ann and Ben.
    const rolledBack = await gateway.rest('POST', `/tenants/${id}/rollback`, { headers: as(), body: { storage_path: storagePath } });
    expect(rolledBack.status, JSON.stringify(rolledBack.body)).toBe(200);
    await waitForStatus(id, 'ready');
    expect(await state()).toEqual(atBackup);
    // Constraints made immediate stamp the commit early; a later write in the transaction stamps it again.
    const [[xid, last]] = (
      await sql(
        "SET CONSTRAINTS ALL IMMEDIATE; INSERT INTO people (name) VALUES ('Dee'); SELECT pg_sleep(0.2); INSERT INTO kids VALUES (4, 3); SELECT pg_current_xact_id()::text, clock_timestamp()",
      )
    ).rows as [[string, Date]];
    const [[stamped]] = (await dataPlaneCatalog(gateway, database.placementId!, 'SELECT committed_at FROM tdb_capture.commits WHERE xid = $1::xid8', [xid]))
      .rows as [[Date]];
    expect(new Date(stamped).getTime()).toBeGreaterThanOrEqual(new Date(last).getTime() - 5);
    const atInstant = await state();
    expect(atInstant.audit).toEqual([
      [1, 'person Ann'],
      [2, 'person Ben'],
      [3, 'person Dee'],
    ]);
    const at = await instant();
    await sql("DELETE FROM people; INSERT INTO people (name) VALUES ('Eve')");
    await recovered(id, at);
    expect(await state()).toEqual(atInstant);
    const [event] = await gateway.database.prisma.auditEvent.findMany({ where: { tenantId: database.tenantId, action: 'backup.recovered' } });
    expect((event!.changes as { path: string; after: unknown }[]).find((change) => change.path === 'data.crm.replayed')?.after).toMatchObject({
      exact: true,
      unmatched: 0,
    });
  });

  test('a version mark a tenant forges reaches no version the blueprint does not have', async () => {
    const { id, database, sql } = await dedicatedTenant('forger');
    await backedUp(id);
    await sql("SELECT tdb_capture.mark('V', 999); INSERT INTO people (name) VALUES ('Fay')");
    const at = await instant();
    await recovered(id, at);
    expect((await sql('SELECT name FROM people')).rows).toEqual([['Fay']]);
    expect((await gateway.database.prisma.tenantDatabase.findUniqueOrThrow({ where: { id: database.id } })).schemaVersion).toBe(database.schemaVersion);
  });
});
