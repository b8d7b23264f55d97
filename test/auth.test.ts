import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ApiKeysDocument,
  CreateApiKeyDocument,
  DeleteTenantDocument,
  RevokeApiKeyDocument,
  type Scope,
  TenantDocument,
  TenantPageDocument,
  ViewerDocument,
} from '../src/generated/graphql/graphql.js';
import { makeCertificate, type TestCertificate } from './support/certificates.js';
import { startDnsServer, type TestDnsServer } from './support/dns-server.js';
import { codes, createKey, createTenant, setProjectTier } from './support/fixtures.js';
import { enqueueSchemaRollout } from '../src/modules/schema-rollouts/schema-rollouts.service.js';
import { startGateway, type TestGateway, uniqueSlug } from './support/gateway.js';

let gateway: TestGateway;
let dns: TestDnsServer;
let jwtKey: CryptoKey;
beforeAll(async () => {
  dns = await startDnsServer();
  const pair = await generateKeyPair('ES256', { extractable: true });
  jwtKey = pair.privateKey;
  gateway = await startGateway({
    env: { DNS_RESOLVERS: [dns.address], JWT_PUBLIC_KEY: await exportSPKI(pair.publicKey), TENANT_ROUTES_ALLOW_PRIVATE: 'on' },
  });
});
afterAll(async () => {
  await gateway.close();
  await dns.close();
});

const tenantScopes: Scope[] = [
  'TENANTS_READ',
  'TENANTS_WRITE',
  'CONFIG_READ',
  'CONFIG_WRITE',
  'FEATURES_READ',
  'FEATURES_WRITE',
  'USAGE_READ',
  'USAGE_WRITE',
  'LIMITS_READ',
  'LIMITS_WRITE',
  'BACKUPS_READ',
  'BACKUPS_WRITE',
  'KEYS_WRITE',
  'POLICIES_READ',
  'POLICIES_WRITE',
  'RESOURCES_READ',
  'RESOURCES_WRITE',
  'BOUNCERS_READ',
  'BOUNCERS_WRITE',
  'BILLING_READ',
  'BILLING_WRITE',
  'DOMAINS_READ',
  'DOMAINS_WRITE',
  'DEPLOYMENTS_READ',
  'DEPLOYMENTS_WRITE',
  'SECRETS_READ',
  'SECRETS_WRITE',
  'ROUTES_CALL',
];
const readScopes: Scope[] = [
  'TENANTS_READ',
  'CONFIG_READ',
  'FEATURES_READ',
  'USAGE_READ',
  'LIMITS_READ',
  'BACKUPS_READ',
  'POLICIES_READ',
  'RESOURCES_READ',
  'BOUNCERS_READ',
  'BILLING_READ',
  'DOMAINS_READ',
  'DEPLOYMENTS_READ',
  'SECRETS_READ',
];

describe('API keys', () => {
  test('the secret is shown once; only its SHA-256 hash is stored', async () => {
    const tenant = await createTenant(gateway);
    const { secret, apiKey } = await createKey(gateway, { name: 'ci', scopes: readScopes, tenant: tenant.id });
    expect(secret.startsWith(`${apiKey.prefix}_`)).toBe(true);
    const row = await gateway.database.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(row.secretHash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(secret.slice(apiKey.prefix.length + 1));
    const { apiKeys } = await gateway.data(ApiKeysDocument, { first: 100 });
    const listed = apiKeys.edges.find((edge) => edge.node.id === apiKey.id)!.node;
    expect(listed).toMatchObject({ name: 'ci', owner: 'TENANT', tenantId: tenant.id, scopes: readScopes });
    expect(JSON.stringify(listed)).not.toContain(secret);
    const { viewer } = await gateway.data(ViewerDocument, undefined, secret);
    expect(viewer).toMatchObject({ owner: 'TENANT', tenantId: tenant.id, label: `ci (${apiKey.prefix})` });
  });

  test("no key, a malformed header, an unknown key, a revoked key, an expired key and a deleted tenant's key are UNAUTHENTICATED", async () => {
    const tenant = await createTenant(gateway);
    const revoked = await createKey(gateway, { scopes: readScopes, tenant: tenant.id });
    await gateway.data(RevokeApiKeyDocument, { id: revoked.apiKey.id });
    const expired = await createKey(gateway, { scopes: readScopes, tenant: tenant.id, expiresAt: new Date(Date.now() + 60_000).toISOString() });
    await gateway.database.prisma.apiKey.update({ where: { id: expired.apiKey.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const deletedTenant = await createTenant(gateway);
    const orphaned = await createKey(gateway, { scopes: readScopes, tenant: deletedTenant.id });
    await gateway.data(DeleteTenantDocument, { id: deletedTenant.id });
    // One message for every refused key, so a caller cannot tell an unknown key from a revoked one.
    const cases: [string | null, string][] = [
      [null, 'A valid API key is required: send "Authorization: Bearer <key>"'],
      ['tgw_AAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'The API key is not valid'],
      [revoked.secret, 'The API key is not valid'],
      [expired.secret, 'The API key is not valid'],
      [orphaned.secret, 'The API key is not valid'],
    ];
    for (const [key, message] of cases) {
      const result = await gateway.graphql(TenantDocument, { id: tenant.id }, key);
      expect(codes(result), message).toEqual(['UNAUTHENTICATED']);
      expect(result.errors![0]!.message).toBe(message);
      expect(result.status).toBe(401);
    }
    const response = await gateway.app.fetch(
      new Request('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Basic abc' },
        body: JSON.stringify({ query: '{ __typename }' }),
      }),
    );
    expect(response.status).toBe(401);
  });

  test('a key cannot grant a scope it lacks, nor reach outside its owner', async () => {
    const tenant = await createTenant(gateway);
    const other = await createTenant(gateway);
    const manager = await createKey(gateway, { scopes: ['KEYS_WRITE', 'TENANTS_READ'], tenant: tenant.id });
    const escalate = await gateway.graphql(CreateApiKeyDocument, { input: { name: 'x', scopes: ['CONFIG_WRITE'], tenant: tenant.id } }, manager.secret);
    expect(codes(escalate)).toEqual(['FORBIDDEN']);
    expect(escalate.errors![0]!.message).toBe('Cannot grant the "config:write" scope: this API key lacks it');
    const outside = await gateway.graphql(CreateApiKeyDocument, { input: { name: 'x', scopes: ['TENANTS_READ'], tenant: other.id } }, manager.secret);
    expect(codes(outside)).toEqual(['NOT_FOUND']);
    const global = await gateway.graphql(CreateApiKeyDocument, { input: { name: 'x', scopes: ['TENANTS_READ'] } }, manager.secret);
    expect(codes(global)).toEqual(['FORBIDDEN']);
  });

  test("a project key reaches its project's tenants and no others", async () => {
    const { createProject } = await gateway.data((await import('../src/generated/graphql/graphql.js')).CreateProjectDocument, {
      slug: uniqueSlug('project'),
      name: 'Demo',
    });
    const inside = await createTenant(gateway, { projectId: createProject.id });
    const outside = await createTenant(gateway);
    const key = await createKey(gateway, { scopes: ['ADMIN'], projectId: createProject.id });
    const page = await gateway.data(TenantPageDocument, { first: 100 }, key.secret);
    expect(page.tenants.edges.map((edge) => edge.node.id)).toEqual([inside.id]);
    expect(codes(await gateway.graphql(TenantDocument, { id: outside.id }, key.secret))).toEqual(['NOT_FOUND']);
    const created = await gateway.graphql(
      (await import('../src/generated/graphql/graphql.js')).CreateTenantDocument,
      { input: { slug: uniqueSlug(), name: 'In project' } },
      key.secret,
    );
    expect(created.errors).toBeUndefined();
    const { tenant } = await gateway.data(TenantDocument, { id: created.data!.createTenant.id });
    expect(tenant.id).toBe(created.data!.createTenant.id);
  });

  test("a tenant outside the key's reach is indistinguishable from one that does not exist", async () => {
    const mine = await createTenant(gateway);
    const theirs = await createTenant(gateway);
    const key = await createKey(gateway, { scopes: tenantScopes, tenant: mine.id });
    const hidden = await gateway.graphql(TenantDocument, { id: theirs.slug }, key.secret);
    const missing = await gateway.graphql(TenantDocument, { id: 'no_such_tenant' }, key.secret);
    expect(JSON.stringify(hidden.errors).replaceAll(theirs.slug, '<ref>')).toBe(JSON.stringify(missing.errors).replaceAll('no_such_tenant', '<ref>'));
    expect(hidden.status).toBe(missing.status);
  });

  test('an empty tenant argument is BAD_USER_INPUT naming `tenant`, for every caller: never read as absent (the key’s own tenant, or every key)', async () => {
    const tenant = await createTenant(gateway);
    const own = await createKey(gateway, { scopes: ['KEYS_WRITE', 'CONFIG_READ', 'TENANTS_READ'], tenant: tenant.id });
    for (const query of ['{ apiKeys(tenant: "") { edges { node { id } } } }', '{ tenantConfig(tenant: " ") { version } }', '{ tenant(id: "") { id } }']) {
      for (const key of [own.secret, gateway.adminKey]) {
        const refused = await gateway.graphql(query, {}, key);
        expect(refused.data ?? null, query).toBeNull();
        expect(refused.errors?.[0]?.extensions, query).toMatchObject({ code: 'BAD_USER_INPUT', field: 'tenant' });
        expect(refused.errors?.[0]?.message, query).toBe('tenant must not be empty: name a tenant by UUID or slug');
      }
    }
  });
});

type Principal =
  | 'none'
  | 'wrongTenant'
  | 'readOnly'
  | 'tenant'
  | 'tenantSuspended'
  | 'tenantExpired'
  | 'tenantDeleted'
  | 'project'
  | 'otherProject'
  | 'otherCustomer'
  | 'operator';
type Outcome = 'ok' | 'event' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'PRECONDITION_FAILED';
type Target = {
  id: string;
  keyId: string;
  planTenant?: string;
  backupPath?: string;
  deploymentId?: string;
  documentId?: string;
  projectRef?: string;
  workspace?: string;
  changeId?: string;
  blueprint?: string;
  rolloutId?: string;
};

type Cell = {
  operation: string;
  setup?: (target: Target) => Promise<void>;
  variables?: (target: Target) => Record<string, unknown>;
  expect: Record<Principal, Outcome>;
};

/** The target tenant's own keys: full, read-only, and full keys of the tenant once suspended, expired or deleted. */
const tenantCell = (scope: 'read' | 'write'): Record<Principal, Outcome> => ({
  none: 'UNAUTHENTICATED',
  wrongTenant: 'NOT_FOUND',
  readOnly: scope === 'read' ? 'ok' : 'FORBIDDEN',
  tenant: 'ok',
  tenantSuspended: scope === 'read' ? 'ok' : 'FORBIDDEN',
  tenantExpired: scope === 'read' ? 'ok' : 'FORBIDDEN',
  tenantDeleted: 'UNAUTHENTICATED',
  project: 'ok',
  // Another project of the same account, and a project of another account: the target tenant is not theirs.
  otherProject: 'NOT_FOUND',
  otherCustomer: 'NOT_FOUND',
  operator: 'ok',
});
/** Plan, limits, isolation, expiry and lifecycle: the operator's and the owning project's, never the tenant's own. */
const operatorCell: Record<Principal, Outcome> = { ...tenantCell('write'), tenant: 'FORBIDDEN' };
/** Fields that need a key but no tenant. */
const anyKey: Record<Principal, Outcome> = {
  none: 'UNAUTHENTICATED',
  wrongTenant: 'ok',
  readOnly: 'ok',
  tenant: 'ok',
  tenantSuspended: 'ok',
  tenantExpired: 'ok',
  tenantDeleted: 'UNAUTHENTICATED',
  project: 'ok',
  otherProject: 'ok',
  otherCustomer: 'ok',
  operator: 'ok',
};
/** Signup and login: no key needed; a refused key still fails the operation. */
const anyone: Record<Principal, Outcome> = { ...anyKey, none: 'ok' };
const operatorOnly: Record<Principal, Outcome> = {
  none: 'UNAUTHENTICATED',
  wrongTenant: 'FORBIDDEN',
  readOnly: 'FORBIDDEN',
  tenant: 'FORBIDDEN',
  tenantSuspended: 'FORBIDDEN',
  tenantExpired: 'FORBIDDEN',
  tenantDeleted: 'UNAUTHENTICATED',
  project: 'FORBIDDEN',
  otherProject: 'FORBIDDEN',
  otherCustomer: 'FORBIDDEN',
  operator: 'ok',
};
/** A TenantsDB account's own acts: only keys of its projects (the target's account: project, otherProject). */
const accountOnly: Record<Principal, Outcome> = { ...operatorOnly, operator: 'FORBIDDEN', project: 'ok', otherProject: 'ok', otherCustomer: 'ok' };
/** One of the target's account's projects: another account's key does not find it. */
const accountProject: Record<Principal, Outcome> = { ...accountOnly, otherCustomer: 'NOT_FOUND' };
/** Something of the target's project itself (a blueprint, a deployment): its other projects do not find it either. */
const projectOwned: Record<Principal, Outcome> = { ...accountOnly, otherProject: 'NOT_FOUND', otherCustomer: 'NOT_FOUND' };
const projectKeys = { project: 'ok', otherProject: 'ok', otherCustomer: 'ok' } as const;
/** A workspace or blueprint of the target's project: only that project's keys find it. */
const projectOwn: Record<Principal, Outcome> = { ...accountOnly, otherProject: 'NOT_FOUND', otherCustomer: 'NOT_FOUND' };
/** A tenant-mode workspace of the target's project with one pending change (CREATE TABLE), named in target.workspace. */
const addMatrixWorkspace = async (target: Target) => {
  target.workspace = `w${randomBytes(6).toString('hex')}`;
  const headers = { authorization: `Bearer ${projectKey}` };
  const created = await gateway.rest('POST', '/workspaces', { headers, body: { name: target.workspace, database: 'PostgreSQL', mode: 'tenant' } });
  expect(created.status).toBe(201);
  await gateway.rest('POST', `/workspaces/${target.workspace}/queries`, { headers, body: { query: 'CREATE TABLE notes (id int)' } });
  target.changeId = String((await gateway.rest('GET', `/workspaces/${target.workspace}/diff`, { headers })).body.changes[0].id);
};
const workspace = (target: Target) => ({ workspace: target.workspace });
const id = (target: Target) => ({ id: target.id });
let matrixCertificate: TestCertificate;
beforeAll(async () => {
  matrixCertificate = await makeCertificate({ dnsNames: ['policies.matrix.example'] });
});
const addMatrixDomain = async (target: Target) => {
  const result = await gateway.graphql(`mutation ($input: AddCustomDomainInput!) { addCustomDomain(tenant: "${target.id}", input: $input) { domain } }`, {
    input: { domain: 'policies.matrix.example', sslCertificate: matrixCertificate.certificate, sslPrivateKey: matrixCertificate.privateKey },
  });
  expect(result.errors).toBeUndefined();
};
const tenant = (target: Target) => ({ tenant: target.id });
/** A regional deploy of the target tenant (a job whose progress jobProgress reads), named in target.deploymentId. */
const regionalDeploy = async (target: Target) => {
  const result = await gateway.graphql<{ deployTenant: { id: string } }, object>(
    `mutation { deployTenant(tenant: "${target.id}", input: { region: "eu-west-1" }) { id } }`,
  );
  target.deploymentId = result.data!.deployTenant.id;
};
const deployment = (target: Target) => ({ id: target.deploymentId });
/** A TenantsDB deployment of the target's project, named in target.rolloutId. */
const projectRollout = async (target: Target) => {
  const { projectId } = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { id: target.id } });
  target.rolloutId = (
    await gateway.database.prisma.$transaction((tx) =>
      enqueueSchemaRollout(tx, { projectId: projectId!, blueprint: 'main', version: 1, tenantIds: [target.id] }),
    )
  ).id;
};
const planChange = (input: string): Cell => ({
  operation: `mutation ($id: ID!) { updateTenant(id: $id, input: { ${input} }) { id } }`,
  variables: id,
  expect: operatorCell,
});
/** The TenantsDB account whose project (ENTERPRISE) holds the target tenants, and its second project (FREE); set up before the matrix runs. */
const account = { email: `${uniqueSlug('matrix')}@example.com`, projectRef: '', freeProjectId: '' };
/**
 * A tenant's plan above its project's (plans.ts): refused to every caller that reaches the tenant,
 * the owning project and the operator included. The tenant is the account's FREE project's
 * (otherProject's), so the target's own keys and the target's project do not find it.
 */
const aboveProjectPlan: Record<Principal, Outcome> = {
  ...operatorCell,
  wrongTenant: 'NOT_FOUND',
  tenant: 'NOT_FOUND',
  project: 'NOT_FOUND',
  otherProject: 'FORBIDDEN',
  otherCustomer: 'NOT_FOUND',
  operator: 'FORBIDDEN',
};
/**
 * A tenant of the account's FREE project, made by the operator: its id, in target.planTenant. The
 * previous cell's goes first, so the project stays within FREE's quota for its own key's creates.
 */
const addFreeProjectTenant = async (target: Target, tier: 'FREE' | 'PRO' = 'FREE') => {
  await gateway.database.prisma.tenant.deleteMany({ where: { projectId: account.freeProjectId, slug: { startsWith: 'plan_' } } });
  target.planTenant = (await createTenant(gateway, { projectId: account.freeProjectId, tier, slug: uniqueSlug('plan') })).id;
};
let projectKey: string;
/** A tenant-mode workspace and its blueprint in the target tenant's project, with `pending` DDL queued; its name. */
async function matrixBlueprint(tenantId: string, pending?: string): Promise<string> {
  const prisma = gateway.database.prisma;
  const { projectId } = await prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } });
  const name = uniqueSlug('bp').replace(/-/g, '_');
  const workspace = await prisma.workspace.create({
    data: {
      projectId: projectId!,
      name,
      mode: 'TENANT',
      legacySchemaName: `matrix_${name}`,
      connectionUser: 'tdb_matrix',
      passwordSealed: Buffer.alloc(32),
      blueprint: { create: { projectId: projectId!, name } },
    },
  });
  if (pending) await prisma.schemaChange.create({ data: { workspaceId: workspace.id, statement: pending, position: 0 } });
  return name;
}
const matrix: Cell[] = [
  { operation: 'query { viewer { id } }', expect: anyKey },
  { operation: 'query { regions { id } }', expect: { ...anyKey, none: 'ok' } },
  { operation: 'query ($id: ID!) { tenant(id: $id) { id } }', variables: id, expect: tenantCell('read') },
  // A nested field that names the proxy's host and port: gated by the tenant read as its parent is.
  { operation: 'query ($id: ID!) { tenant(id: $id) { databases { connectionString } } }', variables: id, expect: tenantCell('read') },
  { operation: 'query { tenants { totalCount } }', expect: anyKey },
  { operation: 'query ($tenant: ID!) { tenantConfig(tenant: $tenant) { version } }', variables: tenant, expect: tenantCell('read') },
  {
    operation: 'query ($tenant: ID!) { tenantConfigIfChanged(tenant: $tenant, knownVersions: [1]) { version } }',
    variables: tenant,
    expect: tenantCell('read'),
  },
  { operation: 'query ($tenant: ID!) { tenantConfigHistory(tenant: $tenant) { edges { node { version } } } }', variables: tenant, expect: tenantCell('read') },
  { operation: 'query ($tenant: ID!) { tenantFeatures(tenant: $tenant) { totalEnabled } }', variables: tenant, expect: tenantCell('read') },
  { operation: 'query { featureCatalog { name } }', expect: anyKey },
  { operation: 'query ($tenant: ID!) { tenantBackups(tenant: $tenant) { id } }', variables: tenant, expect: tenantCell('read') },
  { operation: 'query ($tenant: ID!) { tenantBackupJobs(tenant: $tenant) { id } }', variables: tenant, expect: tenantCell('read') },
  { operation: 'mutation ($tenant: ID!) { backupTenant(tenant: $tenant) { id } }', variables: tenant, expect: tenantCell('write') },
  {
    operation: 'mutation ($tenant: ID!, $path: String!) { rollbackTenant(tenant: $tenant, storagePath: $path) { tenant { id } } }',
    setup: async (target) => {
      const result = await gateway.graphql<{ backupTenant: { storagePath: string } }, object>(
        `mutation { backupTenant(tenant: "${target.id}") { storagePath } }`,
      );
      target.backupPath = result.data!.backupTenant.storagePath;
    },
    variables: (target) => ({ tenant: target.id, path: target.backupPath }),
    expect: tenantCell('write'),
  },
  {
    operation: 'mutation ($tenant: ID!, $at: DateTime!) { recoverTenant(tenant: $tenant, timestamp: $at) { tenant { id } } }',
    setup: async (target) => {
      await gateway.graphql(`mutation { updateTenant(id: "${target.id}", input: { isolation: DEDICATED }) { id } }`);
      await gateway.graphql(`mutation { backupTenant(tenant: "${target.id}") { id } }`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    },
    variables: (target) => ({ tenant: target.id, at: new Date().toISOString() }),
    expect: tenantCell('write'),
  },
  {
    operation: 'mutation ($tenant: ID!) { undoRecovery(tenant: $tenant) { tenant { id } } }',
    setup: async (target) => {
      await gateway.graphql(`mutation { updateTenant(id: "${target.id}", input: { isolation: DEDICATED }) { id } }`);
      await gateway.graphql(`mutation { backupTenant(tenant: "${target.id}") { id } }`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const recovered = await gateway.graphql(`mutation { recoverTenant(tenant: "${target.id}", timestamp: "${new Date().toISOString()}") { tenant { id } } }`);
      expect(recovered.errors).toBeUndefined();
    },
    variables: tenant,
    expect: tenantCell('write'),
  },
  {
    operation: 'mutation ($tenant: ID!) { migrateTenantDatabase(tenant: $tenant, input: { blueprint: "main", isolation: DEDICATED }) { toIsolation } }',
    setup: async (target) => {
      // A shared database, as POST /tenants would have created it.
      await gateway.database.prisma.tenantDatabase.create({
        data: { tenantId: target.id, blueprint: 'main', isolation: 'SHARED', region: 'eu-central', status: 'READY' },
      });
    },
    variables: tenant,
    expect: operatorCell,
  },
  { operation: 'query ($tenant: ID!) { tenantDomains(tenant: $tenant) { domain } }', variables: tenant, expect: tenantCell('read') },
  {
    operation: 'mutation ($tenant: ID!, $input: AddCustomDomainInput!) { addCustomDomain(tenant: $tenant, input: $input) { domain } }',
    variables: (target) => ({
      tenant: target.id,
      input: { domain: 'policies.matrix.example', sslCertificate: matrixCertificate.certificate, sslPrivateKey: matrixCertificate.privateKey },
    }),
    expect: tenantCell('write'),
  },
  {
    // No DNS answers here: reaching the lookup (PRECONDITION_FAILED) is what the caller may do.
    operation: 'mutation ($tenant: ID!) { verifyCustomDomain(tenant: $tenant, domain: "policies.matrix.example") { domain } }',
    setup: addMatrixDomain,
    variables: tenant,
    expect: { ...tenantCell('write'), tenant: 'PRECONDITION_FAILED', project: 'PRECONDITION_FAILED', operator: 'PRECONDITION_FAILED' },
  },
  {
    operation: 'mutation ($tenant: ID!) { removeCustomDomain(tenant: $tenant, domain: "policies.matrix.example") { domain } }',
    setup: addMatrixDomain,
    variables: tenant,
    expect: tenantCell('write'),
  },
  {
    operation: 'mutation ($tenant: ID!) { deployTenant(tenant: $tenant, input: { region: "eu-west-1" }) { id } }',
    variables: tenant,
    expect: tenantCell('write'),
  },
  {
    operation: 'query ($tenant: ID!, $id: ID!) { tenantDeployment(tenant: $tenant, id: $id) { status } }',
    setup: async (target) => {
      const result = await gateway.graphql<{ deployTenant: { id: string } }, object>(
        `mutation { deployTenant(tenant: "${target.id}", input: { region: "eu-west-1" }) { id } }`,
      );
      target.deploymentId = result.data!.deployTenant.id;
    },
    variables: (target) => ({ tenant: target.id, id: target.deploymentId }),
    expect: tenantCell('read'),
  },
  {
    operation: 'mutation ($tenant: ID!) { deployTenantToRegion(tenant: $tenant, input: { region: "eu-west-1" }) { id } }',
    variables: tenant,
    expect: tenantCell('write'),
  },
  {
    operation: 'query ($tenant: ID!, $id: ID!) { regionalDeploy(tenant: $tenant, id: $id) { status } }',
    setup: async (target) => {
      const result = await gateway.graphql<{ deployTenantToRegion: { id: string } }, object>(
        `mutation { deployTenantToRegion(tenant: "${target.id}", input: { region: "eu-west-1" }) { id } }`,
      );
      target.deploymentId = result.data!.deployTenantToRegion.id;
    },
    variables: (target) => ({ tenant: target.id, id: target.deploymentId }),
    expect: tenantCell('read'),
  },
  { operation: 'query ($tenant: ID!) { tenantBilling(tenant: $tenant) { totalCostCents } }', variables: tenant, expect: tenantCell('read') },
  // Issue 30: one job's progress by its id, under the rules of the read of its kind (a regional deploy: deployments:read on its tenant).
  { operation: 'query ($id: ID!) { jobProgress(id: $id) { state } }', setup: regionalDeploy, variables: deployment, expect: tenantCell('read') },
  {
    // A TenantsDB deployment is its project's: any other key finds none (not FORBIDDEN, which would tell that it exists).
    operation: 'query ($id: ID!) { jobProgress(id: $id) { state done total } }',
    setup: projectRollout,
    variables: (target) => ({ id: target.rolloutId }),
    expect: {
      ...Object.fromEntries(Object.entries(projectOwned).map(([who, outcome]) => [who, outcome === 'FORBIDDEN' ? 'NOT_FOUND' : outcome])),
      none: 'UNAUTHENTICATED',
      tenantDeleted: 'UNAUTHENTICATED',
    } as Record<Principal, Outcome>,
  },

  {
    operation: 'mutation ($tenant: ID!) { updateTenantBilling(tenant: $tenant, input: { paymentMethod: "pm_123" }) { paymentMethod } }',
    variables: tenant,
    expect: tenantCell('write'),
  },
  {
    operation: 'query ($tenant: ID!) { tenantMetrics(tenant: $tenant, granularity: "week") { apiCalls { total } } }',
    variables: tenant,
    expect: tenantCell('read'),
  },
  { operation: 'query ($tenant: ID!) { usageSummary(tenant: $tenant) { apiCalls } }', variables: tenant, expect: tenantCell('read') },
  { operation: 'query ($tenant: ID!) { usageHistory(tenant: $tenant) { date } }', variables: tenant, expect: tenantCell('read') },
  {
    operation: 'query ($tenant: ID!) { usageMetrics(tenant: $tenant, from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z") { calls } }',
    variables: tenant,
    expect: tenantCell('read'),
  },
  { operation: 'query ($tenant: ID!) { resourceLimits(tenant: $tenant) { id } }', variables: tenant, expect: tenantCell('read') },
  { operation: 'query ($tenant: ID!) { resourceUsage(tenant: $tenant) { current } }', variables: tenant, expect: tenantCell('read') },
  {
    operation: 'query ($tenant: ID!) { checkResource(tenant: $tenant, input: { resource: "llm", metric: "tokens", amount: 1 }) { allowed } }',
    variables: tenant,
    expect: tenantCell('read'),
  },
  { operation: 'query ($tenant: ID!) { usageAlerts(tenant: $tenant) { id } }', variables: tenant, expect: tenantCell('read') },
  {
    operation:
      'mutation ($tenant: ID!) { setResourceLimits(tenant: $tenant, limits: [{ resource: "llm", metric: "tokens", period: MONTH, limit: 10 }]) { id } }',
    variables: tenant,
    expect: tenantCell('write'),
  },
  {
    operation: 'mutation ($tenant: ID!) { trackUsage(tenant: $tenant, input: { resource: "llm", metric: "tokens", amount: 1 }) { allowed } }',
    variables: tenant,
    expect: tenantCell('write'),
  },
  {
    operation: 'query { apiKeys { edges { node { id } } } }',
    expect: { ...anyKey, readOnly: 'FORBIDDEN', tenantSuspended: 'FORBIDDEN', tenantExpired: 'FORBIDDEN' },
  },
  // One tenant's keys: the tenant resolved like any other tenant argument.
  { operation: 'query ($tenant: ID!) { apiKeys(tenant: $tenant) { edges { node { id } } } }', variables: tenant, expect: tenantCell('write') },
  {
    operation: 'mutation ($slug: String!) { createTenant(input: { slug: $slug, name: "New" }) { id } }',
    variables: () => ({ slug: uniqueSlug() }),
    expect: { ...operatorOnly, ...projectKeys },
  },
  { operation: 'mutation ($id: ID!) { updateTenant(id: $id, input: { name: "Renamed" }) { id } }', variables: id, expect: tenantCell('write') },
  planChange('tier: PRO'),
  // Plan gating: a tenant's plan never exceeds its project's, on every path (plans.ts).
  {
    operation: 'mutation ($id: ID!) { updateTenant(id: $id, input: { tier: PRO }) { id } }',
    setup: (target) => addFreeProjectTenant(target),
    variables: (target) => ({ id: target.planTenant }),
    expect: aboveProjectPlan,
  },
  {
    operation: 'mutation ($slug: String!) { createTenant(input: { slug: $slug, name: "New", tier: PRO }) { id } }',
    variables: () => ({ slug: uniqueSlug() }),
    // The target's project is ENTERPRISE, the others FREE; outside projects the operator sets any plan.
    expect: { ...operatorOnly, project: 'ok', otherProject: 'FORBIDDEN', otherCustomer: 'FORBIDDEN' },
  },
  {
    operation: 'mutation ($slug: String!, $project: ID!) { createTenant(input: { slug: $slug, name: "New", tier: ENTERPRISE, projectId: $project }) { id } }',
    variables: () => ({ slug: uniqueSlug(), project: account.freeProjectId }),
    // In a FREE project: its own key and the operator are refused by the plan, other keys by the project.
    expect: { ...operatorOnly, operator: 'FORBIDDEN' },
  },
  {
    operation: 'mutation ($tenant: ID!, $path: String!) { rollbackTenant(tenant: $tenant, storagePath: $path) { tenant { id } } }',
    setup: async (target) => {
      // A backup taken while the project was PRO; the project has gone FREE since.
      await setProjectTier(gateway, account.freeProjectId, 'PRO');
      await addFreeProjectTenant(target, 'PRO');
      const result = await gateway.graphql<{ backupTenant: { storagePath: string } }, object>(
        `mutation { backupTenant(tenant: "${target.planTenant}") { storagePath } }`,
      );
      target.backupPath = result.data!.backupTenant.storagePath;
      await setProjectTier(gateway, account.freeProjectId, 'FREE');
    },
    variables: (target) => ({ tenant: target.planTenant, path: target.backupPath }),
    expect: aboveProjectPlan,
  },
  {
    operation: 'mutation ($project: ID!) { setProjectTier(project: $project, tier: BASIC) { id } }',
    setup: async (target) => {
      target.projectRef = (
        await gateway.data((await import('../src/generated/graphql/graphql.js')).CreateProjectDocument, { slug: uniqueSlug('project'), name: 'Plan' })
      ).createProject.id;
    },
    variables: (target) => ({ project: target.projectRef }),
    expect: operatorOnly,
  },
  planChange('maxUsers: 6'),
  planChange('maxApiCallsPerMonth: 2000000000'),
  planChange('maxStorageMb: 2048'),
  planChange('maxLlmTokensPerMonth: 200000'),
  planChange('isolation: DEDICATED'),
  planChange(`expiresAt: "${new Date(Date.now() + 3_600_000).toISOString()}"`),
  planChange('expiresAt: null'),
  { operation: 'mutation ($id: ID!) { suspendTenant(id: $id) { id } }', variables: id, expect: operatorCell },
  {
    operation: 'mutation ($id: ID!) { resumeTenant(id: $id) { id } }',
    setup: async (target) => void (await gateway.graphql(`mutation { suspendTenant(id: "${target.id}") { id } }`)),
    variables: id,
    expect: operatorCell,
  },
  { operation: 'mutation ($id: ID!) { deleteTenant(id: $id) { id } }', variables: id, expect: operatorCell },
  {
    operation: 'mutation ($id: ID!) { restoreTenant(id: $id) { id } }',
    setup: async (target) => void (await gateway.graphql(`mutation { deleteTenant(id: "${target.id}") { id } }`)),
    variables: id,
    // Deleted by the setup: every key of the tenant is then no key at all.
    expect: { ...operatorCell, readOnly: 'UNAUTHENTICATED', tenant: 'UNAUTHENTICATED', tenantSuspended: 'UNAUTHENTICATED', tenantExpired: 'UNAUTHENTICATED' },
  },
  { operation: 'mutation ($id: ID!) { purgeTenant(id: $id) { id } }', variables: id, expect: operatorCell },
  {
    operation: 'mutation ($tenant: ID!) { updateTenantConfig(tenant: $tenant, input: { performance: { cacheSizeMb: 2048 } }) { updatedFields } }',
    variables: tenant,
    expect: tenantCell('write'),
  },
  {
    operation: 'mutation ($tenant: ID!) { restoreTenantConfigRevision(tenant: $tenant, version: 1) { updatedFields } }',
    variables: tenant,
    expect: tenantCell('write'),
  },
  {
    operation: 'mutation ($tenant: ID!) { setTenantFeature(tenant: $tenant, feature: "webhooks", enabled: false) { totalEnabled } }',
    variables: tenant,
    expect: tenantCell('write'),
  },
  {
    operation: 'mutation ($tenant: ID!) { createApiKey(input: { name: "k", scopes: [TENANTS_READ], tenant: $tenant }) { secret } }',
    variables: tenant,
    expect: tenantCell('write'),
  },
  { operation: 'mutation ($id: ID!) { revokeApiKey(id: $id) { id } }', variables: (target) => ({ id: target.keyId }), expect: tenantCell('write') },
  {
    operation: 'mutation ($slug: String!) { provisionTenant(tenant: { slug: $slug, name: "New" }, apiKey: { name: "k", scopes: [TENANTS_READ] }) { secret } }',
    variables: () => ({ slug: uniqueSlug() }),
    expect: { ...operatorOnly, ...projectKeys },
  },
  // Control Core's tenant context: another tenant's key is refused as 403 (tenant_access_denied), by each way of naming the tenant.
  ...(['tenant', 'header', 'query'] as const).map(
    (source): Cell => ({
      operation: `query ($id: String!) { tenantInContext(context: { ${source}: $id }) { id } }`,
      variables: id,
      expect: { ...tenantCell('read'), wrongTenant: 'FORBIDDEN' },
    }),
  ),
  {
    operation: 'query ($host: String!) { tenantInContext(context: { host: $host }) { id } }',
    setup: async (target) => void (await gateway.database.prisma.tenant.update({ where: { id: target.id }, data: { domain: `${target.id}.controlcore.io` } })),
    variables: (target) => ({ host: `${target.id}.controlcore.io` }),
    expect: { ...tenantCell('read'), wrongTenant: 'FORBIDDEN' },
  },
  {
    operation: 'mutation ($id: String!) { updateTenantInContext(context: { tenant: $id }, input: { name: "Renamed" }) { id } }',
    variables: id,
    expect: { ...tenantCell('write'), wrongTenant: 'FORBIDDEN' },
  },
  {
    operation: 'query ($id: String!) { tenantDocuments(context: { header: $id }, kind: POLICY) { id } }',
    variables: id,
    expect: { ...tenantCell('read'), wrongTenant: 'FORBIDDEN' },
  },
  {
    operation: 'query ($id: String!) { tenantAlerts(context: { query: $id }) { id } }',
    variables: id,
    expect: { ...tenantCell('read'), wrongTenant: 'FORBIDDEN' },
  },
  {
    operation: 'mutation ($id: String!) { createTenantDocument(context: { query: $id }, kind: BOUNCER, input: { name: "edge" }) { id } }',
    variables: id,
    expect: { ...tenantCell('write'), wrongTenant: 'FORBIDDEN' },
  },
  ...[
    'updateTenantDocument(context: { tenant: $id }, kind: RESOURCE, id: $document, input: { name: "db2" })',
    'deleteTenantDocument(context: { header: $id }, kind: RESOURCE, id: $document)',
  ].map(
    (field): Cell => ({
      operation: `mutation ($id: String!, $document: ID!) { ${field} { id } }`,
      setup: async (target) => {
        target.documentId = (await gateway.database.prisma.tenantDocument.create({ data: { tenantId: target.id, kind: 'RESOURCE', name: 'db' } })).id;
      },
      variables: (target) => ({ id: target.id, document: target.documentId }),
      expect: { ...tenantCell('write'), wrongTenant: 'FORBIDDEN' },
    }),
  ),
  {
    operation: 'mutation ($id: String!) { createTenantApiKey(context: { tenant: $id }, input: { name: "k", scopes: [POLICIES_READ] }) { secret } }',
    variables: id,
    expect: { ...tenantCell('write'), wrongTenant: 'FORBIDDEN' },
  },
  {
    operation: 'mutation ($id: String!) { deleteTenantInContext(context: { header: $id }) { id } }',
    variables: id,
    expect: { ...operatorCell, wrongTenant: 'FORBIDDEN' },
  },
  { operation: 'query ($tenant: ID!) { tenantSecrets(tenant: $tenant) { name } }', variables: tenant, expect: tenantCell('read') },
  {
    operation: 'mutation ($tenant: ID!) { storeTenantSecret(tenant: $tenant, name: "API_TOKEN", value: "v") { name } }',
    variables: tenant,
    expect: tenantCell('write'),
  },
  {
    operation: 'mutation ($tenant: ID!) { deleteTenantSecret(tenant: $tenant, name: "API_TOKEN") { name } }',
    setup: async (target) => void (await gateway.graphql(`mutation { storeTenantSecret(tenant: "${target.id}", name: "API_TOKEN", value: "v") { name } }`)),
    variables: tenant,
    expect: tenantCell('write'),
  },
  { operation: 'mutation { rewrapSealedValues { kinds { kind rewrapped } } }', expect: operatorOnly },
  { operation: 'mutation { rewrapSecretDataKeys { rewrapped } }', expect: operatorOnly },
  { operation: 'mutation { rotateDataPlanePasswords { rotated } }', expect: operatorOnly },
  { operation: 'query ($tenant: ID!) { gatewayConfig(tenant: $tenant) { version } }', variables: tenant, expect: tenantCell('read') },
  { operation: 'query ($tenant: ID!) { tenantRbac(tenant: $tenant) { defaultRole } }', variables: tenant, expect: tenantCell('read') },
  { operation: 'query ($tenant: ID) { auditLog(tenant: $tenant) { edges { node { id } } } }', variables: tenant, expect: tenantCell('read') },
  { operation: 'query ($tenant: ID!) { tenantQueryLogs(tenant: $tenant) { hasMore } }', variables: tenant, expect: tenantCell('read') },
  { operation: 'query ($tenant: ID!) { tenantQueryStats(tenant: $tenant) { totalQueries } }', variables: tenant, expect: tenantCell('read') },
  { operation: 'query ($tenant: ID!) { tenantQueryMetrics(tenant: $tenant) { queryCount } }', variables: tenant, expect: tenantCell('read') },
  { operation: 'query { schemaRollouts { id } }', expect: accountOnly },
  {
    operation: 'query ($id: ID!) { schemaRollout(id: $id) { id } }',
    setup: async (target) => {
      const { projectId } = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { id: target.id } });
      target.rolloutId = (
        await gateway.database.prisma.$transaction((tx) => enqueueSchemaRollout(tx, { projectId: projectId!, blueprint: 'main', version: 1, tenantIds: [] }))
      ).id;
    },
    variables: (target) => ({ id: target.rolloutId }),
    expect: projectOwned,
  },
  { operation: 'query ($tenant: ID!) { tenantSchemaRollouts(tenant: $tenant) { results { version } } }', variables: tenant, expect: tenantCell('read') },
  {
    operation: 'mutation ($name: String!) { deployBlueprint(input: { blueprintName: $name }) { id } }',
    setup: async (target) => void (target.blueprint = await matrixBlueprint(target.id, 'CREATE TABLE t (id int)')),
    variables: (target) => ({ name: target.blueprint }),
    expect: projectOwned,
  },
  {
    operation: 'mutation ($name: String!) { runAdminQuery(input: { blueprint: $name, query: "SELECT 1", allTenants: true }) { durationMs } }',
    setup: async (target) => void (target.blueprint = await matrixBlueprint(target.id)),
    variables: (target) => ({ name: target.blueprint }),
    expect: projectOwned,
  },
  { operation: 'query ($tenant: ID) { webhookDeliveries(tenant: $tenant) { edges { node { id } } } }', variables: tenant, expect: tenantCell('read') },
  { operation: 'query ($tenant: ID!) { rbacCheck(tenant: $tenant, role: "viewer", permission: "read") }', variables: tenant, expect: tenantCell('read') },
  {
    operation: 'mutation ($tenant: ID!) { createRole(tenant: $tenant, name: "editor", permissions: ["read"]) { name } }',
    variables: tenant,
    expect: tenantCell('write'),
  },
  {
    operation: 'mutation ($tenant: ID!) { updateRole(tenant: $tenant, name: "admin", permissions: ["read"]) { name } }',
    variables: tenant,
    expect: tenantCell('write'),
  },
  {
    operation: 'mutation ($tenant: ID!) { deleteRole(tenant: $tenant, name: "admin") { name } }',
    variables: tenant,
    expect: tenantCell('write'),
  },
  { operation: 'mutation ($tenant: ID!) { setRbac(tenant: $tenant, enabled: false) { enabled } }', variables: tenant, expect: tenantCell('write') },
  { operation: 'query ($tenant: ID!) { gatewayConfigHistory(tenant: $tenant) { version } }', variables: tenant, expect: tenantCell('read') },
  {
    operation: 'query ($tenant: ID!) { testTenantRoute(tenant: $tenant, method: GET, path: "/items/1") { matched problem } }',
    variables: tenant,
    expect: tenantCell('read'),
  },
  { operation: 'query ($tenant: ID!) { tenantRoutes(tenant: $tenant) { servedAt calls } }', variables: tenant, expect: tenantCell('read') },
  {
    operation: 'mutation ($tenant: ID!) { saveGatewayConfig(tenant: $tenant, input: { cache: { enabled: true } }) { updatedFields } }',
    variables: tenant,
    expect: tenantCell('write'),
  },
  {
    operation: 'mutation ($slug: String!) { createProject(slug: $slug, name: "P") { id } }',
    variables: () => ({ slug: uniqueSlug('project') }),
    expect: operatorOnly,
  },
  {
    operation: 'mutation ($email: String!) { signup(input: { email: $email, password: "correct horse battery" }) { apiKey } }',
    variables: () => ({ email: `${uniqueSlug('user')}@example.com` }),
    expect: anyone,
  },
  {
    operation: 'mutation ($email: String!) { login(input: { email: $email, password: "correct horse battery" }) { sessions { apiKey } } }',
    variables: () => ({ email: account.email }),
    expect: anyone,
  },
  { operation: 'mutation { createCustomerProject(input: { name: "Another" }) { apiKey } }', expect: accountOnly },
  {
    operation: 'mutation ($project: String!) { switchProject(project: $project) { apiKey } }',
    variables: () => ({ project: account.projectRef }),
    expect: accountProject,
  },
  {
    operation: 'mutation ($project: String!) { deleteProject(project: $project) { slug } }',
    setup: async (target) => {
      const created = await gateway.rest('POST', '/projects', { headers: { authorization: `Bearer ${projectKey}` }, body: { name: 'Doomed' } });
      target.projectRef = created.body.project_id;
    },
    variables: (target) => ({ project: target.projectRef }),
    expect: accountProject,
  },
  { operation: 'mutation { createProjectApiKey(input: { name: "k" }) { secret } }', expect: accountOnly },
  { operation: 'query { workspaces { name } }', expect: accountOnly },
  { operation: 'query { blueprints { name } }', expect: accountOnly },
  {
    operation: 'mutation ($name: String!) { createWorkspace(input: { name: $name, database: "PostgreSQL", mode: "tenant" }) { password } }',
    variables: () => ({ name: `w${randomBytes(6).toString('hex')}` }),
    expect: accountOnly,
  },
  { operation: 'query ($workspace: String!) { workspace(name: $workspace) { name } }', setup: addMatrixWorkspace, variables: workspace, expect: projectOwn },
  {
    operation: 'query ($workspace: String!) { workspaceTables(workspace: $workspace) { name } }',
    setup: addMatrixWorkspace,
    variables: workspace,
    expect: projectOwn,
  },
  { operation: 'query ($workspace: String!) { blueprint(name: $workspace) { name } }', setup: addMatrixWorkspace, variables: workspace, expect: projectOwn },
  {
    operation: 'query ($workspace: String!) { blueprintVersions(name: $workspace) { number } }',
    setup: addMatrixWorkspace,
    variables: workspace,
    expect: projectOwn,
  },
  {
    operation: 'mutation ($workspace: String!) { deleteWorkspace(name: $workspace) { name } }',
    setup: addMatrixWorkspace,
    variables: workspace,
    expect: projectOwn,
  },
  {
    operation: 'mutation ($workspace: String!) { runWorkspaceQuery(workspace: $workspace, query: "SELECT 1") { rowCount } }',
    setup: addMatrixWorkspace,
    variables: workspace,
    expect: projectOwn,
  },
  {
    operation: 'mutation ($workspace: String!, $id: ID!) { removeSchemaChange(workspace: $workspace, id: $id) { id } }',
    setup: addMatrixWorkspace,
    variables: (target) => ({ workspace: target.workspace, id: target.changeId }),
    expect: projectOwn,
  },
  {
    operation: 'mutation ($workspace: String!, $id: ID!) { revertSchemaChange(workspace: $workspace, id: $id) { id } }',
    setup: addMatrixWorkspace,
    variables: (target) => ({ workspace: target.workspace, id: target.changeId }),
    expect: projectOwn,
  },
  {
    operation: 'mutation ($workspace: String!) { updateWorkspaceSettings(workspace: $workspace, input: { maxConnections: 5 }) { name } }',
    setup: addMatrixWorkspace,
    variables: workspace,
    expect: projectOwn,
  },
  {
    operation: 'mutation ($workspace: String!) { importWorkspaceSchema(workspace: $workspace, input: { source: "template", template: "blog" }) { created } }',
    setup: addMatrixWorkspace,
    variables: workspace,
    expect: projectOwn,
  },
];

/** Subscriptions: the same rules as the reads they stream. */
const subscriptionMatrix: Cell[] = [
  { operation: 'subscription ($tenant: ID!) { tenantConfigChanged(tenant: $tenant) { version } }', variables: tenant, expect: tenantCell('read') },
  { operation: 'subscription ($id: ID!) { tenantStateChanged(tenant: $id) { state } }', variables: id, expect: tenantCell('read') },
  // A job's progress is sent at once ('event'), then at each step; refused callers get the error as the first event.
  {
    operation: 'subscription ($id: ID!) { jobProgress(id: $id) { state } }',
    setup: regionalDeploy,
    variables: deployment,
    expect: Object.fromEntries(Object.entries(tenantCell('read')).map(([who, outcome]) => [who, outcome === 'ok' ? 'event' : outcome])) as Record<
      Principal,
      Outcome
    >,
  },
];

describe('authorization matrix: every query and mutation × every kind of caller', () => {
  test('the matrix covers every root field of the schema', async () => {
    const { schema } = await import('../src/graphql/schema.js');
    const fields = [
      ...Object.keys(schema.getQueryType()!.getFields()),
      ...Object.keys(schema.getMutationType()!.getFields()),
      ...Object.keys(schema.getSubscriptionType()!.getFields()),
    ];
    const covered = new Set([...matrix, ...subscriptionMatrix].map((cell) => /\{\s*(\w+)/.exec(cell.operation.replace(/^[^{]*/, ''))![1]));
    expect(fields.filter((field) => !covered.has(field))).toEqual([]);
  });

  // The target tenants live in a TenantsDB account's project; the account has a second project, and another account one.
  let projectId: string;
  let otherProjectKey: string;
  let otherCustomerKey: string;
  beforeAll(async () => {
    const signup = async (email: string) =>
      (await gateway.rest('POST', '/signup', { body: { email, password: 'correct horse battery', project_name: 'Matrix' } })).body;
    const mine = await signup(account.email);
    projectKey = mine.api_key;
    account.projectRef = mine.project_id;
    projectId = (await gateway.database.prisma.project.findUniqueOrThrow({ where: { slug: mine.project_id } })).id;
    // The target tenants are ENTERPRISE: their project is (the matrix creates hundreds of them and their workspaces, past FREE's quotas too).
    await setProjectTier(gateway, projectId, 'ENTERPRISE');
    const second = (await gateway.rest('POST', '/projects', { headers: { authorization: `Bearer ${projectKey}` }, body: { name: 'Second' } })).body;
    otherProjectKey = second.api_key;
    account.freeProjectId = (await gateway.database.prisma.project.findUniqueOrThrow({ where: { slug: second.project_id } })).id;
    otherCustomerKey = (await signup(`${uniqueSlug('other')}@example.com`)).api_key;
  });

  /** What the operator does to the target tenant after the cell's setup, for the callers that hold its keys in that state. */
  const tenantStates: Partial<Record<Principal, (tenantId: string) => Promise<unknown>>> = {
    tenantSuspended: (tenantId) => gateway.graphql(`mutation { suspendTenant(id: "${tenantId}") { id } }`),
    // No API sets an expiry in the past: the clock runs past it.
    tenantExpired: (tenantId) => gateway.database.prisma.tenant.update({ where: { id: tenantId }, data: { expiresAt: new Date(Date.now() - 1_000) } }),
    tenantDeleted: (tenantId) => gateway.graphql(`mutation { deleteTenant(id: "${tenantId}") { id } }`),
  };

  /** The key each kind of caller holds for the target tenant (none, another tenant's, its own, its project's, the operator's). */
  async function keyOf(principal: Principal, targetId: string): Promise<string | null> {
    const targetKey = (scopes: Scope[]) => createKey(gateway, { scopes, tenant: targetId }).then((key) => key.secret);
    const keys: Record<Principal, () => Promise<string | null>> = {
      none: async () => null,
      wrongTenant: async () => (await createKey(gateway, { scopes: tenantScopes, tenant: (await createTenant(gateway, { tier: 'ENTERPRISE' })).id })).secret,
      readOnly: () => targetKey(readScopes),
      tenant: () => targetKey(tenantScopes),
      tenantSuspended: () => targetKey(tenantScopes),
      tenantExpired: () => targetKey(tenantScopes),
      tenantDeleted: () => targetKey(tenantScopes),
      project: async () => projectKey,
      otherProject: async () => otherProjectKey,
      otherCustomer: async () => otherCustomerKey,
      operator: async () => gateway.adminKey,
    };
    return keys[principal]();
  }

  const principals: Principal[] = [
    'none',
    'wrongTenant',
    'readOnly',
    'tenant',
    'tenantSuspended',
    'tenantExpired',
    'tenantDeleted',
    'project',
    'otherProject',
    'otherCustomer',
    'operator',
  ];
  test.each(matrix.flatMap((cell) => principals.map((principal) => [cell.operation.slice(0, 70), principal, cell] as const)))(
    '%s as %s',
    async (_name, principal, cell) => {
      const target = await createTenant(gateway, { tier: 'ENTERPRISE', projectId });
      const key = await keyOf(principal, target.id);
      const victim = await createKey(gateway, { scopes: ['TENANTS_READ'], tenant: target.id });
      const context = { id: target.id, keyId: victim.apiKey.id };
      await cell.setup?.(context);
      await tenantStates[principal]?.(target.id);
      const result = await gateway.graphql(cell.operation, cell.variables?.(context) ?? {}, key);
      const outcome = result.errors?.length ? result.errors[0]!.extensions?.code : 'ok';
      expect(outcome, JSON.stringify(result.errors)).toBe(cell.expect[principal]);
    },
  );

  // Issue 30: subscriptions (GraphQL over SSE). Refused: the first event is the error. Allowed:
  // no event comes until something changes, so the subscription is still open after 500 ms.
  test.each(subscriptionMatrix.flatMap((cell) => principals.map((principal) => [cell.operation.slice(0, 70), principal, cell] as const)))(
    '%s as %s',
    async (_name, principal, cell) => {
      const target = await createTenant(gateway, { tier: 'ENTERPRISE', projectId });
      const key = await keyOf(principal, target.id);
      const context = { id: target.id, keyId: '' };
      await cell.setup?.(context);
      await tenantStates[principal]?.(target.id);
      const response = await gateway.app.fetch(
        new Request('http://gateway.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(key ? { authorization: `Bearer ${key}` } : {}) },
          body: JSON.stringify({ query: cell.operation, variables: cell.variables?.(context) ?? {} }),
        }),
      );
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      const deadline = Date.now() + 500;
      while (!text.includes('\n\n') || text.trim().startsWith(':')) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        const chunk = await Promise.race([reader.read(), new Promise<null>((resolve) => setTimeout(() => resolve(null), left))]);
        if (!chunk || chunk.done) break;
        text += chunk.value;
      }
      await reader.cancel();
      const data = /^data: (.*)$/m.exec(text)?.[1];
      const outcome = data ? ((JSON.parse(data) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code ?? 'event') : 'ok';
      expect(outcome, text).toBe(cell.expect[principal]);
    },
  );

  // Issue 29: a call to the target tenant's route (/gw/ping, to a loopback upstream), naming it in X-Tenant-ID, as each caller.
  test.each(principals)('GET /gw/ping (a tenant route) as %s', async (principal) => {
    const upstream = http.createServer((_request, response) => response.end('pong')).listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    try {
      const target = await createTenant(gateway, { tier: 'ENTERPRISE', projectId });
      const saved = await gateway.rest('POST', '/tenant/config', {
        headers: { authorization: `Bearer ${gateway.adminKey}`, 'x-tenant-id': target.slug },
        body: { routes: [{ path: '/ping', method: 'GET', upstream: { url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/` } }] },
      });
      expect(saved.status).toBe(200);
      const key = await keyOf(principal, target.id);
      await tenantStates[principal]?.(target.id);
      const response = await gateway.app.fetch(
        new Request('http://gateway.test/gw/ping', { headers: { 'x-tenant-id': target.slug, ...(key ? { authorization: `Bearer ${key}` } : {}) } }),
      );
      const outcomes: Record<number, Outcome> = { 200: 'ok', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND' };
      const expected: Record<Principal, Outcome> = { ...tenantCell('write'), project: 'ok', operator: 'ok' };
      expect(outcomes[response.status] ?? response.status, await response.clone().text()).toBe(expected[principal]);
      if (response.status === 200) expect(await response.text()).toBe('pong');
    } finally {
      await new Promise((resolve) => upstream.close(resolve));
    }
  });
});

describe('tenant context from the Host × every kind of credential', () => {
  type Credential = 'operator' | 'project' | 'tenantKey' | 'controlCoreKey' | 'jwt' | 'otherCustomer';
  type HostCase = 'ownDefault' | 'ownCustom' | 'theirDefault' | 'theirCustom' | 'unknownUnderBase' | 'unrelated' | 'apiHost' | 'none';
  type Outcome = 'target' | 'theirs' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT';
  const tenantCredential: Record<HostCase, Outcome> = {
    ownDefault: 'target',
    ownCustom: 'target',
    theirDefault: 'FORBIDDEN',
    // Another customer's custom domain names nothing this credential reaches: the same as a host nobody owns.
    theirCustom: 'target',
    unknownUnderBase: 'FORBIDDEN',
    unrelated: 'target',
    apiHost: 'target',
    none: 'target',
  };
  const expected: Record<Credential, Record<HostCase, Outcome>> = {
    operator: {
      ownDefault: 'target',
      ownCustom: 'target',
      theirDefault: 'theirs',
      theirCustom: 'theirs',
      unknownUnderBase: 'NOT_FOUND',
      unrelated: 'BAD_USER_INPUT',
      apiHost: 'BAD_USER_INPUT',
      none: 'BAD_USER_INPUT',
    },
    project: {
      ownDefault: 'target',
      ownCustom: 'target',
      theirDefault: 'NOT_FOUND',
      theirCustom: 'BAD_USER_INPUT',
      unknownUnderBase: 'NOT_FOUND',
      unrelated: 'BAD_USER_INPUT',
      apiHost: 'BAD_USER_INPUT',
      none: 'BAD_USER_INPUT',
    },
    tenantKey: tenantCredential,
    controlCoreKey: tenantCredential,
    jwt: tenantCredential,
    otherCustomer: {
      ownDefault: 'NOT_FOUND',
      ownCustom: 'BAD_USER_INPUT',
      theirDefault: 'theirs',
      theirCustom: 'theirs',
      unknownUnderBase: 'NOT_FOUND',
      unrelated: 'BAD_USER_INPUT',
      apiHost: 'BAD_USER_INPUT',
      none: 'BAD_USER_INPUT',
    },
  };
  const query = 'query ($context: TenantContextInput!) { tenantInContext(context: $context) { id } }';
  type Tenant = { id: string; defaultDomain: string; customDomain: string };

  /** A tenant of the project `key` owns, its default domain as tenantDomains lists it, and a verified custom domain. */
  async function tenantOf(projectKey: string, domain: string | null): Promise<Tenant> {
    const label = `h${randomBytes(4).toString('hex')}`;
    const created = await gateway.graphql<{ createTenant: { id: string } }, object>(
      'mutation ($input: CreateTenantInput!) { createTenant(input: $input) { id } }',
      { input: { slug: `${label}_t`, name: 'Host', ...(domain ? { domain: `${label}.controlcore.io` } : {}) } },
      projectKey,
    );
    expect(created.errors).toBeUndefined();
    const id = created.data!.createTenant.id;
    const customDomain = `policies.${label}.example`;
    const certificate = await makeCertificate({ dnsNames: [customDomain] });
    const added = await gateway.graphql(
      'mutation ($tenant: ID!, $input: AddCustomDomainInput!) { addCustomDomain(tenant: $tenant, input: $input) { domain } }',
      { tenant: id, input: { domain: customDomain, sslCertificate: certificate.certificate, sslPrivateKey: certificate.privateKey } },
    );
    expect(added.errors).toBeUndefined();
    await gateway.database.prisma.customDomain.updateMany({ where: { tenantId: id }, data: { verifiedDomain: customDomain, verifiedAt: new Date() } });
    const listed = await gateway.graphql<{ tenantDomains: { domain: string; isDefault: boolean; status: string }[] }, object>(
      'query ($tenant: ID!) { tenantDomains(tenant: $tenant) { domain isDefault status } }',
      { tenant: id },
    );
    const listedDefault = listed.data!.tenantDomains.find((entry) => entry.isDefault)!;
    expect(listedDefault.status).toBe('ACTIVE');
    return { id, defaultDomain: listedDefault.domain, customDomain };
  }

  describe.each([
    ['its own domain', 'explicit'],
    ['the default domain the gateway gives it (<id>.p<project>.controlcore.io)', null],
  ])('a target tenant with %s', (_name, domain) => {
    let target: Tenant;
    let theirs: Tenant;
    const credentials = {} as Record<Credential, string>;
    beforeAll(async () => {
      const signup = async () =>
        (await gateway.rest('POST', '/signup', { body: { email: `${uniqueSlug('host')}@example.com`, password: 'correct horse battery' } })).body
          .api_key as string;
      credentials.project = await signup();
      credentials.otherCustomer = await signup();
      target = await tenantOf(credentials.project, domain);
      theirs = await tenantOf(credentials.otherCustomer, domain);
      credentials.operator = gateway.adminKey;
      credentials.tenantKey = (await createKey(gateway, { scopes: ['TENANTS_READ'], tenant: target.id })).secret;
      const minted = await gateway.rest('POST', `/api/v1/tenants/${target.id}/api-keys`, {
        headers: { authorization: `Bearer ${gateway.adminKey}` },
        body: { name: 'cc', scopes: ['tenants:read'] },
      });
      expect(minted.status, JSON.stringify(minted.body)).toBe(201);
      credentials.controlCoreKey = minted.body.key;
      credentials.jwt = await new SignJWT({ tenant_id: target.id, scope: 'tenants:read' })
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(jwtKey);
    });

    const hosts = (): Record<HostCase, string | null> => ({
      ownDefault: target.defaultDomain,
      ownCustom: target.customDomain,
      theirDefault: theirs.defaultDomain,
      theirCustom: theirs.customDomain,
      unknownUnderBase: `nobody-${randomBytes(4).toString('hex')}.controlcore.io`,
      unrelated: 'localhost:4000',
      apiHost: 'api.controlcore.io',
      none: null,
    });
    const ask = (credential: Credential, host: string | null) =>
      gateway.graphql<{ tenantInContext: { id: string } }, object>(query, { context: host === null ? {} : { host } }, credentials[credential]);
    const outcome = (result: Awaited<ReturnType<typeof ask>>): Outcome | string =>
      result.errors?.length
        ? String(result.errors[0]!.extensions?.code)
        : result.data!.tenantInContext.id === target.id
          ? 'target'
          : result.data!.tenantInContext.id === theirs.id
            ? 'theirs'
            : 'another tenant';

    test.each(Object.keys(expected) as Credential[])('%s', async (credential) => {
      const named = hosts();
      const outcomes = {} as Record<HostCase, Outcome | string>;
      const errors = {} as Record<HostCase, string>;
      for (const [hostCase, host] of Object.entries(named) as [HostCase, string | null][]) {
        const result = await ask(credential, host);
        outcomes[hostCase] = outcome(result);
        errors[hostCase] = JSON.stringify(result.errors ?? null).replaceAll(host ?? '<none>', '<host>');
        // Whatever the answer, it never names another customer's tenant by its id.
        if (outcomes[hostCase] !== 'theirs') expect(JSON.stringify(result)).not.toContain(theirs.id);
      }
      expect(outcomes).toEqual(expected[credential]);
      // One answer for a tenant that is not the caller's and one that does not exist.
      if (expected[credential].theirDefault !== 'theirs') expect(errors.theirDefault).toBe(errors.unknownUnderBase);
      if (expected[credential].theirCustom !== 'theirs') expect(errors.theirCustom).toBe(errors.unrelated);
    });
  });
});
