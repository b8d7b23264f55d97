import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Scope } from '../src/generated/graphql/graphql.js';
import { createKey } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

let gateway: TestGateway;
let admin: Record<string, string>;
beforeAll(async () => {
  gateway = await startGateway();
  admin = { authorization: `Bearer ${gateway.adminKey}` };
});
afterAll(() => gateway.close());

type Tenant = { id: string; uuid: string; domain: string };

async function tenant(settings: Record<string, number> = {}): Promise<Tenant> {
  const domain = `acme${randomBytes(3).toString('hex')}.controlcore.io`;
  const response = await gateway.rest('POST', '/api/v1/tenants', { headers: admin, body: { name: 'Acme Corporation', domain, plan_type: 'pro', settings } });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  const row = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug: response.body.id } });
  return { id: response.body.id, uuid: row.id, domain };
}

const keyOf = async (owner: Tenant, scopes: Scope[]) => ({ authorization: `Bearer ${(await createKey(gateway, { scopes, tenant: owner.uuid })).secret}` });
const as = (owner: Tenant) => ({ ...admin, 'x-tenant-id': owner.id });
const kinds = [
  ['/api/v1/policies', 'policy'],
  ['/api/v1/resources', 'resource'],
  ['/api/v1/bouncers', 'bouncer'],
] as const;

describe.each(kinds)('%s', (path, noun) => {
  test('POST, GET, PUT and DELETE in the documented shape', async () => {
    const owner = await tenant();
    const created = await gateway.rest('POST', path, {
      headers: as(owner),
      body: { name: 'Engineering access', description: 'Who may deploy', spec: { allow: ['deploy'], effect: 'permit' } },
    });
    expect(created.status).toBe(201);
    const { id, created_at, updated_at, ...fields } = created.body;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(updated_at).toBe(created_at);
    expect(fields).toEqual({
      name: 'Engineering access',
      description: 'Who may deploy',
      spec: { allow: ['deploy'], effect: 'permit' },
      ...(noun === 'policy' ? { mode: 'active' } : {}),
    });

    const listed = await gateway.rest('GET', path, { headers: as(owner) });
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([created.body]);

    const updated = await gateway.rest('PUT', `${path}/${id}`, { headers: as(owner), body: { description: 'Who may deploy on Fridays' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      id,
      name: 'Engineering access',
      description: 'Who may deploy on Fridays',
      spec: { allow: ['deploy'], effect: 'permit' },
    });

    const deleted = await gateway.rest('DELETE', `${path}/${id}`, { headers: as(owner) });
    expect(deleted.status).toBe(204);
    expect((await gateway.rest('GET', path, { headers: as(owner) })).body).toEqual([]);
    expect((await gateway.rest('DELETE', `${path}/${id}`, { headers: as(owner) })).status).toBe(404);
  });

  test('the tenant is named by X-Tenant-ID, ?tenant_id, the Host, or the tenant key alone', async () => {
    const owner = await tenant();
    await gateway.rest('POST', path, { headers: as(owner), body: { name: 'one' } });
    const key = await keyOf(owner, ['POLICIES_READ', 'RESOURCES_READ', 'BOUNCERS_READ']);
    const ways: [string, Record<string, string>][] = [
      [path, as(owner)],
      [`${path}?tenant_id=${owner.id}`, admin],
      [path, { ...admin, host: owner.domain }],
      [path, key],
      [path, { ...admin, 'x-tenant-id': owner.uuid }],
    ];
    for (const [url, headers] of ways) {
      const response = await gateway.rest('GET', url, { headers });
      expect(response.status, `${url} ${JSON.stringify(headers)}: ${JSON.stringify(response.body)}`).toBe(200);
      expect(response.body.map((document: { name: string }) => document.name)).toEqual(['one']);
    }
  });

  test('no tenant context is 400 naming the three ways; disagreeing ones are 400 naming both', async () => {
    const missing = await gateway.rest('GET', path, { headers: admin });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      error: 'tenant_context_required',
      message:
        "No tenant context: send the X-Tenant-ID header, the tenant_id query parameter, or call the tenant's domain as Host (or use a credential owned by one tenant)",
      field: 'tenant_id',
      tenant_id: null,
    });
    const [first, second] = [await tenant(), await tenant()];
    const conflict = await gateway.rest('GET', `${path}?tenant_id=${second.id}`, { headers: as(first) });
    expect(conflict.status).toBe(400);
    expect(conflict.body.error).toBe('tenant_context_conflict');
    const host = await gateway.rest('GET', path, { headers: { ...as(first), host: second.domain } });
    expect(host.body).toMatchObject({
      error: 'tenant_context_conflict',
      message: `the X-Tenant-ID header names tenant ${first.id} but the Host header names tenant ${second.domain}`,
    });
  });

  test("another tenant's document is 404; another tenant's key is 403 by every way of naming the tenant", async () => {
    const [owner, other] = [await tenant(), await tenant()];
    const { body } = await gateway.rest('POST', path, { headers: as(owner), body: { name: 'mine' } });
    const otherAdmin = as(other);
    expect((await gateway.rest('PUT', `${path}/${body.id}`, { headers: otherAdmin, body: { name: 'stolen' } })).status).toBe(404);
    const gone = await gateway.rest('DELETE', `${path}/${body.id}`, { headers: otherAdmin });
    expect(gone.body).toEqual({ error: 'not_found', message: `No ${noun} ${body.id}`, tenant_id: other.id });
    const otherKey = await keyOf(other, ['POLICIES_WRITE', 'RESOURCES_WRITE', 'BOUNCERS_WRITE', 'POLICIES_READ', 'RESOURCES_READ', 'BOUNCERS_READ']);
    for (const [url, headers] of [
      [path, { ...otherKey, 'x-tenant-id': owner.id }],
      [`${path}?tenant_id=${owner.id}`, otherKey],
      [path, { ...otherKey, host: owner.domain }],
      [path, { ...otherKey, 'x-tenant-id': 'tenant-nobody-000' }],
    ] as [string, Record<string, string>][]) {
      for (const method of ['GET', 'POST']) {
        const response = await gateway.rest(method, url, { headers, body: method === 'POST' ? { name: 'intruder' } : undefined });
        expect(response.status, `${method} ${url} ${JSON.stringify(headers)}`).toBe(403);
        expect(response.body.error).toBe('tenant_access_denied');
      }
      for (const method of ['PUT', 'DELETE']) {
        const response = await gateway.rest(method, url.replace(path, `${path}/${body.id}`), { headers, body: method === 'PUT' ? { name: 'x' } : undefined });
        expect(response.status).toBe(403);
      }
    }
    expect((await gateway.rest('GET', path, { headers: as(owner) })).body.map((document: { name: string }) => document.name)).toEqual(['mine']);
  });

  test.each([
    [{}, 'name', 'name is required'],
    [{ name: '' }, 'name', 'name must not be empty'],
    [{ name: 'x'.repeat(201) }, 'name', 'name must be at most 200 characters'],
    [{ name: 'a', spec: [1, 2] }, 'spec', 'spec'],
    [{ name: 'a', spec: 'allow' }, 'spec', 'spec'],
    [{ name: 'a', spec: { blob: 'x'.repeat(70_000) } }, 'spec', 'spec must be at most 64 KiB of JSON'],
    [{ name: 'a', description: 'x'.repeat(2001) }, 'description', 'description must be at most 2000 characters'],
    // Only a policy has a mode; on the others it is an unknown field.
    [{ name: 'a', mode: 'enforcing' }, noun === 'policy' ? 'mode' : 'body', 'mode'],
    [{ name: 'a', owner: 'me' }, 'body', 'owner'],
  ])('%j is 400 naming %s, and nothing is written', async (body, field, message) => {
    const owner = await tenant();
    const response = await gateway.rest('POST', path, { headers: as(owner), body });
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body).toMatchObject({ error: 'validation_error', field, tenant_id: owner.id });
    expect(response.body.message).toContain(message);
    expect(await gateway.database.prisma.tenantDocument.count({ where: { tenantId: owner.uuid } })).toBe(0);
  });

  test('a name is unique in the tenant (409), not across tenants', async () => {
    const [owner, other] = [await tenant(), await tenant()];
    await gateway.rest('POST', path, { headers: as(owner), body: { name: 'shared' } });
    const again = await gateway.rest('POST', path, { headers: as(owner), body: { name: 'shared' } });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error: 'conflict', message: `A ${noun} named "shared" already exists`, field: 'name', tenant_id: owner.id });
    expect((await gateway.rest('POST', path, { headers: as(other), body: { name: 'shared' } })).status).toBe(201);
    const second = await gateway.rest('POST', path, { headers: as(owner), body: { name: 'second' } });
    expect((await gateway.rest('PUT', `${path}/${second.body.id}`, { headers: as(owner), body: { name: 'shared' } })).status).toBe(409);
  });

  test('a key needs the scope of the route', async () => {
    const owner = await tenant();
    const scope = `${path.split('/').pop()!.toUpperCase()}_READ` as Scope;
    const readOnly = await keyOf(owner, [scope]);
    expect((await gateway.rest('GET', path, { headers: readOnly })).status).toBe(200);
    const refused = await gateway.rest('POST', path, { headers: readOnly, body: { name: 'x' } });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: 'insufficient_scope', scope: `${path.split('/').pop()}:write`, tenant_id: null });
    const unrelated = await keyOf(owner, ['CONFIG_READ']);
    expect((await gateway.rest('GET', path, { headers: unrelated })).body.error).toBe('insufficient_scope');
  });
});

describe('policy mode', () => {
  test('sandbox or active; resources and bouncers have none, documented or accepted', async () => {
    const owner = await tenant();
    const sandbox = await gateway.rest('POST', '/api/v1/policies', { headers: as(owner), body: { name: 'trial', mode: 'sandbox' } });
    expect(sandbox.body.mode).toBe('sandbox');
    expect((await gateway.rest('PUT', `/api/v1/policies/${sandbox.body.id}`, { headers: as(owner), body: { mode: 'active' } })).body.mode).toBe('active');
    const document = (await gateway.rest('GET', '/openapi.json')).body;
    const bodySchema = (path: string, method: 'post' | 'put') => document.paths[path][method].requestBody.content['application/json'].schema;
    expect(Object.keys(bodySchema('/api/v1/policies', 'post').properties)).toContain('mode');
    for (const path of ['/api/v1/resources', '/api/v1/bouncers']) {
      expect(Object.keys(bodySchema(path, 'post').properties)).not.toContain('mode');
      expect(Object.keys(bodySchema(`${path}/{id}`, 'put').properties)).not.toContain('mode');
      const refused = await gateway.rest('POST', path, { headers: as(owner), body: { name: 'db', mode: 'sandbox' } });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: 'validation_error', field: 'body', message: expect.stringContaining('"mode"') });
    }
  });
});

describe('limits and usage alerts', () => {
  test('max_policies refuses the one past the limit (403 naming it), nothing created', async () => {
    const owner = await tenant({ max_policies: 2, max_bouncers: 1 });
    for (const name of ['a', 'b']) expect((await gateway.rest('POST', '/api/v1/policies', { headers: as(owner), body: { name } })).status).toBe(201);
    const refused = await gateway.rest('POST', '/api/v1/policies', { headers: as(owner), body: { name: 'c' } });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      error: 'limit_exceeded',
      message: "The tenant's policy limit is reached (max_policies: 2)",
      limit: 2,
      field: 'settings.max_policies',
      tenant_id: owner.id,
    });
    expect((await gateway.rest('POST', '/api/v1/bouncers', { headers: as(owner), body: { name: 'edge' } })).status).toBe(201);
    const bouncer = await gateway.rest('POST', '/api/v1/bouncers', { headers: as(owner), body: { name: 'edge-2' } });
    expect(bouncer.body).toMatchObject({ error: 'limit_exceeded', field: 'settings.max_bouncers', limit: 1 });
    expect(await gateway.database.prisma.tenantDocument.count({ where: { tenantId: owner.uuid } })).toBe(3);
    const read = await gateway.rest('GET', `/api/v1/tenants/${owner.id}`, { headers: admin });
    expect(read.body.limits).toEqual({ policies_used: 2, users_used: 1, bouncers_used: 1 });
  });

  test('80 % raises a warning, 100 % a critical alert, falling back resolves them; served with the resource-limit alerts', async () => {
    const owner = await tenant({ max_policies: 5 });
    const ids: string[] = [];
    const create = async (name: string) => ids.push((await gateway.rest('POST', '/api/v1/policies', { headers: as(owner), body: { name } })).body.id);
    for (const name of ['a', 'b', 'c']) await create(name);
    expect((await gateway.rest('GET', `/api/v1/tenants/${owner.id}/alerts`, { headers: admin })).body).toEqual([]);

    await create('d');
    const warning = await gateway.rest('GET', `/api/v1/tenants/${owner.id}/alerts`, { headers: admin });
    expect(warning.status).toBe(200);
    expect(warning.body).toHaveLength(1);
    const { id, created_at, ...fields } = warning.body[0];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(fields).toEqual({ type: 'usage_limit', severity: 'warning', message: 'Approaching policy limit (80% of 5)', resolved_at: null });

    await create('e');
    const critical = (await gateway.rest('GET', `/api/v1/tenants/${owner.id}/alerts`, { headers: admin })).body;
    expect(critical.map((alert: { severity: string; resolved_at: string | null }) => [alert.severity, alert.resolved_at === null])).toEqual([
      ['critical', true],
      ['warning', false],
    ]);
    expect(critical[0].message).toBe('Policy limit reached (100% of 5)');

    for (const removed of ids.slice(0, 3)) await gateway.rest('DELETE', `/api/v1/policies/${removed}`, { headers: as(owner) });
    const resolved = (await gateway.rest('GET', `/api/v1/tenants/${owner.id}/alerts`, { headers: admin })).body;
    expect(resolved.every((alert: { resolved_at: string | null }) => alert.resolved_at !== null)).toBe(true);

    await gateway.rest('PUT', '/tenant/limits/resources', { headers: as(owner), body: [{ resource: 'workflows', metric: 'runs', period: 'day', limit: 10 }] });
    await gateway.rest('POST', '/tenant/limits/resources/track', { headers: as(owner), body: { resource: 'workflows', metric: 'runs', amount: 9 } });
    const withUsage = (await gateway.rest('GET', `/api/v1/tenants/${owner.id}/alerts`, { headers: admin })).body;
    expect(withUsage[0]).toMatchObject({
      type: 'usage_limit',
      severity: 'warning',
      message: 'Approaching workflows runs limit (80% of 10)',
      resolved_at: null,
    });
  });

  test("lowering a limit raises its alert on the next read; another tenant's key is 403 and an unknown tenant 404", async () => {
    const owner = await tenant({ max_bouncers: 10 });
    await gateway.rest('POST', '/api/v1/bouncers', { headers: as(owner), body: { name: 'edge' } });
    await gateway.rest('PUT', `/api/v1/tenants/${owner.id}`, { headers: admin, body: { settings: { max_bouncers: 1 } } });
    const alerts = (await gateway.rest('GET', `/api/v1/tenants/${owner.id}/alerts`, { headers: admin })).body;
    expect(alerts[0]).toMatchObject({ severity: 'critical', message: 'Bouncer limit reached (100% of 1)' });
    const other = await tenant();
    const cross = await gateway.rest('GET', `/api/v1/tenants/${owner.id}/alerts`, { headers: await keyOf(other, ['USAGE_READ']) });
    expect(cross.body).toEqual({ error: 'tenant_access_denied', message: `Access denied for tenant ${owner.id}`, tenant_id: owner.id });
    expect((await gateway.rest('GET', '/api/v1/tenants/tenant-nobody-000/alerts', { headers: admin })).body.error).toBe('tenant_not_found');
  });
});

describe('input boundaries', () => {
  test.each([
    ['a NUL byte in the name', '{"name":"a\\u0000b"}', 'name'],
    ['a lone surrogate in the description', '{"name":"a","description":"x\\ud800"}', 'description'],
    ['a prototype key in the spec', '{"name":"a","spec":{"__proto__":{"admin":true}}}', 'spec.__proto__'],
  ])('%s is 400 naming the field, nothing written', async (_case, rawBody, field) => {
    const owner = await tenant();
    const response = await gateway.rest('POST', '/api/v1/policies', { headers: { ...as(owner), 'content-type': 'application/json' }, rawBody });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'validation_error', field, tenant_id: owner.id });
    expect(await gateway.database.prisma.tenantDocument.count({ where: { tenantId: owner.uuid } })).toBe(0);
  });

  test('a NUL byte in ?tenant_id is refused before anything runs', async () => {
    const query = await gateway.rest('GET', '/api/v1/policies?tenant_id=a%00b', { headers: admin });
    expect(query.status).toBe(400);
    expect(query.body).toMatchObject({ error: 'validation_error', field: 'tenant_id' });
  });
});
