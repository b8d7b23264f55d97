import { afterAll, beforeAll, expect, test } from 'vitest';
import type { App } from '../src/app.js';
import { createKey, createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';
import { startReplica, within } from './support/replica.js';

// Two replicas of the gateway over one database: `writer` changes keys and tenants, `reader`
// remembers who a key is for PRINCIPAL_CACHE_MS (one second) and must follow within it.
let writer: TestGateway;
let reader: App;
beforeAll(async () => {
  writer = await startGateway();
  reader = await startReplica(writer);
});
afterAll(async () => {
  await reader.close();
  await writer.close();
});

async function readConfig(key: string, tenant: string): Promise<number> {
  const response = await reader.fetch(new Request(`http://gateway.test/api/v1/tenants/${tenant}/config`, { headers: { authorization: `Bearer ${key}` } }));
  return response.status;
}

test('a key revoked on one replica stops working on another within a second; before that, the reader answers from memory', async () => {
  const tenant = await createTenant(writer);
  const { secret, apiKey } = await createKey(writer, { scopes: ['CONFIG_READ'], tenant: tenant.id });
  expect(await readConfig(secret, tenant.id)).toBe(200);
  const statements = await writer.countQueries(async () => {
    for (let i = 0; i < 5; i++) expect(await readConfig(secret, tenant.id)).toBe(200);
  });
  // Five reads, one statement each (the configuration): the key itself came from memory.
  expect(statements.filter((sql) => sql.includes('"ApiKey"'))).toEqual([]);
  await writer.graphql(`mutation { revokeApiKey(id: "${apiKey.id}") { id } }`);
  expect(await within(401, () => readConfig(secret, tenant.id))).toBeLessThanOrEqual(1_200);
});

test('a tenant suspended on one replica: its key stops writing on another within a second', async () => {
  const tenant = await createTenant(writer);
  const { secret } = await createKey(writer, { scopes: ['CONFIG_READ', 'CONFIG_WRITE'], tenant: tenant.id });
  const write = async () =>
    (
      await reader.fetch(
        new Request(`http://gateway.test/api/v1/tenants/${tenant.id}/config`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: JSON.stringify({ performance: { cache_size_mb: 2048 } }),
        }),
      )
    ).status;
  expect(await write()).toBe(200);
  await writer.graphql(`mutation { suspendTenant(id: "${tenant.id}") { id } }`);
  expect(await within(403, write)).toBeLessThanOrEqual(1_200);
});

test('on the replica that made the change, a revocation takes effect at once', async () => {
  const tenant = await createTenant(writer);
  const { secret, apiKey } = await createKey(writer, { scopes: ['CONFIG_READ'], tenant: tenant.id });
  expect(await readConfig(secret, tenant.id)).toBe(200);
  const revoke = await reader.fetch(
    new Request('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${writer.adminKey}` },
      body: JSON.stringify({ query: `mutation { revokeApiKey(id: "${apiKey.id}") { revokedAt } }` }),
    }),
  );
  expect(revoke.status).toBe(200);
  expect(await readConfig(secret, tenant.id)).toBe(401);
});
