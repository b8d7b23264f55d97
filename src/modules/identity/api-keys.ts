import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ApiKey } from '../../generated/prisma/client.js';
import { ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { parseInput } from '../../lib/validation.js';
import { auditedChange, recordAudit } from '../../kernel/audit-trail.js';
import { assertProjectQuotas } from '../quotas/quotas.js';
import { resolveTenant } from '../../kernel/tenant-access.js';
import { activeTenantKeys } from '../tenants/tenant-counts.js';
import { type Actor, hasScope, requireScope, scopes } from '../../kernel/principal.js';

/**
 * The gateway's keys (`tgw_…`), Control Core's (`cc_live_…`): a visible prefix, then the secret;
 * and TenantsDB's (`tenantsdb_sk_<64 hex>`). As patterns, for the APIs that document them.
 */
export const keyFormats = {
  tgw: '^tgw_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$',
  cc_live: '^cc_live_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$',
  tenantsdb: '^tenantsdb_sk_[0-9a-f]{64}$',
} as const;
export const keyPattern = new RegExp(Object.values(keyFormats).join('|'));

export type KeyBrand = 'tgw' | 'cc_live';

/** The visible prefix of a key of the gateway's own shapes (what `ApiKey.prefix` stores): null for anything else, of which no part is ever shown. */
export function visibleKeyPrefix(key: string): string | null {
  if (!keyPattern.test(key)) return null;
  return key.startsWith('tenantsdb_sk_') ? key.slice(0, 'tenantsdb_sk_'.length + 12) : key.slice(0, key.indexOf('_', key.startsWith('cc_live_') ? 8 : 4));
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function mintKey(brand: KeyBrand = 'tgw'): { key: string; prefix: string; secretHash: string } {
  const prefix = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 8);
  const key = `${brand}_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: `${brand}_${prefix}`, secretHash: hashSecret(key) };
}

/** A TenantsDB key as its seed shows them; the prefix is its first 12 hex digits. */
export function mintTenantsDbKey(): { key: string; prefix: string; secretHash: string } {
  const key = `tenantsdb_sk_${randomBytes(32).toString('hex')}`;
  return { key, prefix: visibleKeyPrefix(key)!, secretHash: hashSecret(key) };
}

const createKeySchema = z.object({
  name: z.string().trim().min(1, { error: 'name must not be empty' }).max(100, { error: 'name must be at most 100 characters' }),
  scopes: z.array(z.enum(scopes, { error: `scopes must be among ${scopes.join(', ')}` })).min(1, { error: 'scopes must name at least one scope' }),
  tenant: z.string().max(64).nullish(),
  projectId: z.string().uuid({ error: 'projectId must be a UUID' }).nullish(),
  expiresAt: z
    .date()
    .refine((value) => value.getTime() > Date.now(), { error: 'expiresAt must be in the future' })
    .nullish(),
  brand: z.enum(['tgw', 'cc_live']).nullish(),
});

export type CreateApiKeyInput = z.input<typeof createKeySchema>;

/** Mints a key; the secret is returned here once and never again. */
export async function createApiKey(actor: Actor, input: CreateApiKeyInput): Promise<{ apiKey: ApiKey; secret: string }> {
  const principal = requireScope(actor, 'keys:write');
  const data = parseInput(createKeySchema, input);
  if (data.tenant && data.projectId) {
    throw new ForbiddenError('A key is owned by one tenant or one project, not both', { field: 'tenant' });
  }
  for (const scope of data.scopes) {
    if (!hasScope(principal, scope)) {
      throw new ForbiddenError(`Cannot grant the "${scope}" scope: this API key lacks it`, { scope, field: 'scopes' });
    }
  }
  let owner: Pick<ApiKey, 'owner' | 'tenantId' | 'projectId'>;
  if (data.tenant) {
    const tenant = await resolveTenant(actor, data.tenant, 'keys:write');
    // Each tenant key is a user of the tenant, beside its administrator (tenant-counts.ts).
    if (1 + (await activeTenantKeys(actor.prisma, tenant.id)) >= tenant.maxUsers) {
      throw new ForbiddenError(`The tenant's user limit is reached (maxUsers: ${tenant.maxUsers}); revoke a key first`, {
        limit: tenant.maxUsers,
        field: 'maxUsers',
      });
    }
    owner = { owner: 'TENANT', tenantId: tenant.id, projectId: null };
  } else if (data.projectId) {
    if (principal.owner === 'TENANT' || (principal.owner === 'PROJECT' && principal.projectId !== data.projectId)) {
      throw new NotFoundError('Project does not exist', { field: 'projectId' });
    }
    if (!(await actor.prisma.project.findUnique({ where: { id: data.projectId }, select: { id: true } }))) {
      throw new NotFoundError('Project does not exist', { field: 'projectId' });
    }
    owner = { owner: 'PROJECT', tenantId: null, projectId: data.projectId };
  } else {
    if (principal.owner !== 'GLOBAL') {
      throw new ForbiddenError('Only an operator key can create operator (global) keys', { field: 'tenant' });
    }
    owner = { owner: 'GLOBAL', tenantId: null, projectId: null };
  }
  const { key, prefix, secretHash } = mintKey(data.brand ?? 'tgw');
  const apiKey = await auditedChange(actor.prisma, async (tx) => {
    if (owner.projectId) await assertProjectQuotas(tx, principal, owner.projectId, ['apiKeys']);
    const created = await tx.apiKey.create({
      data: {
        name: data.name,
        scopes: data.scopes,
        prefix,
        secretHash,
        expiresAt: data.expiresAt ?? null,
        createdBy: principal.label,
        ...owner,
      },
    });
    await recordAudit(tx, actor, apiKeyEvent('api_key.created', created, null, auditedKey(created)));
    return created;
  });
  return { apiKey, secret: key };
}

/** What the trail records of a key: never its secret nor the secret's hash. */
export function auditedKey(key: ApiKey) {
  return {
    name: key.name,
    prefix: key.prefix,
    owner: key.owner,
    projectId: key.projectId,
    scopes: key.scopes,
    expiresAt: key.expiresAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}

/** An audit entry for one key: under its tenant when it has one, operator-wide otherwise. */
export function apiKeyEvent(action: string, key: ApiKey, before: unknown, after: unknown) {
  return { tenantId: key.tenantId, action, target: `api_key:${key.prefix}`, changes: [{ path: `apiKeys.${key.id}`, before, after }] };
}
