import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { expect, test } from 'vitest';
import type { App } from '../src/app.js';
import { type Keyring, keyFingerprint, sealedBy } from '../src/lib/keyring.js';
import { openWithKey, sealWithKey } from '../src/lib/sealing.js';
import { openProxyPassword } from '../src/modules/accounts/proxy-passwords.js';
import { openFileKey } from '../src/modules/backups/backup-file-keys.js';
import { openDomainKey } from '../src/modules/domains/domain-keys.js';
import { openDataKey, openSecretValue } from '../src/modules/secrets/envelope.js';
import { schemaLogin } from '../src/modules/data-plane-schemas/placements.js';
import { proxyTlsPair } from '../src/modules/tenantsdb-proxy/proxy-tls.js';
import { openWorkspacePassword } from '../src/modules/workspaces/workspace-passwords.js';
import { makeCertificate } from './support/certificates.js';
import { inSchema, projectWithBlueprint, tenantOf } from './support/data-plane.js';
import { createTenant, signupAccount } from './support/fixtures.js';
import { startGateway, type TestGateway, uniqueSlug } from './support/gateway.js';
import { startReplica } from './support/replica.js';

// Key rotation (issue 25): everything the keyring seals, made under key A, re-wrapped by a gateway
// on key B with A previous, then opened by a gateway on B alone. A restart is a new app over the
// same database (and the same data plane and backup directory).

const hex = (key: Buffer) => key.toString('hex');
const ring = (current: Buffer, ...previous: Buffer[]): Keyring => ({ current, previous });

/** GraphQL and REST requests to one app, as the operator unless a key is given. */
function client(app: App, adminKey: string) {
  const request = async (method: string, pathname: string, body?: unknown, key = adminKey) => {
    const response = await app.fetch(
      new Request(`http://gateway.test${pathname}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    return { status: response.status, body: (await response.json()) as any };
  };
  return {
    rest: request,
    async graphql(query: string, variables: Record<string, unknown> = {}) {
      const { body } = await request('POST', '/graphql', { query, variables });
      if (body.errors) throw new Error(`GraphQL failed: ${query}\n${JSON.stringify(body.errors, null, 2)}`);
      return body.data as Record<string, any>;
    },
  };
}

/** One of every sealed thing, made through the gateway on key A, with what each must open to. */
async function oneOfEach(gateway: TestGateway, keyring: Keyring) {
  const api = client(gateway.app, gateway.adminKey);
  // A tenant secret (its data key wrapped by the keyring).
  const tenant = await createTenant(gateway, { tier: 'PRO' });
  await api.graphql(`mutation { storeTenantSecret(tenant: "${tenant.id}", name: "API_TOKEN", value: "token-at-backup") { name } }`);
  // An encrypted backup (encrypt_backups is on by default) holding that value.
  const { backupTenant } = await api.graphql(`mutation { backupTenant(tenant: "${tenant.id}") { storagePath encrypted } }`);
  expect(backupTenant.encrypted).toBe(true);
  await api.graphql(`mutation { storeTenantSecret(tenant: "${tenant.id}", name: "API_TOKEN", value: "token-after-backup") { name } }`);
  // A custom domain's private key.
  const domain = `rotated.${uniqueSlug('acme')}.example.com`.replace(/_/g, '-');
  const certificate = await makeCertificate({ dnsNames: [domain] });
  await api.graphql('mutation ($tenant: ID!, $input: AddCustomDomainInput!) { addCustomDomain(tenant: $tenant, input: $input) { status } }', {
    tenant: tenant.id,
    input: { domain, sslCertificate: certificate.certificate, sslPrivateKey: certificate.privateKey },
  });
  // A project with its proxy password (signup), a workspace with its password, and a tenant
  // database whose data-plane login has a sealed password.
  const project = await projectWithBlueprint(gateway, 'main', ['CREATE TABLE users (id SERIAL PRIMARY KEY, name TEXT NOT NULL)'], 'PRO');
  const switched = await api.rest(
    'POST',
    `/projects/${(await gateway.database.prisma.project.findUniqueOrThrow({ where: { id: project.projectId } })).slug}/switch`,
    undefined,
    project.key,
  );
  expect(switched.status, JSON.stringify(switched.body)).toBe(200);
  const workspace = await api.rest('POST', '/workspaces', { name: 'ops', database: 'PostgreSQL', mode: 'control' }, project.key);
  expect(workspace.status, JSON.stringify(workspace.body)).toBe(201);
  const acme = await tenantOf(gateway, project, uniqueSlug('acme'));
  await inSchema(gateway, acme, "INSERT INTO users (name) VALUES ('Alice')");
  // The database proxy's self-signed TLS pair, its key sealed (made as its first connection makes it).
  const proxyTls = await proxyTlsPair({ prisma: gateway.database.prisma, keyring }, { certificate: null, key: null, host: 'localhost' });
  return {
    proxyTlsKey: proxyTls.key.toString('utf8'),
    tenant,
    backupPath: backupTenant.storagePath as string,
    domain,
    privateKey: certificate.privateKey,
    project: { ...project, slug: switched.body.project_id as string, proxyPassword: switched.body.proxy_password as string },
    workspacePassword: workspace.body.connection.password as string,
    acme,
  };
}

type Made = Awaited<ReturnType<typeof oneOfEach>>;

/** What a gateway of that keyring opens of what `oneOfEach` made; throws on what it does not. */
async function opened(gateway: TestGateway, keyring: Keyring, made: Made) {
  const { prisma } = gateway.database;
  const dataKeyRow = await prisma.tenantDataKey.findUniqueOrThrow({ where: { tenantId: made.tenant.id } });
  const dataKey = openDataKey(keyring, dataKeyRow);
  if (!dataKey) throw new Error('the data key does not open');
  const secret = await prisma.tenantSecret.findUniqueOrThrow({ where: { tenantId_name: { tenantId: made.tenant.id, name: 'API_TOKEN' } } });
  const project = await prisma.project.findUniqueOrThrow({ where: { id: made.project.projectId } });
  const workspace = await prisma.workspace.findFirstOrThrow({ where: { projectId: made.project.projectId, name: 'ops' }, include: { placement: true } });
  const placement = await prisma.dataPlacement.findUniqueOrThrow({ where: { id: made.acme.placementId }, include: { database: true } });
  const domain = await prisma.customDomain.findFirstOrThrow({ where: { tenantId: made.tenant.id } });
  const backup = await prisma.backupRecord.findUniqueOrThrow({ where: { storagePath: made.backupPath } });
  return {
    secret: openSecretValue(dataKey, made.tenant.id, 'API_TOKEN', secret.sealed),
    proxyPassword: openProxyPassword(keyring, project.id, project.proxyPasswordSealed!),
    workspacePassword: openWorkspacePassword(keyring, workspace),
    rolePassword: schemaLogin({ keyring }, placement).password,
    domainKey: openDomainKey(keyring, domain),
    backupFileKey: openFileKey(keyring, backup),
    proxyTlsKey: (await proxyTlsPair({ prisma, keyring }, { certificate: null, key: null, host: 'localhost' })).key.toString('utf8'),
  };
}

/** The fingerprints of the keys each kind's values are sealed under: `legacy` for a format from before the keyring, `none` for a backup without a file key. */
async function sealedUnder(gateway: TestGateway) {
  const { prisma } = gateway.database;
  const fingerprints = (values: (Uint8Array | null)[]) => [...new Set(values.map((value) => (value ? (sealedBy(value) ?? 'legacy') : 'none')))].sort();
  return {
    TENANT_DATA_KEY: fingerprints((await prisma.tenantDataKey.findMany()).map((row) => row.wrappedKey)),
    PROXY_PASSWORD: fingerprints((await prisma.project.findMany({ where: { proxyPasswordSealed: { not: null } } })).map((row) => row.proxyPasswordSealed)),
    WORKSPACE_PASSWORD: fingerprints((await prisma.workspace.findMany()).map((row) => row.passwordSealed)),
    DATA_PLANE_ROLE_PASSWORD: fingerprints((await prisma.dataPlacement.findMany()).map((row) => row.passwordSealed)),
    CUSTOM_DOMAIN_KEY: fingerprints((await prisma.customDomain.findMany()).map((row) => row.sealedPrivateKey)),
    BACKUP_FILE_KEY: fingerprints((await prisma.backupRecord.findMany({ where: { encrypted: true, status: 'COMPLETED' } })).map((row) => row.wrappedFileKey)),
    PROXY_TLS_KEY: fingerprints((await prisma.proxyTlsIdentity.findMany()).map((row) => row.keySealed)),
  };
}

/** How many values of each kind the database holds. */
async function held(gateway: TestGateway) {
  const { prisma } = gateway.database;
  return {
    TENANT_DATA_KEY: await prisma.tenantDataKey.count(),
    PROXY_PASSWORD: await prisma.project.count({ where: { proxyPasswordSealed: { not: null } } }),
    WORKSPACE_PASSWORD: await prisma.workspace.count(),
    DATA_PLANE_ROLE_PASSWORD: await prisma.dataPlacement.count(),
    CUSTOM_DOMAIN_KEY: await prisma.customDomain.count(),
    BACKUP_FILE_KEY: await prisma.backupRecord.count({ where: { encrypted: true, status: 'COMPLETED' } }),
    PROXY_TLS_KEY: await prisma.proxyTlsIdentity.count(),
  };
}

const rewrapAll = 'mutation { rewrapSealedValues { kinds { kind total rewrapped unopenable } } }';
const report = (data: Record<string, any>) =>
  Object.fromEntries((data.rewrapSealedValues.kinds as { kind: string }[]).map(({ kind, ...counts }) => [kind, counts]));

/**
 * Rotation as docs/security.md tells it: the gateway restarts on B with A previous and re-wraps; then it
 * restarts on B alone and everything opens. `unopenableProxyPasswords`: proxy passwords sealed by
 * a key the ring lacks, counted and left as they are.
 */
async function rotate(gateway: TestGateway, keyA: Buffer, made: Made, options: { unopenableProxyPasswords?: number } = {}) {
  const keyB = randomBytes(32);
  const withPrevious = await startReplica(gateway, { SECRETS_KEY: hex(keyB), SECRETS_KEY_PREVIOUS: hex(keyA), PRINCIPAL_CACHE_MS: 0 });
  const unopenable = options.unopenableProxyPasswords ?? 0;
  try {
    const expected = await held(gateway);
    for (const count of Object.values(expected)) expect(count).toBeGreaterThanOrEqual(1);
    const first = report(await client(withPrevious, gateway.adminKey).graphql(rewrapAll));
    expect(first).toEqual(
      Object.fromEntries(
        Object.entries(expected).map(([kind, total]) => {
          const left = kind === 'PROXY_PASSWORD' ? unopenable : 0;
          return [kind, { total, rewrapped: total - left, unopenable: left }];
        }),
      ),
    );
    // Run again: nothing left to move.
    const again = report(await client(withPrevious, gateway.adminKey).graphql(rewrapAll));
    for (const [kind, counts] of Object.entries(again)) expect(counts, kind).toEqual({ ...first[kind], rewrapped: 0 });
    // The old mutation's name still works: the same re-wrap, the data keys' counts.
    expect(
      (await client(withPrevious, gateway.adminKey).graphql('mutation { rewrapSecretDataKeys { total rewrapped unopenable } }')).rewrapSecretDataKeys,
    ).toEqual({ ...first.TENANT_DATA_KEY, rewrapped: 0 });
  } finally {
    await withPrevious.close();
  }

  // Everything is now under B in the keyring format, and A alone opens none of it.
  const fingerprintB = keyFingerprint(keyB);
  const under = await sealedUnder(gateway);
  for (const [kind, fingerprints] of Object.entries(under))
    expect(fingerprints, kind).toEqual(kind === 'PROXY_PASSWORD' && unopenable ? [fingerprintB, 'legacy'].sort() : [fingerprintB]);
  await expect(opened(gateway, ring(keyA), made)).rejects.toThrow('does not open');
  const alone = await startReplica(gateway, {
    SECRETS_KEY: hex(keyB),
    PRINCIPAL_CACHE_MS: 0,
    TENANTSDB_PROXY_PORT: 0,
    TENANTSDB_PROXY_LISTEN_HOST: '127.0.0.1',
  });
  try {
    const api = client(alone, gateway.adminKey);
    const values = await opened(gateway, ring(keyB), made);
    expect(values).toMatchObject({
      secret: 'token-after-backup',
      proxyPassword: made.project.proxyPassword,
      workspacePassword: made.workspacePassword,
      domainKey: made.privateKey,
      proxyTlsKey: made.proxyTlsKey,
    });
    expect(values.backupFileKey).toHaveLength(32);
    // The gateway on B alone: the proxy password on switch, admin queries as the tenant database's
    // own login, a new secret under the tenant's data key, and a rollback to the backup.
    const switched = await api.rest('POST', `/projects/${made.project.slug}/switch`, undefined, made.project.key);
    expect({ status: switched.status, proxy: switched.body.proxy_password }).toEqual({ status: 200, proxy: made.project.proxyPassword });
    const query = await api.rest('POST', '/admin/query', { blueprint: 'main', query: 'SELECT name FROM users', tenant_id: made.acme.slug }, made.project.key);
    expect({ status: query.status, rows: query.body.rows }).toEqual({ status: 200, rows: [['Alice']] });
    await api.graphql(`mutation { storeTenantSecret(tenant: "${made.tenant.id}", name: "AFTER_ROTATION", value: "v") { name } }`);
    const rollback = await api.graphql(`mutation { rollbackTenant(tenant: "${made.tenant.id}", storagePath: "${made.backupPath}") { tenant { id } } }`);
    expect(rollback.rollbackTenant.tenant.id).toBe(made.tenant.id);
    expect((await opened(gateway, ring(keyB), made)).secret).toBe('token-at-backup');
    // The database proxy answers TLS with its re-wrapped key, and the proxy password opens the tenant's database.
    const { port } = await alone.databaseProxy.listen();
    const viaProxy = new pg.Client({
      connectionString: `postgresql://${made.project.slug}:${made.project.proxyPassword}@127.0.0.1:${port}/main__${made.acme.slug}?sslmode=require&uselibpqcompat=true`,
    });
    await viaProxy.connect();
    try {
      expect((await viaProxy.query('SELECT name FROM users')).rows).toEqual([{ name: 'Alice' }]);
    } finally {
      await viaProxy.end();
    }
  } finally {
    await alone.close();
  }
}

test('rotation: everything sealed under A is re-wrapped under B by one mutation, then B alone opens it all', { timeout: 180_000 }, async () => {
  const keyA = randomBytes(32);
  const gateway = await startGateway({ env: { SECRETS_KEY: hex(keyA) } });
  try {
    const made = await oneOfEach(gateway, ring(keyA));
    // Made in the keyring format, under A: each value names the key that sealed it.
    for (const [kind, fingerprints] of Object.entries(await sealedUnder(gateway))) expect(fingerprints, kind).toEqual([keyFingerprint(keyA)]);
    expect(await opened(gateway, ring(keyA), made)).toMatchObject({
      secret: 'token-after-backup',
      proxyPassword: made.project.proxyPassword,
      workspacePassword: made.workspacePassword,
    });
    // The backup file is sealed with its own data key, not with A.
    const file = await readFile(path.join(gateway.backupDir, made.backupPath));
    expect(() => openWithKey(keyA, file)).toThrow();
    await rotate(gateway, keyA, made);
  } finally {
    await gateway.close();
  }
});

test('rotation from values older gateways sealed (no key named, other bindings, backups sealed whole with the key): read, re-wrapped into the keyring format, then B alone opens them', {
  timeout: 180_000,
}, async () => {
  const keyA = randomBytes(32);
  const gateway = await startGateway({ env: { SECRETS_KEY: hex(keyA) } });
  try {
    const made = await oneOfEach(gateway, ring(keyA));
    const keyring = ring(keyA);
    const { prisma } = gateway.database;
    const legacy = (plaintext: Buffer | string, aad?: string | Buffer) => new Uint8Array(sealWithKey(keyA, Buffer.from(plaintext), aad));
    // Every value as the gateway before the keyring format sealed it.
    for (const row of await prisma.tenantDataKey.findMany()) {
      const dataKey = openDataKey(keyring, row)!;
      await prisma.tenantDataKey.update({
        where: { tenantId: row.tenantId },
        data: { wrappedKey: legacy(dataKey, Buffer.from(`tgw-data-key\0${row.tenantId}`)), wrappedBy: keyFingerprint(keyA) },
      });
    }
    for (const row of await prisma.project.findMany({ where: { proxyPasswordSealed: { not: null } } })) {
      const password = openProxyPassword(keyring, row.id, row.proxyPasswordSealed!);
      await prisma.project.update({ where: { id: row.id }, data: { proxyPasswordSealed: legacy(JSON.stringify({ project: row.id, password })) } });
    }
    for (const row of await prisma.workspace.findMany({ include: { placement: true } })) {
      await prisma.workspace.update({
        where: { id: row.id },
        data: { passwordSealed: legacy(openWorkspacePassword(keyring, row), `workspace:${row.placement!.schemaName}`) },
      });
    }
    for (const row of await prisma.dataPlacement.findMany({ include: { database: true } })) {
      await prisma.dataPlacement.update({
        where: { id: row.id },
        data: { passwordSealed: legacy(schemaLogin({ keyring }, row).password, `data-plane-role:${row.roleName}`) },
      });
    }
    for (const row of await prisma.customDomain.findMany()) {
      await prisma.customDomain.update({
        where: { id: row.id },
        data: { sealedPrivateKey: legacy(openDomainKey(keyring, row), `custom-domain:${row.tenantId}:${row.domain}`) },
      });
    }
    for (const record of await prisma.backupRecord.findMany({ where: { encrypted: true, status: 'COMPLETED' } })) {
      const file = path.join(gateway.backupDir, record.storagePath!);
      const sealedWhole = sealWithKey(keyA, openWithKey(openFileKey(keyring, record)!, await readFile(file)));
      await writeFile(file, sealedWhole);
      const checksum = createHash('sha256').update(sealedWhole).digest('hex');
      await prisma.backupRecord.update({ where: { id: record.id }, data: { wrappedFileKey: null, checksum, sizeBytes: sealedWhole.length } });
    }
    // One more project whose proxy password no key of the ring opens (a lost key): counted, left as it is.
    const lost = await signupAccount(gateway);
    const lostKey = randomBytes(32);
    await prisma.project.update({ where: { slug: lost.projectId }, data: { proxyPasswordSealed: new Uint8Array(sealWithKey(lostKey, Buffer.from('{}'))) } });

    // The proxy's TLS key came after the keyring format: it has no older one.
    for (const [kind, fingerprints] of Object.entries(await sealedUnder(gateway)))
      expect(fingerprints, kind).toEqual([kind === 'BACKUP_FILE_KEY' ? 'none' : kind === 'PROXY_TLS_KEY' ? keyFingerprint(keyA) : 'legacy']);
    // A gateway of this version still opens them under A.
    expect(await opened(gateway, keyring, made)).toMatchObject({
      secret: 'token-after-backup',
      proxyPassword: made.project.proxyPassword,
      workspacePassword: made.workspacePassword,
      domainKey: made.privateKey,
      backupFileKey: null,
    });
    await rotate(gateway, keyA, made, { unopenableProxyPasswords: 1 });
  } finally {
    await gateway.close();
  }
});
