import { z } from 'zod';
import { TenantApiDeleteSecretDocument, TenantApiSecretsDocument, TenantApiStoreSecretDocument } from '../../../generated/graphql/graphql.js';
import { secretNamePattern } from '../../../modules/secrets/secrets.service.js';
import { defineRoute } from '../../types.js';
import { done, doneSchema, tenantHeader, tenantOf } from './shared.js';

const listSecrets = defineRoute(TenantApiSecretsDocument, {
  method: 'GET',
  path: '/tenant/secrets',
  summary: 'Secret names, sorted (values are never returned)',
  headers: [tenantHeader],
  variables: (request) => ({ tenant: tenantOf(request) }),
  respond: (data) => ({ status: 200, body: { secrets: data.tenantSecrets.map((secret) => secret.name) } }),
  success: { status: 200, description: 'The names', schema: z.object({ secrets: z.array(z.string()) }) },
});

const storeSecret = defineRoute(TenantApiStoreSecretDocument, {
  method: 'POST',
  path: '/tenant/secrets',
  summary: 'Store or replace a secret (sealed at rest)',
  headers: [tenantHeader],
  body: z.object({
    // The service checks the name (its 400 names the rule): documented here, not checked twice.
    key: z.string().meta({ pattern: secretNamePattern.source }).describe('An uppercase letter, then up to 127 uppercase letters, digits or "_"'),
    value: z.string().describe('1 byte to 64 KiB'),
  }),
  variables: (request) => ({ tenant: tenantOf(request), name: request.body.key, value: request.body.value }),
  respond: () => done('Secret stored'),
  success: { status: 200, description: 'Stored', schema: doneSchema },
});

const deleteSecret = defineRoute(TenantApiDeleteSecretDocument, {
  method: 'DELETE',
  path: '/tenant/secrets/{key}',
  summary: 'Delete a secret (404 when there is none by that name)',
  headers: [tenantHeader],
  variables: (request) => ({ tenant: tenantOf(request), name: request.params.key! }),
  respond: () => done('Secret deleted'),
  success: { status: 200, description: 'Deleted', schema: doneSchema },
});

export const secretRoutes = [listSecrets, storeSecret, deleteSecret];
