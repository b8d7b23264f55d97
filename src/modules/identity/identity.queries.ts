import { builder } from '../../graphql/builder.js';
import { assertPageSize, maxPageSize } from '../../graphql/pagination.js';
import { UnauthenticatedError } from '../../lib/errors.js';
import { listApiKeysWhere } from './identity.service.js';
import { ApiKeyRef, ViewerRef } from './identity.types.js';

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    resolve: (_root, _args, ctx) => {
      if (!ctx.principal) throw new UnauthenticatedError(ctx.authFailure);
      return ctx.principal;
    },
  }),
);

builder.queryField('apiKeys', (t) =>
  t.prismaConnection({
    description: 'API keys the caller manages (needs keys:write), newest first',
    type: ApiKeyRef,
    cursor: 'id',
    maxSize: maxPageSize,
    args: {
      tenant: t.arg.id({ required: false, description: "Only this tenant's keys (UUID or slug); a tenant out of reach is NOT_FOUND" }),
    },
    resolve: async (query, _root, args, ctx) => {
      assertPageSize(args);
      return ctx.prisma.apiKey.findMany({ ...query, where: await listApiKeysWhere(ctx, args.tenant), orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] });
    },
  }),
);
