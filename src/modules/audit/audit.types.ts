import { builder } from '../../graphql/builder.js';

export const AuditEventRef = builder.prismaObject('AuditEvent', {
  description: 'One change to tenant-owned state, written in the same transaction as the change',
  fields: (t) => ({
    id: t.exposeID('id'),
    tenantId: t.exposeID('tenantId', { nullable: true }),
    actor: t.exposeString('actor', { description: "The principal: the API key's name and prefix, or operator" }),
    actorId: t.exposeString('actorId'),
    action: t.exposeString('action', {
      description:
        'config.updated, gateway_config.updated, secret.stored, secret.deleted, role.created, api_key.created, api_key.revoked, backup.created, backup.restored, backup.recovered, tenant.updated, database.deployed, database.query, workspace.created, blueprint.version_created, …',
    }),
    target: t.exposeString('target'),
    changes: t.field({
      type: 'JSON',
      description:
        '[{path, before, after}]; secret values never appear: a secret change shows "[sealed]" and sealedVersion, the id of the sealed value point-in-time recovery replays',
      resolve: (event) => event.changes,
    }),
    requestId: t.exposeString('requestId', { nullable: true }),
    clientAddress: t.exposeString('clientAddress', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const AuditFilterInput = builder.inputType('AuditFilterInput', {
  fields: (t) => ({
    action: t.string({ required: false, description: 'An action, or a prefix ending in * (role.*)' }),
    actor: t.string({ required: false, description: "A principal's label or id" }),
    since: t.field({ type: 'DateTime', required: false }),
    until: t.field({ type: 'DateTime', required: false, description: 'Exclusive' }),
  }),
});
