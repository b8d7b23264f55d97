import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { inSchemaSession } from '../src/modules/data-plane-schemas/tenant-schemas.js';
import { sqlDump } from '../src/modules/backups/sql-dump.js';
import { deployedChain } from '../src/modules/workspaces/blueprint-databases.js';
import { inSchema, placementOf, projectWithBlueprint, tenantOf } from './support/data-plane.js';
import { freshPostgresDatabase, startGateway, type TestGateway } from './support/gateway.js';

// Issue 27, item 2: a tenant database's backup as plain SQL a customer restores with psql into an
// empty PostgreSQL database, outside the gateway. The dump is made on either data plane; the
// restore needs a PostgreSQL server (the suite's on CI's second pass).

const run = promisify(execFile);
let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.close());

const ddl = [
  'CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, note text, joined date, score numeric(10,2), tags text[], data jsonb)',
  'CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer int NOT NULL REFERENCES customers(id), total int, doubled int GENERATED ALWAYS AS (total * 2) STORED)',
];

test('a dump holds the DDL, every row (tabs, newlines, backslashes, quotes, NULLs, arrays, JSON) and the sequences; psql restores it into an empty database', async () => {
  const project = await projectWithBlueprint(gateway, 'shop', ddl);
  const tenant = await tenantOf(gateway, project);
  await inSchema(
    gateway,
    tenant.placementId,
    `INSERT INTO customers (name, note, joined, score, tags, data) VALUES
       ('Ada', E'tab\\there\\nnew line\\\\ back', '1815-12-10', 12.50, ARRAY['a b', 'c"d', NULL], '{"k": "v\\u00e9"}'),
       ('Grace', NULL, NULL, NULL, NULL, NULL),
       (E'O''Brien \\r', 'é ✓ 🎉', '1906-12-09', -1.25, '{}', '[1, 2]');
     INSERT INTO orders (customer, total) VALUES (1, 10), (3, 7)`,
  );
  const placed = await placementOf(gateway, tenant.placementId);
  const record = await gateway.database.prisma.tenantDatabase.findFirstOrThrow({ where: { placementId: placed.id } });
  const chain = await deployedChain(gateway.database.prisma, record.blueprintId!, record.schemaVersion);
  const dump = await inSchemaSession(gateway.app.dataPlane, placed, (session) =>
    sqlDump(session, { schemaName: placed.schemaName, database: `shop__${tenant.slug}`, version: chain.version, ddl: chain.statements, takenAt: new Date() }),
  );
  expect(dump).toContain('COPY "customers" ("id", "name", "note", "joined", "score", "tags", "data") FROM stdin;');
  // A generated column is computed again, not copied.
  expect(dump).toContain('COPY "orders" ("id", "customer", "total") FROM stdin;');
  expect(dump.indexOf('COPY "customers"')).toBeLessThan(dump.indexOf('COPY "orders"'));
  expect(dump).not.toContain(placed.schemaName);

  const server = process.env.TEST_POSTGRES_URL;
  if (!server) return;
  const target = await freshPostgresDatabase(server, 'sqldump');
  const directory = await mkdtemp(path.join(tmpdir(), 'sql-dump-'));
  try {
    const file = path.join(directory, 'backup.sql');
    await writeFile(file, dump);
    await run('psql', [target.url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file], { timeout: 30_000 });
    const restored = new pg.Client({ connectionString: target.url });
    await restored.connect();
    try {
      const read = async (sql: string) => (await restored.query(sql)).rows;
      const original = async (sql: string) => (await inSchema(gateway, tenant.placementId, sql)).rows;
      const customers = 'SELECT id, name, note, joined::text, score::text, tags::text, data::text FROM customers ORDER BY id';
      expect((await read(customers)).map(Object.values)).toEqual(await original(customers));
      expect((await read('SELECT id, customer, total, doubled FROM orders ORDER BY id')).map(Object.values)).toEqual([
        ['1', 1, 10, 20],
        ['2', 3, 7, 14],
      ]);
      // Sequences go on from where they stood.
      expect((await read("INSERT INTO customers (name) VALUES ('next') RETURNING id"))[0].id).toBe(4);
      expect((await read('INSERT INTO orders (customer, total) VALUES (2, 1) RETURNING id'))[0].id).toBe('3');
    } finally {
      await restored.end();
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
    await target.drop();
  }
});
