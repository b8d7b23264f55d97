import { randomBytes } from 'node:crypto';

const usersTable = 'CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL)';

/**
 * A TenantsDB account whose project has blueprint `main` (a users table, deployed) and `tenants`
 * tenant databases of it holding 100 users each, made through the gateway's routes: what the
 * admin query workload (W6) reads. Answers the project's key, the tenants' ids and the first
 * tenant's connection string (the database proxy workload's).
 */
export async function seedDataPlane(
  gatewayUrl: string,
  tenants: number,
  operatorKey: string,
): Promise<{ key: string; slugs: string[]; connectionString: string }> {
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
  // ENTERPRISE, set by the operator: FREE holds five tenants per project.
  const raised = await call(
    'POST',
    '/graphql',
    { query: 'mutation ($project: ID!) { setProjectTier(project: $project, tier: ENTERPRISE) { tier } }', variables: { project: account.project_id } },
    operatorKey,
  );
  if (raised.errors) throw new Error(`setProjectTier: ${JSON.stringify(raised.errors)}`);
  await call('POST', '/workspaces', { name: 'main', database: 'PostgreSQL', mode: 'tenant' }, key);
  await call('POST', '/workspaces/main/queries', { query: usersTable }, key);
  const deployment = await call('POST', '/deployments', { blueprint_name: 'main' }, key);
  while ((await call('GET', `/deployments/${String(deployment.id)}`, undefined, key)).status !== 'completed')
    await new Promise((resolve) => setTimeout(resolve, 50));

  // The rows go in through the gateway's own route: the tenant databases are on the data plane, reached only with their logins.
  const rows = Array.from({ length: 100 }, (_, index) => `(${index}, 'user ${index}', 'user${index}@example.com')`).join(', ');
  const slugs: string[] = [];
  let connectionString = '';
  for (let index = 0; index < tenants; index++) {
    const slug = `bench_dp_${index}`;
    const created = await call('POST', '/tenants', { tenant_id: slug, databases: [{ blueprint: 'main', isolation_level: 1 }] }, key);
    // The first tenant's connection string, its password in it (POST answers it): what the proxy workload opens.
    if (index === 0) connectionString = String((created.databases as { connection: { connection_string: string } }[])[0]!.connection.connection_string);
    await call('POST', '/admin/query', { blueprint: 'main', tenant_id: slug, query: `INSERT INTO users VALUES ${rows}` }, key);
    slugs.push(slug);
  }
  return { key, slugs, connectionString };
}
