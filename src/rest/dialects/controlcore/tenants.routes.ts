import { z } from 'zod';
import {
  type ControlCoreTenantFragment,
  ControlCoreCreateTenantDocument,
  ControlCoreDeleteTenantDocument,
  ControlCoreTenantDocument,
  ControlCoreUpdateTenantDocument,
  type PlanTier,
} from '../../../generated/graphql/graphql.js';
import { regionCatalog } from '../../../modules/regions/regions.catalog.js';
import { defineRoute, type Route } from '../../types.js';
import { tenantContext, tenantScoped } from './tenant-context.js';

/** The seed's Regional Deployment list: the nine cloud regions. */
const regions = regionCatalog.filter((region) => region.kind === 'CLOUD').map((region) => region.id) as [string, ...string[]];
const planTypes = ['free', 'basic', 'pro', 'enterprise'] as const;

const settingsBody = z
  .object({
    max_policies: z.number().int().optional(),
    max_users: z.number().int().optional(),
    max_bouncers: z.number().int().optional(),
  })
  .strict();

/** 2025-01-25T10:30:00.000Z → 2025-01-25T10:30:00Z, as the seed writes times. */
export const isoSeconds = (iso: string) => `${iso.slice(0, 19)}Z`;

const tenantJson = (tenant: ControlCoreTenantFragment) => ({
  id: tenant.slug,
  name: tenant.name,
  domain: tenant.domain ?? null,
  custom_domain: tenant.customDomain ?? null,
  status: tenant.status.toLowerCase(),
  region: tenant.region,
  plan_type: tenant.tier.toLowerCase(),
  created_at: isoSeconds(tenant.createdAt),
  updated_at: isoSeconds(tenant.updatedAt),
  expires_at: tenant.expiresAt ? isoSeconds(tenant.expiresAt) : null,
  settings: { max_policies: tenant.maxPolicies, max_users: tenant.maxUsers, max_bouncers: tenant.maxBouncers },
  limits: { policies_used: tenant.counts.policies, users_used: tenant.counts.users, bouncers_used: tenant.counts.bouncers },
});

const tenantSchema = z.object({
  id: z.string(),
  name: z.string(),
  domain: z.string().nullable(),
  custom_domain: z.string().nullable(),
  status: z.enum(['active', 'suspended', 'deleted', 'restoring', 'recovering']),
  region: z.string(),
  plan_type: z.enum(planTypes),
  created_at: z.string(),
  updated_at: z.string(),
  expires_at: z.string().nullable(),
  settings: z.object({ max_policies: z.number().int(), max_users: z.number().int(), max_bouncers: z.number().int() }),
  limits: z.object({ policies_used: z.number().int(), users_used: z.number().int(), bouncers_used: z.number().int() }),
});

const tier = (planType: (typeof planTypes)[number] | undefined) => (planType ? (planType.toUpperCase() as PlanTier) : null);

const createTenant = defineRoute(ControlCoreCreateTenantDocument, {
  method: 'POST',
  path: '/tenants',
  summary: 'Create a tenant: a readable id (tenant-acme-123), its default domain, plan, region and limits',
  body: z
    .object({
      name: z.string().describe('1 to 200 characters'),
      domain: z.string().optional().describe('One name under CONTROL_CORE_BASE_DOMAIN (acme.controlcore.io); unique'),
      plan_type: z.enum(planTypes).optional().describe("Defaults to free (or the project's plan)"),
      region: z.enum(regions).optional().describe('Defaults to us-east-1'),
      custom_domain: z.string().optional().describe('A custom domain (policies.acme.com); unique'),
      settings: settingsBody.optional().describe('Limits; each defaults by plan'),
    })
    .strict(),
  variables: ({ body }) => ({
    input: {
      name: body.name,
      domain: body.domain ?? null,
      customDomain: body.custom_domain ?? null,
      tier: tier(body.plan_type),
      region: body.region ?? 'us-east-1',
      settings: body.settings ?? null,
    },
  }),
  respond: (data) => ({ status: 201, body: tenantJson(data.createTenant) }),
  success: { status: 201, description: 'Created', schema: tenantSchema },
});

const getTenant = defineRoute(ControlCoreTenantDocument, {
  method: 'GET',
  path: '/tenants/{tenant_id}',
  summary: 'A tenant with its settings and the limits it uses',
  ...tenantScoped,
  variables: (request) => ({ context: tenantContext(request) }),
  respond: (data) => ({ status: 200, body: tenantJson(data.tenantInContext) }),
  success: { status: 200, description: 'The tenant', schema: tenantSchema },
});

const updateTenant = defineRoute(ControlCoreUpdateTenantDocument, {
  method: 'PUT',
  path: '/tenants/{tenant_id}',
  summary: "Change a tenant's name, plan or settings (only the fields given)",
  ...tenantScoped,
  body: z.object({ name: z.string().optional(), plan_type: z.enum(planTypes).optional(), settings: settingsBody.optional() }).strict(),
  variables: (request) => ({
    context: tenantContext(request),
    input: { name: request.body.name ?? null, tier: tier(request.body.plan_type), settings: request.body.settings ?? null },
  }),
  respond: (data) => ({ status: 200, body: tenantJson(data.updateTenantInContext) }),
  success: { status: 200, description: 'The tenant as it is now', schema: tenantSchema },
});

const deleteTenant = defineRoute(ControlCoreDeleteTenantDocument, {
  method: 'DELETE',
  path: '/tenants/{tenant_id}',
  summary: 'Delete a tenant (soft: an operator can restore it; its id and domain stay reserved)',
  ...tenantScoped,
  variables: (request) => ({ context: tenantContext(request) }),
  respond: () => ({ status: 204 }),
  success: { status: 204, description: 'Deleted' },
});

/** Tenants: POST /tenants, GET/PUT/DELETE /tenants/{tenant_id}. */
export const tenantRoutes: Route[] = [createTenant, getTenant, updateTenant, deleteTenant];
