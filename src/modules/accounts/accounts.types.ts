import { builder } from '../../graphql/builder.js';
import { ApiKeyRef } from '../identity/identity.types.js';

export const CustomerRef = builder.prismaObject('Customer', {
  description: 'A TenantsDB account: signs up with an email and a password, owns projects',
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    projects: t.relation('projects', { query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
  }),
});

const liveKeys = () => ({ revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] });

builder.prismaObjectFields('Project', (t) => ({
  apiKeyCount: t.relationCount('apiKeys', { description: 'Keys of the project that work: not revoked, not expired', where: liveKeys }),
  apiKeys: t.relation('apiKeys', {
    description: "The project's own keys that have not been revoked, oldest first (never their secrets)",
    query: () => ({ where: { revokedAt: null }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  }),
}));

builder.objectField(ApiKeyRef, 'lastUsedAt', (t) => t.expose('lastUsedAt', { type: 'DateTime', nullable: true }));

export const ProjectAccessRef = builder.objectRef<{ project: { id: string }; apiKey: string; proxyPassword?: string | null }>('ProjectAccess').implement({
  description: 'A project with a key for it (shown this once) and, where it is shown, its database proxy password',
  fields: (t) => ({
    project: t.prismaField({
      type: 'Project',
      resolve: (query, access, _args, ctx) => ctx.prisma.project.findUniqueOrThrow({ ...query, where: { id: access.project.id } }),
    }),
    apiKey: t.exposeString('apiKey'),
    proxyPassword: t.exposeString('proxyPassword', { nullable: true }),
  }),
});
