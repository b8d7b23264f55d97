import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { defaultConfig } from '../src/modules/configs/config-spec.js';

const tiers = ['FREE', 'BASIC', 'PRO', 'ENTERPRISE'] as const;
const regions = ['eu-central', 'us-east', 'us-west', 'ap-southeast'];

/** N tenants (numbered from `first`) with non-default configurations and feature switches, inserted in batches of 1,000. */
export async function seedTenants(connectionString: string, count: number, onProgress: (done: number) => void = () => {}, first = 0): Promise<string[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  const ids: string[] = [];
  try {
    const batch = 1_000;
    const started = Date.now();
    for (let offset = 0; offset < count; offset += batch) {
      const size = Math.min(batch, count - offset);
      const tenants: unknown[] = [];
      const configs: unknown[] = [];
      const features: unknown[] = [];
      for (let position = offset; position < offset + size; position++) {
        const index = first + position;
        const id = randomUUID();
        ids.push(id);
        const tier = tiers[index % tiers.length]!;
        const createdAt = new Date(started + index);
        tenants.push([id, `bench_${index}`, `Bench tenant ${index}`, tier, regions[index % regions.length], createdAt]);
        const document = defaultConfig();
        document.performance.cache_size_mb = 1024 + (index % 1000);
        document.performance.max_parallel_workers = 16;
        document.security.session_timeout_mins = 45;
        document.security.allowed_ips = ['10.0.0.0/8'];
        document.custom_settings = { bench: index };
        configs.push([id, JSON.stringify(document)]);
        features.push([id, 'webhooks', false], [id, 'ml_features', tier === 'ENTERPRISE']);
      }
      await insert(
        client,
        'Tenant',
        ['id', 'slug', 'name', 'tier', 'region', 'createdAt'],
        tenants,
        ['::uuid', '', '', '::"PlanTier"', '', '::timestamp'],
        `, "maxUsers", "maxApiCallsPerMonth", "maxStorageMb", "updatedAt"`,
        `, 100, 1000000, 102400, now()`,
      );
      await insert(
        client,
        'TenantConfig',
        ['tenantId', 'document'],
        configs,
        ['::uuid', '::jsonb'],
        `, "version", "updatedBy", "updatedAt"`,
        `, 2, 'bench', now()`,
      );
      await insert(client, 'TenantFeature', ['tenantId', 'feature', 'enabled'], features, ['::uuid', '', '::boolean'], `, "updatedAt"`, `, now()`);
      onProgress(offset + size);
    }
    // The planner's statistics as autovacuum would leave them after a bulk load: without them a
    // run right after seeding measures plans chosen for the table's size before the load.
    await client.query('ANALYZE "Tenant", "TenantConfig", "TenantFeature"');
  } finally {
    await client.end();
  }
  return ids;
}

async function insert(client: pg.Client, table: string, columns: string[], rows: unknown[], casts: string[], extraColumns: string, extraValues: string) {
  const values: unknown[] = [];
  const tuples = (rows as unknown[][]).map((row) => {
    const placeholders = row.map((value, index) => {
      values.push(value);
      return `$${values.length}${casts[index]}`;
    });
    return `(${placeholders.join(', ')}${extraValues})`;
  });
  await client.query(`INSERT INTO "${table}" (${columns.map((column) => `"${column}"`).join(', ')}${extraColumns}) VALUES ${tuples.join(', ')}`, values);
}
