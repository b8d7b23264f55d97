import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createBlueprints, setProjectTier, signupAccount } from './support/fixtures.js';
import { startGateway, type TestGateway, uniqueSlug } from './support/gateway.js';

// TenantsDB API (seed 002): a project key reaches only its project's tenants; another project's
// tenant, of the same account or of another, answers exactly like a tenant that does not exist.

let gateway: TestGateway;
const keys = { owner: '', sibling: '', stranger: '' };
beforeAll(async () => {
  gateway = await startGateway();
  const signup = async () => (await signupAccount(gateway)).key;
  const owner = await signupAccount(gateway);
  keys.owner = owner.key;
  // The owner's project gets a tenant for every route and caller: far past FREE's 5, so it is paid.
  await setProjectTier(gateway, owner.projectId, 'PRO');
  keys.sibling = (await gateway.rest('POST', '/projects', { headers: { authorization: `Bearer ${keys.owner}` }, body: { name: 'Sibling' } })).body.api_key;
  keys.stranger = await signup();
  for (const key of Object.values(keys)) await createBlueprints(gateway, key, ['main']);
});
afterAll(() => gateway.close());

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function ownersTenant(): Promise<string> {
  const slug = uniqueSlug('acme');
  const created = await gateway.rest('POST', '/tenants', {
    headers: bearer(keys.owner),
    body: { tenant_id: slug, databases: [{ blueprint: 'main', isolation_level: 1 }] },
  });
  expect(created.status).toBe(201);
  return slug;
}

const routes: [method: string, path: string, body?: object][] = [
  ['GET', '/tenants/{id}'],
  ['DELETE', '/tenants/{id}'],
  ['DELETE', '/tenants/{id}?hard=true'],
  ['POST', '/tenants/{id}/suspend'],
  ['POST', '/tenants/{id}/resume'],
  ['POST', '/tenants/{id}/restore'],
  ['PATCH', '/tenants/{id}/isolation', { isolation_level: 2, blueprint: 'main' }],
  ['POST', '/tenants/{id}/backup'],
  ['GET', '/tenants/{id}/backups'],
  ['POST', '/tenants/{id}/rollback', { storage_path: 'postgresql/manual/2026-02-15T14-30-00/x.sql.gz' }],
  ['POST', '/tenants/{id}/recover', { timestamp: '2026-02-03T17:10:59Z' }],
  ['POST', '/tenants/{id}/recover-undo'],
  ['GET', '/tenants/{id}/logs'],
  ['GET', '/tenants/{id}/logs/stats'],
  ['GET', '/tenants/{id}/metrics?since=24h'],
  ['GET', '/tenants/{id}/deployments'],
];

describe.each([
  ['another project of the same account', 'sibling'],
  ['a project of another account', 'stranger'],
] as const)('%s', (_name, caller) => {
  test.each(routes)('%s %s on the owner\'s tenant is 404 "Tenant not found" and changes nothing', async (method, path, body) => {
    const slug = await ownersTenant();
    const before = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug }, include: { databases: true, backups: true } });
    const response = await gateway.rest(method, path.replace('{id}', slug), { headers: bearer(keys[caller]), ...(body ? { body } : {}) });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ success: false, http_status: 404, code: 'not_found', error: `Tenant not found: ${slug}` });
    const after = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug }, include: { databases: true, backups: true } });
    expect(after).toEqual(before);
  });
});

test("GET /tenants lists the caller's project only; the operator still sees every project's tenants", async () => {
  const mine = await ownersTenant();
  const theirs = uniqueSlug('globex');
  expect(
    (
      await gateway.rest('POST', '/tenants', {
        headers: bearer(keys.stranger),
        body: { tenant_id: theirs, databases: [{ blueprint: 'main', isolation_level: 1 }] },
      })
    ).status,
  ).toBe(201);
  const owner = await gateway.rest('GET', '/tenants', { headers: bearer(keys.owner) });
  const stranger = await gateway.rest('GET', '/tenants', { headers: bearer(keys.stranger) });
  const sibling = await gateway.rest('GET', '/tenants', { headers: bearer(keys.sibling) });
  const operator = await gateway.rest('GET', '/tenants', { headers: bearer(gateway.adminKey) });
  const ids = (response: { body: { tenants: { tenant_id: string }[] } }) => response.body.tenants.map((tenant) => tenant.tenant_id);
  expect(ids(owner)).toContain(mine);
  expect(ids(owner)).not.toContain(theirs);
  expect(ids(stranger)).toEqual([theirs]);
  expect(sibling.body).toEqual({ success: true, http_status: 200, code: 'ok', tenants: [], count: 0 });
  expect(ids(operator)).toEqual(expect.arrayContaining([mine, theirs]));
});

test("the owner's key reads, changes and deletes its own tenant", async () => {
  const slug = await ownersTenant();
  expect((await gateway.rest('GET', `/tenants/${slug}`, { headers: bearer(keys.owner) })).status).toBe(200);
  expect((await gateway.rest('POST', `/tenants/${slug}/suspend`, { headers: bearer(keys.owner) })).status).toBe(200);
  expect((await gateway.rest('DELETE', `/tenants/${slug}?hard=true`, { headers: bearer(keys.owner) })).status).toBe(200);
});
