import { z } from 'zod';
import type { Tenant } from '../../generated/prisma/client.js';
import { projectLabel, tenantLabel } from '../tenants/default-domains.js';

/** A host name as DNS has it: lowercase labels of letters, digits and inner hyphens, at least two, 253 characters at most. */
export const domainName = z
  .string()
  .max(253, 'A domain has at most 253 characters')
  .transform((value) => value.toLowerCase().replace(/\.$/, ''))
  .pipe(
    z
      .string()
      .regex(
        /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/,
        'A domain is dot-separated labels of letters, digits and inner hyphens, like policies.acme.com',
      ),
  );

/** The default domain in a region's area, the area being the region's first part: acme.controlcore.io in eu-west-1 → acme.eu.controlcore.io (a project's tenant keeps its project's tag). */
export function regionalDomain(tenant: Pick<Tenant, 'slug' | 'domain' | 'projectId'>, region: string, baseDomain: string): string {
  const label = tenant.domain ? tenant.domain.split('.')[0] : tenantLabel(tenant);
  return [label, ...projectLabel(tenant), region.split('-')[0], baseDomain].join('.');
}

export const verificationRecordName = (domain: string) => `_control-core-verification.${domain}`;
export const verificationRecordValue = (token: string) => `control-core-verification=${token}`;
