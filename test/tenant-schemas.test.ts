import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { physicalSchemaName, tenantDatabaseName } from '../src/modules/tenant-databases/physical-names.js';
import { classifySql } from '../src/modules/tenant-databases/sql-classifier.js';
import { ConnectionLimitError, createSchema, dropSchema, dropUnreferencedSchema, RefusedStatementError, runInSchema, SchemaQueryError } from '../src/modules/tenant-databases/tenant-schemas.js';
import { openTestDatabase } from './support/gateway.js';

const limits = { queryTimeoutMs: 30_000, maxRows: 1000 };
const blueprint = ['CREATE TABLE accounts (id SERIAL PRIMARY KEY, owner TEXT NOT NULL, balance NUMERIC NOT NULL DEFAULT 0)'];

let database: Database;
let dispose: () => Promise<void>;
const project = randomUUID();
const acme = physicalSchemaName(project, tenantDatabaseName('fintech', 'acme'));
const globex = physicalSchemaName(project, tenantDatabaseName('fintech', 'globex'));

beforeAll(async () => {
  ({ database, dispose } = await openTestDatabase({ migrated: true }));
  await createSchema(database.sql, acme, blueprint);
  await createSchema(database.sql, globex, blueprint);
  await runInSchema(database.sql, acme, limits, "INSERT INTO accounts (owner, balance) VALUES ('wile', 10), ('road', 20)");
  await runInSchema(database.sql, globex, limits, "INSERT INTO accounts (owner, balance) VALUES ('hank', 99)");
});

afterAll(async () => {
  await dropSchema(database.sql, acme);
  await dropSchema(database.sql, globex);
  await dispose();
});

describe('tenant schemas', () => {
  it('names a tenant database <blueprint>__<tenant> behind a project prefix, within 63 bytes', () => {
    expect(acme).toBe(`p${project.replace(/-/g, '').slice(0, 8)}_fintech__acme`);
    expect(physicalSchemaName(randomUUID(), tenantDatabaseName('fintech', 'acme'))).not.toBe(acme);
    const long = physicalSchemaName(project, tenantDatabaseName('b'.repeat(40), 't'.repeat(40)));
    const longToo = physicalSchemaName(project, tenantDatabaseName('b'.repeat(40), `${'t'.repeat(39)}u`));
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(63);
    expect(long).not.toBe(longToo);
  });

  it('answers columns, rows as arrays, the row count and the duration', async () => {
    const result = await runInSchema(database.sql, acme, limits, 'SELECT id, owner, balance, 1 AS owner FROM accounts ORDER BY id');
    expect(result.columns).toEqual(['id', 'owner', 'balance', 'owner']);
    expect(result.rows).toEqual([
      [1, 'wile', '10', 1],
      [2, 'road', '20', 1],
    ]);
    expect(result.rowCount).toBe(2);
    expect(result.truncated).toBe(false);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('sees only its own schema: the same table name holds each tenant\'s rows', async () => {
    const result = await runInSchema(database.sql, globex, limits, 'SELECT owner FROM accounts');
    expect(result.rows).toEqual([['hank']]);
  });

  it('refuses a qualified name of another tenant\'s schema with permission denied', async () => {
    const reading = runInSchema(database.sql, globex, limits, `SELECT * FROM "${acme}".accounts`);
    await expect(reading).rejects.toBeInstanceOf(SchemaQueryError);
    await expect(reading).rejects.toMatchObject({ message: `permission denied for schema ${acme}`, sqlState: '42501' });
    await expect(runInSchema(database.sql, globex, limits, `DELETE FROM "${acme}".accounts`)).rejects.toMatchObject({ message: `permission denied for schema ${acme}` });
    const still = await runInSchema(database.sql, acme, limits, 'SELECT count(*) FROM accounts');
    expect(still.rows).toEqual([[2]]);
  });

  it('a query that left its role by a way the classifier missed gets nothing back and changes nothing', async () => {
    // What a statement would do through a function not refused yet, forced past the classifier here.
    const balance = async () => (await runInSchema(database.sql, acme, limits, "SELECT balance FROM accounts WHERE owner = 'wile'")).rows;
    const before = await balance();
    const [escape] = await classifySql("SELECT set_config('role', 'none', true)");
    const [change] = await classifySql("UPDATE accounts SET balance = 0 WHERE owner = 'wile'");
    const answer = runInSchema(database.sql, acme, limits, [{ ...escape!, refusal: null }, change!]);
    await expect(answer).rejects.toMatchObject({ name: 'SchemaQueryError', sqlState: '42501', message: "permission denied: the query changed the session's role; nothing was changed" });
    expect(await balance()).toEqual(before);
  });

  it('cannot read the gateway\'s own tables', async () => {
    await expect(runInSchema(database.sql, acme, limits, 'SELECT * FROM public."ApiKey"')).rejects.toMatchObject({ sqlState: '42501' });
  });

  it('refuses statements that would leave the role before PostgreSQL sees them', async () => {
    for (const escape of ['RESET ROLE', 'SET ROLE postgres', "SELECT set_config('role', 'none', true)", 'COMMIT', 'SET search_path TO public', 'SELECT pg_advisory_lock(1)']) {
      await expect(runInSchema(database.sql, acme, limits, `${escape}; SELECT * FROM public."ApiKey"`)).rejects.toBeInstanceOf(RefusedStatementError);
    }
  });

  it('caps rows at max_rows_per_query and says the answer was cut', async () => {
    const result = await runInSchema(database.sql, acme, { ...limits, maxRows: 5 }, 'SELECT n FROM generate_series(1, 100000) AS n');
    expect(result.rows).toEqual([[1], [2], [3], [4], [5]]);
    expect(result.rowCount).toBe(5);
    expect(result.truncated).toBe(true);
    const exact = await runInSchema(database.sql, acme, { ...limits, maxRows: 2 }, 'SELECT owner FROM accounts ORDER BY id');
    expect(exact).toMatchObject({ rowCount: 2, truncated: false });
    const returning = await runInSchema(database.sql, acme, { ...limits, maxRows: 1 }, "UPDATE accounts SET owner = owner RETURNING id");
    expect(returning).toMatchObject({ rowCount: 1, truncated: true });
  });

  it('counts changed rows for data changes without RETURNING', async () => {
    const result = await runInSchema(database.sql, acme, limits, "UPDATE accounts SET balance = balance + 1 WHERE owner = 'wile'");
    expect(result).toMatchObject({ columns: [], rows: [], rowCount: 1 });
  });

  it('sets statement_timeout from query_timeout_ms for the transaction', async () => {
    const shown = await runInSchema(database.sql, acme, { ...limits, queryTimeoutMs: 1234 }, 'SHOW statement_timeout');
    expect(shown.rows).toEqual([['1234ms']]);
    if (database.kind === 'postgres') {
      // PGlite runs in one thread without timer signals: only PostgreSQL can cancel a running statement.
      await expect(runInSchema(database.sql, acme, { ...limits, queryTimeoutMs: 100 }, 'SELECT pg_sleep(5)')).rejects.toMatchObject({
        message: 'canceling statement due to statement timeout',
        sqlState: '57014',
      });
    }
  });

  it('rolls the whole text back when one statement fails, with PostgreSQL\'s message', async () => {
    const failing = runInSchema(database.sql, acme, limits, "INSERT INTO accounts (owner) VALUES ('coyote'); SELECT * FROM missing");
    await expect(failing).rejects.toMatchObject({ message: 'relation "missing" does not exist', sqlState: '42P01' });
    const rows = await runInSchema(database.sql, acme, limits, "SELECT count(*) FROM accounts WHERE owner = 'coyote'");
    expect(rows.rows).toEqual([[0]]);
  });

  it('drops a schema with its role, and dropping again is not an error', async () => {
    const doomed = physicalSchemaName(project, tenantDatabaseName('fintech', 'doomed'));
    await createSchema(database.sql, doomed, blueprint);
    await dropSchema(database.sql, doomed);
    await dropSchema(database.sql, doomed);
    const left = await database.sql.transaction((tx) =>
      tx.query(`SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = '${doomed}') + (SELECT count(*) FROM pg_roles WHERE rolname = '${doomed}')`),
    );
    expect(left.rows).toEqual([[0]]);
  });

  it('never takes over a schema or role of the same name: CONFLICT, and the existing one stays', async () => {
    const taken = physicalSchemaName(project, tenantDatabaseName('fintech', 'taken'));
    await database.sql.transaction((tx) => tx.query(`CREATE ROLE "${taken}" NOLOGIN`));
    await expect(createSchema(database.sql, taken)).rejects.toMatchObject({ code: 'CONFLICT' });
    const left = await database.sql.transaction((tx) => tx.query(`SELECT (SELECT count(*) FROM pg_roles WHERE rolname = '${taken}'), (SELECT count(*) FROM pg_namespace WHERE nspname = '${taken}')`));
    expect(left.rows).toEqual([[1, 0]]);
    await database.sql.transaction((tx) => tx.query(`DROP ROLE "${taken}"`));
  });

  const count = async (sql: string) => (await database.sql.transaction((tx) => tx.query(sql))).rows;

  it("takes over its own leftover (a schema and role of a name it makes, no record naming it) only while holding the name's lock", async () => {
    const leftover = physicalSchemaName(project, tenantDatabaseName('fintech', 'leftover'));
    await createSchema(database.sql, leftover, blueprint);
    await runInSchema(database.sql, leftover, limits, "INSERT INTO accounts (owner) VALUES ('old')");
    // Without the lock (nobody vouches that no request is creating it right now): CONFLICT.
    await expect(createSchema(database.sql, leftover, blueprint)).rejects.toMatchObject({ code: 'CONFLICT' });
    await database.sql.withNameLocks([leftover], (held) => createSchema(database.sql, leftover, blueprint, held));
    // Made afresh: the blueprint's tables, none of the leftover's rows.
    expect((await runInSchema(database.sql, leftover, limits, 'SELECT count(*) FROM accounts')).rows).toEqual([[0]]);
    await dropSchema(database.sql, leftover);
  });

  it('a leftover role alone (its schema already gone) is taken over too', async () => {
    const roleOnly = physicalSchemaName(project, tenantDatabaseName('fintech', 'roleonly'));
    await createSchema(database.sql, roleOnly);
    await database.sql.transaction((tx) => tx.query(`DROP SCHEMA "${roleOnly}"`));
    await database.sql.withNameLocks([roleOnly], (held) => createSchema(database.sql, roleOnly, blueprint, held));
    expect(await count(`SELECT count(*) FROM pg_namespace WHERE nspname = '${roleOnly}'`)).toEqual([[1]]);
    await dropSchema(database.sql, roleOnly);
  });

  it("never takes over, even holding the lock: a schema a record names, a role it did not make, a schema another role owns, a name it does not make", async () => {
    const recorded = physicalSchemaName(project, tenantDatabaseName('fintech', 'recorded'));
    const foreignRole = physicalSchemaName(project, tenantDatabaseName('fintech', 'foreignrole'));
    const foreignOwner = physicalSchemaName(project, tenantDatabaseName('fintech', 'foreignowner'));
    const notOurs = 'crm_data';
    await createSchema(database.sql, recorded, blueprint);
    const projectRow = await database.prisma.project.create({ data: { slug: `p-${randomUUID().slice(0, 8)}`, name: 'P' } });
    await database.prisma.workspace.create({ data: { projectId: projectRow.id, name: 'recorded', mode: 'CONTROL', schemaName: recorded, connectionUser: 'tdb_x', passwordSealed: new Uint8Array(1) } });
    await database.sql.transaction(async (tx) => {
      await tx.query(`CREATE ROLE "${foreignRole}" NOLOGIN`);
      await tx.query(`CREATE SCHEMA "${foreignOwner}"`);
      await tx.query(`CREATE ROLE "${foreignOwner}" NOLOGIN`);
      await tx.query(`GRANT "${foreignOwner}" TO CURRENT_USER`);
      await tx.query(`CREATE SCHEMA "${notOurs}"`);
    });
    for (const name of [recorded, foreignRole, foreignOwner, notOurs]) {
      await expect(database.sql.withNameLocks([name], (held) => createSchema(database.sql, name, blueprint, held))).rejects.toMatchObject({
        code: 'CONFLICT',
        message: `A database named ${name} already exists on the server; remove it or choose another name`,
      });
    }
    expect(await count(`SELECT count(*) FROM pg_namespace WHERE nspname IN ('${recorded}', '${foreignOwner}', '${notOurs}')`)).toEqual([[3]]);
    expect(await count(`SELECT count(*) FROM pg_roles WHERE rolname IN ('${recorded}', '${foreignRole}', '${foreignOwner}')`)).toEqual([[3]]);
    // A drop after records went leaves alone what a record names.
    await dropUnreferencedSchema(database.sql, recorded);
    expect(await count(`SELECT count(*) FROM pg_namespace WHERE nspname = '${recorded}'`)).toEqual([[1]]);
    await database.prisma.project.delete({ where: { id: projectRow.id } });
    await dropUnreferencedSchema(database.sql, recorded);
    expect(await count(`SELECT count(*) FROM pg_namespace WHERE nspname = '${recorded}'`)).toEqual([[0]]);
    await database.sql.transaction(async (tx) => {
      await tx.query(`DROP SCHEMA "${foreignOwner}"`);
      await tx.query(`DROP SCHEMA "${notOurs}"`);
      await tx.query(`DROP ROLE "${foreignRole}"`);
      await tx.query(`DROP ROLE "${foreignOwner}"`);
    });
  });

  it("a create holding the name is waited for: its schema, not yet recorded, is never dropped under it", async () => {
    const racing = physicalSchemaName(project, tenantDatabaseName('fintech', 'racing'));
    const order: string[] = [];
    let recordsWritten!: () => void;
    const gate = new Promise<void>((resolve) => (recordsWritten = resolve));
    let schemaMade!: () => void;
    const made = new Promise<void>((resolve) => (schemaMade = resolve));
    const first = database.sql.withNameLocks([racing], async (held) => {
      await createSchema(database.sql, racing, blueprint, held);
      schemaMade();
      // Here a request writes its records; this one writes none, so its schema is a leftover once it lets go.
      await gate;
      await runInSchema(database.sql, racing, limits, "INSERT INTO accounts (owner) VALUES ('first')");
      order.push('first let go');
    });
    await made;
    const second = database.sql.withNameLocks([racing], async (held) => {
      order.push('second holds the name');
      await createSchema(database.sql, racing, blueprint, held);
    });
    // The second has every chance to run meanwhile; it waits for the name.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(order).toEqual([]);
    recordsWritten();
    await Promise.all([first, second]);
    expect(order).toEqual(['first let go', 'second holds the name']);
    // The second took over what the first left (no record names it) and made it afresh.
    expect((await runInSchema(database.sql, racing, limits, 'SELECT count(*) FROM accounts')).rows).toEqual([[0]]);
    await dropSchema(database.sql, racing);
  });

  it("max_connections: a run past that many at once on one schema is refused before anything runs; other schemas and later runs go on", async () => {
    const one = { ...limits, maxConnections: 1 };
    // A run that cannot finish yet: the test holds a lock on acme's table (on PGlite, whose
    // transactions are exclusive, the open transaction alone holds it back).
    let letGo!: () => void;
    const gate = new Promise<void>((resolve) => (letGo = resolve));
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => (locked = resolve));
    const holder = database.sql.transaction(async (tx) => {
      await tx.query(`LOCK TABLE "${acme}".accounts IN ACCESS EXCLUSIVE MODE`);
      locked();
      await gate;
    });
    await holding;
    // Statements already classified: the run takes its place before it first waits.
    const waiting = runInSchema(database.sql, acme, one, await classifySql('SELECT count(*) FROM accounts'));
    let second: ReturnType<typeof runInSchema>;
    try {
      const refused = runInSchema(database.sql, acme, one, await classifySql("INSERT INTO accounts (owner) VALUES ('refused')"));
      await expect(refused).rejects.toBeInstanceOf(ConnectionLimitError);
      await expect(refused).rejects.toMatchObject({
        code: 'RATE_LIMITED',
        message: "max_connections reached: 1 query is already running on this database (the workspace's max_connections setting); retry when one ends",
        details: { policy: 'max_connections', limit: 1 },
      });
      // At a higher limit the run is not refused (it waits like the first).
      second = runInSchema(database.sql, acme, { ...limits, maxConnections: 2 }, await classifySql('SELECT 1'));
    } finally {
      letGo();
      await holder;
    }
    expect((await waiting).rows).toEqual([[2]]);
    expect((await second).rows).toEqual([[1]]);
    // Nothing of the refused run happened; its place was never taken, the first's is free again.
    const after = await runInSchema(database.sql, acme, one, "SELECT count(*) FROM accounts WHERE owner = 'refused'");
    expect(after.rows).toEqual([[0]]);
    // Another schema has places of its own.
    expect((await runInSchema(database.sql, globex, one, 'SELECT count(*) FROM accounts')).rows).toEqual([[1]]);
  });

  it('creates nothing when the DDL chain fails', async () => {
    const broken = physicalSchemaName(project, tenantDatabaseName('fintech', 'broken'));
    await expect(createSchema(database.sql, broken, ['CREATE TABLE t (id int)', 'CREATE TABLE t (id int)'])).rejects.toMatchObject({ message: 'relation "t" already exists' });
    const left = await database.sql.transaction((tx) => tx.query(`SELECT count(*) FROM pg_roles WHERE rolname = '${broken}'`));
    expect(left.rows).toEqual([[0]]);
  });
});
