import pg from 'pg';

/** One run of a SQL workload: queries a second over `connections` connections, latency percentiles in ms. */
export type QueryMeasurement = { qps: number; p50: number; p99: number; queries: number; errors: number };

/**
 * `connections` node-postgres clients, each running `sql` (extended protocol, one parameter, as
 * ORMs send it) back to back for `seconds` after `warmupSeconds`; the load runs in this process,
 * the same for both sides of a comparison.
 */
export async function sqlLoad(
  connectionString: string,
  sql: string,
  parameter: (n: number) => unknown,
  settings: { connections: number; seconds: number; warmupSeconds: number },
): Promise<QueryMeasurement> {
  const clients = await Promise.all(
    Array.from({ length: settings.connections }, async () => {
      const client = new pg.Client({ connectionString });
      await client.connect();
      return client;
    }),
  );
  const latencies: number[] = [];
  let errors = 0;
  const warmEnds = performance.now() + settings.warmupSeconds * 1000;
  const ends = warmEnds + settings.seconds * 1000;
  try {
    await Promise.all(
      clients.map(async (client, index) => {
        for (let n = index; performance.now() < ends; n += settings.connections) {
          const started = performance.now();
          try {
            await client.query(sql, [parameter(n)]);
          } catch {
            errors++;
          }
          if (started >= warmEnds) latencies.push(performance.now() - started);
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => {})));
  }
  latencies.sort((a, b) => a - b);
  const at = (share: number) => Number((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * share))] ?? 0).toFixed(2));
  return { qps: latencies.length / settings.seconds, p50: at(0.5), p99: at(0.99), queries: latencies.length, errors };
}

/** Where a tenant database lives, read from the gateway's records: its data-plane database and schema. */
export async function placementOf(gatewayDatabaseUrl: string, tenantSlug: string): Promise<{ database: string; schema: string }> {
  const client = new pg.Client({ connectionString: gatewayDatabaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT d.name, p."schemaName" FROM "TenantDatabase" t JOIN "Tenant" n ON n.id = t."tenantId"
         JOIN "DataPlacement" p ON p.id = t."placementId" JOIN "DataPlaneDatabase" d ON d.id = p."databaseId" WHERE n.slug = $1`,
      [tenantSlug],
    );
    if (!rows[0]) throw new Error(`tenant ${tenantSlug} has no placed database`);
    return { database: rows[0].name, schema: rows[0].schemaName };
  } finally {
    await client.end();
  }
}
