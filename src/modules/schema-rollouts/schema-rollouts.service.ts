import type { Prisma } from '../../generated/prisma/client.js';
import { enqueueJob } from '../../jobs/queue.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../lib/errors.js';
import { projectTarget, recordAudit } from '../../kernel/audit-trail.js';
import type { Actor } from '../../kernel/principal.js';
import { resolveTenant } from '../../kernel/tenant-access.js';
import { callerProjectId, projectBlueprint } from '../workspaces/workspace-access.js';

/** The queue's kind for deployments (src/jobs/): its handler is schema-rollout.job.ts. */
export const schemaRolloutKind = 'schema-rollout';

export type RolloutDeps = {
  /** Looks for the new job at once in this process (other processes hear of it by NOTIFY). */
  kick(): void;
};

export type RolloutRequest = {
  projectId: string;
  blueprint: string;
  version: number;
  tenantIds: string[];
  /** Who asked: each tenant's `database.deployed` audit event names them, however later the job runs. */
  requester?: Pick<Actor, 'principal' | 'origin'>;
};

/** Queues a deployment: the record, one pending target per tenant, and its queue job, in the caller's transaction. */
export async function enqueueSchemaRollout(tx: Prisma.TransactionClient, request: RolloutRequest) {
  const principal = request.requester?.principal;
  const rollout = await tx.schemaRollout.create({
    data: {
      projectId: request.projectId,
      blueprint: request.blueprint,
      version: request.version,
      requestedBy: principal?.label ?? null,
      requestedById: principal?.id ?? null,
      requestId: request.requester?.origin?.requestId ?? null,
      clientAddress: request.requester?.origin?.clientAddress ?? null,
      targets: { create: request.tenantIds.map((tenantId, position) => ({ tenantId, position })) },
    },
  });
  await enqueueJob(tx, { kind: schemaRolloutKind, payload: { rolloutId: rollout.id } });
  return rollout;
}

const withTargets = { targets: { orderBy: { position: 'asc' }, include: { tenant: true } } } satisfies Prisma.SchemaRolloutInclude;

export type DeployInput = { blueprintName: string; version?: number | null; deployAll?: boolean | null };

/**
 * Deploys a blueprint: its pending DDL becomes the next version (or `version` names one already
 * made, to bring lagging tenants up to it), and a job applies it to every tenant database of the
 * blueprint below that version. `deployAll: false` only releases the version: new tenants start
 * at it, existing ones wait for a later deployment.
 */
export async function deployBlueprint(actor: Actor, input: DeployInput, deps: RolloutDeps) {
  const projectId = callerProjectId(actor, 'deployments:write');
  if (input.version != null && (!Number.isInteger(input.version) || input.version < 1)) {
    throw new InvalidInputError([{ field: 'version', rule: 'range', message: 'version must be a version number (1 or more)' }]);
  }
  const blueprint = await projectBlueprint(actor, projectId, input.blueprintName);
  const rollout = await actor.prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Blueprint" WHERE id = ${blueprint.id}::uuid FOR UPDATE`;
    const latest = await tx.blueprintVersion.findFirst({ where: { blueprintId: blueprint.id }, orderBy: { number: 'desc' } });
    const pending = await tx.schemaChange.findMany({ where: { workspaceId: blueprint.workspaceId, status: 'PENDING' }, orderBy: { position: 'asc' } });
    const next = (latest?.number ?? 0) + 1;
    let version: number;
    if (pending.length > 0 && (input.version == null || input.version === next)) {
      const created = await tx.blueprintVersion.create({
        data: { blueprintId: blueprint.id, number: next, statements: pending.map((change) => change.statement), deployedAt: new Date() },
      });
      await tx.schemaChange.updateMany({ where: { id: { in: pending.map((change) => change.id) } }, data: { status: 'DEPLOYED', versionId: created.id } });
      await recordAudit(tx, actor, {
        tenantId: null,
        action: 'blueprint.version_created',
        target: projectTarget(projectId),
        changes: [{ path: `blueprints.${blueprint.name}.versions.${next}`, before: null, after: { statements: created.statements } }],
      });
      version = next;
    } else if (input.version != null) {
      if (!latest || input.version > latest.number) {
        throw new NotFoundError(
          `Blueprint '${blueprint.name}' has no version ${input.version}${pending.length ? ` (its pending changes would become version ${next})` : ''}`,
          { version: input.version },
        );
      }
      version = input.version;
    } else {
      if (!latest) throw new ConflictError(`Blueprint '${blueprint.name}' has no changes to deploy`);
      version = latest.number;
    }
    const databases =
      input.deployAll === false
        ? []
        : await tx.tenantDatabase.findMany({
            where: { blueprintId: blueprint.id, placementId: { not: null }, schemaVersion: { lt: version } },
            orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
            select: { tenantId: true },
          });
    if (databases.length === 0 && input.deployAll !== false && pending.length === 0 && input.version == null) {
      throw new ConflictError(`Blueprint '${blueprint.name}' has no undeployed changes and every tenant is at version ${version}`);
    }
    return enqueueSchemaRollout(tx, {
      projectId,
      blueprint: blueprint.name,
      version,
      tenantIds: databases.map((database) => database.tenantId),
      requester: actor,
    });
  });
  deps.kick();
  return actor.prisma.schemaRollout.findUniqueOrThrow({ where: { id: rollout.id }, include: withTargets });
}

export const rolloutPage = 100;

/** The caller's project's deployments, newest first. */
export function listSchemaRollouts(actor: Actor) {
  const projectId = callerProjectId(actor, 'deployments:read');
  return actor.prisma.schemaRollout.findMany({
    where: { projectId },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: rolloutPage,
    include: withTargets,
  });
}

export async function findSchemaRollout(actor: Actor, id: string) {
  const projectId = callerProjectId(actor, 'deployments:read');
  const rollout = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)
    ? await actor.prisma.schemaRollout.findFirst({ where: { id: id.toLowerCase(), projectId }, include: withTargets })
    : null;
  if (!rollout) throw new NotFoundError(`Deployment not found: ${id}`, { deployment: id });
  return rollout;
}

/** A tenant's part in deployments, newest first: the blueprint versions applied to its databases. */
export async function tenantSchemaRollouts(actor: Actor, ref: string, limit?: number | null) {
  if (limit != null && (!Number.isInteger(limit) || limit < 1 || limit > 1000)) {
    throw new InvalidInputError([{ field: 'limit', rule: 'range', message: 'limit must be an integer from 1 to 1000' }]);
  }
  const tenant = await resolveTenant(actor, ref, 'deployments:read');
  const results = await actor.prisma.schemaRolloutTarget.findMany({
    where: { tenantId: tenant.id },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit ?? undefined,
    include: { rollout: true },
  });
  return { tenant, results };
}
