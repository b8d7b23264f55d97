import { afterAll, beforeAll, expect, test } from 'vitest';
import { backupWritten } from './support/data-plane.js';
import { accountPassword, createBlueprints, setProjectTier, signupAccount } from './support/fixtures.js';
import { startGateway, type TestGateway, uniqueSlug } from './support/gateway.js';

// TenantsDB API (seed 002): a tenant id is unique within its project, so two customers may both
// call a tenant `acme`, and neither learns that the other did. Tenants with no project (the other
// dialects', an operator's) keep ids unique among themselves.

let gateway: TestGateway;
const keys = { first: '', second: '' };
let firstAccount: { email: string; key: string; projectId: string };
beforeAll(async () => {
  gateway = await startGateway();
  firstAccount = await signupAccount(gateway);
  keys.first = firstAccount.key;
  const second = await signupAccount(gateway);
  keys.second = second.key;
  // Each test adds tenants to both projects: past FREE's 5, so both are paid.
  for (const project of [firstAccount.projectId, second.projectId]) await setProjectTier(gateway, project, 'BASIC');
  // Tenant databases come from each project's blueprints: both projects have `main`.
  await createBlueprints(gateway, keys.first, ['main']);
  await createBlueprints(gateway, keys.second, ['main']);
});
afterAll(() => gateway.close());

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const shared = { databases: [{ blueprint: 'main', isolation_level: 1 }] };

async function createIn(key: string, id: string) {
  return gateway.rest('POST', '/tenants', { headers: bearer(key), body: { tenant_id: id, ...shared } });
}

/** Both projects create a tenant with the same id: both 201. */
async function twins(): Promise<string> {
  const id = uniqueSlug('acme');
  expect((await createIn(keys.first, id)).status).toBe(201);
  expect((await createIn(keys.second, id)).status).toBe(201);
  return id;
}

const listed = async (key: string) =>
  (await gateway.rest('GET', '/tenants', { headers: bearer(key) })).body.tenants.map((tenant: { tenant_id: string }) => tenant.tenant_id);

test('two projects each create tenant acme (201 both), and each lists exactly its own', async () => {
  const id = await twins();
  const rows = await gateway.database.prisma.tenant.findMany({ where: { slug: id }, select: { projectId: true } });
  expect(new Set(rows.map((row) => row.projectId)).size).toBe(2);
  expect((await listed(keys.first)).filter((tenant: string) => tenant === id)).toHaveLength(1);
  expect((await listed(keys.second)).filter((tenant: string) => tenant === id)).toHaveLength(1);
});

test("a change through one project's key reaches its own acme only", async () => {
  const id = await twins();
  const suspended = await gateway.rest('POST', `/tenants/${id}/suspend`, { headers: bearer(keys.first) });
  expect(suspended.status).toBe(200);
  expect((await gateway.rest('GET', `/tenants/${id}`, { headers: bearer(keys.first) })).body).toMatchObject({ tenant_id: id, status: 'suspended' });
  expect((await gateway.rest('GET', `/tenants/${id}`, { headers: bearer(keys.second) })).body).toMatchObject({ tenant_id: id, status: 'ready' });
});

test("backups: one project's backup of acme is not in the other's list", async () => {
  const id = await twins();
  await backupWritten(gateway, keys.first, id);
  const mine = await gateway.rest('GET', `/tenants/${id}/backups`, { headers: bearer(keys.first) });
  const theirs = await gateway.rest('GET', `/tenants/${id}/backups`, { headers: bearer(keys.second) });
  expect(mine.body).toMatchObject({ tenant_id: id, count: 1 });
  expect(theirs.body).toEqual({ success: true, http_status: 200, code: 'ok', tenant_id: id, count: 0, backups: [] });
});

test("deleting one project's acme leaves the other's untouched, and the id is then free again in the first", async () => {
  const id = await twins();
  const hard = await gateway.rest('DELETE', `/tenants/${id}?hard=true`, { headers: bearer(keys.first) });
  expect(hard.status).toBe(200);
  expect((await gateway.rest('GET', `/tenants/${id}`, { headers: bearer(keys.first) })).status).toBe(404);
  expect((await gateway.rest('GET', `/tenants/${id}`, { headers: bearer(keys.second) })).body).toMatchObject({ tenant_id: id, status: 'ready' });
  expect((await createIn(keys.first, id)).status).toBe(201);
});

test('a login session key resolves ids within its project too', async () => {
  const id = await twins();
  await gateway.rest('POST', `/tenants/${id}/suspend`, { headers: bearer(keys.second) });
  const login = await gateway.rest('POST', '/login', { body: { email: firstAccount.email, password: accountPassword } });
  const session = login.body.projects[0].api_key;
  expect((await gateway.rest('GET', `/tenants/${id}`, { headers: bearer(session) })).body).toMatchObject({ tenant_id: id, status: 'ready' });
  expect((await gateway.rest('POST', `/tenants/${id}/suspend`, { headers: bearer(session) })).status).toBe(200);
  const states = await gateway.database.prisma.tenant.findMany({ where: { slug: id }, select: { status: true } });
  expect(states.map((row) => row.status)).toEqual(['SUSPENDED', 'SUSPENDED']);
});

test('an id taken in the same project is still 409', async () => {
  const id = uniqueSlug('acme');
  expect((await createIn(keys.first, id)).status).toBe(201);
  expect((await createIn(keys.first, id)).body).toEqual({ success: false, http_status: 409, code: 'conflict', error: `slug "${id}" is already taken` });
});

test('tenants with no project keep unique ids; a project may still use such an id for its own tenant', async () => {
  const id = uniqueSlug('acme');
  expect((await createIn(gateway.adminKey, id)).status).toBe(201);
  expect((await createIn(gateway.adminKey, id)).body).toEqual({ success: false, http_status: 409, code: 'conflict', error: `slug "${id}" is already taken` });
  expect((await createIn(keys.first, id)).status).toBe(201);
  const direct = gateway.database.prisma.tenant.create({
    data: { slug: id, name: 'Duplicate', region: 'us-east-1', maxUsers: 1, maxApiCallsPerMonth: 1, maxStorageMb: 1 },
  });
  await expect(direct).rejects.toMatchObject({ code: 'P2002' });
});

test('an operator naming an id that tenants of several projects share is 409 asking for the UUID; by UUID it reaches each', async () => {
  const id = await twins();
  const ambiguous = await gateway.rest('GET', `/tenants/${id}`, { headers: bearer(gateway.adminKey) });
  expect(ambiguous.status).toBe(409);
  expect(ambiguous.body).toMatchObject({ success: false, http_status: 409, code: 'conflict' });
  expect(ambiguous.body.error).toMatch(
    new RegExp(`^Tenant "${id}" is ambiguous: tenants in several projects have that id; name the tenant by its UUID \\(for example [0-9a-f-]{36}\\)$`),
  );
  const rows = await gateway.database.prisma.tenant.findMany({ where: { slug: id }, select: { id: true } });
  for (const row of rows) {
    expect((await gateway.rest('GET', `/tenants/${row.id}`, { headers: bearer(gateway.adminKey) })).body).toMatchObject({ success: true, tenant_id: id });
  }
});

test('an operator naming an id held by a tenant with no project reaches that tenant, whatever projects call theirs', async () => {
  const id = await twins();
  expect((await createIn(gateway.adminKey, id)).status).toBe(201);
  await gateway.rest('POST', `/tenants/${id}/suspend`, { headers: bearer(gateway.adminKey) });
  const own = await gateway.database.prisma.tenant.findMany({ where: { slug: id }, select: { projectId: true, status: true } });
  expect(own.filter((row) => row.status === 'SUSPENDED')).toEqual([{ projectId: null, status: 'SUSPENDED' }]);
  expect((await gateway.rest('GET', `/tenants/${id}`, { headers: bearer(keys.first) })).body).toMatchObject({ status: 'ready' });
});
