import { TenantApiGatewayConfigDocument, TenantApiSaveGatewayConfigDocument } from '../../../generated/graphql/graphql.js';
import { gatewayConfigPatch, gatewayConfigView } from '../../../modules/gateway-config/gateway-config-spec.js';
import { defineRoute } from '../../types.js';
import { withoutNulls } from '../../../lib/without-nulls.js';
import { done, doneSchema, tenantHeader, tenantOf } from './shared.js';

const getConfig = defineRoute(TenantApiGatewayConfigDocument, {
  method: 'GET',
  path: '/tenant/config',
  summary: 'The gateway configuration: routes, credentials, rateLimit, cache, webhooks (defaults included)',
  headers: [tenantHeader],
  variables: (request) => ({ tenant: tenantOf(request) }),
  respond: (data) => {
    const { routes, credentials, rateLimit, cache, webhooks } = data.gatewayConfig;
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
  variables: (request) => ({ tenant: tenantOf(request), input: request.rawBody as never }),
  respond: () => done('Configuration saved'),
  success: { status: 200, description: 'Saved', schema: doneSchema },
});

export const configRoutes = [getConfig, saveConfig];
