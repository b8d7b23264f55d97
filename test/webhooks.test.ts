import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isPublicAddress, resolveTarget } from '../src/lib/public-address.js';
import { createKey, createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

// Signed webhooks (issue 15): events queued in the change's transaction, sent with HMAC-SHA256 and retried.

type Received = { headers: IncomingMessage['headers']; body: string };
let gateway: TestGateway;
let receiver: Server;
let url: string;
const received: Received[] = [];
let failNext = 0;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      if (failNext > 0) {
        failNext -= 1;
        response.writeHead(503).end();
      } else {
        response.writeHead(204).end();
      }
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  gateway = await startGateway({ env: { WEBHOOK_ALLOW_PRIVATE: 'on', WEBHOOK_POLL_MS: 50, WEBHOOK_RETRY_BASE_MS: 50 } });
});
afterAll(async () => {
  await gateway.close();
  await new Promise((resolve) => receiver.close(resolve));
});

async function tenantWithWebhook(events: string[], secret?: string) {
  const tenant = await createTenant(gateway, { tier: 'PRO' });
  const key = await createKey(gateway, { scopes: ['CONFIG_READ', 'CONFIG_WRITE', 'SECRETS_READ', 'SECRETS_WRITE'], tenant: tenant.id });
  const call = (method: string, path: string, body?: unknown) => gateway.rest(method, path, { headers: { authorization: `Bearer ${key.secret}` }, body });
  const hookUrl = `${url}?tenant=${tenant.slug}`;
  expect((await call('POST', '/tenant/config', { webhooks: [{ url: hookUrl, events, ...(secret ? { secret } : {}) }] })).status).toBe(200);
  return { tenant, call, hookUrl, mine: () => received.filter((entry) => entry.body.includes(tenant.id)) };
}

type Deliveries = {
  webhookDeliveries: {
    edges: { node: { event: string; url: string; status: string; attempts: number; attemptLog: { status: number | null; error: string | null }[] } }[];
  };
};
async function deliveries(tenantId: string) {
  const result = await gateway.graphql<Deliveries, object>(
    `{ webhookDeliveries(tenant: "${tenantId}") { edges { node { event url status attempts attemptLog } } } }`,
  );
  return result.data!.webhookDeliveries.edges.map((edge) => edge.node);
}

test('a target on a private address is refused without WEBHOOK_ALLOW_PRIVATE: the attempt fails and is recorded', async () => {
  const strict = await startGateway({ env: { WEBHOOK_POLL_MS: 50, WEBHOOK_RETRY_BASE_MS: 50, WEBHOOK_MAX_ATTEMPTS: 2 } });
  try {
    const tenant = await createTenant(strict);
    const before = received.length;
    await strict.graphql(
      `mutation { saveGatewayConfig(tenant: "${tenant.id}", input: { webhooks: [{ url: "${url}", events: [GATEWAY_CONFIG_UPDATED] }] }) { updatedFields } }`,
    );
    const statuses = async () =>
      (
        await strict.graphql<Deliveries, object>(`{ webhookDeliveries(tenant: "${tenant.id}") { edges { node { event url status attempts attemptLog } } } }`)
      ).data!.webhookDeliveries.edges.map((edge) => edge.node);
    await expect.poll(async () => (await statuses())[0]?.status, { timeout: 15_000 }).toBe('FAILED');
    const [delivery] = await statuses();
    expect(delivery!.attempts).toBe(2);
    expect(delivery!.attemptLog[0]!.error).toMatch(/^127\.0\.0\.1 resolves to 127\.0\.0\.1, not a public address$/);
    expect(received.length).toBe(before);
  } finally {
    await strict.close();
  }
});

test('an event reaches the receiver signed over timestamp and body; a failed first attempt is retried and every attempt recorded', async () => {
  const secret = 'whsec-test-0123456789';
  const { tenant, call, mine, hookUrl } = await tenantWithWebhook(['secret.stored'], secret);
  failNext = 1;
  await call('POST', '/tenant/secrets', { key: 'STRIPE_SECRET_KEY', value: 'sk_live_webhook' });
  await expect.poll(() => mine().length, { timeout: 15_000 }).toBe(2);
  for (const { headers, body } of mine()) {
    const timestamp = String(headers['x-webhook-timestamp']);
    expect(headers['x-webhook-signature']).toBe(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`);
    expect(headers['x-webhook-event']).toBe('secret.stored');
    expect(JSON.parse(body)).toMatchObject({
      event: 'secret.stored',
      tenantId: tenant.id,
      target: 'secret:STRIPE_SECRET_KEY',
      changes: [{ path: 'secrets.STRIPE_SECRET_KEY', before: null, after: '[sealed]' }],
    });
    expect(body).not.toContain('sk_live_webhook');
  }
  await expect.poll(async () => (await deliveries(tenant.id))[0]?.status, { timeout: 5_000 }).toBe('DELIVERED');
  const [delivery] = await deliveries(tenant.id);
  expect(delivery).toMatchObject({
    event: 'secret.stored',
    url: hookUrl,
    attempts: 2,
    attemptLog: [
      { status: 503, error: 'answered 503' },
      { status: 204, error: null },
    ],
  });
});

test('only subscribed events are sent; a refused change sends nothing', { timeout: 30_000 }, async () => {
  const { tenant, call } = await tenantWithWebhook(['gateway_config.updated']);
  await call('POST', '/tenant/secrets', { key: 'NOT_SUBSCRIBED', value: 'x' });
  expect((await call('POST', '/tenant/config', { credentials: { jira: { type: 'bearer', secret: 'NOT_STORED' } } })).status).toBe(400);
  expect((await call('POST', '/tenant/config', { cache: { enabled: true } })).status).toBe(200);
  // The save that added the webhook is itself a gateway_config.updated its webhooks hear; then the cache save.
  await expect.poll(async () => (await deliveries(tenant.id)).map((delivery) => delivery.status), { timeout: 15_000 }).toEqual(['DELIVERED', 'DELIVERED']);
  expect((await deliveries(tenant.id)).map((delivery) => delivery.event)).toEqual(['gateway_config.updated', 'gateway_config.updated']);
});

test('tenant lifecycle events reach subscribed webhooks: suspended and resumed, not the updates it did not subscribe to', { timeout: 30_000 }, async () => {
  const { tenant, mine } = await tenantWithWebhook(['tenant.suspended', 'tenant.resumed']);
  expect((await gateway.graphql(`mutation { updateTenant(id: "${tenant.id}", input: { name: "Renamed" }) { id } }`)).errors).toBeUndefined();
  expect((await gateway.graphql(`mutation { suspendTenant(id: "${tenant.id}") { id } }`)).errors).toBeUndefined();
  expect((await gateway.graphql(`mutation { resumeTenant(id: "${tenant.id}") { id } }`)).errors).toBeUndefined();
  await expect.poll(async () => (await deliveries(tenant.id)).map((delivery) => delivery.status), { timeout: 15_000 }).toEqual(['DELIVERED', 'DELIVERED']);
  // Sorted by event name: the worker may send the two in either order.
  const sent = mine()
    .map(({ body }) => JSON.parse(body))
    .map(({ event, target, changes }) => ({ event, target, changes }));
  expect(sent.sort((a, b) => a.event.localeCompare(b.event))).toEqual([
    { event: 'tenant.resumed', target: `tenant:${tenant.slug}`, changes: [{ path: 'tenant.status', before: 'SUSPENDED', after: 'ACTIVE' }] },
    { event: 'tenant.suspended', target: `tenant:${tenant.slug}`, changes: [{ path: 'tenant.status', before: 'ACTIVE', after: 'SUSPENDED' }] },
  ]);
});

describe('targets must be public addresses unless WEBHOOK_ALLOW_PRIVATE', () => {
  test.each([
    ['127.0.0.1', false],
    ['10.1.2.3', false],
    ['192.168.0.1', false],
    ['169.254.169.254', false],
    ['::1', false],
    ['fd00::1', false],
    ['::ffff:127.0.0.1', false],
    ['93.184.216.34', true],
    // IPv4-compatible (::/96, deprecated): refused whatever it embeds, as the URL parser writes them too.
    ['::7f00:1', false],
    ['::127.0.0.1', false],
    ['::a00:1', false],
    ['::5db8:d822', false],
    // IPv4-mapped, IPv4-translated, NAT64 and 6to4: judged by the IPv4 address they embed.
    ['::ffff:7f00:1', false],
    ['::ffff:c0a8:1', false],
    ['::ffff:5db8:d822', true],
    ['::ffff:0:7f00:1', false],
    ['::ffff:0:5db8:d822', true],
    ['64:ff9b::7f00:1', false],
    ['64:ff9b::a9fe:a9fe', false],
    ['64:ff9b::5db8:d822', true],
    ['64:ff9b:1::7f00:1', false],
    ['2002:7f00:1::', false],
    ['2002:c0a8:1::1', false],
    ['2002:a9fe:a9fe::1', false],
    ['2002:5db8:d822::1', true],
  ])('%s public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  test.each(['http://[::127.0.0.1]/', 'http://[::ffff:127.0.0.1]/', 'http://[64:ff9b::127.0.0.1]/', 'http://[2002:7f00:1::]/'])(
    '%s is refused after URL parsing',
    async (url) => {
      await expect(resolveTarget(new URL(url).hostname, false)).rejects.toThrow(/not a public address/);
    },
  );

  test('a name resolving to loopback is refused after resolution, and allowed with the switch', async () => {
    await expect(resolveTarget('localhost', false)).rejects.toThrow(/not a public address/);
    await expect(resolveTarget('localhost', true)).resolves.toMatchObject({ address: expect.any(String) });
  });
});
