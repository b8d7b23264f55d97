import {
  type CreateApiKeyInput,
  CreateApiKeyDocument,
  type CreateTenantInput,
  CreateTenantDocument,
} from '../../src/generated/graphql/graphql.js';
import { type TestGateway, uniqueSlug } from './gateway.js';

export async function createTenant(gateway: TestGateway, input: Partial<CreateTenantInput> = {}) {
  const { createTenant } = await gateway.data(CreateTenantDocument, {
    input: { slug: uniqueSlug(), name: 'Acme Corp', ...input },
  });
  return createTenant;
}

export async function createKey(gateway: TestGateway, input: Partial<CreateApiKeyInput> & Pick<CreateApiKeyInput, 'scopes'>) {
  const { createApiKey } = await gateway.data(CreateApiKeyDocument, { input: { name: 'test key', ...input } });
  return createApiKey;
}

export function codes(result: { errors?: { extensions?: Record<string, unknown> }[] }): unknown[] {
  return (result.errors ?? []).map((error) => error.extensions?.code);
}
