import { z } from 'zod';
import type { Tenant } from '../../generated/prisma/client.js';

/** A host name as DNS has it: lowercase labels of letters, digits and inner hyphens, at least two, 253 characters at most. */
export const domainName = z
  .string()
  .max(253, 'A domain has at most 253 characters')
  .transform((value) => value.toLowerCase().replace(/\.$/, ''))
  .pipe(z.string().regex(/^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/, 'A domain is dot-separated labels of letters, digits and inner hyphens, like policies.acme.com'));

/**
 * The tenant's default domain: the one it was given (`acme.controlcore.io`), else
 * `<tenant>.<base domain>` (underscores, which host names may not hold, become hyphens).
 */
export function defaultDomain(tenant: Pick<Tenant, 'slug' | 'domain'>, baseDomain: string): string {
  return tenant.domain ?? `${tenant.slug.toLowerCase().replace(/_/g, '-')}.${baseDomain}`;
}

/** The default domain in a region's area, the area being the region's first part: acme.controlcore.io in eu-west-1 → acme.eu.controlcore.io. */
export function regionalDomain(tenant: Pick<Tenant, 'slug' | 'domain'>, region: string, baseDomain: string): string {
  const label = defaultDomain(tenant, baseDomain).split('.')[0];
  return `${label}.${region.split('-')[0]}.${baseDomain}`;
}

export const verificationRecordName = (domain: string) => `_control-core-verification.${domain}`;
export const verificationRecordValue = (token: string) => `control-core-verification=${token}`;
