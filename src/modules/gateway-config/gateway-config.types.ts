import { builder } from '../../graphql/builder.js';
import { nameZodEnum, zodGraphQLType, zodObjectType } from '../../graphql/zod-types.js';
import type { GatewayConfig, GatewayConfigRevision, GatewayConfigSaved } from './gateway-config.service.js';
import { gatewayConfigPatch, gatewayConfigView, gatewaySectionNames, httpMethods, webhookEvents } from '../../kernel/gateway-config-spec.js';

nameZodEnum(httpMethods, 'HttpMethod', "A route's HTTP method (the REST API takes it in any case)");
nameZodEnum(webhookEvents, 'WebhookEvent', 'The events a webhook may subscribe to: every change of these kinds is one, written with its audit event');

const shapeOf = (schema: typeof gatewayConfigView) => schema.shape;

/** The five sections as GraphQL fields, derived from the spec's served shape. */
const sectionTypes = Object.fromEntries(
  gatewaySectionNames.map((section) => [
    section,
    zodGraphQLType(shapeOf(gatewayConfigView)[section], `Gateway${section[0]!.toUpperCase()}${section.slice(1)}`, 'output'),
  ]),
);

/** One route as GraphQL has it (`GatewayRoute`), for the fields that answer routes outside the configuration. */
export const GatewayRouteRef = (sectionTypes.routes!.type as [unknown])[0];

export const GatewayConfigRef = builder.objectRef<GatewayConfig>('GatewayConfig').implement({
  description: "A tenant's gateway configuration (seed 001): routes, credentials, rateLimit, cache, webhooks; webhook secrets are never returned",
  fields: (t) => ({
    tenantId: t.exposeID('tenantId'),
    version: t.exposeInt('version', { description: '0 until the first save' }),
    updatedAt: t.field({ type: 'DateTime', nullable: true, resolve: (config) => config.updatedAt }),
    updatedBy: t.exposeString('updatedBy', { nullable: true }),
    ...Object.fromEntries(
      gatewaySectionNames.map((section) => [
        section,
        t.field({ type: sectionTypes[section]!.type as never, description: sectionTypes[section]!.description, resolve: (config) => config[section] as never }),
      ]),
    ),
  }),
});

export const GatewayConfigInput = zodObjectType(gatewayConfigPatch, 'GatewayConfigPatch', 'input');

export const GatewayConfigSavedRef = builder.objectRef<GatewayConfigSaved>('GatewayConfigSaved').implement({
  fields: (t) => ({
    config: t.field({ type: GatewayConfigRef, resolve: (saved) => saved.config }),
    updatedFields: t.exposeStringList('updatedFields', { description: 'The changed paths (rateLimit.default, routes, credentials.stripe …)' }),
  }),
});

export const GatewayConfigRevisionRef = builder.objectRef<GatewayConfigRevision>('GatewayConfigRevision').implement({
  description: 'One accepted gateway configuration change',
  fields: (t) => ({
    version: t.exposeInt('version'),
    principal: t.exposeString('principal', { description: 'The API key (or operator) that made the change' }),
    updatedFields: t.exposeStringList('updatedFields'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    config: t.field({
      type: 'JSONObject',
      description: 'The whole gateway configuration after this change',
      resolve: (revision) => revision.config as unknown as Record<string, unknown>,
    }),
  }),
});
