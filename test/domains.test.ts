import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AddCustomDomainDocument, RemoveCustomDomainDocument, TenantDomainsDocument, VerifyCustomDomainDocument } from '../src/generated/graphql/graphql.js';
import { openDomainKey } from '../src/modules/domains/domain-keys.js';
import { hostClaim, tenantIdByHost } from '../src/modules/tenants/tenant-hosts.js';
import { days, makeCertificate, type TestCertificate } from './support/certificates.js';
import { startDnsServer, type TestDnsServer } from './support/dns-server.js';
import { codes, createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway, testKeyring } from './support/gateway.js';

/** The tenant a Host names for an operator (who reaches every tenant). */
const tenantIdForCustomHost = (prisma: TestGateway['database']['prisma'], host: string) =>
  tenantIdByHost(prisma, hostClaim(host, { baseDomain: 'controlcore.io' }), 'controlcore.io', {});

let gateway: TestGateway;
let dns: TestDnsServer;
let acmeCertificate: TestCertificate;
beforeAll(async () => {
  dns = await startDnsServer();
  gateway = await startGateway({ env: { DNS_RESOLVERS: [dns.address] } });
  acmeCertificate = await makeCertificate({ dnsNames: ['policies.acme.com'] });
});
afterAll(async () => {
  await gateway.close();
  await dns.close();
});

let counter = 0;
/** A domain no other test uses, under a zone the certificate's wildcard covers. */
const uniqueDomain = () => `policies${++counter}.acme-${process.pid}.com`;

async function addDomain(tenant: string, domain: string, certificate?: TestCertificate) {
  const { certificate: sslCertificate, privateKey: sslPrivateKey } = certificate ?? (await makeCertificate({ dnsNames: [domain] }));
  return gateway.graphql(AddCustomDomainDocument, { tenant, input: { domain, sslCertificate, sslPrivateKey } });
}

const violations = (result: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  (result.errors?.[0]?.extensions?.violations as { field: string; rule: string }[] | undefined)?.map(({ field, rule }) => `${field}:${rule}`);

describe('adding a custom domain', () => {
  test('the documented request: pending, with the CNAME target and a random TXT token; the key is sealed at rest and never returned', async () => {
    const tenant = await createTenant(gateway, { slug: `acme-${process.pid}`, tier: 'PRO' });
    const result = await addDomain(tenant.id, 'policies.acme.com', acmeCertificate);
    expect(result.errors).toBeUndefined();
    const added = result.data!.addCustomDomain;
    expect(added).toEqual({
      domain: 'policies.acme.com',
      status: 'PENDING',
      sslStatus: 'PENDING',
      verifiedAt: null,
      isDefault: false,
      certificateExpiresAt: expect.any(String),
      dnsInstructions: { cnameRecord: `acme-${process.pid}.controlcore.io`, txtRecord: expect.stringMatching(/^control-core-verification=[0-9a-f]{32}$/) },
    });
    expect(JSON.stringify(result)).not.toContain('PRIVATE KEY');

    const row = await gateway.database.prisma.customDomain.findFirstOrThrow({ where: { tenantId: tenant.id } });
    const keyBody = acmeCertificate.privateKey.split('\n')[1]!;
    expect(JSON.stringify(row)).not.toContain(keyBody);
    expect(Buffer.from(row.sealedPrivateKey).toString('latin1')).not.toContain(keyBody);
    const dump = await gateway.database.prisma.$queryRawUnsafe<unknown[]>('SELECT encode("sealedPrivateKey", \'escape\') AS sealed, * FROM "CustomDomain"');
    expect(JSON.stringify(dump, (_key, value) => (typeof value === 'bigint' ? String(value) : value))).not.toContain(keyBody);
    expect(openDomainKey(testKeyring, row)).toBe(acmeCertificate.privateKey);
    // Bound to its tenant and domain: the same bytes do not open as another's.
    expect(() => openDomainKey(testKeyring, { ...row, domain: 'other.acme.com' })).toThrow('does not open');
    expect(() => openDomainKey(testKeyring, { ...row, tenantId: randomUUID() })).toThrow('does not open');

    const again = await addDomain(tenant.id, 'Policies.Acme.com.', acmeCertificate);
    expect(codes(again)).toEqual(['CONFLICT']);
    expect(again.errors![0]!.message).toBe('Domain policies.acme.com is already a custom domain of this tenant');
  });

  test('a wildcard covers one label: *.acme.com serves a.acme.com, not a.b.acme.com nor acme.com', async () => {
    const tenant = await createTenant(gateway);
    const wildcard = await makeCertificate({ dnsNames: ['*.wild.example.com'] });
    expect((await addDomain(tenant.id, 'a.wild.example.com', wildcard)).data?.addCustomDomain.status).toBe('PENDING');
    for (const domain of ['a.b.wild.example.com', 'wild.example.com']) {
      const refused = await addDomain(tenant.id, domain, wildcard);
      expect(violations(refused), domain).toEqual(['sslCertificate:covers_domain']);
      expect(refused.errors![0]!.message).toBe(`The SSL certificate does not cover ${domain} (it names DNS:*.wild.example.com)`);
    }
  });

  test('subject alternative names decide: a common name alone does not cover the domain when SANs are present', async () => {
    const tenant = await createTenant(gateway);
    const certificate = await makeCertificate({ commonName: 'cn-only.example.com', dnsNames: ['other.example.com'] });
    const refused = await addDomain(tenant.id, 'cn-only.example.com', certificate);
    expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    expect(violations(refused)).toEqual(['sslCertificate:covers_domain']);
  });

  test('an expired certificate, one not yet valid, and a key of another certificate are each refused naming the rule; nothing is written', async () => {
    const tenant = await createTenant(gateway);
    const domain = uniqueDomain();
    const expired = await makeCertificate({ dnsNames: [domain], notBefore: days(-30), notAfter: days(-1) });
    const future = await makeCertificate({ dnsNames: [domain], notBefore: days(2), notAfter: days(30) });
    const other = await makeCertificate({ dnsNames: [domain] });
    const expiredResult = await addDomain(tenant.id, domain, expired);
    expect(violations(expiredResult)).toEqual(['sslCertificate:expired']);
    expect(expiredResult.errors![0]!.message).toMatch(/^The SSL certificate expired on \d{4}-/);
    const futureResult = await addDomain(tenant.id, domain, future);
    expect(violations(futureResult)).toEqual(['sslCertificate:not_yet_valid']);
    expect(futureResult.errors![0]!.message).toMatch(/^The SSL certificate is not valid before \d{4}-/);
    const mismatched = await addDomain(tenant.id, domain, { certificate: other.certificate, privateKey: expired.privateKey });
    expect(violations(mismatched)).toEqual(['sslPrivateKey:matches_certificate']);
    expect(mismatched.errors![0]!.message).toBe('The SSL private key does not match the certificate');
    expect(JSON.stringify(mismatched)).not.toContain(expired.privateKey.split('\n')[1]!);
    expect(await gateway.database.prisma.customDomain.count({ where: { tenantId: tenant.id } })).toBe(0);
  });

  test('malformed PEM, a malformed domain and a domain under the base domain are BAD_USER_INPUT naming the field', async () => {
    const tenant = await createTenant(gateway);
    const garbage = await addDomain(tenant.id, 'garbage.example.com', {
      certificate: '-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----',
      privateKey: 'not a key',
    });
    expect(violations(garbage)).toEqual(['sslCertificate:pem', 'sslPrivateKey:pem']);
    expect(garbage.errors![0]!.message).toBe('The SSL certificate is not a PEM X.509 certificate; The SSL private key is not an unencrypted PEM private key');
    for (const domain of ['not a domain', '-bad.example.com', 'localhost', `${'a'.repeat(64)}.example.com`]) {
      const refused = await addDomain(tenant.id, domain, acmeCertificate);
      expect(violations(refused)?.[0], domain).toMatch(/^domain:/);
    }
    const reserved = await addDomain(tenant.id, 'someone.controlcore.io', await makeCertificate({ dnsNames: ['someone.controlcore.io'] }));
    expect(violations(reserved)).toEqual(['domain:reserved']);
    expect(await gateway.database.prisma.customDomain.count({ where: { tenantId: tenant.id } })).toBe(0);
  });
});

describe('verifying a custom domain through DNS', () => {
  test('without the TXT record: PRECONDITION_FAILED naming both names looked up, and the domain stays pending', async () => {
    const tenant = await createTenant(gateway);
    const domain = uniqueDomain();
    const added = (await addDomain(tenant.id, domain)).data!.addCustomDomain;
    dns.txt.set(domain, ['v=spf1 -all', 'control-core-verification=not-the-token']);
    const result = await gateway.graphql(VerifyCustomDomainDocument, { tenant: tenant.id, domain });
    expect(codes(result)).toEqual(['PRECONDITION_FAILED']);
    expect(result.errors![0]!.message).toBe(`No TXT record "${added.dnsInstructions!.txtRecord}" found at ${domain} or _control-core-verification.${domain}`);
    expect(result.errors![0]!.extensions).toMatchObject({ lookedUp: [domain, `_control-core-verification.${domain}`] });
    expect(dns.asked).toEqual(expect.arrayContaining([domain, `_control-core-verification.${domain}`]));
    const listed = (await gateway.data(TenantDomainsDocument, { tenant: tenant.id })).tenantDomains;
    expect(listed[0]).toMatchObject({ domain, status: 'PENDING', sslStatus: 'PENDING', verifiedAt: null });
    expect(await tenantIdForCustomHost(gateway.database.prisma, domain)).toBeNull();
  });

  test('the documented flow: TXT on _control-core-verification.<domain> verifies it; listed active with the default domain; its Host names the tenant', async () => {
    const tenant = await createTenant(gateway, { slug: `acme_${process.pid}` });
    const domain = uniqueDomain();
    const added = (await addDomain(tenant.id, domain)).data!.addCustomDomain;
    dns.txt.set(`_control-core-verification.${domain}`, [added.dnsInstructions!.txtRecord]);
    const verified = (await gateway.data(VerifyCustomDomainDocument, { tenant: tenant.id, domain })).verifyCustomDomain;
    expect(verified).toMatchObject({ domain, status: 'ACTIVE', sslStatus: 'ACTIVE', verifiedAt: expect.any(String) });
    expect(Date.parse(verified.verifiedAt!)).toBeLessThanOrEqual(Date.now());

    const { tenantDomains } = await gateway.data(TenantDomainsDocument, { tenant: tenant.id });
    expect(tenantDomains).toEqual([
      { ...verified, isDefault: false },
      {
        domain: `acme-${process.pid}.controlcore.io`,
        status: 'ACTIVE',
        sslStatus: 'ACTIVE',
        verifiedAt: null,
        isDefault: true,
        certificateExpiresAt: null,
        dnsInstructions: null,
      },
    ]);
    expect(await tenantIdForCustomHost(gateway.database.prisma, `${domain.toUpperCase()}:443`)).toBe(tenant.id);
    // Verifying again changes nothing and asks nobody.
    const asked = dns.asked.length;
    expect((await gateway.data(VerifyCustomDomainDocument, { tenant: tenant.id, domain })).verifyCustomDomain.verifiedAt).toBe(verified.verifiedAt);
    expect(dns.asked.length).toBe(asked);
  });

  test('TXT on the domain itself verifies it too; another tenant can then neither add nor verify it', async () => {
    const [owner, squatter] = [await createTenant(gateway), await createTenant(gateway)];
    const domain = uniqueDomain();
    const certificate = await makeCertificate({ dnsNames: [domain] });
    const pendingForSquatter = (await addDomain(squatter.id, domain, certificate)).data!.addCustomDomain;
    const added = (await addDomain(owner.id, domain, certificate)).data!.addCustomDomain;
    dns.txt.set(domain, [added.dnsInstructions!.txtRecord, pendingForSquatter.dnsInstructions!.txtRecord]);
    expect((await gateway.data(VerifyCustomDomainDocument, { tenant: owner.id, domain })).verifyCustomDomain.status).toBe('ACTIVE');
    const late = await gateway.graphql(VerifyCustomDomainDocument, { tenant: squatter.id, domain });
    expect(codes(late)).toEqual(['CONFLICT']);
    expect(late.errors![0]!.message).toBe(`Domain ${domain} is already verified for another tenant`);
    const third = await addDomain((await createTenant(gateway)).id, domain, certificate);
    expect(codes(third)).toEqual(['CONFLICT']);
    expect(await tenantIdForCustomHost(gateway.database.prisma, domain)).toBe(owner.id);
  });

  test('a resolver that fails is named with its error beside the names looked up', async () => {
    const tenant = await createTenant(gateway);
    const domain = uniqueDomain();
    const added = (await addDomain(tenant.id, domain)).data!.addCustomDomain;
    dns.failing.add(`_control-core-verification.${domain}`);
    const result = await gateway.graphql(VerifyCustomDomainDocument, { tenant: tenant.id, domain });
    expect(codes(result)).toEqual(['PRECONDITION_FAILED']);
    expect(result.errors![0]!.message).toBe(
      `No TXT record "${added.dnsInstructions!.txtRecord}" found at ${domain} or _control-core-verification.${domain}; lookups that failed: _control-core-verification.${domain}: ESERVFAIL`,
    );
  });

  test('a verified domain whose certificate has run out is listed with ssl_status EXPIRED; a deleted tenant takes no new domain', async () => {
    const tenant = await createTenant(gateway);
    const domain = uniqueDomain();
    const added = (await addDomain(tenant.id, domain)).data!.addCustomDomain;
    dns.txt.set(domain, [added.dnsInstructions!.txtRecord]);
    await gateway.data(VerifyCustomDomainDocument, { tenant: tenant.id, domain });
    // The clock runs past the certificate's end.
    await gateway.database.prisma.customDomain.updateMany({ where: { tenantId: tenant.id }, data: { certificateNotAfter: new Date(Date.now() - 1_000) } });
    expect((await gateway.data(TenantDomainsDocument, { tenant: tenant.id })).tenantDomains[0]).toMatchObject({
      domain,
      status: 'ACTIVE',
      sslStatus: 'EXPIRED',
    });
    await gateway.graphql(`mutation { deleteTenant(id: "${tenant.id}") { id } }`);
    const refused = await addDomain(tenant.id, uniqueDomain());
    expect(codes(refused)).toEqual(['CONFLICT']);
    expect(await tenantIdForCustomHost(gateway.database.prisma, domain)).toBeNull();
  });

  test('an unknown domain is NOT_FOUND for verify and remove', async () => {
    const tenant = await createTenant(gateway);
    const variables = { tenant: tenant.id, domain: 'nowhere.example.com' };
    for (const result of [await gateway.graphql(VerifyCustomDomainDocument, variables), await gateway.graphql(RemoveCustomDomainDocument, variables)]) {
      expect(codes(result)).toEqual(['NOT_FOUND']);
      expect(result.errors![0]!.message).toBe(`Domain nowhere.example.com is not a custom domain of tenant ${tenant.slug}`);
    }
  });
});

test('removing a verified domain deletes it and its sealed key; its Host no longer names the tenant', async () => {
  const tenant = await createTenant(gateway);
  const domain = uniqueDomain();
  const added = (await addDomain(tenant.id, domain)).data!.addCustomDomain;
  dns.txt.set(domain, [added.dnsInstructions!.txtRecord]);
  await gateway.data(VerifyCustomDomainDocument, { tenant: tenant.id, domain });
  const removed = (await gateway.data(RemoveCustomDomainDocument, { tenant: tenant.id, domain })).removeCustomDomain;
  expect(removed).toMatchObject({ domain, status: 'ACTIVE' });
  expect(await gateway.database.prisma.customDomain.count({ where: { tenantId: tenant.id } })).toBe(0);
  expect(await tenantIdForCustomHost(gateway.database.prisma, domain)).toBeNull();
  expect((await gateway.data(TenantDomainsDocument, { tenant: tenant.id })).tenantDomains.map((entry) => entry.isDefault)).toEqual([true]);
});
