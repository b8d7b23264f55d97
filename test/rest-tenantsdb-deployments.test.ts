import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServerAdapter } from '@whatwg-node/server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { App } from '../src/app.js';
import { enqueueSchemaRollout, schemaRolloutKind } from '../src/modules/schema-rollouts/schema-rollouts.service.js';
import { type DataPlaneProject, deploymentFinished, inSchema, pendingChange, projectWithBlueprint, tenantOf } from './support/data-plane.js';
import { startGateway, type TestGateway } from './support/gateway.js';
import { holdQueueJob, releaseQueueJob } from './support/queue-jobs.js';
import { startReplica } from './support/replica.js';

// TenantsDB API (seed 002): deployments apply a blueprint's pending DDL, as its next version, to
// every tenant database of the blueprint, each tenant in its own transaction, as a durable job.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway({ env: { DEPLOYMENT_POLL_MS: 50 } });
});
afterAll(() => gateway.close());

const as = (project: DataPlaneProject) => ({ authorization: `Bearer ${project.key}` });

const finished = (project: DataPlaneProject, id: string) => deploymentFinished(gateway, project, id);

const tables = async (tenant: { placementId: string; schemaName: string }) =>
  (await inSchema(gateway, tenant, `SELECT table_name FROM information_schema.tables WHERE table_schema = '${tenant.schemaName}' ORDER BY 1`)).rows.map(
    (row) => row[0],
  );

describe('POST /deployments', () => {
  test("two tenants, one with a conflicting table: partial, both results, the other tenant migrated; GET /deployments and the tenant's history in the documented shapes", async () => {
    const project = await projectWithBlueprint(gateway, 'main', ['CREATE TABLE users (id SERIAL PRIMARY KEY, name TEXT NOT NULL)']);
    const acme = await tenantOf(gateway, project, 'acme');
    const globex = await tenantOf(gateway, project, 'globex');
    await inSchema(gateway, globex, 'CREATE TABLE orders (id int)');
    await pendingChange(gateway, project, 'CREATE TABLE orders (id SERIAL PRIMARY KEY, total NUMERIC NOT NULL)');
    await pendingChange(gateway, project, 'CREATE INDEX orders_total_idx ON orders (total)');

    const created = await gateway.rest('POST', '/deployments', { headers: as(project), body: { blueprint_name: 'main', deploy_all: true } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ success: true, http_status: 201, code: 'created', blueprint_name: 'main', version: 2, tenants_total: 2 });
    expect(created.body.id).toMatch(/^dep_[0-9a-f]{32}$/);

    const done = await finished(project, created.body.id);
    expect(done).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      id: created.body.id,
      blueprint_name: 'main',
      version: 2,
      status: 'partial',
      tenants_total: 2,
      tenants_completed: 1,
      tenants_failed: 1,
      results: [
        { tenant_id: 'acme', status: 'completed', duration: expect.stringMatching(/^\d+ms$/) },
        { tenant_id: 'globex', status: 'failed', duration: expect.stringMatching(/^\d+ms$/), error: 'relation "orders" already exists' },
      ],
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    expect(await tables(acme)).toEqual(['orders', 'users']);
    // The failed tenant's transaction rolled back whole: its own table stays, no index was made.
    const indexes = await inSchema(gateway, globex, `SELECT indexname FROM pg_indexes WHERE schemaname = '${globex.schemaName}' AND tablename = 'orders'`);
    expect(indexes.rows).toEqual([]);
    const databases = await gateway.database.prisma.tenantDatabase.findMany({ where: { blueprintId: project.blueprintId }, orderBy: { createdAt: 'asc' } });
    expect(databases.map((database) => database.schemaVersion)).toEqual([2, 1]);
    const changes = await gateway.database.prisma.schemaChange.findMany({
      where: { workspaceId: project.workspaceId },
      include: { version: true },
      orderBy: { position: 'asc' },
    });
    expect(changes.map((change) => [change.status, change.version?.number])).toEqual([
      ['DEPLOYED', 1],
      ['DEPLOYED', 2],
      ['DEPLOYED', 2],
    ]);

    const list = await gateway.rest('GET', '/deployments', { headers: as(project) });
    expect(list.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      deployments: [
        {
          id: created.body.id,
          blueprint_name: 'main',
          version: 2,
          status: 'partial',
          tenants_total: 2,
          tenants_completed: 1,
          tenants_failed: 1,
          created_at: done.created_at,
        },
        // The blueprint's first version, deployed before it had tenants.
        {
          id: expect.stringMatching(/^dep_/),
          blueprint_name: 'main',
          version: 1,
          status: 'completed',
          tenants_total: 0,
          tenants_completed: 0,
          tenants_failed: 0,
          created_at: expect.any(String),
        },
      ],
      count: 2,
    });

    // Globex fixed by hand; a deployment without pending changes brings the lagging tenant up.
    await inSchema(gateway, globex, 'DROP TABLE orders');
    const retry = await gateway.rest('POST', '/deployments', { headers: as(project), body: { blueprint_name: 'main' } });
    expect(retry.status).toBe(201);
    const retried = await finished(project, retry.body.id);
    expect(retried).toMatchObject({
      version: 2,
      status: 'completed',
      tenants_total: 1,
      tenants_completed: 1,
      tenants_failed: 0,
      results: [{ tenant_id: 'globex', status: 'completed' }],
    });
    expect(await tables(globex)).toEqual(['orders', 'users']);
    // Each tenant's database reports the version its schema is at (the column made with the record stayed 1).
    for (const tenant of ['acme', 'globex']) {
      const details = await gateway.rest('GET', `/tenants/${tenant}`, { headers: as(project) });
      expect(details.body.databases).toEqual([expect.objectContaining({ blueprint: 'main', version: 2 })]);
    }

    const history = await gateway.rest('GET', '/tenants/globex/deployments', { headers: as(project) });
    expect(history.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      tenant_id: 'globex',
      count: 2,
      deployments: [
        {
          id: retry.body.id,
          blueprint_name: 'main',
          version: 2,
          status: 'completed',
          duration: expect.stringMatching(/^\d+ms$/),
          created_at: expect.any(String),
          completed_at: expect.any(String),
        },
        {
          id: created.body.id,
          blueprint_name: 'main',
          version: 2,
          status: 'failed',
          duration: expect.stringMatching(/^\d+ms$/),
          error: 'relation "orders" already exists',
          created_at: expect.any(String),
          completed_at: expect.any(String),
        },
      ],
    });
    const limited = await gateway.rest('GET', '/tenants/globex/deployments?limit=1', { headers: as(project) });
    expect(limited.body).toMatchObject({ count: 1, deployments: [{ id: retry.body.id }] });
    expect((await gateway.rest('GET', '/tenants/globex/deployments?limit=0', { headers: as(project) })).body).toEqual({
      success: false,
      http_status: 400,
      code: 'bad_request',
      error: 'limit must be an integer from 1 to 1000',
    });

    // Everything is deployed now.
    const nothing = await gateway.rest('POST', '/deployments', { headers: as(project), body: { blueprint_name: 'main' } });
    expect(nothing.body).toEqual({
      success: false,
      http_status: 409,
      code: 'conflict',
      error: "Blueprint 'main' has no undeployed changes and every tenant is at version 2",
    });
  });

  test('deploy_all false releases the version without touching existing tenants; a tenant made later starts from it', async () => {
    const project = await projectWithBlueprint(gateway, 'shop');
    const early = await tenantOf(gateway, project);
    await pendingChange(gateway, project, 'CREATE TABLE carts (id int)');
    const created = await gateway.rest('POST', '/deployments', { headers: as(project), body: { blueprint_name: 'shop', deploy_all: false } });
    expect(created.status).toBe(201);
    expect(await finished(project, created.body.id)).toMatchObject({ version: 1, status: 'completed', tenants_total: 0, results: [] });
    expect(await tables(early)).toEqual([]);
    const late = await tenantOf(gateway, project);
    expect(await tables(late)).toEqual(['carts']);
    const version = await gateway.rest('POST', '/deployments', { headers: as(project), body: { blueprint_name: 'shop', version: '1' } });
    expect(await finished(project, version.body.id)).toMatchObject({ status: 'completed', tenants_total: 1, results: [{ status: 'completed' }] });
    expect(await tables(early)).toEqual(['carts']);
  });

  test.each([
    [{}, 'blueprint_name is required'],
    [{ blueprint_name: 'main', version: 'latest' }, 'version must be a version number such as 3'],
    [{ blueprint_name: 'main', version: 0 }, 'version must be a version number such as 3'],
    [{ blueprint_name: 'main', deploy_all: 'yes' }, 'deploy_all: Invalid input: expected boolean, received string'],
  ])('%j is 400 naming the field', async (body, message) => {
    const project = await projectWithBlueprint(gateway);
    const response = await gateway.rest('POST', '/deployments', { headers: as(project), body });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ success: false, http_status: 400, code: 'bad_request', error: message });
  });

  test("an unknown blueprint, another project's blueprint, a version not made and another project's deployment are 404", async () => {
    const project = await projectWithBlueprint(gateway);
    const other = await projectWithBlueprint(gateway, 'secret');
    await pendingChange(gateway, other, 'CREATE TABLE t (id int)');
    for (const name of ['nope', 'secret']) {
      const response = await gateway.rest('POST', '/deployments', { headers: as(project), body: { blueprint_name: name } });
      expect(response.body).toEqual({ success: false, http_status: 404, code: 'not_found', error: `Blueprint not found: ${name}` });
    }
    expect((await gateway.rest('POST', '/deployments', { headers: as(project), body: { blueprint_name: 'main', version: 7 } })).body).toEqual({
      success: false,
      http_status: 404,
      code: 'not_found',
      error: "Blueprint 'main' has no version 7",
    });
    const theirs = await gateway.rest('POST', '/deployments', { headers: as(other), body: { blueprint_name: 'secret' } });
    expect(theirs.status).toBe(201);
    for (const id of [theirs.body.id, 'dep_abc123', 'x']) {
      expect((await gateway.rest('GET', `/deployments/${id}`, { headers: as(project) })).body).toEqual({
        success: false,
        http_status: 404,
        code: 'not_found',
        error: `Deployment not found: ${id}`,
      });
    }
    expect((await gateway.rest('GET', '/deployments', { headers: as(project) })).body.deployments).toEqual([]);
  });

  test('a key that is not a project key is 403', async () => {
    const response = await gateway.rest('GET', '/deployments', { headers: { authorization: `Bearer ${gateway.adminKey}` } });
    expect(response.body).toEqual({
      success: false,
      http_status: 403,
      code: 'forbidden',
      error: 'Workspaces, blueprints, deployments and admin queries belong to a project: use a project API key',
    });
  });
});

describe('requests during a deployment', () => {
  // On PGlite every statement runs synchronously in this process: a worker that went from one
  // tenant's transaction to the next without giving the event loop a turn read no request from
  // its sockets until the job ended. The polls go over a real HTTP connection (as callers' do),
  // and each tenant takes a noticeable while (a table of 100 000 rows).
  let server: Server | undefined;
  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  test('GET /deployments/{id} over HTTP is answered while the job runs: some answer shows it part done', async () => {
    server = createServer(createServerAdapter((request) => gateway.app.fetch(request)));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // Twelve tenants: past FREE's 5.
    const project = await projectWithBlueprint(gateway, 'slow', ['CREATE TABLE users (id int)'], 'BASIC');
    for (let i = 0; i < 12; i++) await tenantOf(gateway, project);
    await pendingChange(gateway, project, 'CREATE TABLE filler AS SELECT g AS n, md5(g::text) AS label FROM generate_series(1, 100000) AS g');
    const created = await gateway.rest('POST', '/deployments', { headers: as(project), body: { blueprint_name: 'slow' } });
    expect(created.status).toBe(201);
    expect(created.body.tenants_total).toBe(12);
    const seen: { status: string; tenants_completed: number }[] = [];
    for (;;) {
      const response = await fetch(`http://127.0.0.1:${port}/deployments/${created.body.id}`, { headers: as(project) });
      const body = (await response.json()) as { status: string; tenants_completed: number };
      seen.push({ status: body.status, tenants_completed: body.tenants_completed });
      if (body.status !== 'pending' && body.status !== 'in_progress') break;
      expect(seen.length, JSON.stringify(seen)).toBeLessThan(10_000);
    }
    expect(seen.at(-1)).toEqual({ status: 'completed', tenants_completed: 12 });
    // At least one answer came while the job was part done, not only before it started or after it ended.
    expect(
      seen.some((answer) => answer.tenants_completed > 0 && answer.tenants_completed < 12),
      JSON.stringify(seen),
    ).toBe(true);
  });
});

describe('a process that stopped mid-deployment', () => {
  let replica: App | undefined;
  afterAll(() => replica?.close());

  test('the next process finishes the remaining tenants; a tenant applied just before the stop is not applied twice', async () => {
    const project = await projectWithBlueprint(gateway, 'main', ['CREATE TABLE users (id int)']);
    const tenants = [await tenantOf(gateway, project), await tenantOf(gateway, project), await tenantOf(gateway, project)];
    const prisma = gateway.database.prisma;
    const version = await prisma.blueprintVersion.create({
      data: { blueprintId: project.blueprintId, number: 2, statements: ['CREATE TABLE invoices (id int)'], deployedAt: new Date() },
    });
    // What the stopped process left: tenant 1 applied and recorded, tenant 2 applied (its DDL
    // and version committed) but not recorded, tenant 3 not reached; its lease ran out.
    const rollout = await prisma.$transaction(async (tx) => {
      const made = await enqueueSchemaRollout(tx, {
        projectId: project.projectId,
        blueprint: 'main',
        version: version.number,
        tenantIds: tenants.map((tenant) => tenant.id),
      });
      // Taken by the process about to stop.
      await holdQueueJob(tx, schemaRolloutKind, 'rolloutId', made.id);
      return made;
    });
    for (const tenant of tenants.slice(0, 2)) {
      await inSchema(gateway, tenant, 'CREATE TABLE invoices (id int)');
      await prisma.tenantDatabase.updateMany({ where: { tenantId: tenant.id }, data: { schemaVersion: 2 } });
    }
    await prisma.schemaRolloutTarget.updateMany({
      where: { rolloutId: rollout.id, tenantId: tenants[0]!.id },
      data: { status: 'COMPLETED', durationMs: 5, completedAt: new Date() },
    });
    await prisma.schemaRollout.update({ where: { id: rollout.id }, data: { status: 'IN_PROGRESS', attempts: 1, startedAt: new Date() } });
    await releaseQueueJob(prisma, schemaRolloutKind, 'rolloutId', rollout.id);

    replica = await startReplica(gateway, { DEPLOYMENT_POLL_MS: 50 });
    const id = `dep_${rollout.id.replace(/-/g, '')}`;
    const done = await finished(project, id);
    expect(done).toMatchObject({ status: 'completed', tenants_total: 3, tenants_completed: 3, tenants_failed: 0 });
    expect(done.results.map((result: { status: string; error?: string }) => [result.status, result.error])).toEqual([
      ['completed', undefined],
      ['completed', undefined],
      ['completed', undefined],
    ]);
    for (const tenant of tenants) expect(await tables(tenant)).toEqual(['invoices', 'users']);
    expect((await prisma.schemaRollout.findUniqueOrThrow({ where: { id: rollout.id } })).attempts).toBe(2);
  });
});
