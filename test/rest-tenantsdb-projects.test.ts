import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { backupWritten } from './support/data-plane.js';
import { createBlueprints, signupAccount } from './support/fixtures.js';
import { startGateway, type TestGateway, testSecretsKey, uniqueSlug } from './support/gateway.js';
import { startReplica } from './support/replica.js';

// TenantsDB API (seed 002): GET/POST /projects, POST /projects/{id}/switch, DELETE /projects/{id}.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.close());

type Account = Awaited<ReturnType<typeof signupAccount>>;
const signup = (projectName = 'Healthcare SaaS') => signupAccount(gateway, { projectName });
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
async function createProject(account: Account, name: string) {
  return (await gateway.rest('POST', '/projects', { headers: bearer(account.key), body: { name } })).body;
}

describe('POST /projects', () => {
  test('the documented response: 201 with the project id, name, a key shown once, a proxy password and the message', async () => {
    const account = await signup();
    const response = await gateway.rest('POST', '/projects', { headers: bearer(account.key), body: { name: 'E-commerce Platform' } });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      success: true,
      http_status: 201,
      code: 'created',
      project_id: expect.stringMatching(/^tdb_[0-9a-f]{8}$/),
      name: 'E-commerce Platform',
      api_key: expect.stringMatching(/^tenantsdb_sk_[0-9a-f]{64}$/),
      proxy_password: expect.stringMatching(/^tdb_[0-9a-f]{16}$/),
      message: "Project created. Save your API key - it won't be shown again!",
    });
    const listed = await gateway.rest('GET', '/projects', { headers: bearer(response.body.api_key) });
    expect(listed.status).toBe(200);
  });

  test('the proxy password is sealed at rest, not stored plain nor hashed', async () => {
    const account = await signup();
    const created = await createProject(account, 'Sealed');
    const row = await gateway.database.prisma.project.findUniqueOrThrow({ where: { slug: created.project_id } });
    expect(Buffer.from(row.proxyPasswordSealed!).subarray(0, 4).toString()).toBe('TGK1');
    expect(Buffer.from(row.proxyPasswordSealed!).toString('latin1')).not.toContain(created.proxy_password);
  });

  test.each([
    [{}, 'name is required'],
    [{ name: '  ' }, 'name must not be empty'],
    [{ name: 'n'.repeat(101) }, 'name must be at most 100 characters'],
    [{ name: 7 }, 'name: Invalid input: expected string, received number'],
  ])('%j is 400 naming the field (%s); nothing is written', async (body, error) => {
    const account = await signup();
    const before = await gateway.database.prisma.project.count();
    const response = await gateway.rest('POST', '/projects', { headers: bearer(account.key), body });
    expect(response).toMatchObject({ status: 400, body: { success: false, http_status: 400, code: 'bad_request', error } });
    expect(await gateway.database.prisma.project.count()).toBe(before);
  });

  test("the operator's key is not an account's: 403 forbidden", async () => {
    const response = await gateway.rest('POST', '/projects', { headers: bearer(gateway.adminKey), body: { name: 'x' } });
    expect(response).toMatchObject({
      status: 403,
      body: { code: 'forbidden', error: 'This API key does not belong to a TenantsDB account: use a project API key' },
    });
  });
});

describe('GET /projects', () => {
  test("the documented response: count and every project of the account with its live key count, oldest first; never another account's", async () => {
    const account = await signup('Healthcare SaaS');
    await gateway.rest('POST', '/apikeys', { headers: bearer(account.key), body: { name: 'ci' } });
    const second = await createProject(account, 'E-commerce Platform');
    await signup('Someone else');
    const response = await gateway.rest('GET', '/projects', { headers: bearer(second.api_key) });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      count: 2,
      projects: [
        { project_id: account.projectId, name: 'Healthcare SaaS', api_key_count: 2, created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) },
        {
          project_id: second.project_id,
          name: 'E-commerce Platform',
          api_key_count: 1,
          created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        },
      ],
    });
  });

  test('no key is 401 auth_required', async () => {
    const response = await gateway.rest('GET', '/projects');
    expect(response).toMatchObject({ status: 401, body: { code: 'auth_required', error: 'Authorization header required' } });
  });
});

describe('POST /projects/{id}/switch', () => {
  test('the documented response, by id and by name: a fresh session key and the same proxy password as at creation', async () => {
    const account = await signup();
    const created = await createProject(account, 'E-commerce Platform');
    for (const ref of [created.project_id, encodeURIComponent('E-commerce Platform')]) {
      const response = await gateway.rest('POST', `/projects/${ref}/switch`, { headers: bearer(account.key) });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        success: true,
        http_status: 200,
        code: 'ok',
        project_id: created.project_id,
        name: 'E-commerce Platform',
        api_key: expect.stringMatching(/^tenantsdb_sk_[0-9a-f]{64}$/),
        proxy_password: created.proxy_password,
      });
      expect(response.body.api_key).not.toBe(created.api_key);
      const viewer = await gateway.graphql<{ viewer: { projectId: string } }, object>('{ viewer { projectId } }', {}, response.body.api_key);
      const project = await gateway.database.prisma.project.findUniqueOrThrow({ where: { slug: created.project_id } });
      expect(viewer.data!.viewer.projectId).toBe(project.id);
    }
  });

  test('after a key rotation (the old key in SECRETS_KEY_PREVIOUS) the proxy password still opens', async () => {
    const account = await signup();
    const created = await createProject(account, 'Rotated');
    const rotated = await startReplica(gateway, { SECRETS_KEY: randomBytes(32).toString('hex'), SECRETS_KEY_PREVIOUS: testSecretsKey, PRINCIPAL_CACHE_MS: 0 });
    try {
      const response = await rotated.fetch(
        new Request(`http://gateway.test/projects/${created.project_id}/switch`, { method: 'POST', headers: bearer(account.key) }),
      );
      expect(response.status).toBe(200);
      expect(((await response.json()) as { proxy_password: string }).proxy_password).toBe(created.proxy_password);
    } finally {
      await rotated.close();
    }
  });

  test("a name two projects share is 409; an unknown one, and another account's project, are 404", async () => {
    const account = await signup();
    await createProject(account, 'Twin');
    await createProject(account, 'Twin');
    const other = await signup();
    const ambiguous = await gateway.rest('POST', '/projects/Twin/switch', { headers: bearer(account.key) });
    expect(ambiguous).toMatchObject({ status: 409, body: { code: 'conflict', error: "More than one project is named 'Twin': use its project id" } });
    const unknown = await gateway.rest('POST', '/projects/tdb_00000000/switch', { headers: bearer(account.key) });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ success: false, http_status: 404, code: 'not_found', error: 'Project not found: tdb_00000000' });
    const foreign = await gateway.rest('POST', `/projects/${other.projectId}/switch`, { headers: bearer(account.key) });
    expect(foreign.body).toEqual({ success: false, http_status: 404, code: 'not_found', error: `Project not found: ${other.projectId}` });
  });
});

describe('DELETE /projects/{id}', () => {
  test('the documented response; the project, its tenants, backups and keys are gone, and its keys stop at once', async () => {
    const account = await signup();
    const doomed = await createProject(account, 'E-commerce Platform');
    const tenant = uniqueSlug('acme');
    await createBlueprints(gateway, doomed.api_key, ['main']);
    const created = await gateway.rest('POST', '/tenants', {
      headers: bearer(doomed.api_key),
      body: { tenant_id: tenant, databases: [{ blueprint: 'main', isolation_level: 1 }] },
    });
    expect(created.status).toBe(201);
    const [backupPath] = (await backupWritten(gateway, doomed.api_key, tenant)).paths as string[];
    const backupFiles = async () =>
      (await readdir(gateway.backupDir, { recursive: true })).filter((file) => backupPath!.endsWith(file) || file.endsWith(backupPath!));
    expect(await backupFiles()).toHaveLength(1);
    // The project id is tdb_ and the first 8 hex digits of its UUID; its schemas start with p and the same digits, in its data-plane database.
    const projectId = (await gateway.database.prisma.project.findUniqueOrThrow({ where: { slug: doomed.project_id } })).id;
    const [database] = await gateway.database.prisma.dataPlaneDatabase.findMany({ where: { projectId }, include: { placements: true } });
    const schemaCount = async () =>
      (
        await gateway.app.dataPlane.dataPlane.inspect(
          database!.server,
          gateway.database.kind === 'postgres' ? 'postgres' : database!.name,
          `SELECT (SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'p${doomed.project_id.slice(4)}\\_%') + (SELECT count(*) FROM pg_roles WHERE rolname = ANY($1))`,
          [database!.placements.map((placement) => placement.roleName)],
        )
      ).rows[0]![0];
    const databaseCount = async () =>
      (await gateway.database.sql.transaction((tx) => tx.query('SELECT count(*) FROM pg_database WHERE datname = $1', [database!.name]))).rows[0]![0];
    // Two schemas and their two roles.
    expect(await schemaCount()).toBe(gateway.database.kind === 'postgres' ? 2 : 4);
    if (gateway.database.kind === 'postgres') expect(await databaseCount()).toBe(1);

    const response = await gateway.rest('DELETE', `/projects/${doomed.project_id}`, { headers: bearer(account.key) });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ success: true, http_status: 200, code: 'ok', message: `Project '${doomed.project_id}' deleted successfully` });
    expect(await gateway.database.prisma.project.count({ where: { slug: doomed.project_id } })).toBe(0);
    expect(await gateway.database.prisma.tenant.count({ where: { slug: tenant } })).toBe(0);
    expect(await gateway.database.prisma.backupRecord.count({ where: { storagePath: backupPath } })).toBe(0);
    expect(await backupFiles()).toEqual([]);
    // The database with its schemas and roles, and their records, are gone.
    expect(await schemaCount()).toBe(0);
    if (gateway.database.kind === 'postgres') expect(await databaseCount()).toBe(0);
    expect(await gateway.database.prisma.dataPlaneDatabase.count({ where: { projectId } })).toBe(0);
    expect((await gateway.rest('GET', '/projects', { headers: bearer(doomed.api_key) })).status).toBe(401);
    expect((await gateway.rest('GET', '/projects', { headers: bearer(account.key) })).body.count).toBe(1);
  });

  test("another account's project is 404 and stays; the account's only project is 409 and stays", async () => {
    const account = await signup();
    const other = await signup();
    const foreign = await gateway.rest('DELETE', `/projects/${other.projectId}`, { headers: bearer(account.key) });
    expect(foreign).toMatchObject({ status: 404, body: { code: 'not_found', error: `Project not found: ${other.projectId}` } });
    const only = await gateway.rest('DELETE', `/projects/${account.projectId}`, { headers: bearer(account.key) });
    expect(only).toMatchObject({
      status: 409,
      body: { code: 'conflict', error: `Project '${account.projectId}' is the account's only project: create another before deleting it` },
    });
    expect(await gateway.database.prisma.project.count({ where: { slug: { in: [account.projectId, other.projectId] } } })).toBe(2);
  });
});
