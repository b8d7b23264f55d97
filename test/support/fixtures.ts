import {
  type CreateApiKeyInput,
  CreateApiKeyDocument,
  type CreateTenantInput,
  CreateTenantDocument,
  type PlanTier,
  SetProjectTierDocument,
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

export const accountPassword = 'correct horse battery';

/** A TenantsDB account made through POST /signup: its email, and its first project's key and id. */
export async function signupAccount(gateway: TestGateway, options: { projectName?: string; email?: string } = {}) {
  const email = options.email ?? `${uniqueSlug('user')}@example.com`;
  const response = await gateway.rest('POST', '/signup', {
    body: { email, password: accountPassword, ...(options.projectName ? { project_name: options.projectName } : {}) },
  });
  if (response.status !== 201) throw new Error(`POST /signup failed\n${JSON.stringify(response.body, null, 2)}`);
  return { email, key: response.body.api_key as string, projectId: response.body.project_id as string };
}

/** Tenant-mode workspaces (and so blueprints) of a project, as POST /tenants needs them. */
export async function createBlueprints(gateway: TestGateway, key: string, names: string[]) {
  for (const name of names) {
    const response = await gateway.rest('POST', '/workspaces', {
      headers: { authorization: `Bearer ${key}` },
      body: { name, database: 'PostgreSQL', mode: 'tenant' },
    });
    if (response.status !== 201) throw new Error(`POST /workspaces ${name} failed\n${JSON.stringify(response.body, null, 2)}`);
  }
}

/**
 * The operator sets a project's plan (by id or slug): a test that needs more than a FREE
 * project's quotas, or a paid feature, makes its project paid rather than loosening a quota.
 */
export async function setProjectTier(gateway: TestGateway, project: string, tier: PlanTier) {
  const { setProjectTier } = await gateway.data(SetProjectTierDocument, { project, tier });
  return setProjectTier;
}
