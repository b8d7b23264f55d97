import { builder } from '../../graphql/builder.js';
import type { TenantDomain } from './domains.service.js';

const DomainStatus = builder.enumType('DomainStatus', {
  values: { PENDING: { description: 'Added; waiting for its DNS TXT record to be verified' }, ACTIVE: { description: 'Verified: serves the tenant' } } as const,
});
const SslStatus = builder.enumType('SslStatus', {
  values: { PENDING: { description: 'Until the domain is verified' }, ACTIVE: {}, EXPIRED: { description: 'The certificate is past its validity' } } as const,
});

const DnsInstructionsRef = builder.objectRef<NonNullable<TenantDomain['dnsInstructions']>>('DnsInstructions').implement({
  fields: (t) => ({
    cnameRecord: t.exposeString('cnameRecord', { description: "Point the domain here (a CNAME to the tenant's default domain)" }),
    txtRecord: t.exposeString('txtRecord', { description: 'Publish as a TXT record on the domain or on _control-core-verification.<domain>' }),
  }),
});

export const TenantDomainRef = builder.objectRef<TenantDomain>('TenantDomain').implement({
  description: 'A domain serving a tenant: its default one, or a custom one with its certificate (the private key is never returned)',
  fields: (t) => ({
    domain: t.exposeString('domain'),
    status: t.expose('status', { type: DomainStatus }),
    sslStatus: t.expose('sslStatus', { type: SslStatus }),
    verifiedAt: t.expose('verifiedAt', { type: 'DateTime', nullable: true }),
    isDefault: t.exposeBoolean('isDefault'),
    certificateExpiresAt: t.expose('certificateExpiresAt', { type: 'DateTime', nullable: true }),
    dnsInstructions: t.expose('dnsInstructions', { type: DnsInstructionsRef, nullable: true, description: 'Custom domains only' }),
  }),
});

export const AddCustomDomainInput = builder.inputType('AddCustomDomainInput', {
  fields: (t) => ({
    domain: t.string({ required: true, description: 'A host name the tenant owns, like policies.acme.com' }),
    sslCertificate: t.string({ required: true, description: 'PEM X.509 certificate covering the domain, valid now' }),
    sslPrivateKey: t.string({ required: true, description: 'PEM private key of the certificate: sealed at rest, never returned' }),
  }),
});
