import { z } from 'zod';
import type { Tenant } from '../../generated/prisma/client.js';

/** A host name as DNS has it: lowercase labels of letters, digits and inner hyphens, at least two, 253 characters at most. */
export const domainName = z
  .string()
  .max(253, 'A domain has at most 253 characters')
  .transform((value) => value.toLowerCase().replace(/\.$/, ''))
  .pipe(z.string().regex(/^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/, 'A domain is dot-separated labels of letters, digits and inner hyphens, like policies.acme.com'));

/**
 * The tenant's default domain, `<tenant>.<base domain>` (underscores, which host names may
 * not hold, become hyphens). The one place to change if tenants get a stored domain.
 */
export function defaultDomain(tenant: Pick<Tenant, 'slug'>, baseDomain: string): string {
  return `${tenant.slug.toLowerCase().replace(/_/g, '-')}.${baseDomain}`;
}

export const verificationRecordName = (domain: string) => `_control-core-verification.${domain}`;
export const verificationRecordValue = (token: string) => `control-core-verification=${token}`;
