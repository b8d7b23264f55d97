import { TenantApiGatewayConfigDocument, TenantApiSaveGatewayConfigDocument } from '../../../generated/graphql/graphql.js';
import { enumValueName } from '../../../lib/case.js';
import { gatewayConfigPatch, gatewayConfigView, webhookEvents } from '../../../kernel/gateway-config-spec.js';
import { defineRoute } from '../../types.js';
import { withoutNulls } from '../../../lib/without-nulls.js';
import { done, doneSchema, tenantHeader, tenantOf } from './shared.js';

// GraphQL names the events as enum values (CONFIG_UPDATED); this API keeps the seed's (config.updated).
const eventByName = new Map<string, string>(webhookEvents.map((event) => [enumValueName(event), event]));

/** The body as given, its webhook events as GraphQL's enum names; everything else untouched (the sections given stay given). */
function withEventNames(body: unknown): unknown {
  const { webhooks } = (body ?? {}) as { webhooks?: unknown };
  if (!Array.isArray(webhooks)) return body;
  return {
    ...(body as object),
    webhooks: webhooks.map((webhook: unknown) => {
      const events = (webhook as { events?: unknown } | null)?.events;
      return Array.isArray(events)
        ? { ...(webhook as object), events: events.map((event) => (typeof event === 'string' ? enumValueName(event) : event)) }
        : webhook;
    }),
  };
}

const getConfig = defineRoute(TenantApiGatewayConfigDocument, {
  method: 'GET',
  path: '/tenant/config',
  summary: 'The gateway configuration: routes, credentials, rateLimit, cache, webhooks (defaults included)',
  headers: [tenantHeader],
  variables: (request) => ({ tenant: tenantOf(request) }),
  respond: (data) => {
    const { routes, credentials, rateLimit, cache } = data.gatewayConfig;
    const webhooks = data.gatewayConfig.webhooks.map((webhook) => ({ ...webhook, events: webhook.events.map((event) => eventByName.get(event) ?? event) }));
    return { status: 200, body: withoutNulls({ routes, credentials, rateLimit, cache, webhooks }) };
  },
  success: { status: 200, description: 'The configuration', schema: gatewayConfigView },
});

const saveConfig = defineRoute(TenantApiSaveGatewayConfigDocument, {
  method: 'POST',
  path: '/tenant/config',
  summary: 'Save the sections given (each whole); the others stay as they are',
  headers: [tenantHeader],
  body: gatewayConfigPatch,
  variables: (request) => ({ tenant: tenantOf(request), input: withEventNames(request.rawBody) as never }),
  respond: () => done('Configuration saved'),
  success: { status: 200, description: 'Saved', schema: doneSchema },
});

export const configRoutes = [getConfig, saveConfig];
