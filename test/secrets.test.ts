import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApp } from '../src/app.js';
import { openDatabase } from '../src/gateway-db/client.js';
import { applyMigrations } from '../src/gateway-db/schema-engine.js';
import { readEnvironment } from '../src/env.js';
import { createLogger } from '../src/lib/logger.js';
import { openDataKey, openSecretValue } from '../src/modules/secrets/envelope.js';
import { createKey, createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway, testRateLimits } from './support/gateway.js';

// Secrets of the gateway tenant API (seed 001, issue 15): envelope encryption, names and values, the three routes.

let gateway: TestGateway;
const keyA = randomBytes(32);
beforeAll(async () => {
  gateway = await startGateway({ env: { SECRETS_KEY: keyA.toString('hex') } });
});
afterAll(() => gateway.close());

async function tenantWithKey() {
  const tenant = await createTenant(gateway, { tier: 'PRO' });
  const key = await createKey(gateway, { scopes: ['SECRETS_READ', 'SECRETS_WRITE'], tenant: tenant.id });
  const headers = { authorization: `Bearer ${key.secret}`, 'x-tenant-id': tenant.slug };
  return {
    tenant,
    key: key.secret,
    call: (method: string, pathname: string, body?: unknown) => gateway.rest(method, pathname, { headers, body }),
  };
}

/** Opens a stored secret as the gateway would for its own use (signing, outgoing credentials). */
async function openStored(keyring: { current: Buffer; previous: Buffer[] }, tenantId: string, name: string, sealedFrom = { tenantId, name }) {
  const { prisma } = gateway.database;
  const row = await prisma.tenantDataKey.findUniqueOrThrow({ where: { tenantId } });
  const dataKey = openDataKey(keyring, row);
  if (!dataKey) throw new Error('data key does not open');
  const secret = await prisma.tenantSecret.findUniqueOrThrow({ where: { tenantId_name: sealedFrom } });
  return openSecretValue(dataKey, tenantId, name, secret.sealed);
}

describe('the documented examples', () => {
  test('POST /tenant/secrets stores a secret', async () => {
    const { call } = await tenantWithKey();
    const response = await call('POST', '/tenant/secrets', { key: 'STRIPE_SECRET_KEY', value: 'sk_live_...' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ success: true, message: 'Secret stored' });
  });

  test('GET /tenant/secrets lists the names, sorted, never the values', async () => {
    const { call } = await tenantWithKey();
    await call('POST', '/tenant/secrets', { key: 'STRIPE_SECRET_KEY', value: 'sk_live_...' });
    await call('POST', '/tenant/secrets', { key: 'JIRA_API_TOKEN', value: 'jira-token-value' });
    const response = await call('GET', '/tenant/secrets');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ secrets: ['JIRA_API_TOKEN', 'STRIPE_SECRET_KEY'] });
  });

  test('DELETE /tenant/secrets/:key deletes it; an unknown name is 404', async () => {
    const { call } = await tenantWithKey();
    await call('POST', '/tenant/secrets', { key: 'STRIPE_SECRET_KEY', value: 'sk_live_...' });
    const response = await call('DELETE', '/tenant/secrets/STRIPE_SECRET_KEY');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ success: true, message: 'Secret deleted' });
    expect((await call('GET', '/tenant/secrets')).body).toEqual({ secrets: [] });
    const again = await call('DELETE', '/tenant/secrets/STRIPE_SECRET_KEY');
    expect({ status: again.status, body: again.body }).toEqual({
      status: 404,
      body: { success: false, error: 'not_found', message: 'No secret named "STRIPE_SECRET_KEY"' },
    });
  });
});

describe('names and values', () => {
  test('storing a name again replaces its value', async () => {
    const { call, tenant } = await tenantWithKey();
    await call('POST', '/tenant/secrets', { key: 'API_TOKEN', value: 'first-value' });
    await call('POST', '/tenant/secrets', { key: 'API_TOKEN', value: 'second-value' });
    expect((await call('GET', '/tenant/secrets')).body).toEqual({ secrets: ['API_TOKEN'] });
    expect(await openStored({ current: keyA, previous: [] }, tenant.id, 'API_TOKEN')).toBe('second-value');
  });

  test('a name of 128 characters and a value of exactly 64 KiB are accepted', async () => {
    const { call } = await tenantWithKey();
    const response = await call('POST', '/tenant/secrets', { key: `A${'B'.repeat(127)}`, value: 'v'.repeat(64 * 1024) });
    expect(response.status).toBe(200);
  });

  const nameRule = 'name must be 1-128 characters: an uppercase letter, then uppercase letters, digits or "_" (^[A-Z][A-Z0-9_]{0,127}$)';
  test.each([
    ['a lowercase name', { key: 'stripe_key', value: 'hidden-value-1' }, nameRule],
    ['a name starting with a digit', { key: '1KEY', value: 'hidden-value-2' }, nameRule],
    ['a name starting with "_"', { key: '_KEY', value: 'hidden-value-3' }, nameRule],
    ['a name with a hyphen', { key: 'MY-KEY', value: 'hidden-value-4' }, nameRule],
    ['a name of 129 characters', { key: `A${'B'.repeat(128)}`, value: 'hidden-value-5' }, nameRule],
    ['an empty name', { key: '', value: 'hidden-value-6' }, nameRule],
    ['an empty value', { key: 'EMPTY', value: '' }, 'value must not be empty'],
    ['a value over 64 KiB', { key: 'BIG', value: `hidden-value-7${'v'.repeat(64 * 1024)}` }, 'value must be at most 65536 bytes (64 KiB)'],
    ['a value over 64 KiB in UTF-8 bytes', { key: 'BIG', value: `hidden-value-8${'é'.repeat(32 * 1024)}` }, 'value must be at most 65536 bytes (64 KiB)'],
  ])('%s is 400 naming the field and rule, never the value, nothing written', async (_name, body, message) => {
    const { call } = await tenantWithKey();
    const response = await call('POST', '/tenant/secrets', body);
    expect({ status: response.status, body: response.body }).toEqual({ status: 400, body: { success: false, error: 'bad_user_input', message } });
    if (body.value) expect(JSON.stringify(response.body)).not.toContain(body.value.slice(0, 14));
    expect((await call('GET', '/tenant/secrets')).body).toEqual({ secrets: [] });
  });

  test.each([
    ['no key', { value: 'x' }, 'key: Invalid input: expected string, received undefined'],
    ['no value', { key: 'KEY' }, 'value: Invalid input: expected string, received undefined'],
    ['a number as value', { key: 'KEY', value: 42 }, 'value: Invalid input: expected string, received number'],
  ])('a body with %s is 400', async (_name, body, message) => {
    const { call } = await tenantWithKey();
    const response = await call('POST', '/tenant/secrets', body);
    expect({ status: response.status, body: response.body }).toEqual({ status: 400, body: { success: false, error: 'bad_request', message } });
  });

  test('GraphQL: the same rules, every violation named in extensions', async () => {
    const tenant = await createTenant(gateway);
    const result = await gateway.graphql(`mutation { storeTenantSecret(tenant: "${tenant.id}", name: "bad name", value: "") { name } }`);
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      violations: [
        { field: 'name', rule: 'pattern', message: nameRule },
        { field: 'value', rule: 'required', message: 'value must not be empty' },
      ],
    });
  });

  test('TenantSecret has no field that could carry a value', async () => {
    const { schema } = await import('../src/graphql/schema.js');
    const type = schema.getType('TenantSecret') as import('graphql').GraphQLObjectType;
    expect(Object.keys(type.getFields()).sort()).toEqual(['createdAt', 'name', 'updatedAt']);
  });

  test("a suspended tenant's key lists its secrets but cannot store one", async () => {
    const { call, tenant } = await tenantWithKey();
    await call('POST', '/tenant/secrets', { key: 'KEEP', value: 'kept-value' });
    await gateway.graphql(`mutation { suspendTenant(id: "${tenant.id}") { id } }`);
    expect((await call('GET', '/tenant/secrets')).body).toEqual({ secrets: ['KEEP'] });
    expect((await call('POST', '/tenant/secrets', { key: 'MORE', value: 'x' })).status).toBe(403);
  });
});

describe('at rest', () => {
  test('the database holds only sealed bytes; a sealed value copied to another tenant or name does not open', async () => {
    const one = await tenantWithKey();
    const two = await tenantWithKey();
    const value = `plain-${randomUUID()}`;
    await one.call('POST', '/tenant/secrets', { key: 'SHARED_NAME', value });
    await one.call('POST', '/tenant/secrets', { key: 'OTHER_NAME', value: 'other' });
    await two.call('POST', '/tenant/secrets', { key: 'SHARED_NAME', value: 'two-value' });
    const { prisma } = gateway.database;
    const rows = await prisma.tenantSecret.findMany();
    const keys = await prisma.tenantDataKey.findMany();
    const needle = Buffer.from(value);
    for (const row of rows) expect(Buffer.from(row.sealed).includes(needle)).toBe(false);
    expect(JSON.stringify({ rows, keys })).not.toContain(value);
    const dump = await prisma.$queryRaw<{ dump: string }[]>`SELECT string_agg(t::text, '') AS dump FROM "TenantSecret" t`;
    expect(dump[0]!.dump).not.toContain(value);

    const keyring = { current: keyA, previous: [] };
    expect(await openStored(keyring, one.tenant.id, 'SHARED_NAME')).toBe(value);
    const sealed = rows.find((row) => row.tenantId === one.tenant.id && row.name === 'SHARED_NAME')!.sealed;
    // Copied under another name of the same tenant, and to another tenant under the same name.
    await prisma.tenantSecret.update({ where: { tenantId_name: { tenantId: one.tenant.id, name: 'OTHER_NAME' } }, data: { sealed } });
    await prisma.tenantSecret.update({ where: { tenantId_name: { tenantId: two.tenant.id, name: 'SHARED_NAME' } }, data: { sealed } });
    await expect(openStored(keyring, one.tenant.id, 'OTHER_NAME')).rejects.toThrow();
    await expect(openStored(keyring, two.tenant.id, 'SHARED_NAME')).rejects.toThrow();
  });

  test('no file of the data directory, WAL included, holds a stored value', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'gateway-secrets-'));
    const database = openDatabase(path.join(dataDir, 'pglite'));
    const adminKey = `secrets-operator-${randomUUID()}`;
    const value = `at-rest-${randomUUID()}`;
    const replaced = `at-rest-replaced-${randomUUID()}`;
    // A name stored in plain text: the scan must find it, or it proves nothing.
    const control = `control-${randomUUID()}`;
    try {
      await applyMigrations(database.adapterFactory);
      const app = createApp({
        env: {
          ...readEnvironment({}),
          GATEWAY_ADMIN_KEY: adminKey,
          SECRETS_KEY: keyA.toString('hex'),
          BACKUP_DIR: path.join(dataDir, 'backups'),
          BACKUP_SCHEDULER: 'off',
          LOG_LEVEL: 'silent',
        },
        database,
        rateLimits: testRateLimits,
        logger: createLogger('silent'),
      });
      const post = (pathname: string, body: unknown) =>
        app.fetch(
          new Request(`http://gateway.test${pathname}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json', 'x-tenant-id': 'at_rest' },
            body: JSON.stringify(body),
          }),
        );
      await post('/graphql', { query: `mutation { createTenant(input: { slug: "at_rest", name: "${control}" }) { id } }` });
      const stored = await post('/tenant/secrets', { key: 'AT_REST', value });
      expect(stored.status).toBe(200);
      // A replaced value stays as a sealed version (for point-in-time recovery): sealed, like the current one.
      expect((await post('/tenant/secrets', { key: 'AT_REST', value: replaced })).status).toBe(200);
      expect(await database.prisma.tenantSecretVersion.count()).toBe(2);
      await app.close();
    } finally {
      await database.close();
    }
    const files = (await readdir(dataDir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
    expect(files.some((file) => file.parentPath.includes('pg_wal'))).toBe(true);
    const holding = async (text: string) => {
      const found: string[] = [];
      for (const file of files) {
        const full = path.join(file.parentPath, file.name);
        if ((await readFile(full)).includes(Buffer.from(text))) found.push(full);
      }
      return found;
    };
    expect((await holding(control)).length).toBeGreaterThan(0);
    expect(await holding(value)).toEqual([]);
    expect(await holding(replaced)).toEqual([]);
    await rm(dataDir, { recursive: true, force: true });
  });
});

describe('rotation', () => {
  test('a gateway on a new SECRETS_KEY with the old one in SECRETS_KEY_PREVIOUS re-wraps every data key; then the new key alone opens every secret', async () => {
    const { call, tenant } = await tenantWithKey();
    await call('POST', '/tenant/secrets', { key: 'ROTATED', value: 'rotated-value' });
    const keyB = randomBytes(32);
    const adminKey = `rotation-operator-${randomUUID()}`;
    const rotated = createApp({
      env: {
        ...readEnvironment({}),
        GATEWAY_ADMIN_KEY: adminKey,
        SECRETS_KEY: keyB.toString('hex'),
        SECRETS_KEY_PREVIOUS: keyA.toString('hex'),
        BACKUP_DIR: gateway.backupDir,
        BACKUP_SCHEDULER: 'off',
        LOG_LEVEL: 'silent',
        PRINCIPAL_CACHE_MS: 0,
      },
      database: gateway.database,
      rateLimits: testRateLimits,
      logger: createLogger('silent'),
    });
    try {
      const graphql = async (query: string, key = adminKey) =>
        (await (
          await rotated.fetch(
            new Request('http://gateway.test/graphql', {
              method: 'POST',
              headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
              body: JSON.stringify({ query }),
            }),
          )
        ).json()) as {
          data?: Record<string, any>;
          errors?: { extensions?: { code?: string } }[];
        };
      // Before re-wrapping, the new key alone does not open the data key; the rotated gateway still stores (opening with the previous key).
      await expect(openStored({ current: keyB, previous: [] }, tenant.id, 'ROTATED')).rejects.toThrow('data key does not open');
      const stored = await graphql(`mutation { storeTenantSecret(tenant: "${tenant.id}", name: "DURING_ROTATION", value: "during-value") { name } }`);
      expect(stored.errors).toBeUndefined();

      const tenantKey = (await createKey(gateway, { scopes: ['ADMIN'], tenant: tenant.id })).secret;
      expect((await graphql('mutation { rewrapSecretDataKeys { rewrapped } }', tenantKey)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const first = await graphql('mutation { rewrapSecretDataKeys { total rewrapped unopenable } }');
      expect(first.data?.rewrapSecretDataKeys.rewrapped).toBeGreaterThanOrEqual(1);
      expect(first.data?.rewrapSecretDataKeys.unopenable).toBe(0);
      const again = await graphql('mutation { rewrapSecretDataKeys { total rewrapped unopenable } }');
      expect(again.data?.rewrapSecretDataKeys).toEqual({ total: first.data?.rewrapSecretDataKeys.total, rewrapped: 0, unopenable: 0 });

      const newOnly = { current: keyB, previous: [] };
      expect(await openStored(newOnly, tenant.id, 'ROTATED')).toBe('rotated-value');
      expect(await openStored(newOnly, tenant.id, 'DURING_ROTATION')).toBe('during-value');
      await expect(openStored({ current: keyA, previous: [] }, tenant.id, 'ROTATED')).rejects.toThrow('data key does not open');
    } finally {
      await rotated.close();
    }
  });
});

describe('backups', () => {
  test('secrets are in a backup (sealed) and come back with a rollback', async () => {
    const { call, tenant } = await tenantWithKey();
    await call('POST', '/tenant/secrets', { key: 'KEPT', value: 'value-at-backup' });
    const backup = await gateway.graphql<{ backupTenant: { storagePath: string } }, object>(
      `mutation { backupTenant(tenant: "${tenant.id}") { storagePath } }`,
    );
    const storagePath = backup.data!.backupTenant.storagePath;
    await call('POST', '/tenant/secrets', { key: 'KEPT', value: 'value-after-backup' });
    await call('POST', '/tenant/secrets', { key: 'ADDED_LATER', value: 'later' });
    const rollback = await gateway.graphql(`mutation { rollbackTenant(tenant: "${tenant.id}", storagePath: "${storagePath}") { tenant { id } } }`);
    expect(rollback.errors).toBeUndefined();
    expect((await call('GET', '/tenant/secrets')).body).toEqual({ secrets: ['KEPT'] });
    expect(await openStored({ current: keyA, previous: [] }, tenant.id, 'KEPT')).toBe('value-at-backup');
  });
});
