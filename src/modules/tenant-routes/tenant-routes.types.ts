import { builder } from '../../graphql/builder.js';
import { GatewayRouteRef } from '../gateway-config/gateway-config.types.js';
import type { RouteSummary, RouteTest } from './tenant-routes.service.js';

export const RouteTestRef = builder.objectRef<RouteTest>('TenantRouteTest').implement({
  description: 'What a call to a tenant route (/gw<path>) would do, told without making it',
  fields: (t) => ({
    matched: t.exposeBoolean('matched', { description: 'Whether a route of the configuration takes the method and path' }),
    problem: t.exposeString('problem', { nullable: true, description: 'Why the call would not go upstream: the message it would be answered with' }),
    status: t.exposeInt('status', { nullable: true, description: "The gateway's own status for it (404, 405, 501) when it would not go upstream" }),
    route: t.field({ type: GatewayRouteRef as never, nullable: true, resolve: (test) => test.route as never }),
    upstreamUrl: t.exposeString('upstreamUrl', {
      nullable: true,
      description: "The URL it would be sent to; a query credential's value shown as <SECRET_NAME>",
    }),
    credential: t.exposeString('credential', { nullable: true, description: 'The credential the call would carry (its secret is not opened)' }),
    rateLimit: t.exposeString('rateLimit', { nullable: true, description: "The tenant's own limit the call would count on" }),
  }),
});

export const RouteSummaryRef = builder.objectRef<RouteSummary>('TenantRouteSummary').implement({
  description: "One of the tenant's routes as the gateway serves it, with its calls this month (UTC)",
  fields: (t) => ({
    route: t.field({ type: GatewayRouteRef as never, resolve: (summary) => summary.route as never }),
    servedAt: t.exposeString('servedAt', { description: 'Where it answers: the routes prefix and its path (/gw/items/{id})' }),
    cached: t.exposeBoolean('cached', { description: 'Whether its GET answers are kept (the cache section)' }),
    rateLimit: t.exposeString('rateLimit', { nullable: true, description: "The tenant's own limit its calls count on, when rate limits are enabled" }),
    calls: t.exposeInt('calls', { nullable: true, description: 'Calls this month; null unless the key may read usage (usage:read)' }),
    failures: t.exposeInt('failures', { nullable: true, description: "The upstream's 5xx and the gateway's 413, 502 and 504; null without usage:read" }),
    averageLatencyMs: t.exposeFloat('averageLatencyMs', { nullable: true }),
  }),
});
