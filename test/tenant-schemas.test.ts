import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { physicalSchemaName, tenantDatabaseName } from '../src/modules/data-plane-schemas/physical-names.js';
import { createPlacement, dropPlacement, dropUnreferencedPlacement, type Placed } from '../src/modules/data-plane-schemas/placements.js';
import { classifySql } from '../src/modules/data-plane-schemas/sql-classifier.js';
import {
  ConnectionLimitError,
  inSchemaSession,
  RefusedStatementError,
  runInSchema,
  type SchemaLimits,
  SchemaQueryError,
} from '../src/modules/data-plane-schemas/tenant-schemas.js';
import { dataPlaneCatalog, inSchema } from './support/data-plane.js';
import { startGateway, type TestGateway, uniqueSlug } from './support/gateway.js';

const limits: SchemaLimits = { queryTimeoutMs: 30_000, maxRows: 1000, maxResultBytes: 1 << 20 };
const blueprint = { statements: ['CREATE TABLE accounts (id SERIAL PRIMARY KEY, owner TEXT NOT NULL, balance NUMERIC NOT NULL DEFAULT 0)'], version: 1 };

let gateway: TestGateway;
let project: string;
let acme: Placed;
let globex: Placed;
const schema = (tenant: string) => physicalSchemaName(project, tenantDatabaseName('fintech', tenant));
const deps = () => gateway.app.dataPlane;
const run = (placed: Placed, sql: Parameters<typeof runInSchema>[3], given: SchemaLimits = limits) => runInSchema(deps(), placed, given, sql);
const catalog = async (sql: string, params: unknown[] = []) => (await dataPlaneCatalog(gateway, { projectId: project }, sql, params)).rows;

beforeAll(async () => {
  gateway = await startGateway();
  project = (await gateway.database.prisma.project.create({ data: { slug: uniqueSlug('p'), name: 'P' } })).id;
  acme = await createPlacement(deps(), project, schema('acme'), blueprint);
  globex = await createPlacement(deps(), project, schema('globex'), blueprint);
  await run(acme, "INSERT INTO accounts (owner, balance) VALUES ('wile', 10), ('road', 20)");
  await run(globex, "INSERT INTO accounts (owner, balance) VALUES ('hank', 99)");
});

afterAll(() => gateway.close());

describe('tenant schemas on the data plane', () => {
  it('names a tenant database <blueprint>__<tenant> behind a project prefix, within 63 bytes; its role and database opaquely', () => {
    expect(acme.schemaName).toBe(`p${project.replace(/-/g, '').slice(0, 8)}_fintech__acme`);
    const long = physicalSchemaName(project, tenantDatabaseName('b'.repeat(40), 't'.repeat(40)));
    const longToo = physicalSchemaName(project, tenantDatabaseName('b'.repeat(40), `${'t'.repeat(39)}u`));
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(63);
    expect(long).not.toBe(longToo);
    expect(acme.roleName).toMatch(/^tdbr_[0-9a-f]{24}$/);
    expect(acme.database.name).toMatch(/^tdbd_[0-9a-f]{24}$/);
    // One database per project: both tenants' schemas are in it.
    expect(globex.databaseId).toBe(acme.databaseId);
    // The password is sealed, never plain.
    expect(Buffer.from(acme.passwordSealed).subarray(0, 4).toString()).toBe('TGK1');
  });

  it('answers columns, rows as arrays, the row count and the duration', async () => {
    const result = await run(acme, 'SELECT id, owner, balance, 1 AS owner FROM accounts ORDER BY id');
    expect(result.columns).toEqual(['id', 'owner', 'balance', 'owner']);
    expect(result.rows).toEqual([
      [1, 'wile', '10', 1],
      [2, 'road', '20', 1],
    ]);
    expect(result.rowCount).toBe(2);
    expect(result.truncated).toBe(false);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("sees only its own schema: the same table name holds each tenant's rows", async () => {
    expect((await run(globex, 'SELECT owner FROM accounts')).rows).toEqual([['hank']]);
  });

  it("refuses a qualified name of another tenant's schema with permission denied", async () => {
    const reading = run(globex, `SELECT * FROM "${acme.schemaName}".accounts`);
    await expect(reading).rejects.toBeInstanceOf(SchemaQueryError);
    await expect(reading).rejects.toMatchObject({ message: `permission denied for schema ${acme.schemaName}`, sqlState: '42501' });
    await expect(run(globex, `DELETE FROM "${acme.schemaName}".accounts`)).rejects.toMatchObject({
      message: `permission denied for schema ${acme.schemaName}`,
    });
    expect((await run(acme, 'SELECT count(*) FROM accounts')).rows).toEqual([[2]]);
  });

  it("the gateway's own tables are not in the data plane at all, and its public schema is closed to tenants", async () => {
    // PostgreSQL: no schema public for tenants (42501); the embedded data plane: no such table (42P01).
    await expect(run(acme, 'SELECT * FROM public."ApiKey"')).rejects.toMatchObject({ sqlState: expect.stringMatching(/^(42501|42P01)$/) });
    expect(await catalog(`SELECT count(*) FROM pg_class WHERE relname IN ('ApiKey', 'Customer', 'Tenant', 'AuditEvent')`)).toEqual([[0]]);
  });

  it('refuses statements that would leave the role before PostgreSQL sees them', async () => {
    for (const breakOut of [
      'RESET ROLE',
      'SET ROLE postgres',
      "SELECT set_config('role', 'none', true)",
      'COMMIT',
      'SET search_path TO public',
      'SELECT pg_advisory_lock(1)',
    ]) {
      await expect(run(acme, `${breakOut}; SELECT 1`)).rejects.toBeInstanceOf(RefusedStatementError);
    }
  });

  it('caps rows at max_rows_per_query and says the answer was cut, for reads and for RETURNING alike', async () => {
    const result = await run(acme, 'SELECT n FROM generate_series(1, 100000) AS n', { ...limits, maxRows: 5 });
    expect(result.rows).toEqual([[1], [2], [3], [4], [5]]);
    expect(result.rowCount).toBe(5);
    expect(result.truncated).toBe(true);
    expect(await run(acme, 'SELECT owner FROM accounts ORDER BY id', { ...limits, maxRows: 2 })).toMatchObject({ rowCount: 2, truncated: false });
    expect(await run(acme, 'UPDATE accounts SET owner = owner RETURNING id', { ...limits, maxRows: 1 })).toMatchObject({ rowCount: 1, truncated: true });
    // A data-modifying WITH is read through the portal too.
    expect(await run(acme, 'WITH touched AS (UPDATE accounts SET owner = owner RETURNING id) SELECT id FROM touched', { ...limits, maxRows: 1 })).toMatchObject(
      { rowCount: 1, truncated: true },
    );
  });

  it('caps the bytes of an answer: whole rows within the cap, truncated', async () => {
    const result = await run(acme, "SELECT n, repeat('x', 1000) FROM generate_series(1, 50) AS n", { ...limits, maxResultBytes: 10_000 });
    expect(result.truncated).toBe(true);
    expect(result.rows.length).toBeGreaterThan(3);
    expect(result.rows.length).toBeLessThan(10);
    expect(result.rows[0]).toEqual([1, 'x'.repeat(1000)]);
  });

  it('counts changed rows for data changes without RETURNING', async () => {
    expect(await run(acme, "UPDATE accounts SET balance = balance + 1 WHERE owner = 'wile'")).toMatchObject({ columns: [], rows: [], rowCount: 1 });
  });

  it('sets statement_timeout from query_timeout_ms for the transaction', async () => {
    expect((await run(acme, 'SHOW statement_timeout', { ...limits, queryTimeoutMs: 1234 })).rows).toEqual([['1234ms']]);
    if (gateway.database.kind === 'postgres') {
      // PGlite runs in one thread without timer signals: only PostgreSQL can cancel a running statement.
      await expect(run(acme, 'SELECT pg_sleep(5)', { ...limits, queryTimeoutMs: 100 })).rejects.toMatchObject({
        message: 'canceling statement due to statement timeout',
        sqlState: '57014',
      });
    }
  });

  it("rolls the whole text back when one statement fails, with PostgreSQL's message", async () => {
    await expect(run(acme, "INSERT INTO accounts (owner) VALUES ('coyote'); SELECT * FROM missing")).rejects.toMatchObject({
      message: 'relation "missing" does not exist',
      sqlState: '42P01',
    });
    expect((await run(acme, "SELECT count(*) FROM accounts WHERE owner = 'coyote'")).rows).toEqual([[0]]);
  });

  it('drops a placement with its schema, its role and its record; dropping again is not an error', async () => {
    const doomed = await createPlacement(deps(), project, schema('doomed'), blueprint);
    await dropPlacement(deps(), doomed.id);
    await dropPlacement(deps(), doomed.id);
    expect(
      await catalog(`SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = $1) + (SELECT count(*) FROM pg_roles WHERE rolname = $2)`, [
        doomed.schemaName,
        doomed.roleName,
      ]),
    ).toEqual([[0]]);
    expect(await gateway.database.prisma.dataPlacement.count({ where: { id: doomed.id } })).toBe(0);
  });

  it('never takes over a placement a record names, nor one without the name held: CONFLICT, and it stays', async () => {
    const recorded = await createPlacement(deps(), project, schema('recorded'), blueprint);
    await gateway.database.prisma.workspace.create({
      data: {
        projectId: project,
        name: uniqueSlug('w'),
        mode: 'CONTROL',
        placementId: recorded.id,
        connectionUser: 'tdb_x',
        passwordSealed: new Uint8Array(1),
      },
    });
    const message = `A database named ${recorded.schemaName} already exists on the server; remove it or choose another name`;
    await expect(createPlacement(deps(), project, recorded.schemaName, blueprint)).rejects.toMatchObject({ code: 'CONFLICT', message });
    await expect(
      deps().sql.withNameLocks([recorded.schemaName], (held) => createPlacement(deps(), project, recorded.schemaName, blueprint, held)),
    ).rejects.toMatchObject({ code: 'CONFLICT', message });
    // A drop after records went leaves alone what a record names.
    await dropUnreferencedPlacement(deps(), recorded.id);
    expect(await catalog('SELECT count(*) FROM pg_namespace WHERE nspname = $1', [recorded.schemaName])).toEqual([[1]]);
    await gateway.database.prisma.workspace.deleteMany({ where: { placementId: recorded.id } });
    await dropUnreferencedPlacement(deps(), recorded.id);
    expect(await catalog('SELECT count(*) FROM pg_namespace WHERE nspname = $1', [recorded.schemaName])).toEqual([[0]]);
  });

  it("takes over its own leftover (a placement no record names) only while holding the name's lock", async () => {
    const leftover = await createPlacement(deps(), project, schema('leftover'), blueprint);
    await run(leftover, "INSERT INTO accounts (owner) VALUES ('old')");
    await expect(createPlacement(deps(), project, leftover.schemaName, blueprint)).rejects.toMatchObject({ code: 'CONFLICT' });
    const fresh = await deps().sql.withNameLocks([leftover.schemaName], (held) => createPlacement(deps(), project, leftover.schemaName, blueprint, held));
    expect(fresh.roleName).not.toBe(leftover.roleName);
    expect((await run(fresh, 'SELECT count(*) FROM accounts')).rows).toEqual([[0]]);
    expect(await catalog('SELECT count(*) FROM pg_roles WHERE rolname = $1', [leftover.roleName])).toEqual([[0]]);
    await dropPlacement(deps(), fresh.id);
  });

  it('a create holding the name is waited for: its schema, not yet recorded, is never dropped under it', async () => {
    const name = schema('racing');
    const order: string[] = [];
    let recordsWritten!: () => void;
    const gate = new Promise<void>((resolve) => (recordsWritten = resolve));
    let schemaMade!: () => void;
    const made = new Promise<void>((resolve) => (schemaMade = resolve));
    const first = deps().sql.withNameLocks([name], async (held) => {
      const placed = await createPlacement(deps(), project, name, blueprint, held);
      schemaMade();
      await gate;
      await run(placed, "INSERT INTO accounts (owner) VALUES ('first')");
      order.push('first let go');
    });
    await made;
    let second: Placed | undefined;
    const secondDone = deps().sql.withNameLocks([name], async (held) => {
      order.push('second holds the name');
      second = await createPlacement(deps(), project, name, blueprint, held);
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(order).toEqual([]);
    recordsWritten();
    await Promise.all([first, secondDone]);
    expect(order).toEqual(['first let go', 'second holds the name']);
    expect((await run(second!, 'SELECT count(*) FROM accounts')).rows).toEqual([[0]]);
    await dropPlacement(deps(), second!.id);
  });

  it('max_connections: a run past that many at once on one schema is refused before anything runs; other schemas and later runs go on', async () => {
    const one = { ...limits, maxConnections: 1 };
    // A run that cannot finish yet: its first statement waits for a lock the test holds in the same schema.
    let letGo!: () => void;
    const gate = new Promise<void>((resolve) => (letGo = resolve));
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => (locked = resolve));
    const blocker = inSchemaSession(deps(), acme, async (session) => {
      await session.query('LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE');
      locked();
      await gate;
    });
    await holding;
    const waiting = runInSchema(deps(), acme, one, await classifySql('SELECT count(*) FROM accounts'));
    let second: ReturnType<typeof runInSchema>;
    try {
      const refused = runInSchema(deps(), acme, one, await classifySql("INSERT INTO accounts (owner) VALUES ('refused')"));
      await expect(refused).rejects.toBeInstanceOf(ConnectionLimitError);
      await expect(refused).rejects.toMatchObject({
        code: 'RATE_LIMITED',
        message: "max_connections reached: 1 query is already running on this database (the workspace's max_connections setting); retry when one ends",
        details: { policy: 'max_connections', limit: 1 },
      });
      second = runInSchema(deps(), acme, { ...limits, maxConnections: 2 }, await classifySql('SELECT 1'));
    } finally {
      letGo();
      await blocker;
    }
    expect((await waiting).rows).toEqual([[2]]);
    expect((await second).rows).toEqual([[1]]);
    expect((await run(acme, "SELECT count(*) FROM accounts WHERE owner = 'refused'", one)).rows).toEqual([[0]]);
    expect((await run(globex, 'SELECT count(*) FROM accounts', one)).rows).toEqual([[1]]);
  });

  it('creates nothing when the DDL chain fails: no role, no schema, no record', async () => {
    const name = schema('broken');
    await expect(
      createPlacement(deps(), project, name, { statements: ['CREATE TABLE t (id int)', 'CREATE TABLE t (id int)'], version: 1 }),
    ).rejects.toMatchObject({ message: 'relation "t" already exists' });
    expect(await catalog('SELECT count(*) FROM pg_namespace WHERE nspname = $1', [name])).toEqual([[0]]);
    // No login role is left beside the placements there are: on PostgreSQL, the roles that may connect to
    // the project's database (PUBLIC may not); on PGlite, every role of this gateway's own instance.
    const live = await gateway.database.prisma.dataPlacement.count({ where: gateway.database.kind === 'postgres' ? { databaseId: acme.databaseId } : {} });
    const roles =
      gateway.database.kind === 'postgres'
        ? "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'tdbr\\_%' AND has_database_privilege(oid, current_database(), 'CONNECT')"
        : "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'tdbr\\_%'";
    expect(await catalog(roles)).toEqual([[live]]);
    expect(await gateway.database.prisma.dataPlacement.count({ where: { schemaName: name } })).toBe(0);
  });

  it('the test helper reads as the schema owner', async () => {
    expect((await inSchema(gateway, acme.id, 'SELECT current_user')).rows).toEqual([[acme.roleName]]);
  });
});
