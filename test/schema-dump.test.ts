import { PGlite } from '@electric-sql/pglite';
import { afterAll, expect, test } from 'vitest';
import { dumpSchemaDdl } from '../src/gateway-db/schema-dump.js';

// pglite-tools' pg_dump runs on the embedded database's one session and leaves it as a pg_dump
// process leaves its connection: inside its read-only transaction, with its session settings.
// A statement that ran next on the gateway's database (a job's claim) failed there and aborted
// it (test/data-plane-upgrade.test.ts, once the SQL parser was loaded lazily between the dump and
// the next transaction).

const pglite = new PGlite('memory://');
afterAll(() => pglite.close());

const settings = async () =>
  (await pglite.query<{ name: string; setting: string }>("SELECT name, setting FROM pg_settings WHERE source <> 'default' ORDER BY name")).rows;

test("the dump leaves PGlite's session as it found it, and a statement sent meanwhile runs after it, outside its transaction", async () => {
  await pglite.exec('CREATE SCHEMA legacy; CREATE TABLE legacy.customers (id int PRIMARY KEY, name text)');
  await pglite.exec('SET extra_float_digits = 2');
  const before = await settings();
  const [ddl] = await Promise.all([
    dumpSchemaDdl({ kind: 'pglite', url: 'memory://', pglite }, 'legacy'),
    pglite.query('CREATE TABLE written_meanwhile (id int)'),
  ]);
  expect(ddl).toMatch(/CREATE TABLE legacy\.customers/);
  expect(pglite.isInTransaction()).toBe(false);
  expect((await pglite.query('SHOW transaction_read_only')).rows).toEqual([{ transaction_read_only: 'off' }]);
  const after = new Map((await settings()).map(({ name, setting }) => [name, setting]));
  for (const { name, setting } of before) expect([name, after.get(name)]).toEqual([name, setting]);
  // What pg_dump sets for itself is back to the server's default.
  expect((await pglite.query('SHOW restrict_nonsystem_relation_kind')).rows).toEqual([{ restrict_nonsystem_relation_kind: '' }]);
  expect((await pglite.query('SHOW row_security')).rows).toEqual([{ row_security: 'on' }]);
  await pglite.query('INSERT INTO written_meanwhile VALUES (1)');
});

test('a statement sent while the dump runs waits for it: it ends after the dump, outside its read-only transaction', async () => {
  await pglite.exec('CREATE SCHEMA IF NOT EXISTS legacy; CREATE TABLE IF NOT EXISTS legacy.orders (id int PRIMARY KEY)');
  const order: string[] = [];
  let meanwhile: Promise<unknown> | undefined;
  // pg_dump's first message on the wire is the moment it is under way: the statement is sent then.
  const wire = pglite.execProtocolRawSync.bind(pglite);
  pglite.execProtocolRawSync = (message: Uint8Array) => {
    meanwhile ??= pglite.query<{ transaction_read_only: string }>('SHOW transaction_read_only').then(({ rows }) => {
      order.push(`statement (read only: ${rows[0]!.transaction_read_only})`);
    });
    return wire(message);
  };
  try {
    await dumpSchemaDdl({ kind: 'pglite', url: 'memory://', pglite }, 'legacy');
    order.push('dump');
    await meanwhile;
  } finally {
    pglite.execProtocolRawSync = wire;
  }
  expect(meanwhile).toBeDefined();
  expect(order).toEqual(['dump', 'statement (read only: off)']);
});
