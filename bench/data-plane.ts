import { randomBytes } from 'node:crypto';

const usersTable = 'CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL)';

/**
 * A TenantsDB account whose project has blueprint `main` (a users table, deployed) and `tenants`
 * tenant databases of it holding 100 users each, made through the gateway's routes: what the
 * admin query workload (W6) reads. Answers the project's key and the tenants' ids.
 */
export async function seedDataPlane(gatewayUrl: string, tenants: number): Promise<{ key: string; slugs: string[] }> {
  const call = async (method: string, path: string, body: unknown, key?: string) => {
    const response = await fetch(`${gatewayUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  };
  const account = await call('POST', '/signup', { email: `bench-${randomBytes(4).toString('hex')}@example.com`, password: 'correct horse battery staple' });
  const key = String(account.api_key);
  await call('POST', '/workspaces', { name: 'main', database: 'PostgreSQL', mode: 'tenant' }, key);
  await call('POST', '/workspaces/main/queries', { query: usersTable }, key);
  const deployment = await call('POST', '/deployments', { blueprint_name: 'main' }, key);
  while ((await call('GET', `/deployments/${String(deployment.id)}`, undefined, key)).status !== 'completed')
    await new Promise((resolve) => setTimeout(resolve, 50));

  // The rows go in through the gateway's own route: the tenant databases are on the data plane, reached only with their logins.
  const rows = Array.from({ length: 100 }, (_, index) => `(${index}, 'user ${index}', 'user${index}@example.com')`).join(', ');
  const slugs: string[] = [];
  for (let index = 0; index < tenants; index++) {
    const slug = `bench_dp_${index}`;
    await call('POST', '/tenants', { tenant_id: slug, databases: [{ blueprint: 'main', isolation_level: 1 }] }, key);
    await call('POST', '/admin/query', { blueprint: 'main', tenant_id: slug, query: `INSERT INTO users VALUES ${rows}` }, key);
    slugs.push(slug);
  }
  return { key, slugs };
}
