import pg from 'pg';
import { expect, test } from 'vitest';
import { postgresSqlSessions } from '../src/gateway-db/sql-sessions.js';

// The data plane's own pool (tenant SQL beside Prisma's): a connection the server ends while it
// sits idle must not become an unhandled 'error' (that would crash the gateway).
const url = process.env.TEST_POSTGRES_URL;

test.skipIf(!url)('an idle connection the server terminates is dropped, not an unhandled error; the next transaction works', async () => {
  const sessions = postgresSqlSessions(url!, 2);
  try {
    const pid = await sessions.transaction(async (tx) => (await tx.query('SELECT pg_backend_pid()')).rows[0]![0]);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await admin.end();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await sessions.transaction(async (tx) => (await tx.query('SELECT 1')).rows[0]![0])).toBe(1);
  } finally {
    await sessions.close();
  }
});
