import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditedStatement, auditedStatementLength } from '../src/modules/admin-queries/admin-query.service.js';
import { replayChange } from '../src/modules/backups/snapshot-replay.js';
import { runInSchema } from '../src/modules/data-plane-schemas/tenant-schemas.js';
import { type DataPlaneProject, deploymentFinished, inSchema, pendingChange, placementOf, projectWithBlueprint, tenantOf } from './support/data-plane.js';
import { startGateway, type TestGateway } from './support/gateway.js';

// Issue 17: the data plane's changes are in the audit trail, each in the transaction of its change.
// Project-owned state (workspaces, blueprint versions, pending DDL) is operator-wide (tenantId
// null, the project as target); a tenant database's deployment and its rows changed through
// POST /admin/query are the tenant's events.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway({ env: { DEPLOYMENT_POLL_MS: 50 } });
});
afterAll(() => gateway.close());

const as = (project: DataPlaneProject) => ({ authorization: `Bearer ${project.key}` });

const events = (where: { tenantId?: string | null; action?: string; target?: string }) =>
  gateway.database.prisma.auditEvent.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });

const finished = (project: DataPlaneProject, id: string) => deploymentFinished(gateway, project, id);

describe('project-owned changes: workspaces, blueprint versions, pending DDL', () => {
  test('workspace created, settings changed, DDL removed and reverted, a version created, workspace deleted: one event each, the project as target, no password', async () => {
    const project = await projectWithBlueprint(gateway, 'shop');
    const target = `project:${project.projectId}`;
    const headers = as(project);

    const [created] = await events({ target, action: 'workspace.created' });
    expect(created).toMatchObject({
      tenantId: null,
      target,
      changes: [
        {
          path: 'workspaces.shop',
          before: null,
          after: { mode: 'TENANT', database: 'PostgreSQL', settings: { queryTimeoutMs: 30000, maxRowsPerQuery: 10000, maxConnections: 100 } },
        },
      ],
    });
    expect(created!.actorId).not.toMatch(/^system:/);
    const password = (await gateway.database.prisma.workspace.findUniqueOrThrow({ where: { id: project.workspaceId } })).passwordSealed;
    expect(JSON.stringify(created!.changes)).not.toMatch(/tdb_[0-9a-f]{16}|password/i);
    expect(password.length).toBeGreaterThan(0);

    const settings = await gateway.rest('POST', '/workspaces/shop/settings', { headers, body: { max_rows_per_query: 50, query_timeout_ms: 30000 } });
    expect(settings.status, JSON.stringify(settings.body)).toBe(200);
    const [updated, ...more] = await events({ target, action: 'workspace.settings_updated' });
    expect(more).toEqual([]);
    // Only what changed: the timeout was sent with its current value.
    expect(updated).toMatchObject({
      tenantId: null,
      actorId: created!.actorId,
      changes: [{ path: 'workspaces.shop.settings.maxRowsPerQuery', before: 10000, after: 50 }],
    });

    await pendingChange(gateway, project, 'CREATE TABLE drafts (id int)');
    await pendingChange(gateway, project, 'CREATE TABLE orders (id SERIAL PRIMARY KEY)');
    await pendingChange(gateway, project, 'CREATE TABLE items (id int)');
    const [drafts, orders, items] = (await gateway.rest('GET', '/workspaces/shop/diff', { headers })).body.changes;
    expect((await gateway.rest('DELETE', `/workspaces/shop/diff/${drafts.id}`, { headers })).status).toBe(200);
    expect(await events({ target, action: 'workspace.ddl_removed' })).toMatchObject([
      {
        tenantId: null,
        changes: [
          { path: `workspaces.shop.pendingChanges.${drafts.id}`, before: { statement: 'CREATE TABLE drafts (id int)', status: 'PENDING' }, after: null },
        ],
      },
    ]);
    expect((await gateway.rest('POST', `/workspaces/shop/diff/${items.id}/revert`, { headers })).status).toBe(200);
    expect(await events({ target, action: 'workspace.ddl_reverted' })).toMatchObject([
      {
        tenantId: null,
        changes: [
          {
            path: `workspaces.shop.pendingChanges.${items.id}`,
            before: { statement: 'CREATE TABLE items (id int)', reverseStatement: 'DROP TABLE IF EXISTS items;', status: 'PENDING' },
            after: { status: 'REVERTED' },
          },
        ],
      },
    ]);

    const deployed = await gateway.rest('POST', '/deployments', { headers, body: { blueprint_name: 'shop' } });
    expect(deployed.status, JSON.stringify(deployed.body)).toBe(201);
    await finished(project, deployed.body.id);
    expect(await events({ target, action: 'blueprint.version_created' })).toMatchObject([
      { tenantId: null, actorId: created!.actorId, changes: [{ path: 'blueprints.shop.versions.1', before: null, after: { statements: [orders.statement] } }] },
    ]);
    // Deploying an existing version again creates none.
    expect((await gateway.rest('POST', '/deployments', { headers, body: { blueprint_name: 'shop', version: 1 } })).status).toBe(201);
    expect(await events({ target, action: 'blueprint.version_created' })).toHaveLength(1);

    const deleted = await gateway.rest('DELETE', '/workspaces/shop', { headers });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect(await events({ target, action: 'workspace.deleted' })).toMatchObject([
      { tenantId: null, changes: [{ path: 'workspaces.shop', before: { mode: 'TENANT', settings: { maxRowsPerQuery: 50 } }, after: null }] },
    ]);
  });

  test('a refused change writes no event: an invalid setting, a deployed DDL revert, a workspace with tenants', async () => {
    const project = await projectWithBlueprint(gateway, 'main');
    await pendingChange(gateway, project, 'CREATE TABLE users (id int)');
    const [change] = (await gateway.rest('GET', '/workspaces/main/diff', { headers: as(project) })).body.changes;
    const deployed = await gateway.rest('POST', '/deployments', { headers: as(project), body: { blueprint_name: 'main' } });
    await finished(project, deployed.body.id);
    await tenantOf(gateway, project);
    const target = `project:${project.projectId}`;
    const before = (await events({ target })).length;
    expect((await gateway.rest('POST', '/workspaces/main/settings', { headers: as(project), body: { max_rows_per_query: -1 } })).status).toBe(400);
    expect((await gateway.rest('POST', `/workspaces/main/diff/${change.id}/revert`, { headers: as(project) })).status).toBe(409);
    expect((await gateway.rest('DELETE', `/workspaces/main/diff/${change.id}`, { headers: as(project) })).status).toBe(404);
    expect((await gateway.rest('DELETE', '/workspaces/main', { headers: as(project) })).status).toBe(409);
    expect(await events({ target })).toHaveLength(before);
  });
});

describe('database.deployed: per tenant, in the applier transaction', () => {
  test('each migrated tenant has one event naming who asked, with the version before and after; a tenant whose DDL failed has none', async () => {
    const project = await projectWithBlueprint(gateway, 'main', ['CREATE TABLE users (id SERIAL PRIMARY KEY)']);
    const acme = await tenantOf(gateway, project);
    const globex = await tenantOf(gateway, project);
    await inSchema(gateway, globex, 'CREATE TABLE orders (id int)');
    await pendingChange(gateway, project, 'CREATE TABLE orders (id SERIAL PRIMARY KEY)');
    const deployed = await gateway.rest('POST', '/deployments', { headers: as(project), body: { blueprint_name: 'main' } });
    expect(deployed.status).toBe(201);
    expect((await finished(project, deployed.body.id)).status).toBe('partial');

    const [requested] = await events({ target: `project:${project.projectId}`, action: 'blueprint.version_created' });
    const acmeEvents = await events({ tenantId: acme.id, action: 'database.deployed' });
    expect(acmeEvents).toHaveLength(1);
    expect(acmeEvents[0]).toMatchObject({
      tenantId: acme.id,
      actor: requested!.actor,
      actorId: requested!.actorId,
      target: 'database:main',
      changes: [{ path: 'databases.main.schemaVersion', before: 1, after: 2 }],
    });
    expect(await events({ tenantId: globex.id, action: 'database.deployed' })).toEqual([]);
    const rollout = await gateway.database.prisma.schemaRollout.findFirstOrThrow({ where: { projectId: project.projectId }, orderBy: { createdAt: 'desc' } });
    expect(rollout).toMatchObject({ requestedBy: requested!.actor, requestedById: requested!.actorId });
  });
});

describe('database.query: rows changed through POST /admin/query', () => {
  const secretValue = 'Zebra-4242-private';
  let project: DataPlaneProject;
  let acme: Awaited<ReturnType<typeof tenantOf>>;
  let globex: Awaited<ReturnType<typeof tenantOf>>;
  const query = (body: object) => gateway.rest('POST', '/admin/query', { headers: as(project), body });

  beforeAll(async () => {
    project = await projectWithBlueprint(gateway, 'crm', ['CREATE TABLE people (id SERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE)']);
    acme = await tenantOf(gateway, project);
    globex = await tenantOf(gateway, project);
  });

  test('an INSERT is one event with the statement and the row count, never the values it returned', async () => {
    const statement = `INSERT INTO people (name) VALUES ('a'), ('b') RETURNING name, '${secretValue}' AS tag`;
    const response = await query({ blueprint: 'crm', query: `  ${statement} ;  `, tenant_id: acme.slug });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const [event, ...more] = await events({ tenantId: acme.id, action: 'database.query' });
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      tenantId: acme.id,
      target: 'database:crm',
      changes: [
        {
          path: 'databases.crm.rows',
          before: null,
          after: { statement: 'INSERT INTO people (name) VALUES ($1), ($2) RETURNING name, $3 AS tag', rowCount: 2 },
        },
      ],
    });
    expect(event!.actorId).not.toMatch(/^system:/);
    // Neither what it wrote nor what RETURNING gave back.
    expect(JSON.stringify(event)).not.toContain(secretValue);
    expect(JSON.stringify(event!.changes)).not.toMatch(/'a'|'b'|"a"|"b"/);
  });

  test('a read-only query writes no event; a failing DML writes none and changes nothing', async () => {
    const before = await events({ tenantId: acme.id, action: 'database.query' });
    expect((await query({ blueprint: 'crm', query: 'SELECT * FROM people', tenant_id: acme.slug })).status).toBe(200);
    const failed = await query({ blueprint: 'crm', query: "UPDATE people SET name = 'x'; INSERT INTO people (name) VALUES ('x')", tenant_id: acme.slug });
    expect(failed.status).toBe(400);
    expect(await events({ tenantId: acme.id, action: 'database.query' })).toHaveLength(before.length);
    expect((await inSchema(gateway, acme, 'SELECT name FROM people ORDER BY id')).rows).toEqual([['a'], ['b']]);
  });

  test('several statements: one change each with its own count; all_tenants: one event per tenant that changed rows', async () => {
    await query({ blueprint: 'crm', query: "INSERT INTO people (name) VALUES ('g')", tenant_id: globex.slug });
    const response = await query({
      blueprint: 'crm',
      query: "UPDATE people SET name = name || '!'; DELETE FROM people WHERE name = 'a!'; SELECT 1",
      all_tenants: true,
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const [, acmeLast] = await events({ tenantId: acme.id, action: 'database.query' });
    expect(acmeLast!.changes).toEqual([
      { path: 'databases.crm.rows', before: null, after: { statement: 'UPDATE people SET name = name || $1', rowCount: 2 } },
      { path: 'databases.crm.rows', before: null, after: { statement: 'DELETE FROM people WHERE name = $1', rowCount: 1 } },
    ]);
    const globexEvents = await events({ tenantId: globex.id, action: 'database.query' });
    expect(globexEvents).toHaveLength(2);
    expect(globexEvents[1]!.changes).toEqual([
      { path: 'databases.crm.rows', before: null, after: { statement: 'UPDATE people SET name = name || $1', rowCount: 1 } },
      { path: 'databases.crm.rows', before: null, after: { statement: 'DELETE FROM people WHERE name = $1', rowCount: 0 } },
    ]);
  });

  test('the record is written before the change commits: when writing it fails, the rows are not changed either', async () => {
    const limits = { queryTimeoutMs: 5000, maxRows: 100, maxResultBytes: 1 << 20 };
    await expect(
      runInSchema(gateway.app.dataPlane, await placementOf(gateway, acme), limits, "INSERT INTO people (name) VALUES ('never')", async (changed) => {
        expect(changed).toEqual([{ statement: "INSERT INTO people (name) VALUES ('never')", command: 'INSERT', rowCount: 1 }]);
        throw new Error('the trail could not be written');
      }),
    ).rejects.toThrow('the trail could not be written');
    expect((await inSchema(gateway, acme, "SELECT count(*) FROM people WHERE name = 'never'")).rows).toEqual([[0]]);
  });

  test("a change that fails at COMMIT (a deferred constraint) is PostgreSQL's 400 and writes no event", async () => {
    await inSchema(gateway, acme, 'CREATE TABLE pairs (id int PRIMARY KEY, other int REFERENCES pairs (id) DEFERRABLE INITIALLY DEFERRED)');
    const before = (await events({ tenantId: acme.id, action: 'database.query' })).length;
    const response = await query({ blueprint: 'crm', query: 'INSERT INTO pairs VALUES (1, 2)', tenant_id: acme.slug });
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body.error).toContain('foreign key');
    expect(await events({ tenantId: acme.id, action: 'database.query' })).toHaveLength(before);
  });

  test('the statement is kept without its constants, trimmed and bounded to whole characters', async () => {
    expect(await auditedStatement({ statement: "  DELETE FROM t WHERE id IN (1, 2) AND note = 'x' \n", command: 'DELETE' })).toBe(
      'DELETE FROM t WHERE id IN ($1, $2) AND note = $3',
    );
    expect(await auditedStatement({ statement: 'not sql at all', command: 'DELETE' })).toBe('DELETE');
    const long = `UPDATE t SET ${Array.from({ length: auditedStatementLength }, (_, index) => `"😀${index}" = now()`).join(', ')}`;
    const kept = await auditedStatement({ statement: long, command: 'UPDATE' });
    expect(Array.from(kept)).toHaveLength(auditedStatementLength + 1);
    expect(kept.endsWith('…')).toBe(true);
    expect(kept).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

test('point-in-time replay leaves the snapshot as it is for data-plane paths it does not know', () => {
  const snapshot = { tenant: { region: 'us-east' }, features: [], resourceLimits: [], secrets: { values: [] }, rbac: undefined } as never;
  const copy = JSON.stringify(snapshot);
  replayChange(snapshot, { path: 'databases.main.schemaVersion', before: 1, after: 2 }, new Map());
  replayChange(snapshot, { path: 'databases.main.rows', before: null, after: { statement: 'DELETE FROM t', rowCount: 3 } }, new Map());
  replayChange(snapshot, { path: 'workspaces.main.settings.maxRowsPerQuery', before: 1, after: 2 }, new Map());
  expect(JSON.stringify(snapshot)).toBe(copy);
});
