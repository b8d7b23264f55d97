import { z } from 'zod';
import type { ApiKey, Prisma, Project, Tenant } from '../../generated/prisma/client.js';
import { ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../../lib/errors.js';
import { sameSecret } from '../../lib/same-secret.js';
import { parseInput } from '../../lib/validation.js';
import { reachableTenants, resolveTenant, tenantStanding } from '../../kernel/tenant-access.js';
import { auditedChange, recordAudit } from '../../kernel/audit-trail.js';
import { apiKeyEvent, auditedKey, hashSecret, keyPattern, mintKey } from './api-keys.js';
import { type Actor, type Principal, requireScope, type Scope, type TenantStanding } from '../../kernel/principal.js';

export { type CreateApiKeyInput, createApiKey } from './api-keys.js';

function operatorPrincipal(): Principal {
  return { id: 'operator', label: 'operator', owner: 'GLOBAL', projectId: null, tenantId: null, scopes: new Set(['admin']) };
}

type OwningTenant = Pick<Tenant, 'slug' | 'tier' | 'status' | 'statusBeforeRestore' | 'expiresAt'> & {
  gatewayConfig?: { quotaPerMinute: number | null } | null;
};

export function principalFromKey(key: ApiKey & { tenant?: OwningTenant | null; project?: Pick<Project, 'tier'> | null }, standing?: TenantStanding): Principal {
  return {
    id: key.id,
    keyId: key.id,
    label: `${key.name} (${key.prefix})`,
    owner: key.owner,
    projectId: key.projectId,
    tenantId: key.tenantId,
    tenantSlug: key.tenant?.slug,
    tenantTier: key.tenant?.tier,
    tenantQuotaPerMinute: key.tenant?.gatewayConfig?.quotaPerMinute ?? undefined,
    projectTier: key.tenantId ? undefined : key.project?.tier,
    tenantStanding: standing,
    scopes: new Set(key.scopes as Scope[]),
  };
}

/** Unknown, revoked, expired, or owned by a deleted tenant: one answer, so a caller cannot tell which. */
const invalidKey = { failure: 'The API key is not valid' } as const;

/**
 * Turns a presented API key into a principal. `GATEWAY_ADMIN_KEY` is the operator;
 * other keys are looked up by their SHA-256 hash, so the secret itself is never stored.
 * The owning tenant's state is loaded with the key: a deleted tenant's keys are not valid,
 * a suspended or expired tenant's keys only read (requireScope).
 */
export async function authenticate(prisma: Actor['prisma'], presented: string, adminKey?: string): Promise<{ principal: Principal } | { failure: string }> {
  if (adminKey) {
    if (sameSecret(presented, adminKey)) return { principal: operatorPrincipal() };
  }
  if (!keyPattern.test(presented)) return invalidKey;
  const key = await prisma.apiKey.findUnique({
    where: { secretHash: hashSecret(presented) },
    include: {
      tenant: {
        select: { slug: true, tier: true, status: true, statusBeforeRestore: true, expiresAt: true, gatewayConfig: { select: { quotaPerMinute: true } } },
      },
      project: { select: { tier: true } },
    },
  });
  if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= Date.now())) return invalidKey;
  const standing = key.tenant ? tenantStanding(key.tenant) : undefined;
  if (standing === 'DELETED') return invalidKey;
  return { principal: principalFromKey(key, standing) };
}

/**
 * Whether the stored key a long-lived request (a subscription) authenticated with still
 * authenticates: revoked, expired, or its tenant deleted since, it is UNAUTHENTICATED. The
 * operator key and JWTs hold no stored key; a JWT past its `exp` (and the clock tolerance) is
 * UNAUTHENTICATED too, caught by the subscription clock's next beat.
 */
export async function assertKeyStillValid(actor: Actor): Promise<void> {
  const expiresAt = actor.principal?.expiresAt;
  if (expiresAt && expiresAt.getTime() <= Date.now()) throw new UnauthenticatedError('The JWT this subscription was opened with has expired');
  const keyId = actor.principal?.keyId;
  if (!keyId) return;
  const key = await actor.prisma.apiKey.findUnique({
    where: { id: keyId },
    select: { revokedAt: true, expiresAt: true, tenant: { select: { status: true, statusBeforeRestore: true, expiresAt: true } } },
  });
  const gone = !key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= Date.now()) || (key.tenant && tenantStanding(key.tenant) === 'DELETED');
  if (gone) throw new UnauthenticatedError('The API key this subscription was opened with was revoked or has expired');
}

async function findReachableKey(actor: Actor, id: string): Promise<ApiKey> {
  const principal = requireScope(actor, 'keys:write');
  const key = z.string().uuid().safeParse(id).success ? await actor.prisma.apiKey.findUnique({ where: { id } }) : null;
  const reachable =
    key &&
    (principal.owner === 'GLOBAL' ||
      (principal.owner === 'PROJECT' &&
        (key.projectId === principal.projectId ||
          (key.tenantId != null && (await actor.prisma.tenant.count({ where: { id: key.tenantId, ...reachableTenants(principal) } })) > 0))) ||
      (principal.owner === 'TENANT' && key.tenantId === principal.tenantId));
  if (!reachable) throw new NotFoundError('API key does not exist', { field: 'id' });
  return key;
}

export async function revokeApiKey(actor: Actor, id: string): Promise<ApiKey> {
  const key = await findReachableKey(actor, id);
  if (key.revokedAt) return key;
  const revoked = await auditedChange(actor.prisma, async (tx) => {
    const after = await tx.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
    await recordAudit(tx, actor, apiKeyEvent('api_key.revoked', after, auditedKey(key), auditedKey(after)));
    return after;
  });
  actor.credentialsChanged?.();
  return revoked;
}

/**
 * The keys the caller manages; with `tenant` (UUID or slug), only that tenant's keys, the tenant
 * resolved as everywhere else (one out of reach is NOT_FOUND, like one that does not exist).
 */
export async function listApiKeysWhere(actor: Actor, tenant?: string | null): Promise<Prisma.ApiKeyWhereInput> {
  const principal = requireScope(actor, 'keys:write');
  const managed = (): Prisma.ApiKeyWhereInput => {
    switch (principal.owner) {
      case 'GLOBAL':
        return {};
      case 'PROJECT':
        return { OR: [{ projectId: principal.projectId }, { tenant: { projectId: principal.projectId } }] };
      case 'TENANT':
        return { tenantId: principal.tenantId };
    }
  };
  if (tenant == null) return managed();
  const owner = await resolveTenant(actor, tenant, 'keys:write', { select: { id: true } });
  return { AND: [managed(), { tenantId: owner.id }] };
}

const projectSchema = z.object({
  slug: z.string().regex(/^[a-z0-9][a-z0-9_-]{1,63}$/, { error: 'slug must be 2-64 lowercase letters, digits, "_" or "-"' }),
  name: z.string().trim().min(1, { error: 'name must not be empty' }).max(200, { error: 'name must be at most 200 characters' }),
  tier: z
    .enum(['FREE', 'BASIC', 'PRO', 'ENTERPRISE'])
    .nullish()
    .transform((tier) => tier ?? 'FREE'),
});

export async function createProject(actor: Actor, input: { slug: string; name: string; tier?: Project['tier'] | null }): Promise<Project> {
  const principal = requireScope(actor, 'admin');
  if (principal.owner !== 'GLOBAL') throw new ForbiddenError('Only an operator key can create projects');
  const data = parseInput(projectSchema, input);
  if (await actor.prisma.project.findUnique({ where: { slug: data.slug } })) {
    throw new ConflictError(`slug "${data.slug}" is already taken`, { field: 'slug' });
  }
  return actor.prisma.project.create({ data });
}

/**
 * First start without GATEWAY_ADMIN_KEY: mint an operator key once, so a fresh install
 * is usable, and return it for printing. Later starts find it and return nothing.
 */
export async function ensureBootstrapOperatorKey(prisma: Actor['prisma']): Promise<string | null> {
  const existing = await prisma.apiKey.count({
    where: { owner: 'GLOBAL', scopes: { has: 'admin' }, revokedAt: null, createdBy: 'bootstrap' },
  });
  if (existing > 0) return null;
  const { key, prefix, secretHash } = mintKey();
  await prisma.apiKey.create({
    data: { name: 'bootstrap operator key', scopes: ['admin'], prefix, secretHash, owner: 'GLOBAL', createdBy: 'bootstrap' },
  });
  return key;
}
