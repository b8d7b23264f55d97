import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { ApiKey, Project, Tenant } from '../../generated/prisma/client.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { parseInput } from '../../lib/validation.js';
import { createTenant, type CreateTenantInput, reachableTenants, resolveTenant } from '../tenants/tenants.service.js';
import { type Actor, hasScope, type Principal, requireScope, type Scope, scopes } from './principal.js';

const keyPattern = /^tgw_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{43})$/;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function mintKey(): { key: string; prefix: string; secretHash: string } {
  const prefix = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 8);
  const key = `tgw_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: `tgw_${prefix}`, secretHash: hashSecret(key) };
}

function operatorPrincipal(): Principal {
  return { id: 'operator', label: 'operator', owner: 'GLOBAL', projectId: null, tenantId: null, scopes: new Set(['admin']) };
}

export function principalFromKey(key: ApiKey & { tenant?: { tier: Tenant['tier'] } | null }): Principal {
  return {
    id: key.id,
    label: `${key.name} (${key.prefix})`,
    owner: key.owner,
    projectId: key.projectId,
    tenantId: key.tenantId,
    tenantTier: key.tenant?.tier,
    scopes: new Set(key.scopes as Scope[]),
  };
}

/**
 * Turns a presented API key into a principal. `GATEWAY_ADMIN_KEY` is the operator;
 * other keys are looked up by their SHA-256 hash, so the secret itself is never stored.
 */
export async function authenticate(
  prisma: Actor['prisma'],
  presented: string,
  adminKey?: string,
): Promise<{ principal: Principal } | { failure: string }> {
  if (adminKey) {
    const a = Buffer.from(hashSecret(presented));
    const b = Buffer.from(hashSecret(adminKey));
    if (timingSafeEqual(a, b)) return { principal: operatorPrincipal() };
  }
  if (!keyPattern.test(presented)) return { failure: 'The API key is not valid' };
  const key = await prisma.apiKey.findUnique({
    where: { secretHash: hashSecret(presented) },
    include: { tenant: { select: { tier: true } } },
  });
  if (!key) return { failure: 'The API key is not valid' };
  if (key.revokedAt) return { failure: 'The API key has been revoked' };
  if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) return { failure: 'The API key has expired' };
  return { principal: principalFromKey(key) };
}

const createKeySchema = z.object({
  name: z.string().trim().min(1, { error: 'name must not be empty' }).max(100, { error: 'name must be at most 100 characters' }),
  scopes: z
    .array(z.enum(scopes, { error: `scopes must be among ${scopes.join(', ')}` }))
    .min(1, { error: 'scopes must name at least one scope' }),
  tenant: z.string().max(64).nullish(),
  projectId: z.string().uuid({ error: 'projectId must be a UUID' }).nullish(),
  expiresAt: z.date().refine((value) => value.getTime() > Date.now(), { error: 'expiresAt must be in the future' }).nullish(),
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
  const { key, prefix, secretHash } = mintKey();
  const apiKey = await actor.prisma.apiKey.create({
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
  return { apiKey, secret: key };
}

async function findReachableKey(actor: Actor, id: string): Promise<ApiKey> {
  const principal = requireScope(actor, 'keys:write');
  const key = z.string().uuid().safeParse(id).success ? await actor.prisma.apiKey.findUnique({ where: { id } }) : null;
  const reachable =
    key &&
    (principal.owner === 'GLOBAL' ||
      (principal.owner === 'PROJECT' &&
        (key.projectId === principal.projectId ||
          (key.tenantId != null &&
            (await actor.prisma.tenant.count({ where: { id: key.tenantId, ...reachableTenants(principal) } })) > 0))) ||
      (principal.owner === 'TENANT' && key.tenantId === principal.tenantId));
  if (!reachable) throw new NotFoundError('API key does not exist', { field: 'id' });
  return key;
}

export async function revokeApiKey(actor: Actor, id: string): Promise<ApiKey> {
  const key = await findReachableKey(actor, id);
  if (key.revokedAt) return key;
  return actor.prisma.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
}

export async function listApiKeysWhere(actor: Actor) {
  const principal = requireScope(actor, 'keys:write');
  switch (principal.owner) {
    case 'GLOBAL':
      return {};
    case 'PROJECT':
      return { OR: [{ projectId: principal.projectId }, { tenant: { projectId: principal.projectId } }] };
    case 'TENANT':
      return { tenantId: principal.tenantId };
  }
}

const projectSchema = z.object({
  slug: z.string().regex(/^[a-z0-9][a-z0-9_-]{1,63}$/, { error: 'slug must be 2-64 lowercase letters, digits, "_" or "-"' }),
  name: z.string().trim().min(1, { error: 'name must not be empty' }).max(200, { error: 'name must be at most 200 characters' }),
  tier: z.enum(['FREE', 'BASIC', 'PRO', 'ENTERPRISE']).nullish().transform((tier) => tier ?? 'FREE'),
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

/**
 * A new tenant together with its first credential, in one transaction: callers that
 * onboard a client (the Event History API's initialize-tenant) get both or neither.
 */
export async function provisionTenant(
  actor: Actor,
  tenantInput: CreateTenantInput,
  keyInput: Pick<CreateApiKeyInput, 'name' | 'scopes' | 'expiresAt'>,
): Promise<{ tenant: Tenant; apiKey: ApiKey; secret: string }> {
  requireScope(actor, 'tenants:write');
  requireScope(actor, 'keys:write');
  return actor.prisma.$transaction(async (tx) => {
    const inTransaction: Actor = { ...actor, prisma: tx as unknown as Actor['prisma'] };
    const tenant = await createTenant(inTransaction, tenantInput);
    const { apiKey, secret } = await createApiKey(inTransaction, { ...keyInput, tenant: tenant.id });
    return { tenant, apiKey, secret };
  });
}
