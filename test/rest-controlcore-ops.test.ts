import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeCertificate, type TestCertificate } from './support/certificates.js';
import { startDnsServer, type TestDnsServer } from './support/dns-server.js';
import { createKey, createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

const phaseMs = 150;
let gateway: TestGateway;
let dns: TestDnsServer;
let acme: { id: string; slug: string };
let acmeCertificate: TestCertificate;
let operator: Record<string, string>;
beforeAll(async () => {
  dns = await startDnsServer();
  gateway = await startGateway({
    env: {
      DNS_RESOLVERS: [dns.address],
      REGIONAL_DEPLOY_DATABASE_MIGRATION_MS: phaseMs,
      REGIONAL_DEPLOY_DNS_UPDATE_MS: phaseMs,
      REGIONAL_DEPLOY_SSL_SETUP_MS: phaseMs,
    },
  });
  operator = { authorization: `Bearer ${gateway.adminKey}` };
  acme = await createTenant(gateway, { slug: 'tenant-acme-123', name: 'Acme Corporation', tier: 'PRO', region: 'us-east-1' });
  // As POST /tenants records it: the tenant's default domain.
  await gateway.database.prisma.tenant.update({ where: { id: acme.id }, data: { domain: 'acme.controlcore.io' } });
  acmeCertificate = await makeCertificate({ dnsNames: ['policies.acme.com'] });
});
afterAll(async () => {
  await gateway.close();
  await dns.close();
});

const domainBody = (domain: string, certificate: TestCertificate) => ({
  domain,
  ssl_certificate: certificate.certificate,
  ssl_private_key: certificate.privateKey,
});

describe('custom domains', () => {
  test('the documented flow: add (pending, DNS instructions), verify through the TXT record, list with the default domain, remove', async () => {
    const added = await gateway.rest('POST', '/api/v1/tenants/tenant-acme-123/domains', {
      headers: operator,
      body: domainBody('policies.acme.com', acmeCertificate),
    });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({
      domain: 'policies.acme.com',
      status: 'pending',
      ssl_status: 'pending',
      dns_instructions: { cname_record: 'acme.controlcore.io', txt_record: expect.stringMatching(/^control-core-verification=[0-9a-f]{32}$/) },
    });
    expect(JSON.stringify(added.body)).not.toContain('PRIVATE KEY');

    const missing = await gateway.rest('POST', '/api/v1/tenants/tenant-acme-123/domains/policies.acme.com/verify', { headers: operator });
    expect(missing.status).toBe(412);
    expect(missing.body).toEqual({
      error: 'precondition_failed',
      message: `No TXT record "${added.body.dns_instructions.txt_record}" found at policies.acme.com or _control-core-verification.policies.acme.com`,
      field: 'domain',
      tenant_id: 'tenant-acme-123',
    });
    const pending = await gateway.rest('GET', '/api/v1/tenants/tenant-acme-123/domains', { headers: operator });
    expect(pending.body[0]).toEqual({
      domain: 'policies.acme.com',
      status: 'pending',
      ssl_status: 'pending',
      verified_at: null,
      dns_instructions: added.body.dns_instructions,
    });

    dns.txt.set('_control-core-verification.policies.acme.com', [added.body.dns_instructions.txt_record]);
    const verified = await gateway.rest('POST', '/api/v1/tenants/tenant-acme-123/domains/policies.acme.com/verify', { headers: operator });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({
      domain: 'policies.acme.com',
      status: 'verified',
      ssl_status: 'active',
      verified_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });

    const listed = await gateway.rest('GET', '/api/v1/tenants/tenant-acme-123/domains', { headers: operator });
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([
      { domain: 'policies.acme.com', status: 'active', ssl_status: 'active', verified_at: verified.body.verified_at },
      { domain: 'acme.controlcore.io', status: 'active', ssl_status: 'active', is_default: true },
    ]);

    // The verified domain is now a Host that names the tenant: agreeing with the path, it is the same request.
    const byHost = await gateway.rest('GET', '/api/v1/tenants/tenant-acme-123/domains', { headers: { ...operator, host: 'policies.acme.com' } });
    expect(byHost.status).toBe(200);
    const other = await createTenant(gateway);
    const conflicting = await gateway.rest('GET', `/api/v1/tenants/${other.slug}/domains`, { headers: { ...operator, host: 'Policies.Acme.com:443' } });
    expect(conflicting.status).toBe(400);
    expect(conflicting.body).toMatchObject({ error: 'tenant_context_conflict', tenant_id: other.slug });

    const removed = await gateway.rest('DELETE', '/api/v1/tenants/tenant-acme-123/domains/policies.acme.com', { headers: operator });
    expect(removed.status).toBe(204);
    expect((await gateway.rest('GET', '/api/v1/tenants/tenant-acme-123/domains', { headers: operator })).body).toEqual([
      { domain: 'acme.controlcore.io', status: 'active', ssl_status: 'active', is_default: true },
    ]);
    const again = await gateway.rest('DELETE', '/api/v1/tenants/tenant-acme-123/domains/policies.acme.com', { headers: operator });
    expect(again.status).toBe(404);
    expect(again.body).toEqual({
      error: 'not_found',
      message: 'Domain policies.acme.com is not a custom domain of tenant tenant-acme-123',
      field: 'domain',
      tenant_id: 'tenant-acme-123',
    });
  });

  test('a certificate that does not cover the domain, an expired one and a key of another are 400 naming the field; a duplicate is 409', async () => {
    const tenant = await createTenant(gateway);
    const path = `/api/v1/tenants/${tenant.slug}/domains`;
    const uncovered = await gateway.rest('POST', path, { headers: operator, body: domainBody('api.example.org', acmeCertificate) });
    expect(uncovered.status).toBe(400);
    expect(uncovered.body).toEqual({
      error: 'validation_error',
      message: 'The SSL certificate does not cover api.example.org (it names DNS:policies.acme.com)',
      field: 'ssl_certificate',
      tenant_id: tenant.slug,
    });
    const expired = await makeCertificate({
      dnsNames: ['old.example.org'],
      notBefore: new Date(Date.now() - 10 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    const expiredAnswer = await gateway.rest('POST', path, { headers: operator, body: domainBody('old.example.org', expired) });
    expect(expiredAnswer.body).toMatchObject({
      error: 'validation_error',
      field: 'ssl_certificate',
      message: expect.stringMatching(/^The SSL certificate expired on /),
    });
    const mismatched = await gateway.rest('POST', path, {
      headers: operator,
      body: { ...domainBody('policies.acme.com', acmeCertificate), ssl_private_key: expired.privateKey },
    });
    expect(mismatched.body).toMatchObject({
      error: 'validation_error',
      field: 'ssl_private_key',
      message: 'The SSL private key does not match the certificate',
    });
    const missingKey = await gateway.rest('POST', path, {
      headers: operator,
      body: { domain: 'policies.acme.com', ssl_certificate: acmeCertificate.certificate },
    });
    expect(missingKey.body).toMatchObject({ error: 'validation_error', field: 'ssl_private_key' });
    expect(await gateway.database.prisma.customDomain.count({ where: { tenantId: tenant.id } })).toBe(0);

    expect((await gateway.rest('POST', path, { headers: operator, body: domainBody('policies.acme.com', acmeCertificate) })).status).toBe(201);
    const duplicate = await gateway.rest('POST', path, { headers: operator, body: domainBody('policies.acme.com', acmeCertificate) });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toEqual({
      error: 'conflict',
      message: 'Domain policies.acme.com is already a custom domain of this tenant',
      field: 'domain',
      tenant_id: tenant.slug,
    });
  });

  test("another tenant's key gets 403 tenant_access_denied on every domain route, whether the tenant exists or not", async () => {
    const stranger = await createTenant(gateway);
    const { secret } = await createKey(gateway, { scopes: ['DOMAINS_READ', 'DOMAINS_WRITE', 'DEPLOYMENTS_READ', 'DEPLOYMENTS_WRITE'], tenant: stranger.id });
    const headers = { authorization: `Bearer ${secret}` };
    for (const tenant of ['tenant-acme-123', 'tenant-nobody-999']) {
      const answers = [
        await gateway.rest('GET', `/api/v1/tenants/${tenant}/domains`, { headers }),
        await gateway.rest('POST', `/api/v1/tenants/${tenant}/domains`, { headers, body: domainBody('policies.acme.com', acmeCertificate) }),
        await gateway.rest('POST', `/api/v1/tenants/${tenant}/domains/policies.acme.com/verify`, { headers }),
        await gateway.rest('DELETE', `/api/v1/tenants/${tenant}/domains/policies.acme.com`, { headers }),
        await gateway.rest('POST', `/api/v1/tenants/${tenant}/deploy`, { headers, body: { region: 'eu-west-1' } }),
        await gateway.rest('GET', `/api/v1/tenants/${tenant}/deployments/00000000-0000-4000-8000-000000000000`, { headers }),
      ];
      for (const answer of answers) {
        expect(answer.status).toBe(403);
        expect(answer.body).toEqual({ error: 'tenant_access_denied', message: `Access denied for tenant ${tenant}`, tenant_id: tenant });
      }
    }
  });
});

describe('regional deployment', () => {
  test('the documented request and status: in progress, then completed in eu-west-1 at acme.eu.controlcore.io', async () => {
    const started = await gateway.rest('POST', '/api/v1/tenants/tenant-acme-123/deploy', {
      headers: operator,
      body: { region: 'eu-west-1', migrate_data: true, maintenance_window: '2025-01-26T02:00:00Z' },
    });
    expect(started.status).toBe(202);
    expect(started.body).toEqual({
      deployment_id: expect.any(String),
      status: 'in_progress',
      region: 'eu-west-1',
      estimated_completion: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      progress: { database_migration: 'in_progress', dns_update: 'pending', ssl_setup: 'pending' },
    });
    const second = await gateway.rest('POST', '/api/v1/tenants/tenant-acme-123/deploy', { headers: operator, body: { region: 'eu-north-1' } });
    expect(second.status).toBe(409);
    expect(second.body).toEqual({
      error: 'conflict',
      message: `Deployment ${started.body.deployment_id} to eu-west-1 is still in progress`,
      tenant_id: 'tenant-acme-123',
    });

    const path = `/api/v1/tenants/tenant-acme-123/deployments/${started.body.deployment_id}`;
    await expect.poll(async () => (await gateway.rest('GET', path, { headers: operator })).body.status, { timeout: 10_000, interval: 50 }).toBe('completed');
    const done = await gateway.rest('GET', path, { headers: operator });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({
      deployment_id: started.body.deployment_id,
      status: 'completed',
      region: 'eu-west-1',
      started_at: expect.stringMatching(/Z$/),
      completed_at: started.body.estimated_completion,
      new_domain: 'acme.eu.controlcore.io',
      estimated_completion: started.body.estimated_completion,
      progress: { database_migration: 'completed', dns_update: 'completed', ssl_setup: 'completed' },
    });
    expect(Date.parse(done.body.completed_at)).toBeGreaterThanOrEqual(Date.parse(done.body.started_at));
    expect((await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { id: acme.id } })).region).toBe('eu-west-1');
  });

  test('an unknown region and the current one are 400 naming region; an unknown deployment is 404', async () => {
    const tenant = await createTenant(gateway, { region: 'us-east-1' });
    const path = `/api/v1/tenants/${tenant.slug}/deploy`;
    const unknown = await gateway.rest('POST', path, { headers: operator, body: { region: 'mars-1' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: 'validation_error', field: 'region', message: expect.stringMatching(/^region must be one of us-east-1, /) });
    const current = await gateway.rest('POST', path, { headers: operator, body: { region: 'us-east-1' } });
    expect(current.body).toEqual({
      error: 'validation_error',
      message: `Tenant ${tenant.slug} is already deployed in us-east-1`,
      field: 'region',
      tenant_id: tenant.slug,
    });
    const badWindow = await gateway.rest('POST', path, { headers: operator, body: { region: 'eu-west-1', maintenance_window: 'tomorrow' } });
    expect(badWindow.body).toMatchObject({ error: 'validation_error', field: 'maintenance_window' });
    expect(await gateway.database.prisma.tenantDeployment.count({ where: { tenantId: tenant.id } })).toBe(0);
    const missing = await gateway.rest('GET', `/api/v1/tenants/${tenant.slug}/deployments/deploy-123`, { headers: operator });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'not_found', message: 'Deployment deploy-123 not found', field: 'deployment_id', tenant_id: tenant.slug });
  });
});
