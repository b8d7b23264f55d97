import { builder } from '../../graphql/builder.js';
import { runAdminQuery } from './admin-query.service.js';
import { AdminQueryInput, AdminQueryResultRef } from './admin-query.types.js';

builder.mutationField('runAdminQuery', (t) =>
  t.field({
    type: AdminQueryResultRef,
    description: "Runs data SQL on one or every tenant database of a blueprint of the caller's project; DDL is refused",
    args: { input: t.arg({ type: AdminQueryInput, required: true }) },
    resolve: (_root, args, ctx) => runAdminQuery(ctx, args.input, ctx.dataPlane),
  }),
);
