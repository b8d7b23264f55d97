import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { changeCaptureSql } from '../src/data-plane/change-capture-sql.js';

/**
 * C1, what the change log costs a tenant's write (issue 27): single-row UPDATEs, each its own
 * transaction, from `connections` sessions in a tenant's role on its own table (1,000 rows), with
 * and without the change log's triggers on that table, alternated twice on the same PostgreSQL
 * server; the better run of each counts. Reports writes a second and microseconds per write.
 */
export async function captureCost(serverUrl: string, options: { seconds: number; connections: number }) {
  const database = `bench_capture_${randomBytes(4).toString('hex')}`;
  const role = `bench_tenant_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.query(`CREATE ROLE ${role} NOLOGIN`);
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  const owner = new pg.Client({ connectionString: url.toString() });
  await owner.connect();
  try {
    await owner.query(changeCaptureSql('bench'));
    await owner.query(`CREATE SCHEMA tenant AUTHORIZATION ${role}`);
    await owner.query(`SET ROLE ${role}`);
    await owner.query('CREATE TABLE tenant.users (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL)');
    await owner.query("INSERT INTO tenant.users SELECT i, 'user ' || i, 'user' || i || '@example.com' FROM generate_series(0, 999) i");
    const triggers = async (on: boolean) =>
      owner.query(
        on
          ? 'CREATE TRIGGER "0_tdb_capture" AFTER INSERT OR UPDATE OR DELETE ON tenant.users FOR EACH ROW EXECUTE FUNCTION tdb_capture.capture_row()'
          : 'DROP TRIGGER IF EXISTS "0_tdb_capture" ON tenant.users',
      );
    const sessions = await Promise.all(
      Array.from({ length: options.connections }, async () => {
        const client = new pg.Client({ connectionString: url.toString() });
        await client.connect();
        await client.query(`SET ROLE ${role}`);
        return client;
      }),
    );
    const run = async () => {
      let writes = 0;
      const until = Date.now() + options.seconds * 1000;
      await Promise.all(
        sessions.map(async (client, index) => {
          for (let n = index; Date.now() < until; n += sessions.length) {
            await client.query('UPDATE tenant.users SET name = $1 WHERE id = $2', [`user ${n}`, n % 1000]);
            writes++;
          }
        }),
      );
      return writes / options.seconds;
    };
    const runs = { without: [] as number[], with: [] as number[] };
    for (let round = 0; round < 2; round++) {
      await triggers(false);
      runs.without.push(await run());
      await triggers(true);
      runs.with.push(await run());
    }
    await Promise.all(sessions.map((client) => client.end()));
    const without = Math.max(...runs.without);
    const withLog = Math.max(...runs.with);
    await owner.query('RESET ROLE');
    // The log holds the runs with triggers: a check that they wrote it.
    const logged = Number((await owner.query('SELECT count(*)::int AS count FROM tdb_capture.changes')).rows[0].count);
    return {
      connections: options.connections,
      writesPerSecond: { without: Math.round(without), with: Math.round(withLog) },
      ratio: withLog / without,
      // Wall time per write across the sessions: what one more write costs the server, all else equal.
      microsPerWrite: { without: Math.round((1e6 * options.connections) / without), with: Math.round((1e6 * options.connections) / withLog) },
      logged,
    };
  } finally {
    await owner.end();
    await admin.query(`DROP DATABASE ${database} WITH (FORCE)`);
    await admin.query(`DROP ROLE ${role}`);
    await admin.end();
  }
}
