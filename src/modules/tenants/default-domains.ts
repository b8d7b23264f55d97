import { randomInt } from 'node:crypto';
import { z } from 'zod';
import type { Tenant } from '../../generated/prisma/client.js';
import type { Actor } from '../../kernel/principal.js';

/** What Control Core's default domains are under (CONTROL_CORE_BASE_DOMAIN), and the API's own names there (CONTROL_CORE_API_HOSTS). */
export type DomainSettings = { baseDomain: string; apiHosts?: readonly string[] };

/** CONTROL_CORE_BASE_DOMAIN's default, for callers that were given none. */
export const defaultDomainSettings: DomainSettings = { baseDomain: 'controlcore.io' };

/** The API's own names (the seed's api.controlcore.io, and any CONTROL_CORE_API_HOSTS): they name no tenant, and no tenant may take them. */
export const apiHostNames = ({ baseDomain, apiHosts = [] }: DomainSettings) => [baseDomain, `api.${baseDomain}`, `www.${baseDomain}`, ...apiHosts];

/**
 * The tenant's default domain: the one it was given (`acme.controlcore.io`), else
 * `<tenant>.<base domain>` (underscores, which host names may not hold, become hyphens). Slugs
 * are unique only within a project, so a project's tenant has its project's tag between
 * (`acme.p1a2b3c4d.controlcore.io`): two projects' `acme` never share a host name, and neither
 * takes the name of the tenant with no project called `acme`. The one definition: the domains
 * the gateway lists and the Hosts that name a tenant both come from here.
 */
export function tenantDefaultDomain(tenant: Pick<Tenant, 'slug' | 'domain' | 'projectId'>, baseDomain: string): string {
  return tenant.domain ?? [tenantLabel(tenant), ...projectLabel(tenant), baseDomain].join('.');
}

export const tenantLabel = (tenant: Pick<Tenant, 'slug'>) => tenant.slug.toLowerCase().replace(/_/g, '-');
export const projectLabel = (tenant: Pick<Tenant, 'projectId'>) => (tenant.projectId ? [`p${tenant.projectId.replace(/-/g, '').slice(0, 8)}`] : []);

const label = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A DNS name of lowercase labels, as a Host names it. */
export const hostname = (field: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .max(253, { error: `${field} must be at most 253 characters` })
    .refine((value) => value.split('.').length >= 2 && value.split('.').every((part) => label.test(part)), {
      error: `${field} must be a DNS name such as policies.acme.com`,
    });

/** A tenant's default domain: one label under the base domain (`acme.controlcore.io`). */
export function defaultDomain(settings: DomainSettings) {
  const { baseDomain } = settings;
  return hostname('domain')
    .refine((value) => value.endsWith(`.${baseDomain}`) && !value.slice(0, -baseDomain.length - 1).includes('.'), {
      error: `domain must be one name under ${baseDomain}, such as acme.${baseDomain}`,
    })
    .refine((value) => !apiHostNames(settings).includes(value), { error: (issue) => `domain ${String(issue.input)} is the API's own name` });
}

/**
 * A readable tenant id (`tenant-acme-123`): the first label of its domain, or its name, and a
 * number; more digits when the short ones are taken.
 */
export async function readableTenantId(prisma: Actor['prisma'], from: string): Promise<string> {
  const stem =
    from
      .toLowerCase()
      .split('.')[0]!
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'tenant';
  for (const digits of [3, 3, 3, 6, 6, 9]) {
    const candidate = `tenant-${stem}-${randomInt(10 ** (digits - 1), 10 ** digits)}`;
    // Free in every project, so an operator can name it by this id alone.
    if (!(await prisma.tenant.findFirst({ where: { slug: candidate }, select: { id: true } }))) return candidate;
  }
  throw new Error(`No free tenant id for "${stem}"`);
}
