import { builder } from '../../graphql/builder.js';
import { ViewerRef } from '../identity/identity.types.js';
import { viewerProject } from './project-keys.service.js';
import { viewerCustomer } from './projects.service.js';
import './accounts.types.js';

builder.objectFields(ViewerRef, (t) => ({
  customer: t.prismaField({
    type: 'Customer',
    description: 'The TenantsDB account behind a project key (FORBIDDEN for other keys)',
    resolve: (query, _principal, _args, ctx) => viewerCustomer(ctx, query),
  }),
  project: t.prismaField({
    type: 'Project',
    description: 'The project a project key belongs to (FORBIDDEN for other keys)',
    resolve: (query, _principal, _args, ctx) => viewerProject(ctx, query),
  }),
}));
