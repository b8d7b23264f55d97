import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CreateProjectDocument, CreateTenantDocument } from '../src/generated/graphql/graphql.js';
import { startGateway, type TestGateway, uniqueSlug } from './support/gateway.js';

const issuer = 'https://auth.acme.test';
const audience = 'control-core';
const kid = 'signing-key-1';

let jwks: Server;
let gateway: TestGateway;
let signingKey: CryptoKey;
let strangerKey: CryptoKey;
let tenantId: string;
let otherTenantId: string;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  signingKey = pair.privateKey;
  strangerKey = (await generateKeyPair('RS256')).privateKey;
  const body = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' }] });
  jwks = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(body));
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const { port } = jwks.address() as AddressInfo;
  gateway = await startGateway({ env: { JWT_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`, JWT_ISSUER: issuer, JWT_AUDIENCE: audience } });
  const admin = { authorization: `Bearer ${gateway.adminKey}` };
  tenantId = (
    await gateway.rest('POST', '/api/v1/tenants', { headers: admin, body: { name: 'Acme Corporation', domain: 'acme.controlcore.io', plan_type: 'pro' } })
  ).body.id;
  otherTenantId = (await gateway.rest('POST', '/api/v1/tenants', { headers: admin, body: { name: 'Globex' } })).body.id;
});
afterAll(async () => {
  await gateway.close();
  await new Promise((resolve) => jwks.close(resolve));
});

type Claims = { tenant_id?: string; scope?: string; scopes?: string[] };
/** `issuedAt` and `expires`: seconds since the epoch, a jose time span, or null for no such claim. */
async function token(
  claims: Claims = {},
  change: { key?: CryptoKey; issuer?: string; audience?: string; expires?: number | string | null; issuedAt?: number | null } = {},
) {
  const jwt = new SignJWT({ tenant_id: tenantId, scope: 'policies:read policies:write metrics:read config:read', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid })
    .setSubject('user-42')
    .setIssuer(change.issuer ?? issuer)
    .setAudience(change.audience ?? audience);
  if (change.issuedAt !== null) jwt.setIssuedAt(change.issuedAt);
  if (change.expires !== null) jwt.setExpirationTime(change.expires ?? '5m');
  return jwt.sign(change.key ?? signingKey);
}
const now = () => Math.floor(Date.now() / 1000);
const bearer = (jwt: string) => ({ authorization: `Bearer ${jwt}` });
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('JWT credentials (JWT_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE)', () => {
  test('a valid token is its tenant_id claim with its scope claim, on every Bearer dialect', async () => {
    const jwt = await token();
    const created = await gateway.rest('POST', '/api/v1/policies', { headers: bearer(jwt), body: { name: 'from-jwt' } });
    expect(created.status).toBe(201);
    expect((await gateway.rest('GET', '/api/v1/policies', { headers: bearer(jwt) })).body.map((policy: { name: string }) => policy.name)).toEqual(['from-jwt']);
    expect((await gateway.rest('GET', '/usage/summary', { headers: bearer(jwt) })).body.tenant_id).toBe(tenantId);
    expect((await gateway.rest('GET', `/api/v1/tenants/${tenantId}/config`, { headers: bearer(jwt) })).status).toBe(200);
    const viewer = await gateway.graphql<{ viewer: { owner: string; label: string } }, object>('query { viewer { owner label } }', {}, jwt);
    expect(viewer.data?.viewer).toEqual({ owner: 'TENANT', label: `JWT user-42 (${issuer})` });
  });

  test('it reaches its tenant only, and only with the scopes it lists (never admin or keys:write)', async () => {
    const jwt = await token();
    const cross = await gateway.rest('GET', '/api/v1/policies', { headers: { ...bearer(jwt), 'x-tenant-id': otherTenantId } });
    expect(cross.body).toEqual({ error: 'tenant_access_denied', message: `Access denied for tenant ${otherTenantId}`, tenant_id: otherTenantId });
    expect((await gateway.rest('GET', '/api/v1/bouncers', { headers: bearer(jwt) })).body.error).toBe('insufficient_scope');
    const withheld = await token({ scope: 'admin keys:write' });
    expect((await gateway.rest('GET', '/api/v1/policies', { headers: bearer(withheld) })).body).toMatchObject({
      error: 'insufficient_scope',
      scope: 'policies:read',
    });
    const listed = await token({ scope: undefined, scopes: ['bouncers:read'] });
    expect((await gateway.rest('GET', '/api/v1/bouncers', { headers: bearer(listed) })).status).toBe(200);
  });

  test.each([
    ['expired', () => token({}, { expires: Math.floor(Date.now() / 1000) - 60 }), 'The JWT has expired'],
    ['from another issuer', () => token({}, { issuer: 'https://evil.test' }), 'The JWT is not valid'],
    ['for another audience', () => token({}, { audience: 'billing' }), 'The JWT is not valid'],
    ['signed by another key', () => token({}, { key: strangerKey }), 'The JWT is not valid'],
    [
      'unsigned (alg: none)',
      async () =>
        `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ tenant_id: tenantId, scope: 'policies:read', iss: issuer, aud: audience, exp: Math.floor(Date.now() / 1000) + 300 })}.`,
      'The JWT is not valid',
    ],
    ['naming no tenant that exists', () => token({ tenant_id: 'tenant-nobody-000' }), 'The JWT names no tenant (tenant_id claim) that exists'],
    ['without exp', () => token({}, { expires: null }), 'The JWT has no expiry (exp claim)'],
    ['without exp or iat', () => token({}, { expires: null, issuedAt: null }), 'The JWT has no expiry (exp claim)'],
    [
      'living longer than JWT_MAX_LIFETIME_SECONDS (exp - iat)',
      () => token({}, { expires: '25h' }),
      'The JWT lives longer than JWT_MAX_LIFETIME_SECONDS allows (86400 seconds)',
    ],
    [
      'without iat, expiring later than JWT_MAX_LIFETIME_SECONDS from now',
      () => token({}, { expires: '25h', issuedAt: null }),
      'The JWT lives longer than JWT_MAX_LIFETIME_SECONDS allows (86400 seconds)',
    ],
    [
      'issued long ago, with a lifetime far past the limit',
      () => token({}, { issuedAt: now() - 30 * 86_400, expires: now() + 60 }),
      'The JWT lives longer than JWT_MAX_LIFETIME_SECONDS allows (86400 seconds)',
    ],
    ['issued in the future (past the 30 s clock tolerance)', () => token({}, { issuedAt: now() + 120 }), 'The JWT was issued in the future (iat claim)'],
    ['expired more than the 30 s clock tolerance ago', () => token({}, { issuedAt: now() - 120, expires: now() - 31 }), 'The JWT has expired'],
  ])('a token %s is 401 and does nothing', async (_case, make, message) => {
    const jwt = await make();
    const response = await gateway.rest('POST', '/api/v1/policies', { headers: bearer(jwt), body: { name: 'refused' } });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: 'unauthorized', message, tenant_id: null });
    const graphql = await gateway.graphql('query { viewer { id } }', {}, jwt);
    expect(graphql.status).toBe(401);
    expect(await gateway.database.prisma.tenantDocument.count({ where: { name: 'refused' } })).toBe(0);
  });

  test('clocks may differ by 30 seconds: a token issued 10 s ahead, or expired 10 s ago, still works; a day-long one is the longest', async () => {
    for (const jwt of [
      await token({}, { issuedAt: now() + 10 }),
      await token({}, { issuedAt: now() - 300, expires: now() - 10 }),
      await token({}, { expires: '24h' }),
    ]) {
      expect((await gateway.rest('GET', '/api/v1/policies', { headers: bearer(jwt) })).status).toBe(200);
    }
  });

  test("a project's tenant is named by its UUID, never by its slug: tokens name no project, and another project may use the same slug", async () => {
    const slug = uniqueSlug('jwt-acme');
    const inProject = async () => {
      const { createProject } = await gateway.data(CreateProjectDocument, { slug: uniqueSlug('jwt-project'), name: 'Project' });
      return (await gateway.data(CreateTenantDocument, { input: { slug, name: 'Acme', projectId: createProject.id } })).createTenant.id;
    };
    const first = await inProject();
    const bySlug = await token({ tenant_id: slug });
    // Even while one project alone uses the slug: tomorrow another may, or the tenant may go.
    expect((await gateway.rest('GET', '/api/v1/policies', { headers: bearer(bySlug) })).status).toBe(401);
    await inProject();
    expect((await gateway.rest('GET', '/api/v1/policies', { headers: bearer(bySlug) })).status).toBe(401);
    const byId = await token({ tenant_id: first });
    const viewer = await gateway.graphql<{ viewer: { tenantId: string } }, object>('query { viewer { tenantId } }', {}, byId);
    expect(viewer.data?.viewer.tenantId).toBe(first);
    // A tenant with no project by that slug is the one a slug names, whatever projects call theirs.
    const { createTenant } = await gateway.data(CreateTenantDocument, { input: { slug, name: 'Operator Acme' } });
    const named = await gateway.graphql<{ viewer: { tenantId: string } }, object>('query { viewer { tenantId } }', {}, bySlug);
    expect(named.data?.viewer.tenantId).toBe(createTenant.id);
  });
});

test('a subscription opened with a JWT ends with UNAUTHENTICATED once the JWT expires (its exp and the clock tolerance)', { timeout: 30_000 }, async () => {
  // Expired 26 s ago: still accepted (30 s of tolerance), for 4 s more.
  const jwt = await token({}, { expires: now() - 26 });
  const response = await gateway.app.fetch(
    new Request('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...bearer(jwt) },
      body: JSON.stringify({ query: `subscription { tenantConfigChanged(tenant: "${tenantId}") { version } }` }),
    }),
  );
  expect(response.status).toBe(200);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  // A change wakes the subscription, which checks its credential before it reads.
  const change = await gateway.graphql(
    `mutation { updateTenantConfig(tenant: "${tenantId}", input: { performance: { cacheSizeMb: 1536 } }) { updatedCount } }`,
  );
  expect(change.errors).toBeUndefined();
  let text = '';
  while (!/^data: /m.test(text)) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += chunk.value;
  }
  await reader.cancel();
  const data = JSON.parse(/^data: (.*)$/m.exec(text)![1]!);
  expect(data.data ?? null).toBeNull();
  expect(data.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  expect(data.errors[0].message).toBe('The JWT this subscription was opened with has expired');
});

describe('JWT_PUBLIC_KEY', () => {
  test('a PEM public key verifies tokens without a JWKS; without either, a JWT is no credential', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const withKey = await startGateway({ env: { JWT_PUBLIC_KEY: await exportSPKI(pair.publicKey) } });
    const without = await startGateway();
    try {
      const admin = { authorization: `Bearer ${withKey.adminKey}` };
      const tenant = (await withKey.rest('POST', '/api/v1/tenants', { headers: admin, body: { name: 'Initech' } })).body.id;
      const jwt = await new SignJWT({ tenant_id: tenant, scope: 'policies:read' })
        .setProtectedHeader({ alg: 'ES256' })
        .setExpirationTime('5m')
        .sign(pair.privateKey);
      expect((await withKey.rest('GET', '/api/v1/policies', { headers: bearer(jwt) })).status).toBe(200);
      const refused = await without.rest('GET', '/api/v1/policies', { headers: bearer(jwt) });
      expect(refused.status).toBe(401);
    } finally {
      await withKey.close();
      await without.close();
    }
  });
});
