import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, test } from 'vitest';
import { postgresDataPlane } from '../src/data-plane/postgres-data-plane.js';

// Logins made at once in one database: each GRANT CONNECT updates the same catalog row
// (pg_database.datacl), and PostgreSQL fails the later of two concurrent ones with "tuple
// concurrently updated" instead of waiting. The data plane runs them in a transaction and again.

const url = process.env.TEST_POSTGRES_URL;
const plane = url ? postgresDataPlane({ url, max: 24, idleMs: 5_000, acquireTimeoutMs: 10_000 }) : null;
afterAll(() => plane?.close());

describe.skipIf(!url)('data-plane privileges changed at once (PostgreSQL)', () => {
  test('twelve logins made together in one database all succeed; dropped together, all go', async () => {
    const database = `tdbd_${randomBytes(12).toString('hex')}`;
    await plane!.createDatabase('default', database);
    const logins = Array.from({ length: 12 }, () => {
      const suffix = randomBytes(12).toString('hex');
      return { server: 'default', database, schemaName: `s_${suffix}`, roleName: `tdbr_${suffix}`, password: randomBytes(24).toString('base64url') };
    });
    try {
      const made = await Promise.allSettled(logins.map((login) => plane!.createLogin(login, { statementTimeoutMs: 30_000 })));
      expect(made.filter((result) => result.status === 'rejected').map((result) => String((result as PromiseRejectedResult).reason))).toEqual([]);
      const dropped = await Promise.allSettled(logins.map((login) => plane!.dropLogin('default', database, login.roleName)));
      expect(dropped.filter((result) => result.status === 'rejected').map((result) => String((result as PromiseRejectedResult).reason))).toEqual([]);
    } finally {
      await plane!.dropDatabase(
        'default',
        database,
        logins.map((login) => login.roleName),
      );
    }
  });
});
