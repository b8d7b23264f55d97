import type { SqlSessions } from '../../db/sql-sessions.js';
import type { PrismaClient, SchemaRollout } from '../../generated/prisma/client.js';
import { type AuditActor, recordAuditInSql } from '../audit/audit-trail.js';
import { quotedName } from '../tenant-databases/physical-names.js';
import type { RolloutApplier } from './schema-rollout.worker.js';
import { utcNowText } from '../../db/sql-time.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** PostgreSQL refused a blueprint statement in a tenant's schema. */
export class RolloutStatementError extends Error {
  constructor(message: string, readonly statement: string) {
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
 * in between, in order, in one transaction that also records the new version (locked first, so
 * two rollouts of a blueprint never apply a version twice). The DDL runs as the schema's own
 * role with search_path on that schema only, as the blueprint's workspace ran it. The tenant's
 * `database.deployed` audit event (actor: who asked for the deployment) is written in that
 * transaction too, so it exists exactly when the version was applied.
 */
export function blueprintVersionApplier(prisma: PrismaClient, sql: SqlSessions): RolloutApplier {
  return async (rollout, target) => {
    const blueprint = await prisma.blueprint.findUnique({ where: { projectId_name: { projectId: rollout.projectId, name: rollout.blueprint } } });
    const database = blueprint && (await prisma.tenantDatabase.findFirst({ where: { tenantId: target.tenantId, blueprintId: blueprint.id } }));
    if (!blueprint || !database?.schemaName) throw new Error(`The tenant has no database of blueprint '${rollout.blueprint}' any more`);
    if (!uuid.test(database.id)) throw new Error('Unexpected database id');
    const versions = await prisma.blueprintVersion.findMany({
      where: { blueprintId: blueprint.id, number: { lte: rollout.version } },
      orderBy: { number: 'asc' },
      select: { number: true, statements: true },
    });
    return sql.transaction(async (tx) => {
      const locked = await tx.query(`SELECT "schemaVersion" FROM "TenantDatabase" WHERE id = '${database.id}' FOR UPDATE`);
      const current = Number(locked.rows[0]?.[0] ?? 0);
      if (current >= rollout.version) return 'already_applied' as const;
      await tx.query(`UPDATE "TenantDatabase" SET "schemaVersion" = ${rollout.version}, "updatedAt" = ${utcNowText} WHERE id = '${database.id}'`);
      await recordAuditInSql(tx, rolloutRequester(rollout), {
        tenantId: target.tenantId,
        action: 'database.deployed',
        target: `database:${rollout.blueprint}`,
        changes: [{ path: `databases.${rollout.blueprint}.schemaVersion`, before: current, after: rollout.version }],
      });
      await tx.query(`SET LOCAL ROLE ${quotedName(database.schemaName!)}`);
      await tx.query(`SET LOCAL search_path TO ${quotedName(database.schemaName!)}`);
      for (const version of versions.filter((version) => version.number > current)) {
        for (const statement of version.statements) {
          try {
            await tx.query(statement);
          } catch (error) {
            throw new RolloutStatementError((error as Error).message, statement);
          }
        }
      }
      return 'applied' as const;
    });
  };
}
