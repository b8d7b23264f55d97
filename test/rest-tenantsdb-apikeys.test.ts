import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { App } from '../src/app.js';
import { hashSecret } from '../src/modules/identity/api-keys.js';
import { signupAccount } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';
import { startReplica, within } from './support/replica.js';

// TenantsDB API (seed 002): GET/POST /apikeys and DELETE /apikeys/{id}, for the current project.

let gateway: TestGateway;
/** A second replica over the same database, remembering who a key is for one second (PRINCIPAL_CACHE_MS). */
let replica: App;
// Key use is written when a test flushes it, never by a timer in the middle of a test.
const noTimedFlush = { API_KEY_LAST_USED_FLUSH_MS: 3_600_000 };
beforeAll(async () => {
  gateway = await startGateway({ env: noTimedFlush });
  replica = await startReplica(gateway, noTimedFlush);
});
afterAll(async () => {
  await replica.close();
  await gateway.close();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const signup = () => signupAccount(gateway);
const timestamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe('GET /apikeys', () => {
  test("the current project's keys, never their secrets", async () => {
    const { key } = await signup();
    const response = await gateway.rest('GET', '/apikeys', { headers: bearer(key) });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      count: 1,
      api_keys: [
        {
          id: expect.any(String),
          name: 'default',
          prefix: key.slice(0, 25),
          created_at: expect.stringMatching(timestamp),
          last_used_at: null,
          expires_at: null,
        },
      ],
    });
    expect(JSON.stringify(response.body)).not.toContain(key);
  });

  test("the operator's key has no current project: 403", async () => {
    const response = await gateway.rest('GET', '/apikeys', { headers: bearer(gateway.adminKey) });
    expect(response).toMatchObject({ status: 403, body: { code: 'forbidden', error: 'This API key does not belong to a project: use a project API key' } });
  });
});

describe('POST /apikeys', () => {
  test('201 with the key shown once; it works, and the list shows it without its secret', async () => {
    const { key } = await signup();
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const response = await gateway.rest('POST', '/apikeys', { headers: bearer(key), body: { name: 'ci', expires_at: expiresAt } });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      success: true,
      http_status: 201,
      code: 'created',
      id: expect.any(String),
      name: 'ci',
      prefix: expect.stringMatching(/^tenantsdb_sk_[0-9a-f]{12}$/),
      api_key: expect.stringMatching(/^tenantsdb_sk_[0-9a-f]{64}$/),
      created_at: expect.stringMatching(timestamp),
      last_used_at: null,
      expires_at: expiresAt,
    });
    const listed = await gateway.rest('GET', '/apikeys', { headers: bearer(response.body.api_key) });
    expect(listed.body.count).toBe(2);
    expect(listed.body.api_keys[1]).toEqual({ ...response.body, api_key: undefined, success: undefined, http_status: undefined, code: undefined });
    expect(JSON.stringify(listed.body)).not.toContain(response.body.api_key);
  });

  test('without a body field the key is named "API key" and never expires', async () => {
    const { key } = await signup();
    const response = await gateway.rest('POST', '/apikeys', { headers: bearer(key), body: {} });
    expect(response.body).toMatchObject({ name: 'API key', expires_at: null });
  });

  test.each([
    [{ name: '  ' }, 'name must not be empty'],
    [{ name: 'n'.repeat(101) }, 'name must be at most 100 characters'],
    [{ expires_at: '2020-01-01T00:00:00Z' }, 'expires_at must be in the future'],
    [{ expires_at: 'tomorrow' }, 'expires_at must be an ISO 8601 timestamp with a time zone'],
    [{ name: 5 }, 'name: Invalid input: expected string, received number'],
  ])('%j is 400 naming the field (%s); nothing is written', async (body, error) => {
    const { key } = await signup();
    const before = await gateway.database.prisma.apiKey.count();
    const response = await gateway.rest('POST', '/apikeys', { headers: bearer(key), body });
    expect(response.body).toEqual({ success: false, http_status: 400, code: 'bad_request', error });
    expect(await gateway.database.prisma.apiKey.count()).toBe(before);
  });
});

describe('last_used_at', () => {
  const listedKey = async (key: string, id: string) =>
    (await gateway.rest('GET', '/apikeys', { headers: bearer(key) })).body.api_keys.find((entry: { id: string }) => entry.id === id);
  const seconds = (at: number) => Math.floor(at / 1000) * 1000;

  test('null until the key is used; after its use is flushed, the time of that use (ISO, seconds)', async () => {
    const { key } = await signup();
    const created = (await gateway.rest('POST', '/apikeys', { headers: bearer(key), body: { name: 'ci' } })).body;
    await gateway.app.keyUse.flush();
    expect((await listedKey(key, created.id)).last_used_at).toBeNull();

    const before = Date.now();
    expect((await gateway.rest('GET', '/projects', { headers: bearer(created.api_key) })).status).toBe(200);
    const after = Date.now();
    expect((await listedKey(key, created.id)).last_used_at).toBeNull();
    await gateway.app.keyUse.flush();
    const shown = (await listedKey(key, created.id)).last_used_at;
    expect(shown).toMatch(timestamp);
    expect(Date.parse(shown)).toBeGreaterThanOrEqual(seconds(before));
    expect(Date.parse(shown)).toBeLessThanOrEqual(after);
  });

  test('uses answered from the principal cache count too, and a later use moves the time forward', async () => {
    const { key } = await signup();
    const created = (await gateway.rest('POST', '/apikeys', { headers: bearer(key), body: { name: 'ci' } })).body;
    await gateway.rest('GET', '/projects', { headers: bearer(created.api_key) });
    await gateway.app.keyUse.flush();
    const first = await gateway.database.prisma.apiKey.findUniqueOrThrow({ where: { id: created.id } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await gateway.rest('GET', '/projects', { headers: bearer(created.api_key) });
    await gateway.app.keyUse.flush();
    const second = await gateway.database.prisma.apiKey.findUniqueOrThrow({ where: { id: created.id } });
    expect(second.lastUsedAt!.getTime()).toBeGreaterThan(first.lastUsedAt!.getTime());
  });

  test('one flush is one statement, however many keys were used', async () => {
    const keys = await Promise.all([signup(), signup(), signup()]);
    for (const { key } of keys) await gateway.rest('GET', '/projects', { headers: bearer(key) });
    const statements = await gateway.countQueries(() => gateway.app.keyUse.flush());
    expect(statements).toHaveLength(1);
    const rows = await gateway.database.prisma.apiKey.findMany({ where: { project: { slug: { in: keys.map((account) => account.projectId) } } } });
    expect(rows.map((row) => row.lastUsedAt)).toEqual(rows.map(() => expect.any(Date)));
  });

  test("a flush brings back no key: a deleted key stays deleted (its last use before that recorded), a deleted project's keys stay gone", async () => {
    const { key } = await signup();
    const created = (await gateway.rest('POST', '/apikeys', { headers: bearer(key), body: { name: 'ci' } })).body;
    const doomed = (await gateway.rest('POST', '/projects', { headers: bearer(key), body: { name: 'Doomed' } })).body;
    await gateway.rest('GET', '/projects', { headers: bearer(created.api_key) });
    await gateway.rest('GET', '/apikeys', { headers: bearer(doomed.api_key) });
    expect((await gateway.rest('DELETE', `/apikeys/${created.id}`, { headers: bearer(key) })).status).toBe(200);
    expect((await gateway.rest('DELETE', `/projects/${doomed.project_id}`, { headers: bearer(key) })).status).toBe(200);
    await gateway.app.keyUse.flush();
    // Still revoked; the use before the revocation is kept (what one wants to know of a compromised key).
    const revoked = await gateway.database.prisma.apiKey.findUniqueOrThrow({ where: { id: created.id } });
    expect(revoked).toMatchObject({ revokedAt: expect.any(Date), lastUsedAt: expect.any(Date) });
    expect(revoked.lastUsedAt!.getTime()).toBeLessThanOrEqual(revoked.revokedAt!.getTime());
    expect(await gateway.database.prisma.project.count({ where: { slug: doomed.project_id } })).toBe(0);
    expect((await gateway.rest('GET', '/apikeys', { headers: bearer(created.api_key) })).status).toBe(401);
    expect((await gateway.rest('GET', '/apikeys', { headers: bearer(doomed.api_key) })).status).toBe(401);
    expect((await gateway.rest('GET', '/apikeys', { headers: bearer(key) })).body.api_keys.map((entry: { id: string }) => entry.id)).not.toContain(created.id);
  });

  test('a process that stops writes the uses it noted', async () => {
    const { key } = await signup();
    const stopping = await startReplica(gateway, noTimedFlush);
    expect((await stopping.fetch(new Request('http://gateway.test/apikeys', { headers: bearer(key) }))).status).toBe(200);
    const stored = () => gateway.database.prisma.apiKey.findUniqueOrThrow({ where: { secretHash: hashSecret(key) } });
    expect((await stored()).lastUsedAt).toBeNull();
    await stopping.close();
    expect((await stored()).lastUsedAt).toEqual(expect.any(Date));
  });

  test('the operator key and anonymous calls record nothing', async () => {
    await gateway.app.keyUse.flush();
    await gateway.rest('GET', '/tenants', { headers: bearer(gateway.adminKey) });
    await gateway.rest('GET', '/regions');
    expect(await gateway.countQueries(() => gateway.app.keyUse.flush())).toEqual([]);
  });
});

describe('DELETE /apikeys/{id}', () => {
  test('the key stops working at once and leaves the list', async () => {
    const { key } = await signup();
    const created = (await gateway.rest('POST', '/apikeys', { headers: bearer(key), body: { name: 'ci' } })).body;
    expect((await gateway.rest('GET', '/apikeys', { headers: bearer(created.api_key) })).status).toBe(200);
    const response = await gateway.rest('DELETE', `/apikeys/${created.id}`, { headers: bearer(key) });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ success: true, http_status: 200, code: 'ok', message: `API key '${created.id}' deleted successfully` });
    expect((await gateway.rest('GET', '/apikeys', { headers: bearer(created.api_key) })).status).toBe(401);
    expect((await gateway.rest('GET', '/apikeys', { headers: bearer(key) })).body.count).toBe(1);
  });

  test("another account's key, and an unknown id, are 404; the key keeps working", async () => {
    const mine = await signup();
    const theirs = await signup();
    const theirKey = (await gateway.rest('GET', '/apikeys', { headers: bearer(theirs.key) })).body.api_keys[0];
    for (const id of [theirKey.id, '00000000-0000-4000-8000-000000000000', 'not-an-id']) {
      const response = await gateway.rest('DELETE', `/apikeys/${id}`, { headers: bearer(mine.key) });
      expect(response.body).toEqual({ success: false, http_status: 404, code: 'not_found', error: 'API key does not exist' });
    }
    expect((await gateway.rest('GET', '/apikeys', { headers: bearer(theirs.key) })).status).toBe(200);
  });
});

describe('another replica', () => {
  const onReplica = async (key: string) => (await replica.fetch(new Request('http://gateway.test/apikeys', { headers: bearer(key) }))).status;

  test('a key deleted on one replica stops working on another within a second, though the other remembered it', async () => {
    const { key } = await signup();
    const created = (await gateway.rest('POST', '/apikeys', { headers: bearer(key), body: { name: 'ci' } })).body;
    // The key lookup joins the owning tenant: the writer (no memory) sends it, the replica answers from memory.
    const lookups = (statements: string[]) => statements.filter((sql) => sql.includes('"ApiKey_tenant"'));
    const fresh = await gateway.countQueries(() => gateway.rest('GET', '/apikeys', { headers: bearer(created.api_key) }));
    expect(lookups(fresh)).toHaveLength(1);
    expect(await onReplica(created.api_key)).toBe(200);
    const remembered = await gateway.countQueries(async () => expect(await onReplica(created.api_key)).toBe(200));
    expect(lookups(remembered)).toEqual([]);
    expect((await gateway.rest('DELETE', `/apikeys/${created.id}`, { headers: bearer(key) })).status).toBe(200);
    expect(await within(401, () => onReplica(created.api_key))).toBeLessThanOrEqual(1_200);
  });

  test('a project deleted on one replica: its keys stop working on another within a second', async () => {
    const { key } = await signup();
    const doomed = (await gateway.rest('POST', '/projects', { headers: bearer(key), body: { name: 'Doomed' } })).body;
    expect(await onReplica(doomed.api_key)).toBe(200);
    expect((await gateway.rest('DELETE', `/projects/${doomed.project_id}`, { headers: bearer(key) })).status).toBe(200);
    expect(await within(401, () => onReplica(doomed.api_key))).toBeLessThanOrEqual(1_200);
  });
});
