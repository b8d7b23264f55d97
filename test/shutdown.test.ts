import { request as httpRequest } from 'node:http';
import { expect, test } from 'vitest';
import { startServerProcess } from './support/server-process.js';

const operatorKey = 'shutdown-test-operator-key-012345';

async function graphql(url: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorKey}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, any>; errors?: unknown[] };
}

test('SIGTERM lets a request in flight finish, answers nothing new, then stops with exit code 0', { timeout: 120_000 }, async () => {
  const server = await startServerProcess({ DATABASE_URL: 'memory://', GATEWAY_ADMIN_KEY: operatorKey, SHUTDOWN_TIMEOUT_MS: '20000' });
  const created = await graphql(server.url, 'mutation($input: CreateTenantInput!) { createTenant(input: $input) { id } }', {
    input: { slug: 'drain-me', name: 'Drain' },
  });
  const tenantId = created.data!.createTenant.id as string;

  // A configuration update whose body arrives in two parts, the second after SIGTERM.
  const body = JSON.stringify({ performance: { cache_size_mb: 2048 } });
  const url = new URL(`${server.url}/api/v1/tenants/${tenantId}/config`);
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'PUT',
        headers: { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      },
    );
    req.on('error', reject);
    req.write(body.slice(0, 10));
    setTimeout(() => {
      server.child.kill('SIGTERM');
      setTimeout(() => req.end(body.slice(10)), 1_000);
    }, 300);
  });
  const exited = new Promise<number | null>((resolve) => server.child.on('exit', resolve));

  const response = await answer;
  expect(response.status).toBe(200);
  expect(JSON.parse(response.body)).toMatchObject({ tenant_id: tenantId, updated_fields: ['performance.cache_size_mb'] });
  expect(await exited).toBe(0);
  expect(server.stderr).toContain('"shutting down"');
  expect(server.stderr).toContain('"stopped"');
});
