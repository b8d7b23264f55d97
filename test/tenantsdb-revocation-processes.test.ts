import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { expect, test } from 'vitest';
import { within } from './support/replica.js';
import { callServer, type ServerProcess, startServerProcess } from './support/server-process.js';

// Issue 16: a deleted TenantsDB key, or a deleted project's keys, stop working on every replica
// within a second (PRINCIPAL_CACHE_MS). Two real gateway processes on one PostgreSQL database:
// PGlite cannot be shared between processes, so this runs in CI's PostgreSQL pass.

const serverUrl = process.env.TEST_POSTGRES_URL;

const call = callServer;

test.skipIf(!serverUrl)('a key deleted, or a project deleted, on one process stops working on the other within a second', { timeout: 180_000 }, async () => {
  const name = `gateway_revocation_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl!);
  url.pathname = `/${name}`;
  // One SECRETS_KEY for both: proxy passwords sealed by one are opened by the other.
  const env = {
    DATABASE_URL: url.toString(),
    GATEWAY_ADMIN_KEY: 'revocation-operator-key-0123456789',
    SECRETS_KEY: 'ef'.repeat(32),
    BACKUP_SCHEDULER: 'off',
    PRINCIPAL_CACHE_MS: '1000',
    LOG_LEVEL: 'warn',
  };
  const servers: ServerProcess[] = [];
  try {
    // One after the other: the first applies the migrations.
    servers.push(await startServerProcess(env));
    servers.push(await startServerProcess(env));
    const [a, b] = servers as [ServerProcess, ServerProcess];

    const signup = await call(a, 'POST', '/signup', undefined, {
      email: `ops-${randomBytes(4).toString('hex')}@example.com`,
      password: 'correct horse battery',
    });
    expect(signup.status).toBe(201);
    const owner: string = signup.body.api_key;

    // A second key of the project, known to process B (and so in B's principal cache).
    const created = await call(a, 'POST', '/apikeys', owner, { name: 'ci' });
    expect(created.status).toBe(201);
    expect((await call(b, 'GET', '/apikeys', created.body.api_key)).status).toBe(200);
    expect((await call(a, 'DELETE', `/apikeys/${created.body.id}`, owner)).status).toBe(200);
    // Allowed: what B remembered for at most PRINCIPAL_CACHE_MS, plus polling.
    expect(await within(401, async () => (await call(b, 'GET', '/apikeys', created.body.api_key)).status)).toBeLessThan(1_500);
    expect((await call(b, 'GET', '/apikeys', owner)).status).toBe(200);

    // A second project, its key known to B; deleting the project on A ends it on B.
    const project = await call(a, 'POST', '/projects', owner, { name: 'Doomed' });
    expect(project.status).toBe(201);
    expect((await call(b, 'GET', '/projects', project.body.api_key)).status).toBe(200);
    expect((await call(a, 'DELETE', `/projects/${project.body.project_id}`, owner)).status).toBe(200);
    expect(await within(401, async () => (await call(b, 'GET', '/projects', project.body.api_key)).status)).toBeLessThan(1_500);
    expect((await call(b, 'GET', '/projects', owner)).status).toBe(200);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
});
