import { z } from 'zod';
import { ControlCoreCreateApiKeyDocument, type Scope } from '../../../generated/graphql/graphql.js';
import { keyFormats } from '../../../modules/identity/api-keys.js';
import { defineRoute, type Route } from '../../types.js';
import { tenantContext, tenantScoped } from './tenant-context.js';
import { isoSeconds } from './tenants.routes.js';

/**
 * The seed's scope vocabulary and the gateway scope each one is. One per resource and verb;
 * metrics are the gateway's metering (usage:read).
 */
export const scopeMap = {
  'tenants:read': 'TENANTS_READ',
  'tenants:write': 'TENANTS_WRITE',
  'policies:read': 'POLICIES_READ',
  'policies:write': 'POLICIES_WRITE',
  'resources:read': 'RESOURCES_READ',
  'resources:write': 'RESOURCES_WRITE',
  'bouncers:read': 'BOUNCERS_READ',
  'bouncers:write': 'BOUNCERS_WRITE',
  'billing:read': 'BILLING_READ',
  'billing:write': 'BILLING_WRITE',
  'metrics:read': 'USAGE_READ',
  'domains:read': 'DOMAINS_READ',
  'domains:write': 'DOMAINS_WRITE',
  'deployments:read': 'DEPLOYMENTS_READ',
  'deployments:write': 'DEPLOYMENTS_WRITE',
} as const satisfies Record<string, Scope>;

type SeedScope = keyof typeof scopeMap;
const seedScopes = Object.keys(scopeMap) as [SeedScope, ...SeedScope[]];
const seedScopeOf = new Map(Object.entries(scopeMap).map(([seed, gateway]) => [gateway as Scope, seed]));

const createApiKey = defineRoute(ControlCoreCreateApiKeyDocument, {
  method: 'POST',
  path: '/tenants/{tenant_id}/api-keys',
  summary: 'Generate a key (cc_live_…) that reaches this tenant only, with the scopes given; the key is shown this once',
  ...tenantScoped,
  body: z
    .object({
      name: z.string().describe('1 to 100 characters'),
      scopes: z.array(z.enum(seedScopes, { error: `each scope must be one of ${seedScopes.join(', ')}` })).describe(seedScopes.join(', ')),
      expires_at: z.iso
        .datetime({ offset: true, error: 'expires_at must be an ISO 8601 date-time such as 2026-01-25T10:30:00Z' })
        .optional()
        .describe('In the future; none: the key does not expire'),
    })
    .strict(),
  variables: (request) => ({
    context: tenantContext(request),
    input: { name: request.body.name, scopes: request.body.scopes.map((scope) => scopeMap[scope]), expiresAt: request.body.expires_at ?? null },
  }),
  respond: (data) => {
    const { apiKey, secret } = data.createTenantApiKey;
    return {
      status: 201,
      body: {
        id: apiKey.id,
        name: apiKey.name,
        key: secret,
        scopes: apiKey.scopes.map((scope) => seedScopeOf.get(scope) ?? scope.toLowerCase().replace('_', ':')),
        created_at: isoSeconds(apiKey.createdAt),
        expires_at: apiKey.expiresAt ? isoSeconds(apiKey.expiresAt) : null,
      },
    };
  },
  success: {
    status: 201,
    description: 'The key, shown this once',
    schema: z.object({
      id: z.string(),
      name: z.string(),
      key: z.string().regex(new RegExp(keyFormats.cc_live)).describe('The key, cc_live_…'),
      scopes: z.array(z.string()),
      created_at: z.string(),
      expires_at: z.string().nullable(),
    }),
  },
});

/** POST /tenants/{tenant_id}/api-keys. */
export const keyRoutes: Route[] = [createApiKey];
