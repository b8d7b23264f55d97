import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import { readConfigDocument } from '../src/modules/configs/config-document.js';
import { tenantFeatures } from '../src/modules/features/features.service.js';

// The baseline: node:http and pg with hand-written SQL, answering the benchmark's requests
// with the same JSON bytes as the gateway. No auth, no validation, no GraphQL.

const pool = new pg.Pool({ connectionString: process.env.BASELINE_DATABASE_URL, max: 20 });
let statements = 0;
async function query<T extends pg.QueryResultRow>(text: string, values: unknown[] = [], client: pg.Pool | pg.PoolClient = pool) {
  statements++;
  return client.query<T>(text, values);
}

type ConfigRow = { id: string; slug: string; tier: 'FREE' | 'BASIC' | 'PRO' | 'ENTERPRISE'; document: unknown; version: number; updatedAt: Date };

function restConfig(row: ConfigRow) {
  const { custom_settings, ...categories } = readConfigDocument(row.document);
  return JSON.stringify({ tenant_id: row.id, ...categories, custom_settings, updated_at: row.updatedAt.toISOString() });
}

async function graphTenants(rows: ConfigRow[]) {
  const switches = await query<{ tenantId: string; feature: string; enabled: boolean }>(
    'SELECT "tenantId", feature, enabled FROM "TenantFeature" WHERE "tenantId" = ANY($1::uuid[])',
    [rows.map((row) => row.id)],
  );
  return rows.map((row) => {
    const config = readConfigDocument(row.document);
    const summary = tenantFeatures(
      row.tier,
      switches.rows.filter((entry) => entry.tenantId === row.id),
      row.document,
    );
    return {
      id: row.id,
      slug: row.slug,
      config: {
        version: row.version,
        performance: { cacheSizeMb: config.performance.cache_size_mb, maxParallelWorkers: config.performance.max_parallel_workers },
        security: { requireMfa: config.security.require_mfa, sessionTimeoutMins: config.security.session_timeout_mins },
      },
      features: { totalEnabled: summary.totalEnabled, features: summary.features.map((feature) => ({ name: feature.name, enabled: feature.enabled })) },
    };
  });
}

const select = `SELECT t.id, t.slug, t.tier, c.document, c.version, c."updatedAt" FROM "Tenant" t JOIN "TenantConfig" c ON c."tenantId" = t.id`;

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, status: number, payload: string, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers });
  response.end(payload);
}

const server = createServer(async (request, response) => {
  try {
    const url = new URL(request.url ?? '/', 'http://baseline');
    if (url.pathname === '/metrics') {
      response.end(`baseline_sql_statements_total ${statements}\n`);
      return;
    }
    const config = /^\/api\/v1\/tenants\/([^/]+)\/config$/.exec(url.pathname);
    if (config && request.method === 'GET') {
      const { rows } = await query<ConfigRow>(`${select} WHERE t.id = $1`, [config[1]]);
      if (!rows[0]) return send(response, 404, '{"error":"Not Found"}');
      return send(response, 200, restConfig(rows[0]), { etag: `"v${rows[0].version}"` });
    }
    if (config && request.method === 'PUT') {
      const patch = JSON.parse(await body(request)) as Record<string, Record<string, unknown>>;
      const client = await pool.connect();
      try {
        await query('BEGIN', [], client);
        const { rows } = await query<ConfigRow>(`${select} WHERE t.id = $1 FOR UPDATE OF c`, [config[1]], client);
        const row = rows[0]!;
        // A copy: the gateway's reading of a document is shared and frozen.
        const document = structuredClone(readConfigDocument(row.document)) as unknown as Record<string, Record<string, unknown>>;
        const fields: string[] = [];
        for (const [category, values] of Object.entries(patch)) {
          for (const [key, value] of Object.entries(values)) {
            document[category]![key] = value;
            fields.push(`${category}.${key}`);
          }
        }
        const updated = await query<{ updatedAt: Date }>(
          `UPDATE "TenantConfig" SET document = $2, version = version + 1, "updatedAt" = now() WHERE "tenantId" = $1 RETURNING "updatedAt"`,
          [row.id, JSON.stringify(document)],
          client,
        );
        await query(
          `INSERT INTO "TenantConfigRevision" (id, "tenantId", version, principal, "updatedFields", document) VALUES (gen_random_uuid(), $1, $2, 'operator', $3, $4)`,
          [row.id, row.version + 1, fields, JSON.stringify(document)],
          client,
        );
        await query('COMMIT', [], client);
        return send(
          response,
          200,
          JSON.stringify({
            tenant_id: row.id,
            message: `Successfully updated ${fields.length} configuration field(s)`,
            updated_fields: fields,
            updated_at: updated.rows[0]!.updatedAt.toISOString(),
          }),
          { etag: `"v${row.version + 1}"` },
        );
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    }
    if (url.pathname === '/admin/query' && request.method === 'POST') {
      // W6: the tenant's schema by hand-written SQL, the query as its role in one transaction, the run logged.
      const input = JSON.parse(await body(request)) as { blueprint: string; query: string; tenant_id: string };
      const started = performance.now();
      const { rows: databases } = await query<{ tenantId: string; schemaName: string }>(
        'SELECT d."tenantId", d."schemaName" FROM "TenantDatabase" d JOIN "Tenant" t ON t.id = d."tenantId" WHERE t.slug = $1 AND d.blueprint = $2',
        [input.tenant_id, input.blueprint],
      );
      const target = databases[0];
      if (!target) return send(response, 404, '{"error":"not_found"}');
      const schema = `"${target.schemaName.replace(/"/g, '""')}"`;
      const client = await pool.connect();
      let result: pg.QueryArrayResult;
      try {
        await query('BEGIN', [], client);
        await query(`SET LOCAL ROLE ${schema}`, [], client);
        await query(`SET LOCAL search_path TO ${schema}`, [], client);
        statements++;
        result = await client.query({ text: input.query, rowMode: 'array' });
        await query('COMMIT', [], client);
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
      const durationMs = performance.now() - started;
      await query(
        `INSERT INTO "TenantQueryLog" (id, "tenantId", source, blueprint, query, success, "durationMs") VALUES (gen_random_uuid(), $1, 'API', $2, $3, true, $4)`,
        [target.tenantId, input.blueprint, input.query, durationMs],
      );
      return send(
        response,
        200,
        JSON.stringify({
          success: true,
          http_status: 200,
          code: 'ok',
          tenant_id: input.tenant_id,
          columns: result.fields.map((field) => field.name),
          rows: result.rows,
          row_count: result.rows.length,
          execution_time: `${Math.round(durationMs)}ms`,
        }),
      );
    }
    if (url.pathname === '/graphql' && request.method === 'POST') {
      const { query: document, variables } = JSON.parse(await body(request)) as { query: string; variables?: { id?: string } };
      if (document.includes('BenchTenantPage')) {
        const { rows } = await query<ConfigRow>(`${select} WHERE t.status <> 'DELETED' ORDER BY t."createdAt", t.id LIMIT 50`);
        const nodes = await graphTenants(rows);
        return send(response, 200, JSON.stringify({ data: { tenants: { edges: nodes.map((node) => ({ node })) } } }));
      }
      const { rows } = await query<ConfigRow>(`${select} WHERE t.id = $1`, [variables?.id]);
      const [tenant] = await graphTenants(rows);
      return send(response, 200, JSON.stringify({ data: { tenant } }));
    }
    send(response, 404, '{"error":"not_found"}');
  } catch (error) {
    send(response, 500, JSON.stringify({ error: (error as Error).message }));
  }
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`baseline listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
