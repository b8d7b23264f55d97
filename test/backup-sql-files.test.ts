import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type DataPlaneProject, inSchema, projectWithBlueprint } from './support/data-plane.js';
import { startGateway, type TestGateway, uniqueSlug } from './support/gateway.js';

// Issue 27, item 2: each tenant database of a backup is also a file of gzip'd plain SQL at seed
// 002's path (postgresql/manual/<stamp>/<user>_tenant_<id>.sql.gz), listed as database_type
// "postgresql", that psql restores into an empty PostgreSQL database outside the gateway.

const run = promisify(execFile);
const postgresUrl = process.env.TEST_POSTGRES_URL;
let gateway: TestGateway;
let project: DataPlaneProject;

const tricky = 'tab\there, newline\nthere, back\\slash, "quotes" \'single\', ünï©ødé, \\N not null';

beforeAll(async () => {
  gateway = await startGateway();
  project = await projectWithBlueprint(
    gateway,
    'crm',
    [
      'CREATE TABLE teams (id serial PRIMARY KEY, name text NOT NULL UNIQUE)',
      'CREATE TABLE people (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, team_id int REFERENCES teams (id), name text, tags text[], profile jsonb, upper_name text GENERATED ALWAYS AS (upper(name)) STORED)',
    ],
    'PRO',
  );
}, 120_000);
afterAll(() => gateway?.close());

const as = () => ({ authorization: `Bearer ${project.key}` });

/** A tenant of the project whose database holds rows worth escaping, its backups encrypted or not. */
async function tenantWithRows(encrypted: boolean) {
  const id = uniqueSlug('sqlfile').replace(/-/g, '_');
  const created = await gateway.rest('POST', '/tenants', { headers: as(), body: { tenant_id: id, databases: [{ blueprint: 'crm', isolation_level: 1 }] } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const tenant = await gateway.database.prisma.tenant.findFirstOrThrow({ where: { slug: id, projectId: project.projectId } });
  const configured = await gateway.graphql(
    'mutation ($tenant: ID!, $input: UpdateTenantConfigInput!) { updateTenantConfig(tenant: $tenant, input: $input) { updatedFields } }',
    { tenant: tenant.id, input: { backup: { encryptBackups: encrypted } } },
    project.key,
  );
  expect(configured.errors, JSON.stringify(configured.errors)).toBeUndefined();
  const database = await gateway.database.prisma.tenantDatabase.findFirstOrThrow({ where: { tenantId: tenant.id } });
  const sql = (text: string) => inSchema(gateway, database.placementId!, text);
  await sql("INSERT INTO teams (name) VALUES ('core'), ('edge')");
  await sql(
    `INSERT INTO people (team_id, name, tags, profile) VALUES (1, '${tricky.replace(/'/g, "''")}', ARRAY['a', 'b,c', NULL], '{"k": [1, 2.5, "x\\ty"]}'), (2, NULL, NULL, NULL), (NULL, 'Eve', '{}', 'null')`,
  );
  return { id, tenant, sql };
}

async function backedUp(id: string) {
  const backup = await gateway.rest('POST', `/tenants/${id}/backup`, { headers: as() });
  expect(backup.status, JSON.stringify(backup.body)).toBe(200);
  const listed = async () => (await gateway.rest('GET', `/tenants/${id}/backups`, { headers: as() })).body.backups as Record<string, unknown>[];
  await expect.poll(async () => (await listed()).length, { timeout: 20_000 }).toBe(1);
  return { body: backup.body, listed: (await listed())[0]! };
}

describe('backups as SQL files', () => {
  test("one file per tenant database at the document's path, listed as postgresql; its bytes what GraphQL's size and checksum say", async () => {
    const { id, tenant } = await tenantWithRows(false);
    const { body, listed } = await backedUp(id);
    const user = `tdb_${project.projectId.replace(/-/g, '').slice(0, 8)}`;
    const expectedPath = `postgresql/manual/${body.timestamp}/${user}_tenant_${id}.sql.gz`;
    expect(body.paths).toEqual([expectedPath]);
    expect(listed).toEqual({
      type: 'manual',
      date: body.timestamp,
      database_type: 'postgresql',
      storage_path: expectedPath,
      size_bytes: expect.any(Number),
      created_at: expect.stringMatching(/Z$/),
    });
    const bytes = await readFile(path.join(gateway.backupDir, expectedPath));
    expect(bytes.length).toBe(listed.size_bytes);
    const files = await gateway.graphql<{ tenantBackups: { files: Record<string, unknown>[] }[] }, object>(
      'query ($tenant: ID!) { tenantBackups(tenant: $tenant) { files { blueprint databaseType storagePath sizeBytes checksum } } }',
      { tenant: tenant.id },
      project.key,
    );
    expect(files.data?.tenantBackups[0]?.files).toEqual([
      {
        blueprint: 'crm',
        databaseType: 'postgresql',
        storagePath: expectedPath,
        sizeBytes: bytes.length,
        checksum: createHash('sha256').update(bytes).digest('hex'),
      },
    ]);
    const text = gunzipSync(bytes).toString('utf8');
    expect(text).toContain('COPY "teams" ("id", "name") FROM stdin;');
    expect(text).toContain('COPY "people" ("id", "team_id", "name", "tags", "profile") FROM stdin;');
    // The change log's triggers are the gateway's, not part of the customer's database.
    expect(text).not.toContain('tdb_capture');
  });

  test.skipIf(!postgresUrl)('plain psql restores the file into an empty PostgreSQL database: the same rows, and the sequences go on', async () => {
    const { id, sql } = await tenantWithRows(false);
    const { listed } = await backedUp(id);
    const original = {
      teams: (await sql('SELECT * FROM teams ORDER BY id')).rows,
      people: (await sql('SELECT id, team_id, name, tags::text, profile::text, upper_name FROM people ORDER BY id')).rows,
    };
    const target = `restore_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${target}`);
      const url = new URL(postgresUrl!);
      url.pathname = `/${target}`;
      const file = path.join(gateway.backupDir, String(listed.storage_path));
      // As a customer would: gunzip and psql, nothing of the gateway's.
      await run('bash', ['-c', `gunzip -c "$0" | psql -q -v ON_ERROR_STOP=1 "$1"`, file, url.toString()], { timeout: 60_000 });
      const restored = new pg.Client({ connectionString: url.toString() });
      await restored.connect();
      try {
        const rows = async (text: string) => (await restored.query({ text, rowMode: 'array' })).rows;
        expect(await rows('SELECT * FROM teams ORDER BY id')).toEqual(original.teams.map((row) => row.map((value) => value)));
        const people = await rows('SELECT id, team_id, name, tags::text, profile::text, upper_name FROM people ORDER BY id');
        expect(people.map((row) => row.map((value) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value)))).toEqual(
          original.people.map((row) => row.map((value) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))),
        );
        expect(people[0]![2]).toBe(tricky);
        // Identity and serial sequences continue after the restored rows.
        expect((await rows("INSERT INTO teams (name) VALUES ('new') RETURNING id"))[0]![0]).toBe(3);
        expect(Number((await rows("INSERT INTO people (name) VALUES ('new') RETURNING id"))[0]![0])).toBe(4);
        // A foreign key restored with its rows: a person of a team that does not exist is refused.
        await expect(restored.query("INSERT INTO people (team_id, name) VALUES (99, 'x')")).rejects.toThrow(/foreign key/);
      } finally {
        await restored.end();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${target} WITH (FORCE)`);
      await admin.end();
    }
  });

  test('encrypted backups (the default) seal the SQL file too: no row text at rest; a rollback takes its path', async () => {
    const { id, sql } = await tenantWithRows(true);
    const { listed } = await backedUp(id);
    const bytes = await readFile(path.join(gateway.backupDir, String(listed.storage_path)));
    // Not gzip (1f 8b): sealed. No row of the tenant's in it.
    expect(bytes.subarray(0, 2).toString('hex')).not.toBe('1f8b');
    expect(bytes.includes(Buffer.from('Eve'))).toBe(false);
    await sql("DELETE FROM people WHERE name = 'Eve'");
    const rollback = await gateway.rest('POST', `/tenants/${id}/rollback`, { headers: as(), body: { storage_path: listed.storage_path } });
    expect(rollback.status, JSON.stringify(rollback.body)).toBe(200);
    expect(rollback.body.paths).toEqual([listed.storage_path]);
    await expect.poll(async () => (await gateway.rest('GET', `/tenants/${id}`, { headers: as() })).body.status, { timeout: 20_000 }).toBe('ready');
    const job = await gateway.database.prisma.backupJob.findFirst({ where: { kind: 'ROLLBACK', tenant: { slug: id } } });
    expect(job, JSON.stringify(job)).toMatchObject({ status: 'COMPLETED' });
    expect((await sql("SELECT count(*)::int FROM people WHERE name = 'Eve'")).rows).toEqual([[1]]);
  });
});
