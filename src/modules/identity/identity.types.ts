import { builder } from '../../graphql/builder.js';
import { type Principal, scopes } from '../../kernel/principal.js';
import { PlanTier } from '../tenants/tenants.types.js';

export const ScopeEnum = builder.enumType('Scope', {
  description: 'admin implies every other scope',
  values: Object.fromEntries(scopes.map((scope) => [scope.replace(':', '_').toUpperCase(), { value: scope }])) as Record<
    string,
    { value: (typeof scopes)[number] }
  >,
});

export const ApiKeyOwner = builder.enumType('ApiKeyOwner', {
  values: {
    GLOBAL: { description: 'An operator key: every tenant' },
    PROJECT: { description: 'Every tenant of one project' },
    TENANT: { description: 'One tenant' },
  } as const,
});

export const ApiKeyRef = builder.prismaObject('ApiKey', {
  description: 'An API key. The secret is shown once, when the key is created; only its SHA-256 hash is stored.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'The visible start of the key, to recognise it by' }),
    scopes: t.field({ type: [ScopeEnum], resolve: (key) => key.scopes as (typeof scopes)[number][] }),
    owner: t.expose('owner', { type: ApiKeyOwner }),
    tenantId: t.exposeID('tenantId', { nullable: true }),
    projectId: t.exposeID('projectId', { nullable: true }),
    createdBy: t.exposeString('createdBy'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.prismaObject('Project', {
  fields: (t) => ({
    id: t.exposeID('id'),
    slug: t.exposeString('slug'),
    name: t.exposeString('name'),
    tier: t.expose('tier', { type: PlanTier }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const ViewerRef = builder.objectRef<Principal>('Viewer').implement({
  description: 'Who the presented API key says you are',
  fields: (t) => ({
    id: t.exposeID('id'),
    label: t.exposeString('label'),
    owner: t.expose('owner', { type: ApiKeyOwner }),
    tenantId: t.exposeID('tenantId', { nullable: true }),
    projectId: t.exposeID('projectId', { nullable: true }),
    scopes: t.field({ type: [ScopeEnum], resolve: (principal) => [...principal.scopes] }),
  }),
});
