import { builder } from '../../graphql/builder.js';
import { listTenantRoutes, testTenantRoute } from './tenant-routes.service.js';
import { RouteSummaryRef, RouteTestRef } from './tenant-routes.types.js';

builder.queryField('testTenantRoute', (t) =>
  t.field({
    description:
      "A dry run of a call to the tenant's routes (/gw<path>): the route that would serve it, its upstream URL, credential and limit. Sends nothing, opens no secret, counts nothing",
    type: RouteTestRef,
    args: {
      tenant: t.arg.id({ required: false, description: "UUID or slug; the API key's own tenant when absent" }),
      method: t.arg({ type: 'HttpMethod' as never, required: true }),
      path: t.arg.string({ required: true, description: 'The path after the routes prefix, with its query string if any: /items/42?page=2' }),
    },
    resolve: (_root, args, ctx) => {
      // The path as a request's URL would carry it (dot segments resolved, as /gw's URL parsing does).
      const given = new URL(`/${String(args.path).replace(/^\/+/, '').replace(/#.*$/, '')}`, 'http://gateway.invalid');
      return testTenantRoute(ctx, args.tenant == null ? null : String(args.tenant), {
        method: String(args.method),
        path: given.pathname,
        search: given.search,
      });
    },
  }),
);

builder.queryField('tenantRoutes', (t) =>
  t.field({
    description: "The tenant's routes as served at the routes prefix: whether each is cached, the limit it counts on, and its calls this month",
    type: [RouteSummaryRef],
    args: { tenant: t.arg.id({ required: false, description: "UUID or slug; the API key's own tenant when absent" }) },
    resolve: (_root, args, ctx) => listTenantRoutes(ctx, args.tenant == null ? null : String(args.tenant), ctx.tenantRoutesPrefix, ctx.meter),
  }),
);
