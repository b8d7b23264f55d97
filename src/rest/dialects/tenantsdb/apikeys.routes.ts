import { z } from 'zod';
import { TenantsDbApiKeysDocument, TenantsDbCreateApiKeyDocument, TenantsDbDeleteApiKeyDocument } from '../../../generated/graphql/graphql.js';
import { defineRoute } from '../../types.js';
import { tenantsDbKey } from './accounts.routes.js';
import { envelope, isoSeconds, ok } from './envelope.js';

type KeyFields = { id: string; name: string; prefix: string; createdAt: string; lastUsedAt?: string | null; expiresAt?: string | null };

const keyJson = (key: KeyFields) => ({
  id: key.id,
  name: key.name,
  prefix: key.prefix,
  created_at: isoSeconds(key.createdAt),
  last_used_at: key.lastUsedAt ? isoSeconds(key.lastUsedAt) : null,
  expires_at: key.expiresAt ? isoSeconds(key.expiresAt) : null,
});

const keySchema = {
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  expires_at: z.string().nullable(),
};

export const apiKeysRoute = defineRoute(TenantsDbApiKeysDocument, {
  method: 'GET',
  path: '/apikeys',
  summary: "The current project's API keys, oldest first (never their secrets)",
  variables: () => ({}),
  respond: (data) => {
    const keys = data.viewer.project.apiKeys.map(keyJson);
    return ok({ count: keys.length, api_keys: keys });
  },
  success: { status: 200, description: 'The keys', schema: z.object({ ...envelope, count: z.number().int(), api_keys: z.array(z.object(keySchema)) }) },
});

export const createApiKeyBody = z.object({
  name: z.string().optional().describe('A name to recognise the key by (default: "API key")'),
  expires_at: z.iso
    .datetime({ offset: true, error: 'expires_at must be an ISO 8601 timestamp with a time zone' })
    .optional()
    .describe('When the key stops working'),
});

export const createApiKeyRoute = defineRoute(TenantsDbCreateApiKeyDocument, {
  method: 'POST',
  path: '/apikeys',
  summary: 'A new API key for the current project; shown once',
  body: createApiKeyBody,
  variables: ({ body }) => ({ input: { name: body.name ?? null, expiresAt: body.expires_at ?? null } }),
  respond: (data) => ok({ ...keyJson(data.createProjectApiKey.apiKey), api_key: data.createProjectApiKey.secret }, 'created'),
  success: { status: 201, description: 'Created', schema: z.object({ ...envelope, ...keySchema, api_key: tenantsDbKey }) },
});

export const deleteApiKeyRoute = defineRoute(TenantsDbDeleteApiKeyDocument, {
  method: 'DELETE',
  path: '/apikeys/{id}',
  summary: 'Delete an API key: it stops working at once (on other replicas within PRINCIPAL_CACHE_MS)',
  variables: ({ params }) => ({ id: params.id! }),
  respond: (data) => ok({ message: `API key '${data.revokeApiKey.id}' deleted successfully` }),
  success: { status: 200, description: 'Deleted', schema: z.object({ ...envelope, message: z.string() }) },
});
