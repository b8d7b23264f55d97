import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import path from 'node:path';
import { Writable } from 'node:stream';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { expect, test } from 'vitest';
import { openDatabase } from '../src/gateway-db/client.js';
import { open } from '../src/lib/keyring.js';
import { createLogger } from '../src/lib/logger.js';
import { openFileKey } from '../src/modules/backups/backup-file-keys.js';
import { schemaLogin } from '../src/modules/data-plane-schemas/placements.js';
import { makeCertificate } from './support/certificates.js';
import { startServerProcess } from './support/server-process.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: createLogger('debug', stream) };
}

test('log lines are JSON with level, time and message; errors keep their type and stack', () => {
  const { lines, logger } = capture();
  logger.error('backup failed', { tenant: 'acme', error: new TypeError('disk full') });
  logger.debug('detail');
  logger.child({ requestId: 'req-1' }).info('done', { status: 200 });
  const [first, second, third] = lines.map((line) => JSON.parse(line));
  expect(first).toMatchObject({ level: 'error', message: 'backup failed', tenant: 'acme', error: { type: 'TypeError', message: 'disk full' } });
  expect(first.error.stack).toContain('TypeError: disk full');
  expect(new Date(first.time).toISOString()).toBe(first.time);
  expect(second).toMatchObject({ level: 'debug', message: 'detail' });
  expect(third).toMatchObject({ level: 'info', message: 'done', requestId: 'req-1', status: 200 });
});

test('credentials and secrets never reach a log line, at any depth the gateway logs them', () => {
  const { lines, logger } = capture();
  const key = 'tgw_Ab12Cd34_5Y0nOtReAlLyAsEcReTbUtLoNgEnOuGhToTeLl1234567';
  logger.warn('refused', {
    authorization: `Bearer ${key}`,
    request: { headers: { authorization: `Bearer ${key}`, 'x-api-key': key } },
    headers: { authorization: `Bearer ${key}`, 'x-api-key': key },
    input: { secret: 'S3CR3T-VALUE', password: 'hunter2-password', token: 'tok-123' },
    secret: 'top-secret-value',
    error: { request: { headers: { authorization: `Bearer ${key}`, 'x-api-key': key } }, cause: { token: 'deep-token-value' } },
  });
  const text = lines.join('\n');
  for (const value of [key, 'S3CR3T-VALUE', 'hunter2-password', 'tok-123', 'top-secret-value', 'deep-token-value']) expect(text).not.toContain(value);
  expect(JSON.parse(lines[0]!)).toMatchObject({
    authorization: '[redacted]',
    request: { headers: { authorization: '[redacted]', 'x-api-key': '[redacted]' } },
  });
});

test('secrets are censored in arrays, in errors and their causes, below four levels, and whatever their case; other values are written as JSON writes them', () => {
  const { lines, logger } = capture();
  class Connection {
    host = 'db.internal';
    password = 'class-held-password';
  }
  const failure = Object.assign(new Error('upstream refused', { cause: { headers: { Authorization: 'Bearer cause-token' } } }), {
    request: { headers: { 'X-Api-Key': 'error-field-key' } },
  });
  const deep = { a: { b: { c: { d: { e: { f: { token: 'six-levels-down' } } } } } } };
  const circular: Record<string, unknown> = { name: 'loop' };
  circular.self = circular;
  const at = new Date('2026-12-07T18:00:00.000Z');
  const shared = { region: 'eu' };
  const withJson = { toJSON: () => ({ kind: 'wrapped', token: 'behind-to-json' }) };
  logger.error('failed', {
    attempts: [{ secret: 'in-an-array' }, 'plain'],
    error: failure,
    deep,
    connection: new Connection(),
    circular,
    at,
    count: 3,
    twice: [shared, shared],
    withJson,
    oauth: { accessToken: 'access-token-value', refresh_token: 'refresh-token-value', client_secret: 'client-secret-value' },
    upstream: { 'set-cookie': 'session=cookie-value', 'proxy-authorization': 'Basic proxy-value', secretsKey: 'secrets-key-value' },
    keyPrefix: 'tgw_Ab3dE5gH',
    maxTokens: 4096,
  });
  const text = lines.join('\n');
  for (const value of [
    'class-held-password',
    'cause-token',
    'error-field-key',
    'six-levels-down',
    'in-an-array',
    'behind-to-json',
    'access-token-value',
    'refresh-token-value',
    'client-secret-value',
    'cookie-value',
    'proxy-value',
    'secrets-key-value',
  ]) {
    expect(text).not.toContain(value);
  }
  const line = JSON.parse(lines[0]!);
  expect(line).toMatchObject({
    attempts: [{ secret: '[redacted]' }, 'plain'],
    error: { type: 'Error', message: 'upstream refused', request: { headers: { 'X-Api-Key': '[redacted]' } } },
    deep: { a: { b: { c: { d: { e: { f: { token: '[redacted]' } } } } } } },
    connection: { host: 'db.internal', password: '[redacted]' },
    circular: { name: 'loop', self: '[circular]' },
    at: '2026-12-07T18:00:00.000Z',
    count: 3,
    twice: [{ region: 'eu' }, { region: 'eu' }],
    withJson: { kind: 'wrapped', token: '[redacted]' },
    // Names that only contain a secret's name are written: the key's visible prefix, a count.
    keyPrefix: 'tgw_Ab3dE5gH',
    maxTokens: 4096,
  });
  expect(JSON.stringify(line.error)).toContain('[redacted]');
  let nested: Record<string, unknown> = { token: 'eleven-levels-down' };
  for (let level = 0; level < 10; level++) nested = { next: nested };
  logger.info('deep', { nested });
  expect(lines[1]).not.toContain('eleven-levels-down');
  expect(lines[1]).toContain('[too deep]');
});

test('a real server logs one line a request, with its id echoed, its route template and tenant, and never a key or a secret it was sent', {
  timeout: 120_000,
}, async () => {
  const operatorKey = 'logging-test-operator-key-0123456';
  const signing = await generateKeyPair('ES256', { extractable: true });
  const server = await startServerProcess({
    DATABASE_URL: 'memory://',
    GATEWAY_ADMIN_KEY: operatorKey,
    LOG_LEVEL: 'debug',
    JWT_PUBLIC_KEY: await exportSPKI(signing.publicKey),
  });
  try {
    const graphql = async (query: string, key: string) =>
      (await (
        await fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ query }),
        })
      ).json()) as { data: any };
    const tenant = (await graphql('mutation { createTenant(input: { slug: "log-acme", name: "Acme" }) { id } }', operatorKey)).data.createTenant;
    const minted = (
      await graphql(`mutation { createApiKey(input: { name: "ci", scopes: [CONFIG_READ, CONFIG_WRITE], tenant: "${tenant.id}" }) { secret } }`, operatorKey)
    ).data.createApiKey;
    const response = await fetch(`${server.url}/api/v1/tenants/log-acme/config`, {
      headers: { authorization: `Bearer ${minted.secret}`, 'x-request-id': 'trace-me-42' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('trace-me-42');
    const generated = await fetch(`${server.url}/api/initialize-tenant`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': operatorKey },
      body: JSON.stringify({ database_name: 'log-history', client_label: 'History' }),
    });
    const { client_secret: clientSecret } = (await generated.json()) as { client_secret: string };
    const controlCore = await fetch(`${server.url}/api/v1/tenants/log-acme/api-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorKey}` },
      body: JSON.stringify({ name: 'Production API Key', scopes: ['policies:read'] }),
    });
    const { key: ccLiveKey } = (await controlCore.json()) as { key: string };
    expect(ccLiveKey).toMatch(/^cc_live_/);
    expect((await fetch(`${server.url}/api/v1/policies`, { headers: { authorization: `Bearer ${ccLiveKey}` } })).status).toBe(200);
    const jwt = await new SignJWT({ tenant_id: 'log-acme', scope: 'policies:read' })
      .setProtectedHeader({ alg: 'ES256' })
      .setExpirationTime('5m')
      .sign(signing.privateKey);
    expect((await fetch(`${server.url}/api/v1/policies`, { headers: { authorization: `Bearer ${jwt}` } })).status).toBe(200);
    // Tenant secrets, stored and refused, over REST and GraphQL: their values never reach a log line.
    const secretValues = ['stored-secret-value-5e1f', 'refused-secret-value-9a2b', 'graphql-secret-value-3c4d'];
    const storeSecret = (body: unknown) =>
      fetch(`${server.url}/tenant/secrets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorKey}`, 'x-tenant-id': 'log-acme' },
        body: JSON.stringify(body),
      });
    expect((await storeSecret({ key: 'LOG_SECRET', value: secretValues[0] })).status).toBe(200);
    expect((await storeSecret({ key: 'bad name', value: secretValues[1] })).status).toBe(400);
    await graphql(`mutation { storeTenantSecret(tenant: "log-acme", name: "x", value: "${secretValues[2]}") { name } }`, operatorKey);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const certificate = await makeCertificate({ dnsNames: ['policies.log-acme.example'] });
    const domain = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorKey}` },
      body: JSON.stringify({
        query: 'mutation ($input: AddCustomDomainInput!) { addCustomDomain(tenant: "log-acme", input: $input) { status } }',
        variables: { input: { domain: 'policies.log-acme.example', sslCertificate: certificate.certificate, sslPrivateKey: certificate.privateKey } },
      }),
    });
    expect(await domain.json()).toEqual({ data: { addCustomDomain: { status: 'PENDING' } } });
    // A named GraphQL operation that fails: its name and code on the request line (GraphQL errors are HTTP 200).
    const failing = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorKey}`, 'x-request-id': 'named-failure' },
      body: JSON.stringify({ query: 'query FindMissing { tenant(id: "no-such-tenant") { id } }' }),
    });
    expect(failing.status).toBe(200);
    const invalid = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operatorKey}`, 'x-request-id': 'named-invalid' },
      body: JSON.stringify({ query: 'query Misspelt { tenant(ref: "x") { id } }' }),
    });
    expect(invalid.status).toBe(200);
    // A client that leaves mid-body: a debug line, no error and no stack.
    await new Promise<void>((resolve) => {
      const { port } = new URL(server.url);
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `POST /api/v1/tenants HTTP/1.1\r\nHost: x\r\nX-Request-Id: left-early\r\nAuthorization: Bearer ${operatorKey}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":`,
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 300);
      });
    });
    await expect.poll(() => server.stderr).toContain('trace-me-42');
    await expect.poll(() => server.stderr).toContain('left-early');

    const lines = server.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((line) => line.requestId === 'trace-me-42')).toMatchObject({
      level: 'info',
      message: 'request',
      method: 'GET',
      route: '/api/v1/tenants/{id}/config',
      status: 200,
      tenant: tenant.id,
      durationMs: expect.any(Number),
    });
    const requestLine = (id: string) => lines.find((line) => line.requestId === id && line.message === 'request');
    expect(requestLine('trace-me-42')).toMatchObject({ keyPrefix: minted.secret.slice(0, 'tgw_'.length + 8), operation: expect.any(String) });
    expect(requestLine('named-failure')).toMatchObject({ status: 200, operation: 'FindMissing', errorCodes: ['NOT_FOUND'], keyPrefix: 'operator' });
    expect(requestLine('named-invalid')).toMatchObject({ operation: 'Misspelt', errorCodes: ['BAD_USER_INPUT'] });
    expect(requestLine('left-early')).toMatchObject({ status: 499, keyPrefix: 'operator' });
    expect(lines.find((line) => line.message === 'the client went away before its answer')).toMatchObject({ level: 'debug' });
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
    const keyed = lines.filter((line) => line.message === 'request' && typeof line.keyPrefix === 'string').map((line) => line.keyPrefix);
    expect(keyed).toContain(ccLiveKey.slice(0, 'cc_live_'.length + 8));
    expect(keyed).toContain('jwt');
    for (const secret of [operatorKey, minted.secret, clientSecret, ccLiveKey, jwt, ...secretValues]) expect(server.stderr).not.toContain(secret);
    for (const line of certificate.privateKey.split('\n').slice(1, -2)) expect(server.stderr).not.toContain(line);
  } finally {
    await server.stop();
  }
});

test('TenantsDB passwords, keys, proxy, workspace and data-plane login passwords, the proxy TLS key, and backup file keys reach neither the logs nor the data directory', {
  timeout: 180_000,
}, async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gateway-at-rest-'));
  const secretsKey = randomBytes(32);
  const server = await startServerProcess({
    DATABASE_URL: path.join(dataDir, 'pglite'),
    BACKUP_DIR: path.join(dataDir, 'backups'),
    SECRETS_KEY: secretsKey.toString('hex'),
    LOG_LEVEL: 'debug',
    TENANTSDB_PROXY_PORT: '0',
    TENANTSDB_PROXY_HOST: '127.0.0.1',
    TENANTSDB_PROXY_LISTEN_HOST: '127.0.0.1',
    // The flow polls with the FREE project's key: more than its 60 requests a minute on a slow machine.
    RATE_LIMIT_TIER_PER_MINUTE: '100000,100000,100000,100000',
  });
  const secrets: (string | Buffer)[] = [];
  try {
    const call = async (method: string, route: string, body?: object, key?: string) => {
      const response = await fetch(`${server.url}${route}`, {
        method,
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return (await response.json()) as Record<string, any>;
    };
    const password = 'at-rest-password-7f3a9c';
    secrets.push(password);
    const signup = await call('POST', '/signup', { email: 'at-rest@example.com', password });
    const login = await call('POST', '/login', { email: 'at-rest@example.com', password });
    await call('POST', '/login', { email: 'at-rest@example.com', password: 'wrong-password-c0ffee' });
    secrets.push('wrong-password-c0ffee');
    const project = await call('POST', '/projects', { name: 'Second' }, signup.api_key);
    const switched = await call('POST', `/projects/${project.project_id}/switch`, undefined, signup.api_key);
    const minted = await call('POST', '/apikeys', { name: 'ci' }, signup.api_key);
    const workspace = await call('POST', '/workspaces', { name: 'atrest', database: 'PostgreSQL', mode: 'tenant' }, signup.api_key);
    await call('POST', '/workspaces/atrest/queries', { query: 'CREATE TABLE notes (id int)' }, signup.api_key);
    secrets.push(
      signup.api_key,
      login.projects[0].api_key,
      project.api_key,
      project.proxy_password,
      switched.api_key,
      minted.api_key,
      workspace.connection.password,
    );
    expect(secrets.every((secret) => typeof secret === 'string' && secret.length >= 16)).toBe(true);
    // An encrypted backup (the default): its file's data key is wrapped on its record.
    const tenant = await call('POST', '/tenants', { tenant_id: 'at_rest', databases: [{ blueprint: 'atrest', isolation_level: 1 }] }, signup.api_key);
    expect(tenant.success, JSON.stringify(tenant)).toBe(true);
    // The database proxy, as a customer opens it: the connection string POST answered (its password in it), then a wrong password.
    const connectionString: string = tenant.databases[0].connection.connection_string;
    const proxyPassword = decodeURIComponent(new URL(connectionString).password);
    expect(proxyPassword.length).toBeGreaterThanOrEqual(16);
    secrets.push(proxyPassword);
    const psql = promisify(execFile);
    expect((await psql('psql', [connectionString, '-XAtq', '-c', 'SELECT 41 + 1'], { timeout: 20_000 })).stdout.trim()).toBe('42');
    const wrongProxyPassword = 'wrong-proxy-password-5e1d0a';
    secrets.push(wrongProxyPassword);
    const wrong = new URL(connectionString);
    wrong.password = wrongProxyPassword;
    await expect(psql('psql', [wrong.toString(), '-XAtq', '-c', 'SELECT 1'], { timeout: 20_000 })).rejects.toThrow();
    const backup = await call('POST', '/tenants/at_rest/backup', undefined, signup.api_key);
    expect(backup.success, JSON.stringify(backup)).toBe(true);
    const listed = async () =>
      ((await call('GET', '/tenants/at_rest/backups', undefined, signup.api_key)).backups as { storage_path: string }[]).map((entry) => entry.storage_path);
    await expect.poll(listed, { timeout: 20_000 }).toEqual(backup.paths);
  } finally {
    expect(await server.stop()).toBe(0);
  }
  // What only the keyring opens: the data-plane logins' passwords and the backup file's key, read from a copy of the directory.
  const copy = await mkdtemp(path.join(tmpdir(), 'gateway-at-rest-copy-'));
  await cp(path.join(dataDir, 'pglite'), copy, { recursive: true });
  const database = openDatabase(copy);
  try {
    const keyring = { current: secretsKey, previous: [] };
    const placements = await database.prisma.dataPlacement.findMany({ include: { database: true } });
    const backups = await database.prisma.backupRecord.findMany({ where: { status: 'COMPLETED', encrypted: true } });
    // The workspace's login and the tenant database's.
    expect({ placements: placements.length, backups: backups.length }).toEqual({ placements: 2, backups: 1 });
    for (const placed of placements) secrets.push(schemaLogin({ keyring }, placed).password);
    // The proxy's self-signed TLS pair was made by the first TLS connection: its private key, opened, in PEM and as its base64 body.
    const tls = await database.prisma.proxyTlsIdentity.findUniqueOrThrow({ where: { id: 'default' } });
    const keyPem = open(keyring, `proxy-tls-key:${tls.id}`, tls.keySealed)!.toString('utf8');
    expect(keyPem).toContain('PRIVATE KEY');
    const body = keyPem.replace(/-----[^-]+-----|\s/g, '');
    secrets.push(keyPem, body, body.slice(0, 48), Buffer.from(body, 'base64'));
    const fileKey = openFileKey(keyring, backups[0]!)!;
    secrets.push(fileKey, fileKey.toString('hex'), fileKey.toString('base64'));
  } finally {
    await database.close();
    await rm(copy, { recursive: true, force: true });
  }
  const logged = Buffer.from(server.stderr + server.stdout);
  for (const secret of secrets) expect(logged.includes(secret)).toBe(false);
  const files = (await readdir(dataDir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
  expect(files.length).toBeGreaterThan(10);
  let emailSeen = false;
  for (const file of files) {
    const bytes = await readFile(path.join(file.parentPath, file.name));
    emailSeen ||= bytes.includes('at-rest@example.com');
    for (const secret of secrets) expect(bytes.includes(secret), `${file.name} holds a secret`).toBe(false);
  }
  // The scan reads what the database wrote: the account's email, stored plain, is there.
  expect(emailSeen).toBe(true);
  await rm(dataDir, { recursive: true, force: true });
});
