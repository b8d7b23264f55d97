import { z } from 'zod';
import type { DocumentKind, PolicyMode, Prisma, TenantDocument } from '../../generated/prisma/client.js';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../../lib/errors.js';
import { parseInput } from '../../lib/validation.js';
import type { Actor } from '../../kernel/principal.js';
import { uuidPattern } from '../../kernel/tenant-access.js';
import { resolveTenantContext, type TenantContextSources } from '../tenants/tenant-context.js';
import { reconcileDocumentAlert } from './document-alerts.js';
import { documentKinds } from './document-kinds.js';

const maxSpecBytes = 65_536;

const name = z.string().trim().min(1, { error: 'name must not be empty' }).max(200, { error: 'name must be at most 200 characters' });
const description = z.string().max(2_000, { error: 'description must be at most 2000 characters' });
const spec = z
  .record(z.string(), z.unknown(), { error: 'spec must be a JSON object' })
  .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= maxSpecBytes, { error: `spec must be at most ${maxSpecBytes / 1024} KiB of JSON` });

export type DocumentInput = { name?: string | null; description?: string | null; spec?: Record<string, unknown> | null; mode?: PolicyMode | null };

const createSchema = z.object({ name, description: description.nullish(), spec: spec.nullish(), mode: z.enum(['ACTIVE', 'SANDBOX']).nullish() });
const updateSchema = z.object({
  name: name.nullish(),
  description: description.nullish(),
  spec: spec.nullish(),
  mode: z.enum(['ACTIVE', 'SANDBOX']).nullish(),
});

function assertModeFits(kind: DocumentKind, mode: PolicyMode | null | undefined): void {
  if (mode && kind !== 'POLICY') throw new InvalidInputError([{ field: 'mode', rule: 'policy_only', message: 'mode applies to policies only' }]);
}

const taken = (kind: DocumentKind, value: string) => new ConflictError(`A ${documentKinds[kind].noun} named "${value}" already exists`, { field: 'name' });

/** Whether a Prisma error is the (tenantId, kind, name) unique constraint: a name taken by a concurrent write. */
const isUniqueViolation = (error: unknown) => (error as { code?: string })?.code === 'P2002';

/** The tenant's documents of one kind, oldest first. */
export async function listDocuments(
  actor: Actor,
  context: TenantContextSources,
  kind: DocumentKind,
  query: { select?: Prisma.TenantDocumentSelect; include?: Prisma.TenantDocumentInclude } = {},
) {
  const tenant = await resolveTenantContext(actor, context, documentKinds[kind].read);
  return actor.prisma.tenantDocument.findMany({ ...query, where: { tenantId: tenant.id, kind }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: 1_000 });
}

/**
 * A new policy, resource or bouncer. The tenant row is locked while its count is checked against
 * its limit, so two concurrent creations cannot both take the last place.
 */
export async function createDocument(actor: Actor, context: TenantContextSources, kind: DocumentKind, input: DocumentInput): Promise<TenantDocument> {
  const rules = documentKinds[kind];
  const tenant = await resolveTenantContext(actor, context, rules.write);
  const data = parseInput(createSchema, input);
  assertModeFits(kind, data.mode);
  try {
    return await actor.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1 FROM "Tenant" WHERE "id" = ${tenant.id}::uuid FOR UPDATE`;
      const locked = await tx.tenant.findUniqueOrThrow({ where: { id: tenant.id } });
      if (rules.limitField) {
        const limit = locked[rules.limitField];
        const used = await tx.tenantDocument.count({ where: { tenantId: tenant.id, kind } });
        if (used >= limit) {
          const setting = rules.limitField === 'maxPolicies' ? 'max_policies' : 'max_bouncers';
          throw new ForbiddenError(`The tenant's ${rules.noun} limit is reached (${setting}: ${limit})`, { limit, field: rules.limitField });
        }
      }
      if (await tx.tenantDocument.count({ where: { tenantId: tenant.id, kind, name: data.name } })) throw taken(kind, data.name);
      const created = await tx.tenantDocument.create({
        data: {
          tenantId: tenant.id,
          kind,
          name: data.name,
          description: data.description ?? '',
          spec: (data.spec ?? {}) as Prisma.InputJsonObject,
          mode: kind === 'POLICY' ? (data.mode ?? 'ACTIVE') : null,
        },
      });
      await reconcileDocumentAlert(tx as unknown as Actor['prisma'], locked, kind);
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw taken(kind, data.name);
    throw error;
  }
}

/** One of the tenant's documents of a kind; any other id (another tenant's, another kind's) is NOT_FOUND. */
async function findDocument(actor: Actor, tenantId: string, kind: DocumentKind, id: string): Promise<TenantDocument> {
  const found = uuidPattern.test(id) ? await actor.prisma.tenantDocument.findFirst({ where: { id: id.toLowerCase(), tenantId, kind } }) : null;
  if (!found) throw new NotFoundError(`No ${documentKinds[kind].noun} ${id}`, { document: id });
  return found;
}

/** Changes the fields given; the others stay. */
export async function updateDocument(
  actor: Actor,
  context: TenantContextSources,
  kind: DocumentKind,
  id: string,
  input: DocumentInput,
): Promise<TenantDocument> {
  const tenant = await resolveTenantContext(actor, context, documentKinds[kind].write);
  const data = parseInput(updateSchema, input);
  assertModeFits(kind, data.mode);
  const current = await findDocument(actor, tenant.id, kind, id);
  if (data.name && data.name !== current.name && (await actor.prisma.tenantDocument.count({ where: { tenantId: tenant.id, kind, name: data.name } }))) {
    throw taken(kind, data.name);
  }
  try {
    return await actor.prisma.tenantDocument.update({
      where: { id: current.id },
      data: {
        ...(data.name != null ? { name: data.name } : {}),
        ...(data.description != null ? { description: data.description } : {}),
        ...(data.spec != null ? { spec: data.spec as Prisma.InputJsonObject } : {}),
        ...(data.mode != null ? { mode: data.mode } : {}),
      },
    });
  } catch (error) {
    if (isUniqueViolation(error) && data.name) throw taken(kind, data.name);
    throw error;
  }
}

export async function deleteDocument(actor: Actor, context: TenantContextSources, kind: DocumentKind, id: string): Promise<TenantDocument> {
  const tenant = await resolveTenantContext(actor, context, documentKinds[kind].write);
  const current = await findDocument(actor, tenant.id, kind, id);
  return actor.prisma.$transaction(async (tx) => {
    await tx.tenantDocument.delete({ where: { id: current.id } });
    await reconcileDocumentAlert(tx as unknown as Actor['prisma'], tenant, kind);
    return current;
  });
}

/**
 * The tenant's policy and bouncer limit alerts, newest first, each limit re-evaluated first (a
 * changed setting raises or resolves its alert here).
 */
export async function listDocumentAlerts(actor: Actor, context: TenantContextSources) {
  const tenant = await resolveTenantContext(actor, context, 'usage:read');
  for (const kind of ['POLICY', 'BOUNCER'] as const) await reconcileDocumentAlert(actor.prisma, tenant, kind);
  const alerts = await actor.prisma.documentLimitAlert.findMany({ where: { tenantId: tenant.id }, orderBy: { createdAt: 'desc' }, take: 200 });
  return { tenant, alerts };
}
