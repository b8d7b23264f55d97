import type { PrismaClient, SchemaRollout } from '../../generated/prisma/client.js';
import { type AuditActor, recordDataPlaneAudit } from '../../kernel/audit-trail.js';
import type { DataPlaneDeps } from '../data-plane-schemas/data-plane-deps.js';
import { markChange } from '../data-plane-schemas/change-capture.js';
import { markSchemaVersion, schemaVersionMark, withPlacement } from '../data-plane-schemas/placements.js';
import { inSchemaSession } from '../data-plane-schemas/tenant-schemas.js';
import type { RolloutApplier } from './schema-rollout.job.js';

/** PostgreSQL refused a blueprint statement in a tenant's schema. */
export class RolloutStatementError extends Error {
  constructor(
    message: string,
    readonly statement: string,
  ) {
    super(message);
    this.name = 'RolloutStatementError';
  }
}

/** Who asked for the deployment, as the job recorded them; a job from before that was recorded is the gateway's own. */
export function rolloutRequester(rollout: SchemaRollout): Pick<AuditActor, 'principal' | 'origin'> {
  if (!rollout.requestedById || !rollout.requestedBy) return { principal: { id: 'system:deployment', label: 'deployment' } };
  return {
    principal: { id: rollout.requestedById, label: rollout.requestedBy },
    origin: { requestId: rollout.requestId ?? undefined, clientAddress: rollout.clientAddress ?? undefined },
  };
}

/**
 * Takes one tenant database from its schema version to the rollout's: the DDL of every version
 * in between, in order, run in the data plane as the schema's own login in one transaction that
 * also marks the new version on the schema; then the gateway's record of the version and the
 * tenant's `database.deployed` audit event (actor: who asked for the deployment), in the
 * transaction that locked the record first (two rollouts of a blueprint never apply a version
 * twice). The data plane is another database, so the two commits are two: a process that dies
 * between them leaves a schema whose mark is ahead of its record, and the next attempt records
 * it without running the DDL again.
 */
export function blueprintVersionApplier(prisma: PrismaClient, deps: DataPlaneDeps): RolloutApplier {
  return async (rollout, target) => {
    const blueprint = await prisma.blueprint.findUnique({ where: { projectId_name: { projectId: rollout.projectId, name: rollout.blueprint } } });
    const database =
      blueprint && (await prisma.tenantDatabase.findFirst({ where: { tenantId: target.tenantId, blueprintId: blueprint.id }, include: withPlacement }));
    if (!blueprint || !database?.placement) throw new Error(`The tenant has no database of blueprint '${rollout.blueprint}' any more`);
    const placed = database.placement;
    const versions = await prisma.blueprintVersion.findMany({
      where: { blueprintId: blueprint.id, number: { lte: rollout.version } },
      orderBy: { number: 'asc' },
      select: { number: true, statements: true },
    });
    return prisma.$transaction(
      async (tx) => {
        const [locked] = await tx.$queryRaw<
          { schemaVersion: number }[]
        >`SELECT "schemaVersion" FROM "TenantDatabase" WHERE id = ${database.id}::uuid FOR UPDATE`;
        const current = Number(locked?.schemaVersion ?? 0);
        if (current >= rollout.version) return 'already_applied' as const;
        await inSchemaSession(deps, placed, async (session) => {
          const applied = Math.max(current, (await schemaVersionMark(session, placed.schemaName)) ?? 0);
          // Logged before the DDL: a recovery replaying through this deployment runs it at the same point.
          if (applied < rollout.version) await markChange(session, 'V', rollout.version);
          for (const version of versions.filter((version) => version.number > applied)) {
            for (const statement of version.statements) {
              try {
                await session.run(statement, ddlCaps);
              } catch (error) {
                throw new RolloutStatementError((error as Error).message, statement);
              }
            }
          }
          if (applied < rollout.version) {
            await markChange(session, 'E', rollout.version);
            await markSchemaVersion(session, placed.schemaName, rollout.version);
          }
        });
        await tx.tenantDatabase.update({ where: { id: database.id }, data: { schemaVersion: rollout.version } });
        await recordDataPlaneAudit(tx, rolloutRequester(rollout), {
          tenantId: target.tenantId,
          action: 'database.deployed',
          target: `database:${rollout.blueprint}`,
          changes: [{ path: `databases.${rollout.blueprint}.schemaVersion`, before: current, after: rollout.version }],
        });
        return 'applied' as const;
      },
      { timeout: 300_000, maxWait: 10_000 },
    );
  };
}

/** DDL returns no rows: the caps only bound what a mistaken statement could send back. */
const ddlCaps = { maxRows: 1, maxBytes: 1 << 20 };
