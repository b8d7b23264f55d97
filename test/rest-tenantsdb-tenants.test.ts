import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { backupAt, dataPlaneCatalog, inSchema, projectWithBlueprint, tenantOf } from './support/data-plane.js';
import { createBlueprints } from './support/fixtures.js';
import { readEnvironment } from '../src/env.js';
import { startBackup } from '../src/modules/backups/backup-files.js';
import { backupStoragesFrom } from '../src/modules/backups/storage.js';
import { physicalSchemaName, tenantDatabaseName } from '../src/modules/data-plane-schemas/physical-names.js';
import { settleInterruptedWork } from '../src/modules/tenants/interrupted-work.js';
import { backupJobKind } from '../src/modules/backups/job-requests.js';
import { startGateway, type TestGateway, testKeyring, uniqueSlug } from './support/gateway.js';
import { queueBackupJob, queueJobOf, releaseQueueJob } from './support/queue-jobs.js';

// TenantsDB API (seed 002): the tenant lifecycle and isolation routes. The gateway's database
// phases are short here (provisioning, sync and cutover 600 ms each), yet long enough that
// polling under load still sees each one.

let gateway: TestGateway;
/** A key of a PRO project (dedicated databases allowed) and of a FREE one. */
let pro: { key: string; projectId: string };
let free: { key: string; projectId: string };

async function projectKey(tier: 'FREE' | 'PRO') {
  const project = await gateway.graphql<{ createProject: { id: string } }, object>(
    `mutation ($slug: String!, $tier: PlanTier) { createProject(slug: $slug, name: "Project", tier: $tier) { id } }`,
    { slug: uniqueSlug('project'), tier },
  );
  const projectId = project.data!.createProject.id;
  const key = await gateway.graphql<{ createApiKey: { secret: string } }, object>(
    `mutation ($projectId: ID!) { createApiKey(input: { name: "project key", projectId: $projectId, scopes: [ADMIN] }) { secret } }`,
    { projectId },
  );
  // Tenant databases come from the project's blueprints (FREE allows 2: the ones its tests use).
  await createBlueprints(gateway, key.data!.createApiKey.secret, tier === 'FREE' ? ['fintech', 'main'] : ['fintech', 'main', 'analytics']);
  return { key: key.data!.createApiKey.secret, projectId };
}

beforeAll(async () => {
  gateway = await startGateway({ env: { TENANT_DATABASE_PROVISION_MS: 600, TENANT_DATABASE_SYNC_MS: 600, TENANT_DATABASE_CUTOVER_MS: 600 } });
  [pro, free] = await Promise.all([projectKey('PRO'), projectKey('FREE')]);
});
afterAll(() => gateway.close());

const as = (key: string) => ({ authorization: `Bearer ${key}` });
const tenantId = () => uniqueSlug('acme');
const user = (projectId: string) => `tdb_${projectId.replace(/-/g, '').slice(0, 8)}`;

async function waitForStatus(key: string, id: string, wanted: string, timeoutMs = 5_000): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await gateway.rest('GET', `/tenants/${id}`, { headers: as(key) });
    if (response.body.status === wanted) return response.body;
    if (Date.now() > deadline) throw new Error(`tenant ${id} is ${response.body.status}, not ${wanted}: ${JSON.stringify(response.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('POST /tenants', () => {
  test('a shared tenant is created ready, with the documented 201 body and its connection string', async () => {
    const id = tenantId();
    const response = await gateway.rest('POST', '/tenants', {
      headers: as(pro.key),
      body: { tenant_id: id, databases: [{ blueprint: 'fintech', isolation_level: 1 }] },
    });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      success: true,
      http_status: 201,
      code: 'created',
      tenant_id: id,
      status: 'ready',
      databases: [
        {
          blueprint: 'fintech',
          database_type: 'PostgreSQL',
          isolation_level: 1,
          connection: {
            database: `fintech__${id}`,
            connection_string: `postgresql://${user(pro.projectId)}:••••••••@localhost:5432/fintech__${id}?sslmode=require`,
          },
        },
      ],
    });
  });

  test('a dedicated tenant answers provisioning with its region, then becomes ready', async () => {
    const id = tenantId();
    const response = await gateway.rest('POST', '/tenants', {
      headers: as(pro.key),
      body: { tenant_id: id, databases: [{ blueprint: 'fintech', isolation_level: 2, region: 'eu-central' }] },
    });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      success: true,
      http_status: 201,
      code: 'created',
      tenant_id: id,
      status: 'provisioning',
      databases: [{ blueprint: 'fintech', database_type: 'PostgreSQL', isolation_level: 2, region: 'eu-central' }],
    });
    const provisioning = await gateway.rest('GET', `/tenants/${id}`, { headers: as(pro.key) });
    expect(provisioning.body).toMatchObject({ status: 'provisioning', databases: [{ status: 'provisioning', isolation_level: 'L2', region: 'eu-central' }] });
    const ready = await waitForStatus(pro.key, id, 'ready');
    expect(ready.databases[0].status).toBeUndefined();
    const graphql = await gateway.graphql<{ tenant: { isolation: string; region: string; state: string } }, object>(
      `{ tenant(id: "${id}") { isolation region state } }`,
    );
    expect(graphql.data!.tenant).toEqual({ isolation: 'DEDICATED', region: 'eu-central', state: 'READY' });
  });

  test('GET /tenants/{id} shows every database with its connection, in the documented shape', async () => {
    const id = tenantId();
    await gateway.rest('POST', '/tenants', {
      headers: as(pro.key),
      body: {
        tenant_id: id,
        databases: [
          { blueprint: 'main', isolation_level: 'L1' },
          { blueprint: 'analytics', isolation_level: 1 },
        ],
      },
    });
    const response = await gateway.rest('GET', `/tenants/${id}`, { headers: as(pro.key) });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      tenant_id: id,
      status: 'ready',
      databases: ['analytics', 'main'].map((blueprint) => ({
        blueprint,
        database_type: 'postgresql',
        isolation_level: 'L1',
        connection: { host: 'localhost', port: 5432, database: `${blueprint}__${id}`, username: user(pro.projectId), password: '••••••••' },
        connection_string: `postgresql://${user(pro.projectId)}:••••••••@localhost:5432/${blueprint}__${id}?sslmode=require`,
        // No version of these blueprints was ever deployed: the schema is at none (rest-tenantsdb-deployments shows a deployed one).
        version: 0,
      })),
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
  });

  test('a FREE project gets the documented 403 for a dedicated database, and nothing is created', async () => {
    const id = tenantId();
    const response = await gateway.rest('POST', '/tenants', {
      headers: as(free.key),
      body: { tenant_id: id, databases: [{ blueprint: 'fintech', isolation_level: 2 }] },
    });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ success: false, http_status: 403, code: 'forbidden', error: 'L2 dedicated VMs require a paid plan' });
    expect((await gateway.rest('GET', `/tenants/${id}`, { headers: as(free.key) })).status).toBe(404);
    const shared = await gateway.rest('POST', '/tenants', {
      headers: as(free.key),
      body: { tenant_id: id, databases: [{ blueprint: 'fintech', isolation_level: 1 }] },
    });
    expect(shared.status).toBe(201);
  });

  test.each([
    [
      'uppercase',
      { tenant_id: 'Acme', databases: [{ blueprint: 'main', isolation_level: 1 }] },
      'tenant_id may contain only lowercase letters, digits and underscores',
    ],
    [
      'a hyphen',
      { tenant_id: 'acme-corp', databases: [{ blueprint: 'main', isolation_level: 1 }] },
      'tenant_id may contain only lowercase letters, digits and underscores',
    ],
    ['a double underscore', { tenant_id: 'acme__corp', databases: [{ blueprint: 'main', isolation_level: 1 }] }, 'tenant_id must not contain "__"'],
    ['no databases field', { tenant_id: 'acme_x' }, 'databases is required'],
    ['an empty databases list', { tenant_id: 'acme_x', databases: [] }, 'databases must list at least one database'],
    [
      'isolation level 3',
      { tenant_id: 'acme_x', databases: [{ blueprint: 'main', isolation_level: 3 }] },
      'databases[0].isolation_level: isolation_level must be 1 (shared) or 2 (dedicated)',
    ],
    [
      'a blueprint listed twice',
      {
        tenant_id: 'acme_x',
        databases: [
          { blueprint: 'main', isolation_level: 1 },
          { blueprint: 'main', isolation_level: 1 },
        ],
      },
      'databases[1].blueprint: blueprint "main" is listed twice',
    ],
    [
      'a region for a shared database',
      { tenant_id: 'acme_x', databases: [{ blueprint: 'main', isolation_level: 1, region: 'us-east' }] },
      'databases[0].region: region applies to dedicated (L2) databases only',
    ],
    [
      'an unknown zone',
      { tenant_id: 'acme_x', databases: [{ blueprint: 'main', isolation_level: 2, region: 'mars-1' }] },
      'databases[0].region: region "mars-1" is not a zone',
    ],
    [
      'a bad blueprint name',
      { tenant_id: 'acme_x', databases: [{ blueprint: 'Main DB', isolation_level: 1 }] },
      'databases[0].blueprint: blueprint must be 1-63 lowercase letters',
    ],
  ])('%s is 400 bad_request naming the field, and nothing is created', async (_name, body, message) => {
    const response = await gateway.rest('POST', '/tenants', { headers: as(pro.key), body });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ success: false, http_status: 400, code: 'bad_request' });
    expect(response.body.error).toContain(message);
    const listed = await gateway.rest('GET', '/tenants', { headers: as(pro.key) });
    expect(listed.body.tenants.map((tenant: { tenant_id: string }) => tenant.tenant_id)).not.toContain('acme_x');
  });

  test('an id already taken is 409 conflict', async () => {
    const id = tenantId();
    const body = { tenant_id: id, databases: [{ blueprint: 'main', isolation_level: 1 }] };
    expect((await gateway.rest('POST', '/tenants', { headers: as(pro.key), body })).status).toBe(201);
    const again = await gateway.rest('POST', '/tenants', { headers: as(pro.key), body });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ success: false, http_status: 409, code: 'conflict', error: `slug "${id}" is already taken` });
  });

  test("an id in another project's trash is free in this project: ids are per project, and that trash stays unseen", async () => {
    const id = tenantId();
    const body = { tenant_id: id, databases: [{ blueprint: 'main', isolation_level: 1 }] };
    await gateway.rest('POST', '/tenants', { headers: as(pro.key), body });
    await gateway.rest('DELETE', `/tenants/${id}`, { headers: as(pro.key) });
    const response = await gateway.rest('POST', '/tenants', { headers: as(free.key), body });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ success: true, http_status: 201, code: 'created', tenant_id: id, status: 'ready' });
  });
});

describe("a leftover schema of the gateway's own (its records gone, the drop failed or the process died)", () => {
  const schemaCount = async (projectId: string, schemaName: string) =>
    (await dataPlaneCatalog(gateway, { projectId }, `SELECT count(*) FROM pg_namespace WHERE nspname = $1`, [schemaName])).rows[0]![0];

  test('POST /tenants with that id takes it over: 201, and the database is made afresh from the blueprint', async () => {
    const project = await projectWithBlueprint(gateway, 'ledger', ['CREATE TABLE entries (id int)']);
    const tenant = await tenantOf(gateway, project);
    await inSchema(gateway, tenant, 'INSERT INTO entries VALUES (1)');
    // What a hard delete whose schema drop failed leaves: no tenant records; the placement, its schema and role still there.
    await gateway.database.prisma.tenant.delete({ where: { id: tenant.id } });
    expect(await schemaCount(project.projectId, tenant.schemaName)).toBe(1);

    const again = await gateway.rest('POST', '/tenants', {
      headers: as(project.key),
      body: { tenant_id: tenant.slug, databases: [{ blueprint: 'ledger', isolation_level: 1 }] },
    });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    const recorded = await gateway.database.prisma.tenantDatabase.findFirstOrThrow({
      where: { placement: { schemaName: tenant.schemaName } },
      include: { tenant: true },
    });
    expect(recorded.tenant.slug).toBe(tenant.slug);
    expect((await inSchema(gateway, recorded.placementId!, 'SELECT count(*) FROM entries')).rows).toEqual([[0]]);
    // The leftover's placement went with it.
    expect(await gateway.database.prisma.dataPlacement.count({ where: { id: tenant.placementId } })).toBe(0);
  });

  test('creates racing for that id: one 201, every other 409; the winner keeps its schema (no racer drops it under the other)', async () => {
    const project = await projectWithBlueprint(gateway, 'ledger', ['CREATE TABLE entries (id int)']);
    const tenant = await tenantOf(gateway, project);
    await gateway.database.prisma.tenant.delete({ where: { id: tenant.id } });
    const body = { tenant_id: tenant.slug, databases: [{ blueprint: 'ledger', isolation_level: 1 }] };
    const answers = await Promise.all(Array.from({ length: 5 }, () => gateway.rest('POST', '/tenants', { headers: as(project.key), body })));
    expect(answers.map((answer) => answer.status).sort(), JSON.stringify(answers.map((answer) => answer.body))).toEqual([201, 409, 409, 409, 409]);
    expect(await gateway.database.prisma.tenant.count({ where: { slug: tenant.slug, projectId: project.projectId } })).toBe(1);
    // The winner's database is there and usable.
    const winner = await gateway.database.prisma.tenantDatabase.findFirstOrThrow({ where: { tenant: { slug: tenant.slug, projectId: project.projectId } } });
    await inSchema(gateway, winner.placementId!, 'INSERT INTO entries VALUES (7)');
    expect((await inSchema(gateway, winner.placementId!, 'SELECT id FROM entries')).rows).toEqual([[7]]);
  });

  test('POST /workspaces with that name takes its leftover schema over: 201', async () => {
    const project = await projectWithBlueprint(gateway, 'scratch');
    const workspace = await gateway.database.prisma.workspace.findUniqueOrThrow({ where: { id: project.workspaceId }, include: { placement: true } });
    await gateway.database.prisma.workspace.delete({ where: { id: workspace.id } });
    expect(await schemaCount(project.projectId, workspace.placement!.schemaName)).toBe(1);
    const again = await gateway.rest('POST', '/workspaces', { headers: as(project.key), body: { name: 'scratch', database: 'PostgreSQL', mode: 'tenant' } });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
  });

  test('a schema of that name the gateway did not make (no placement records it) keeps the 409, and stays', async () => {
    const project = await projectWithBlueprint(gateway, 'ledger', ['CREATE TABLE entries (id int)']);
    const slug = tenantId();
    const schemaName = physicalSchemaName(project.projectId, tenantDatabaseName('ledger', slug));
    await dataPlaneCatalog(gateway, { projectId: project.projectId }, `CREATE SCHEMA "${schemaName}"`);
    const placements = await gateway.database.prisma.dataPlacement.count();
    const answer = await gateway.rest('POST', '/tenants', {
      headers: as(project.key),
      body: { tenant_id: slug, databases: [{ blueprint: 'ledger', isolation_level: 1 }] },
    });
    expect(answer.body).toEqual({
      success: false,
      http_status: 409,
      code: 'conflict',
      error: `A database named ${schemaName} already exists on the server; remove it or choose another name`,
    });
    expect(await schemaCount(project.projectId, schemaName)).toBe(1);
    // Nothing of the refused create is left: no placement, no role.
    expect(await gateway.database.prisma.dataPlacement.count()).toBe(placements);
    await dataPlaneCatalog(gateway, { projectId: project.projectId }, `DROP SCHEMA "${schemaName}"`);
  });
});

describe('GET /tenants', () => {
  test("lists the project's tenants in the documented shape, and only the project's", async () => {
    const { key, projectId } = await projectKey('PRO');
    const ids = [tenantId(), tenantId()];
    for (const id of ids)
      await gateway.rest('POST', '/tenants', { headers: as(key), body: { tenant_id: id, databases: [{ blueprint: 'main', isolation_level: 1 }] } });
    const response = await gateway.rest('GET', '/tenants', { headers: as(key) });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      tenants: ids.map((id) => ({
        tenant_id: id,
        status: 'ready',
        databases: [{ blueprint: 'main', database_type: 'postgresql', isolation_level: 'L1' }],
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      })),
      count: 2,
    });
    expect(projectId).toBeTruthy();
    expect((await gateway.rest('GET', '/tenants?status=nonsense', { headers: as(key) })).status).toBe(400);
  });

  test('?status= takes the states the answers show: ready lists live tenants, suspended the suspended ones', async () => {
    const { key } = await projectKey('PRO');
    const [live, paused] = [tenantId(), tenantId()];
    for (const id of [live, paused])
      await gateway.rest('POST', '/tenants', { headers: as(key), body: { tenant_id: id, databases: [{ blueprint: 'main', isolation_level: 1 }] } });
    await gateway.rest('POST', `/tenants/${paused}/suspend`, { headers: as(key) });
    const ready = await gateway.rest('GET', '/tenants?status=ready', { headers: as(key) });
    expect(ready.status).toBe(200);
    expect(ready.body.tenants.map((tenant: { tenant_id: string }) => tenant.tenant_id)).toEqual([live]);
    const suspended = await gateway.rest('GET', '/tenants?status=suspended', { headers: as(key) });
    expect(suspended.body.tenants.map((tenant: { tenant_id: string; status: string }) => [tenant.tenant_id, tenant.status])).toEqual([[paused, 'suspended']]);
  });
});

describe('paths the dialect does not serve', () => {
  test('an unknown path under its routes is 404 in the envelope; a wrong method 405 with Allow', async () => {
    const unknown = await gateway.rest('GET', '/tenants/acme/nothing-here', { headers: as(pro.key) });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ success: false, http_status: 404, code: 'not_found', error: 'No route for /tenants/acme/nothing-here' });
    const wrongMethod = await gateway.rest('PUT', '/tenants/acme/backup', { headers: as(pro.key) });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect(wrongMethod.body).toMatchObject({ success: false, http_status: 405 });
  });
});

describe('trash, restore, suspend, resume', () => {
  test('soft delete, the trash message everywhere a live tenant is needed, restore, hard delete', async () => {
    const id = tenantId();
    await gateway.rest('POST', '/tenants', { headers: as(pro.key), body: { tenant_id: id, databases: [{ blueprint: 'main', isolation_level: 1 }] } });
    const deleted = await gateway.rest('DELETE', `/tenants/${id}`, { headers: as(pro.key) });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ success: true, code: 'ok', tenant: { tenant_id: id, status: 'deleted' } });
    expect((await gateway.rest('GET', `/tenants/${id}`, { headers: as(pro.key) })).body.status).toBe('deleted');

    const trash = {
      success: false,
      http_status: 409,
      code: 'conflict',
      error: `Tenant '${id}' is in trash. Use POST /tenants/${id}/restore or DELETE /tenants/${id}?hard=true`,
    };
    for (const [method, path, body] of [
      ['DELETE', `/tenants/${id}`, undefined],
      ['POST', `/tenants/${id}/suspend`, undefined],
      ['POST', `/tenants/${id}/backup`, undefined],
      ['PATCH', `/tenants/${id}/isolation`, { isolation_level: 2, blueprint: 'main' }],
      ['POST', '/tenants', { tenant_id: id, databases: [{ blueprint: 'main', isolation_level: 1 }] }],
    ] as const) {
      const response = await gateway.rest(method, path, { headers: as(pro.key), body });
      expect({ method, path, status: response.status, body: response.body }).toEqual({ method, path, status: 409, body: trash });
    }

    const restored = await gateway.rest('POST', `/tenants/${id}/restore`, { headers: as(pro.key) });
    expect(restored.status).toBe(200);
    expect(restored.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      message: `Tenant '${id}' restored successfully`,
      tenant: { tenant_id: id, status: 'ready' },
    });
    const again = await gateway.rest('POST', `/tenants/${id}/restore`, { headers: as(pro.key) });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('conflict');

    expect((await gateway.rest('DELETE', `/tenants/${id}?hard=maybe`, { headers: as(pro.key) })).body).toEqual({
      success: false,
      http_status: 400,
      code: 'bad_request',
      error: 'hard must be true or false',
    });
    const hard = await gateway.rest('DELETE', `/tenants/${id}?hard=true`, { headers: as(pro.key) });
    expect(hard.body).toEqual({ success: true, http_status: 200, code: 'ok', message: `Tenant '${id}' permanently deleted`, tenant_id: id });
    expect((await gateway.rest('GET', `/tenants/${id}`, { headers: as(pro.key) })).body).toEqual({
      success: false,
      http_status: 404,
      code: 'not_found',
      error: `Tenant not found: ${id}`,
    });
  });

  test('suspend only a ready tenant, resume only a suspended one: 409 otherwise', async () => {
    const id = tenantId();
    await gateway.rest('POST', '/tenants', { headers: as(pro.key), body: { tenant_id: id, databases: [{ blueprint: 'main', isolation_level: 1 }] } });
    const suspended = await gateway.rest('POST', `/tenants/${id}/suspend`, { headers: as(pro.key) });
    expect(suspended.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      message: `Tenant '${id}' suspended`,
      tenant: { tenant_id: id, status: 'suspended' },
    });
    expect((await gateway.rest('POST', `/tenants/${id}/suspend`, { headers: as(pro.key) })).status).toBe(409);
    const resumed = await gateway.rest('POST', `/tenants/${id}/resume`, { headers: as(pro.key) });
    expect(resumed.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      message: `Tenant '${id}' resumed`,
      tenant: { tenant_id: id, status: 'ready' },
    });
    const resumeAgain = await gateway.rest('POST', `/tenants/${id}/resume`, { headers: as(pro.key) });
    expect(resumeAgain.status).toBe(409);
    expect(resumeAgain.body.error).toContain('it is ACTIVE, expected SUSPENDED');
  });

  test('409 while provisioning: no delete (soft or hard) and no suspend until ready', async () => {
    const id = tenantId();
    await gateway.rest('POST', '/tenants', { headers: as(pro.key), body: { tenant_id: id, databases: [{ blueprint: 'main', isolation_level: 2 }] } });
    for (const [method, path] of [
      ['DELETE', `/tenants/${id}`],
      ['DELETE', `/tenants/${id}?hard=true`],
      ['POST', `/tenants/${id}/suspend`],
    ] as const) {
      const response = await gateway.rest(method, path, { headers: as(pro.key) });
      expect({ path, status: response.status, code: response.body.code }).toEqual({ path, status: 409, code: 'conflict' });
      expect(response.body.error).toContain('while it is provisioning');
    }
    await waitForStatus(pro.key, id, 'ready');
    expect((await gateway.rest('DELETE', `/tenants/${id}`, { headers: as(pro.key) })).status).toBe(200);
  });
});

describe('PATCH /tenants/{id}/isolation', () => {
  test('L1 → L2: the documented answer, a safety backup, then syncing → migrating → ready on the new server', async () => {
    const id = tenantId();
    await gateway.rest('POST', '/tenants', { headers: as(pro.key), body: { tenant_id: id, databases: [{ blueprint: 'fintech', isolation_level: 1 }] } });
    const response = await gateway.rest('PATCH', `/tenants/${id}/isolation`, { headers: as(pro.key), body: { isolation_level: 2, blueprint: 'fintech' } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      tenant_id: id,
      blueprint: 'fintech',
      status: 'migrating',
      from: 1,
      to: 2,
      message: "Migration in progress for 'fintech'. Check tenant status for completion.",
    });
    const phases = [(await gateway.rest('GET', `/tenants/${id}`, { headers: as(pro.key) })).body.status];
    // While the migration runs a second one, a delete and a suspend are 409.
    expect((await gateway.rest('PATCH', `/tenants/${id}/isolation`, { headers: as(pro.key), body: { isolation_level: 1, blueprint: 'fintech' } })).status).toBe(
      409,
    );
    expect((await gateway.rest('DELETE', `/tenants/${id}`, { headers: as(pro.key) })).status).toBe(409);
    const safety = (await gateway.rest('GET', `/tenants/${id}/backups`, { headers: as(pro.key) })).body.backups[0].storage_path;
    const rollback = await gateway.rest('POST', `/tenants/${id}/rollback`, { headers: as(pro.key), body: { storage_path: safety } });
    expect(rollback.status).toBe(409);
    expect(rollback.body.error).toContain('while it is migrating');
    const deadline = Date.now() + 5_000;
    while (phases.at(-1) !== 'ready' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 40));
      const status = (await gateway.rest('GET', `/tenants/${id}`, { headers: as(pro.key) })).body.status;
      if (status !== phases.at(-1)) phases.push(status);
    }
    expect(phases).toEqual(['syncing', 'migrating', 'ready']);
    // The cutover moves the tenant record too, audited so point-in-time recovery replays it.
    const record = await gateway.database.prisma.tenant.findFirstOrThrow({ where: { slug: id } });
    const moved = await gateway.database.prisma.auditEvent.findFirstOrThrow({ where: { tenantId: record.id, action: 'tenant.updated' } });
    expect(moved).toMatchObject({ actor: 'database migration', changes: [{ path: 'tenant.isolation', before: 'SHARED', after: 'DEDICATED' }] });
    const tenant = await gateway.rest('GET', `/tenants/${id}`, { headers: as(pro.key) });
    expect(tenant.body.databases[0]).toMatchObject({
      blueprint: 'fintech',
      isolation_level: 'L2',
      region: 'eu-central',
      connection_string: expect.stringContaining(`/fintech__${id}?`),
    });
    const backups = await gateway.rest('GET', `/tenants/${id}/backups`, { headers: as(pro.key) });
    expect(backups.body.backups.map((backup: { type: string }) => backup.type)).toEqual(['safety']);
  });

  test('L2 → L2 in another zone: the documented region-change answer', async () => {
    const id = tenantId();
    await gateway.rest('POST', '/tenants', {
      headers: as(pro.key),
      body: { tenant_id: id, databases: [{ blueprint: 'fintech', isolation_level: 2, region: 'eu-central' }] },
    });
    await waitForStatus(pro.key, id, 'ready');
    const response = await gateway.rest('PATCH', `/tenants/${id}/isolation`, {
      headers: as(pro.key),
      body: { isolation_level: 2, blueprint: 'fintech', region: 'us-east' },
    });
    expect(response.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      tenant_id: id,
      blueprint: 'fintech',
      status: 'migrating',
      from: 2,
      to: 2,
      change: 'region',
      from_region: 'eu-central',
      to_region: 'us-east',
      message: "Migration in progress for 'fintech'. Check tenant status for completion.",
    });
    const ready = await waitForStatus(pro.key, id, 'ready');
    expect(ready.databases[0]).toMatchObject({ region: 'us-east', isolation_level: 'L2' });
    const graphql = await gateway.graphql<{ tenant: { region: string } }, object>(`{ tenant(id: "${id}") { region } }`);
    expect(graphql.data!.tenant.region).toBe('us-east');
  });

  test('refusals: FREE plan 403, unknown blueprint 404, nothing to migrate 409, bad input 400 — nothing changes', async () => {
    const freeId = tenantId();
    await gateway.rest('POST', '/tenants', { headers: as(free.key), body: { tenant_id: freeId, databases: [{ blueprint: 'main', isolation_level: 1 }] } });
    const forbidden = await gateway.rest('PATCH', `/tenants/${freeId}/isolation`, { headers: as(free.key), body: { isolation_level: 2, blueprint: 'main' } });
    expect(forbidden.body).toEqual({ success: false, http_status: 403, code: 'forbidden', error: 'L2 dedicated VMs require a paid plan' });

    const id = tenantId();
    await gateway.rest('POST', '/tenants', { headers: as(pro.key), body: { tenant_id: id, databases: [{ blueprint: 'main', isolation_level: 1 }] } });
    const cases = [
      [{ isolation_level: 2, blueprint: 'other' }, 404, `Tenant "${id}" has no database from blueprint "other"`],
      [{ isolation_level: 1, blueprint: 'main' }, 409, 'Database "main" is already L1 in eu-central: nothing to migrate'],
      [{ isolation_level: 1, blueprint: 'main', region: 'us-east' }, 400, 'region applies to dedicated (L2) databases only'],
      [{ isolation_level: 2, blueprint: 'main', region: 'mars-1' }, 400, 'region "mars-1" is not a zone'],
      [{ isolation_level: 5, blueprint: 'main' }, 400, 'isolation_level must be 1 (shared) or 2 (dedicated)'],
      [{ isolation_level: 2 }, 400, 'blueprint is required'],
    ] as const;
    for (const [body, status, message] of cases) {
      const response = await gateway.rest('PATCH', `/tenants/${id}/isolation`, { headers: as(pro.key), body });
      expect({ body, status: response.status }).toEqual({ body, status });
      expect(response.body.error).toContain(message);
    }
    const tenant = await gateway.rest('GET', `/tenants/${id}`, { headers: as(pro.key) });
    expect(tenant.body).toMatchObject({ status: 'ready', databases: [{ isolation_level: 'L1' }] });
    expect((await gateway.rest('GET', `/tenants/${id}/backups`, { headers: as(pro.key) })).body.count).toBe(0);
  });
});

describe('recovery_undo in GET /tenants/{id}', () => {
  test('present, in the documented shape, while a recovery can be undone; gone after the undo', async () => {
    const id = tenantId();
    await gateway.rest('POST', '/tenants', { headers: as(pro.key), body: { tenant_id: id, databases: [{ blueprint: 'main', isolation_level: 2 }] } });
    await waitForStatus(pro.key, id, 'ready');
    expect((await gateway.rest('GET', `/tenants/${id}`, { headers: as(pro.key) })).body.recovery_undo).toBeUndefined();
    // Its database is a real schema: the backup, the recovery and the undo run as jobs.
    const backup = await gateway.rest('POST', `/tenants/${id}/backup`, { headers: as(pro.key) });
    expect(backup.status).toBe(200);
    await expect
      .poll(
        async () =>
          (await gateway.rest('GET', `/tenants/${id}/backups`, { headers: as(pro.key) })).body.backups.map(
            (entry: { storage_path: string }) => entry.storage_path,
          ),
        { timeout: 10_000 },
      )
      .toEqual(backup.body.paths);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const timestamp = new Date();
    const recovered = await gateway.rest('POST', `/tenants/${id}/recover`, { headers: as(pro.key), body: { timestamp: timestamp.toISOString() } });
    expect(recovered.status).toBe(200);
    const target = timestamp.toISOString().replace(/\.\d{3}Z$/, 'Z');
    expect(recovered.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      message: `Recovery initiated for tenant '${id}' to ${target}. Original VM preserved for 24h.`,
      tenant: { tenant_id: id, status: 'recovering', target_timestamp: target },
    });
    await waitForStatus(pro.key, id, 'ready', 10_000);

    const tenant = await gateway.rest('GET', `/tenants/${id}`, { headers: as(pro.key) });
    // original_host: the server its database is on (`embedded` on PGlite, `default` for the suite's PostgreSQL).
    const placed = await gateway.database.prisma.tenantDatabase.findFirstOrThrow({
      where: { tenant: { slug: id, projectId: pro.projectId } },
      select: { placement: { select: { database: { select: { server: true } } } } },
    });
    expect(['embedded', 'default']).toContain(placed.placement!.database.server);
    expect(tenant.body.recovery_undo).toEqual({
      available: true,
      original_host: placed.placement!.database.server,
      expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      expires_in: expect.stringMatching(/^23h 5\dm$/),
      command: `tdb tenants recover-undo ${id}`,
    });
    expect(Date.parse(tenant.body.recovery_undo.expires_at) - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    const undone = await gateway.rest('POST', `/tenants/${id}/recover-undo`, { headers: as(pro.key) });
    expect(undone.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      message: `Recovery undone for tenant '${id}'. Original VM restored.`,
      tenant: { tenant_id: id, status: 'recovering' },
    });
    await waitForStatus(pro.key, id, 'ready', 10_000);
    expect((await gateway.rest('GET', `/tenants/${id}`, { headers: as(pro.key) })).body.recovery_undo).toBeUndefined();
  });
});

describe('backups and recoveries of a tenant whose database holds rows run as jobs', () => {
  const rows = async (placementId: string, sql: string) => (await inSchema(gateway, placementId, sql)).rows;
  const deps = () => ({
    storages: backupStoragesFrom({ ...readEnvironment({}), BACKUP_DIR: gateway.backupDir }),
    keyring: testKeyring,
    dataPlane: gateway.app.dataPlane,
  });
  /** A ready tenant of the PRO project whose database holds what `sql` puts there. */
  async function tenantWithRows(isolation: 1 | 2, sql: string) {
    const id = tenantId();
    await gateway.rest('POST', '/tenants', { headers: as(pro.key), body: { tenant_id: id, databases: [{ blueprint: 'main', isolation_level: isolation }] } });
    await waitForStatus(pro.key, id, 'ready');
    const database = await gateway.database.prisma.tenantDatabase.findFirstOrThrow({ where: { tenant: { slug: id, projectId: pro.projectId } } });
    await rows(database.placementId!, sql);
    return { id, database, prisma: gateway.database.prisma };
  }

  test('backup → change → recover to an instant between → the backed-up rows; undo → the changed rows; each step a job the tenant shows', async () => {
    const { id, database, prisma } = await tenantWithRows(
      2,
      "CREATE TABLE notes (id SERIAL PRIMARY KEY, body TEXT NOT NULL); INSERT INTO notes (body) VALUES ('before'), ('kept')",
    );

    const backup = await gateway.rest('POST', `/tenants/${id}/backup`, { headers: as(pro.key) });
    expect(backup.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      message: `Backup scheduled for tenant: ${id}`,
      tenant_id: id,
      type: 'manual',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d$/),
      paths: [expect.any(String)],
    });
    const [storagePath] = backup.body.paths as string[];
    await expect
      .poll(
        async () =>
          (await gateway.rest('GET', `/tenants/${id}/backups`, { headers: as(pro.key) })).body.backups.map(
            (entry: { storage_path: string }) => entry.storage_path,
          ),
        { timeout: 10_000 },
      )
      .toEqual([storagePath]);
    const record = await prisma.backupRecord.findUniqueOrThrow({ where: { id: (await backupAt(gateway, storagePath!))!.id }, include: { jobs: true } });
    expect(record).toMatchObject({ status: 'COMPLETED', trigger: 'MANUAL' });
    expect(record.jobs).toMatchObject([{ kind: 'BACKUP', status: 'COMPLETED', attempts: 1, error: null }]);

    await new Promise((resolve) => setTimeout(resolve, 20));
    const instant = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await rows(database.placementId!, "UPDATE notes SET body = 'after' WHERE body = 'before'; INSERT INTO notes (body) VALUES ('new')");

    const recovered = await gateway.rest('POST', `/tenants/${id}/recover`, { headers: as(pro.key), body: { timestamp: instant.toISOString() } });
    expect(recovered.status, JSON.stringify(recovered.body)).toBe(200);
    expect(recovered.body.tenant.status).toBe('recovering');
    await waitForStatus(pro.key, id, 'ready', 20_000);
    expect(await rows(database.placementId!, 'SELECT id, body FROM notes ORDER BY id')).toEqual([
      [1, 'before'],
      [2, 'kept'],
    ]);
    // The restore rewrote the database's record in place: a reader holding its id still finds it.
    expect(await prisma.tenantDatabase.findUnique({ where: { id: database.id } })).toMatchObject({ placementId: database.placementId, status: 'READY' });
    const recovery = await prisma.tenantRecovery.findFirstOrThrow({ where: { tenantId: database.tenantId } });
    expect(recovery.targetTimestamp.toISOString()).toBe(instant.toISOString());
    const recoveryJob = await prisma.backupJob.findFirstOrThrow({ where: { tenantId: database.tenantId, kind: 'RECOVERY' } });
    expect(recoveryJob).toMatchObject({ status: 'COMPLETED', targetTimestamp: instant });
    // The undo window starts when the recovery was asked for; the state before it is its safety backup.
    expect(recovery.expiresAt.getTime()).toBe(recoveryJob.createdAt.getTime() + 24 * 3_600_000);
    expect(await prisma.backupRecord.findUniqueOrThrow({ where: { id: recoveryJob.safetyBackupId! } })).toMatchObject({
      trigger: 'SAFETY',
      storagePath: recovery.safetyPath,
    });
    expect(
      await prisma.auditEvent.count({ where: { tenantId: database.tenantId, action: 'backup.recovered', target: `recovery:${instant.toISOString()}` } }),
    ).toBe(1);

    const undone = await gateway.rest('POST', `/tenants/${id}/recover-undo`, { headers: as(pro.key) });
    expect(undone.body.tenant).toEqual({ tenant_id: id, status: 'recovering' });
    await waitForStatus(pro.key, id, 'ready', 20_000);
    expect(await rows(database.placementId!, 'SELECT id, body FROM notes ORDER BY id')).toEqual([
      [1, 'after'],
      [2, 'kept'],
      [3, 'new'],
    ]);
    expect(await prisma.tenantRecovery.findUniqueOrThrow({ where: { id: recovery.id } })).toMatchObject({ undoneAt: expect.any(Date) });
    expect(await prisma.backupJob.findFirstOrThrow({ where: { tenantId: database.tenantId, kind: 'RECOVERY_UNDO' } })).toMatchObject({
      status: 'COMPLETED',
      recoveryId: recovery.id,
    });
    expect(await prisma.auditEvent.count({ where: { tenantId: database.tenantId, action: 'backup.recovery_undone' } })).toBe(1);

    // GraphQL lists the jobs, newest first, with what each worked on.
    const listed = await gateway.graphql<
      { tenantBackupJobs: { kind: string; status: string; targetTimestamp: string | null; backup: { storagePath: string } }[] },
      object
    >(
      'query ($tenant: ID!) { tenantBackupJobs(tenant: $tenant) { kind status targetTimestamp backup { storagePath } } }',
      { tenant: database.tenantId },
      pro.key,
    );
    expect(listed.data?.tenantBackupJobs).toEqual([
      { kind: 'RECOVERY_UNDO', status: 'COMPLETED', targetTimestamp: null, backup: { storagePath: recovery.safetyPath } },
      // GraphQL names the backup's own file; REST lists its SQL file.
      { kind: 'RECOVERY', status: 'COMPLETED', targetTimestamp: instant.toISOString(), backup: { storagePath: record.storagePath } },
      { kind: 'BACKUP', status: 'COMPLETED', targetTimestamp: null, backup: { storagePath: record.storagePath } },
    ]);
    const refused = await gateway.graphql(
      'query ($tenant: ID!) { tenantBackupJobs(tenant: $tenant, limit: 0) { id } }',
      { tenant: database.tenantId },
      pro.key,
    );
    expect(refused.errors?.[0]).toMatchObject({ message: expect.stringContaining('limit must be 1 to 500'), extensions: { code: 'BAD_USER_INPUT' } });
  });

  test('a backup job that cannot write its file fails with the reason: the record FAILED and unlisted, the job FAILED, asking again while one waits answers the same backup', async () => {
    const { id, database, prisma } = await tenantWithRows(1, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('x')");
    // Held by a process that died (its lease runs an hour), its record naming a destination that cannot be written.
    const tenant = await prisma.tenant.findUniqueOrThrow({ where: { id: database.tenantId } });
    // A backup job waiting (not yet claimable): asking again answers it rather than queueing another.
    const waiting = await startBackup(prisma, deps(), tenant, 'MANUAL', 'PENDING');
    const waitingJob = await prisma.backupJob.create({
      data: { kind: 'BACKUP', tenantId: tenant.id, backupId: waiting.id, actorId: 'test', actorLabel: 'test key' },
    });
    await queueBackupJob(prisma, waitingJob, {});
    const again = await gateway.rest('POST', `/tenants/${id}/backup`, { headers: as(pro.key) });
    expect(again.body.paths).toEqual((await prisma.backupFile.findMany({ where: { backupId: waiting.id } })).map((file) => file.storagePath));
    expect(again.body.paths).toHaveLength(1);
    expect(await prisma.backupJob.count({ where: { tenantId: tenant.id } })).toBe(1);
    await releaseQueueJob(prisma, backupJobKind, 'backupJobId', waitingJob.id);
    await expect.poll(async () => (await prisma.backupJob.findUniqueOrThrow({ where: { id: waitingJob.id } })).status, { timeout: 10_000 }).toBe('COMPLETED');
    const pending = await startBackup(prisma, deps(), tenant, 'MANUAL', 'PENDING');
    await prisma.backupRecord.update({ where: { id: pending.id }, data: { destination: 'nowhere' } });
    const job = await prisma.backupJob.create({
      data: { kind: 'BACKUP', tenantId: tenant.id, backupId: pending.id, actorId: 'test', actorLabel: 'test key', status: 'RUNNING' },
    });
    await queueBackupJob(prisma, job, { leaseToken: '00000000-0000-4000-8000-000000000003', forMs: -1 });
    await expect.poll(async () => (await prisma.backupJob.findUniqueOrThrow({ where: { id: job.id } })).status, { timeout: 10_000 }).toBe('FAILED');
    expect(await prisma.backupJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      error: 'Backup failed: writing to nowhere failed: unexpected error',
    });
    expect(await queueJobOf(prisma, backupJobKind, 'backupJobId', job.id)).toBeNull();
    expect(await prisma.backupRecord.findUniqueOrThrow({ where: { id: pending.id } })).toMatchObject({
      status: 'FAILED',
      failureReason: 'Backup failed: writing to nowhere failed: unexpected error',
    });
    const listed = (await gateway.rest('GET', `/tenants/${id}/backups`, { headers: as(pro.key) })).body.backups as { storage_path: string }[];
    expect(listed.map((entry) => entry.storage_path)).not.toContain(pending.storagePath);
  });

  test('a backup job held by a process that died: the record stays pending and unlisted, settling interrupted work leaves it, and the next worker writes it', async () => {
    const { id, database, prisma } = await tenantWithRows(1, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('held')");
    const tenant = await prisma.tenant.findUniqueOrThrow({ where: { id: database.tenantId } });
    // What POST /backup records, claimed by another process whose lease runs an hour.
    const pending = await startBackup(prisma, deps(), tenant, 'MANUAL', 'PENDING');
    const job = await prisma.backupJob.create({
      data: { kind: 'BACKUP', tenantId: tenant.id, backupId: pending.id, actorId: 'test', actorLabel: 'test key', status: 'RUNNING' },
    });
    await queueBackupJob(prisma, job, { leaseToken: '00000000-0000-4000-8000-000000000002' });
    expect((await gateway.rest('GET', `/tenants/${id}/backups`, { headers: as(pro.key) })).body.count).toBe(0);
    await settleInterruptedWork(prisma, Date.now() + 3_600_000, 0);
    expect(await prisma.backupRecord.findUniqueOrThrow({ where: { id: pending.id } })).toMatchObject({ status: 'PENDING', failureReason: null });

    await releaseQueueJob(prisma, backupJobKind, 'backupJobId', job.id);
    await expect.poll(async () => (await prisma.backupJob.findUniqueOrThrow({ where: { id: job.id } })).status, { timeout: 10_000 }).toBe('COMPLETED');
    expect(await prisma.backupJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ attempts: 1 });
    expect(await queueJobOf(prisma, backupJobKind, 'backupJobId', job.id)).toBeNull();
    const listed = (await gateway.rest('GET', `/tenants/${id}/backups`, { headers: as(pro.key) })).body.backups;
    // Listed by its SQL file, the one file planned with it for the tenant's one database.
    const [file] = await prisma.backupFile.findMany({ where: { backupId: pending.id } });
    expect(listed).toMatchObject([{ storage_path: file!.storagePath, database_type: 'postgresql', type: 'manual' }]);
    const [event] = await prisma.auditEvent.findMany({ where: { tenantId: tenant.id, action: 'backup.created' } });
    expect(event).toMatchObject({ actor: 'test key', actorId: 'test', target: `backup:${pending.storagePath}` });
  });
});
