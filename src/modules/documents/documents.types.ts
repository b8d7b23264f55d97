import { builder } from '../../graphql/builder.js';
import { AlertLevel } from '../usage/usage.types.js';

export const DocumentKindEnum = builder.enumType('DocumentKind', {
  description: "Control Core's tenant-scoped documents",
  values: ['POLICY', 'RESOURCE', 'BOUNCER'] as const,
});

export const PolicyModeEnum = builder.enumType('PolicyMode', {
  values: { ACTIVE: { description: 'Enforced' }, SANDBOX: { description: 'Evaluated without effect' } } as const,
});

export const TenantDocumentRef = builder.prismaObject('TenantDocument', {
  description: 'A policy, resource or bouncer of one tenant: a named JSON spec',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.expose('kind', { type: DocumentKindEnum }),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    spec: t.field({ type: 'JSONObject', resolve: (document) => document.spec as Record<string, unknown> }),
    mode: t.expose('mode', { type: PolicyModeEnum, nullable: true, description: 'Policies only' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export type TenantAlert = {
  id: string;
  type: 'usage_limit';
  severity: 'WARNING' | 'CRITICAL';
  message: string;
  createdAt: Date;
  resolvedAt: Date | null;
};

export const TenantAlertRef = builder.objectRef<TenantAlert>('TenantAlert').implement({
  description: "A tenant's usage alert: a resource limit's, or its policy or bouncer limit's",
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.exposeString('type', { description: 'usage_limit' }),
    severity: t.expose('severity', { type: AlertLevel }),
    message: t.exposeString('message'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true }),
  }),
});
