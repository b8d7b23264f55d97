import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { CustomDomain, Tenant } from '../../generated/prisma/client.js';
import { ConflictError, DomainError, InvalidInputError, NotFoundError } from '../../lib/errors.js';
import type { Keyring } from '../../lib/keyring.js';
import { parseInput } from '../../lib/validation.js';
import type { Actor } from '../../kernel/principal.js';
import { tenantDefaultDomain } from '../tenants/default-domains.js';
import { assertLive } from '../../kernel/tenant-access.js';
import { resolveTenantRef, type TenantRef } from '../tenants/tenant-ref.js';
import { checkCertificate } from './certificate-check.js';
import { sealDomainKey } from './domain-keys.js';
import { findTxtRecord } from './dns-verification.js';
import { domainName, verificationRecordName, verificationRecordValue } from './domain-names.js';

export type DomainDeps = {
  /** Seals the private keys. */
  keyring: Keyring;
  /** DNS_RESOLVERS; the system's when unset. */
  resolvers?: string[];
  baseDomain: string;
  /** CONTROL_CORE_API_HOSTS: the API's own names, which name no tenant. */
  apiHosts?: readonly string[];
};

export type TenantDomain = {
  domain: string;
  status: 'PENDING' | 'ACTIVE';
  sslStatus: 'PENDING' | 'ACTIVE' | 'EXPIRED';
  verifiedAt: Date | null;
  isDefault: boolean;
  certificateExpiresAt: Date | null;
  dnsInstructions: { cnameRecord: string; txtRecord: string } | null;
};

export type AddCustomDomainInput = { domain: string; sslCertificate: string; sslPrivateKey: string };

const addInput = z.object({
  domain: domainName,
  sslCertificate: z.string().min(1, 'The SSL certificate is required').max(65_536, 'The SSL certificate is at most 64 KiB of PEM'),
  sslPrivateKey: z.string().min(1, 'The SSL private key is required').max(16_384, 'The SSL private key is at most 16 KiB of PEM'),
});

function customDomainView(tenant: Tenant, deps: DomainDeps, row: CustomDomain, now = new Date()): TenantDomain {
  const verified = row.verifiedAt !== null;
  return {
    domain: row.domain,
    status: verified ? 'ACTIVE' : 'PENDING',
    sslStatus: !verified ? 'PENDING' : row.certificateNotAfter < now ? 'EXPIRED' : 'ACTIVE',
    verifiedAt: row.verifiedAt,
    isDefault: false,
    certificateExpiresAt: row.certificateNotAfter,
    dnsInstructions: { cnameRecord: tenantDefaultDomain(tenant, deps.baseDomain), txtRecord: verificationRecordValue(row.verificationToken) },
  };
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === 'P2002';

/**
 * Adds a domain the tenant brings with its certificate: the certificate must cover the domain,
 * be valid now and match the key; the key is sealed at rest. The domain stays pending until
 * its TXT record proves the tenant controls it (verifyCustomDomain).
 */
export async function addCustomDomain(actor: Actor, deps: DomainDeps, ref: TenantRef, input: AddCustomDomainInput): Promise<TenantDomain> {
  const tenant = await resolveTenantRef(actor, ref, 'domains:write');
  assertLive(tenant, 'add a domain to');
  const data = parseInput(addInput, input);
  if (data.domain === deps.baseDomain || data.domain.endsWith(`.${deps.baseDomain}`)) {
    throw new InvalidInputError([
      { field: 'domain', rule: 'reserved', message: `Domains under ${deps.baseDomain} are default domains; a custom domain is one the tenant owns` },
    ]);
  }
  const { notAfter } = checkCertificate(data.domain, data.sslCertificate, data.sslPrivateKey);
  const existing = await actor.prisma.customDomain.findFirst({
    where: { OR: [{ tenantId: tenant.id, domain: data.domain }, { verifiedDomain: data.domain }] },
    select: { tenantId: true },
  });
  if (existing) {
    throw new ConflictError(
      existing.tenantId === tenant.id
        ? `Domain ${data.domain} is already a custom domain of this tenant`
        : `Domain ${data.domain} is already verified for another tenant`,
      { field: 'domain' },
    );
  }
  try {
    const row = await actor.prisma.customDomain.create({
      data: {
        tenantId: tenant.id,
        domain: data.domain,
        certificatePem: data.sslCertificate,
        sealedPrivateKey: sealDomainKey(deps.keyring, tenant.id, data.domain, data.sslPrivateKey),
        certificateNotAfter: notAfter,
        verificationToken: randomBytes(16).toString('hex'),
      },
    });
    return customDomainView(tenant, deps, row);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`Domain ${data.domain} is already a custom domain of this tenant`, { field: 'domain' });
    throw error;
  }
}

async function findCustomDomain(actor: Actor, tenant: Tenant, domain: string): Promise<CustomDomain> {
  const name = domain.trim().toLowerCase().replace(/\.$/, '');
  const row = await actor.prisma.customDomain.findUnique({ where: { tenantId_domain: { tenantId: tenant.id, domain: name } } });
  if (!row) throw new NotFoundError(`Domain ${name} is not a custom domain of tenant ${tenant.slug}`, { field: 'domain' });
  return row;
}

/**
 * Looks the verification TXT record up on the domain and on `_control-core-verification.<domain>`;
 * found: the domain is verified and serves as a Host for the tenant. Not found: PRECONDITION_FAILED
 * naming what was looked up, and the domain stays pending. Verifying a verified domain changes nothing.
 */
export async function verifyCustomDomain(actor: Actor, deps: DomainDeps, ref: TenantRef, domain: string): Promise<TenantDomain> {
  const tenant = await resolveTenantRef(actor, ref, 'domains:write');
  assertLive(tenant, 'verify a domain of');
  const row = await findCustomDomain(actor, tenant, domain);
  if (row.verifiedAt) return customDomainView(tenant, deps, row);
  const expected = verificationRecordValue(row.verificationToken);
  const lookup = await findTxtRecord([row.domain, verificationRecordName(row.domain)], expected, deps.resolvers);
  if (!lookup.found) {
    const failed = lookup.failures.length ? `; lookups that failed: ${lookup.failures.join(', ')}` : '';
    throw new DomainError('PRECONDITION_FAILED', `No TXT record "${expected}" found at ${lookup.lookedUp.join(' or ')}${failed}`, {
      field: 'domain',
      lookedUp: lookup.lookedUp,
      expected,
    });
  }
  try {
    const verified = await actor.prisma.customDomain.update({ where: { id: row.id }, data: { verifiedDomain: row.domain, verifiedAt: new Date() } });
    return customDomainView(tenant, deps, verified);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`Domain ${row.domain} is already verified for another tenant`, { field: 'domain' });
    throw error;
  }
}

/** The tenant's custom domains, oldest first, then its default domain (`isDefault`). */
export async function listTenantDomains(actor: Actor, deps: DomainDeps, ref: TenantRef): Promise<TenantDomain[]> {
  const tenant = await resolveTenantRef(actor, ref, 'domains:read');
  const customDomains = await actor.prisma.customDomain.findMany({ where: { tenantId: tenant.id }, orderBy: [{ createdAt: 'asc' }, { domain: 'asc' }] });
  const now = new Date();
  return [
    ...customDomains.map((row) => customDomainView(tenant, deps, row, now)),
    {
      domain: tenantDefaultDomain(tenant, deps.baseDomain),
      status: 'ACTIVE',
      sslStatus: 'ACTIVE',
      verifiedAt: null,
      isDefault: true,
      certificateExpiresAt: null,
      dnsInstructions: null,
    },
  ];
}

/** Removes a custom domain, its sealed key with it; it stops naming the tenant as a Host at once. */
export async function removeCustomDomain(actor: Actor, deps: DomainDeps, ref: TenantRef, domain: string): Promise<TenantDomain> {
  const tenant = await resolveTenantRef(actor, ref, 'domains:write');
  const row = await findCustomDomain(actor, tenant, domain);
  await actor.prisma.customDomain.delete({ where: { id: row.id } });
  return customDomainView(tenant, deps, row);
}
