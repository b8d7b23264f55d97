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
 * `<tenant>.<base domain>` (underscores, which host names may not hold, become hyphens). Slugs
 * are unique only within a project, so a project's tenant has its project's tag between
 * (`acme.p1a2b3c4d.controlcore.io`): two projects' `acme` never share a host name, and neither
 * takes the name of the tenant with no project called `acme`.
 */
export function defaultDomain(tenant: Pick<Tenant, 'slug' | 'domain' | 'projectId'>, baseDomain: string): string {
  return tenant.domain ?? [tenantLabel(tenant), ...projectLabel(tenant), baseDomain].join('.');
}

const tenantLabel = (tenant: Pick<Tenant, 'slug'>) => tenant.slug.toLowerCase().replace(/_/g, '-');
const projectLabel = (tenant: Pick<Tenant, 'projectId'>) => (tenant.projectId ? [`p${tenant.projectId.replace(/-/g, '').slice(0, 8)}`] : []);

/** The default domain in a region's area, the area being the region's first part: acme.controlcore.io in eu-west-1 → acme.eu.controlcore.io (a project's tenant keeps its project's tag). */
export function regionalDomain(tenant: Pick<Tenant, 'slug' | 'domain' | 'projectId'>, region: string, baseDomain: string): string {
  const label = tenant.domain ? tenant.domain.split('.')[0] : tenantLabel(tenant);
  return [label, ...projectLabel(tenant), region.split('-')[0], baseDomain].join('.');
}

export const verificationRecordName = (domain: string) => `_control-core-verification.${domain}`;
export const verificationRecordValue = (token: string) => `control-core-verification=${token}`;
