import { expect } from 'vitest';

type Answer = { status: number; body: any };

/**
 * What the SIGKILL tests ask of a spawned gateway about one TenantsDB tenant whose `notes` table
 * holds rows: REST calls with the account's key (set once signed up), the tenant's SQL through
 * POST /admin/query, its notes summarized, and waiting until a restore job has settled.
 */
export function tenantRowsClient(tenant: string) {
  const state = { key: '' };
  const rest = async (url: string, method: string, route: string, body?: unknown, as = state.key): Promise<Answer> => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: { 'content-type': 'application/json', ...(as ? { authorization: `Bearer ${as}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const sql = async (url: string, query: string): Promise<unknown[][]> => {
    const answer = await rest(url, 'POST', '/admin/query', { blueprint: 'main', tenant_id: tenant, query });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body.rows;
  };
  /** How many notes there are, and their distinct bodies in order. */
  const rowsOf = async (url: string) => {
    const [[count, bodies]] = (await sql(url, "SELECT count(*)::int, string_agg(DISTINCT body, ',' ORDER BY body) FROM notes")) as [[number, string]];
    return { count, bodies };
  };
  /** The tenant's status once it is no longer `status` (restoring, recovering), within a minute of a restart. */
  const settled = async (url: string, status: string): Promise<string> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const shown = await rest(url, 'GET', `/tenants/${tenant}`);
      expect(shown.status, JSON.stringify(shown.body)).toBe(200);
      if (shown.body.status !== status) return shown.body.status;
      expect(Date.now(), `still ${status} a minute after the restart`).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  /**
   * The account's blueprint `main` (a notes table, deployed), the tenant made at `isolation` with
   * `rows` notes reading 'original', and a backup of it written: its path.
   */
  const notesTenant = async (url: string, isolation: 1 | 2, rows: number): Promise<string> => {
    expect((await rest(url, 'POST', '/workspaces', { name: 'main', database: 'PostgreSQL', mode: 'tenant' })).status).toBe(201);
    expect((await rest(url, 'POST', '/workspaces/main/queries', { query: 'CREATE TABLE notes (id SERIAL PRIMARY KEY, body TEXT NOT NULL)' })).status).toBe(200);
    const deployment = await rest(url, 'POST', '/deployments', { blueprint_name: 'main' });
    expect(deployment.status, JSON.stringify(deployment.body)).toBe(201);
    await expect.poll(async () => (await rest(url, 'GET', `/deployments/${deployment.body.id}`)).body.status, { timeout: 20_000 }).toBe('completed');
    const created = await rest(url, 'POST', '/tenants', { tenant_id: tenant, databases: [{ blueprint: 'main', isolation_level: isolation }] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await expect.poll(async () => (await rest(url, 'GET', `/tenants/${tenant}`)).body.status, { timeout: 20_000 }).toBe('ready');
    await sql(url, `INSERT INTO notes (body) SELECT 'original' FROM generate_series(1, ${rows})`);
    const backup = await rest(url, 'POST', `/tenants/${tenant}/backup`);
    expect(backup.status, JSON.stringify(backup.body)).toBe(200);
    const [storagePath] = backup.body.paths as string[];
    // A backup of a tenant with rows is written by a job: listed once written.
    const listed = async () =>
      ((await rest(url, 'GET', `/tenants/${tenant}/backups`)).body.backups as { storage_path: string }[]).map((entry) => entry.storage_path);
    await expect.poll(listed, { timeout: 20_000 }).toContain(storagePath);
    return storagePath!;
  };
  return {
    rest,
    sql,
    rowsOf,
    settled,
    notesTenant,
    set key(value: string) {
      state.key = value;
    },
  };
}
