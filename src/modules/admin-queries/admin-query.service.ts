import type { Tenant, TenantDatabase } from '../../generated/prisma/client.js';
import { ConflictError, DomainError, InvalidInputError, NotFoundError } from '../../lib/errors.js';
import { recordDataPlaneAudit } from '../../kernel/audit-trail.js';
import { type Actor, requireScope } from '../../kernel/principal.js';
import { recordQueries } from '../query-logs/query-log-writer.js';
import { callerProjectId, projectBlueprint } from '../workspaces/workspace-access.js';
import { type ClassifiedStatement, classifySql, SqlSyntaxError, withoutConstants } from '../data-plane-schemas/sql-classifier.js';
import {
  type ChangedRows,
  ConnectionLimitError,
  planLimits,
  RefusedStatementError,
  runInSchema,
  SchemaQueryError,
} from '../data-plane-schemas/tenant-schemas.js';
import type { DataPlaneDeps } from '../data-plane-schemas/data-plane-deps.js';
import { type Placed, withPlacement } from '../data-plane-schemas/placements.js';
import { ProjectBusyError } from '../../data-plane/data-plane.js';
import { assertLive, resolveTenant } from '../../kernel/tenant-access.js';

export type AdminQueryDeps = DataPlaneDeps;

export type AdminQueryInput = { blueprint: string; query: string; tenant?: string | null; allTenants?: boolean | null };

export const ddlRefusal = 'DDL not allowed on tenant databases. Deploy schema through blueprints.';

export type TenantQueryOutcome = {
  tenant: Tenant;
  columns: string[];
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
  durationMs: number;
  error: string | null;
};

/** How much of a statement's text the audit trail keeps (in characters; longer text ends with `…`). */
export const auditedStatementLength = 1000;

/**
 * A statement as the audit trail keeps it: its constants replaced by `$1`, `$2` … (so no value it
 * wrote or matched is kept, not even as a literal), trimmed, and bounded to whole characters.
 */
export async function auditedStatement(change: Pick<ChangedRows, 'statement' | 'command'>): Promise<string> {
  const characters = Array.from(((await withoutConstants(change.statement)) ?? change.command).trim());
  return characters.length > auditedStatementLength ? `${characters.slice(0, auditedStatementLength).join('')}…` : characters.join('');
}

const badQuery = (message: string, rule: string) => new DomainError('BAD_USER_INPUT', message, { field: 'query', rule });

async function classified(query: string): Promise<ClassifiedStatement[]> {
  let statements: ClassifiedStatement[];
  try {
    statements = await classifySql(query);
  } catch (error) {
    if (error instanceof SqlSyntaxError) throw badQuery(error.message, 'syntax');
    throw error;
  }
  if (statements.length === 0) throw new InvalidInputError([{ field: 'query', rule: 'required', message: 'query holds no SQL statement' }]);
  if (statements.some((statement) => statement.kind === 'ddl')) throw badQuery(ddlRefusal, 'ddl');
  const refused = statements.find((statement) => statement.refusal !== null || statement.kind === 'utility');
  if (refused) throw badQuery(refused.refusal ?? `${refused.command} is not allowed in admin queries`, 'refused');
  return statements;
}

/**
 * Runs data SQL (no DDL) on one tenant database of a blueprint, or on every live one of the
 * caller's project, each in its own transaction as that database's role, with the blueprint's
 * workspace limits; every run is written to the tenant's query log (source API), and a run that
 * changed rows is a `database.query` audit event in its own transaction. On one tenant a
 * PostgreSQL error is the answer (400); across tenants it is that tenant's result, and the
 * others still run. A tenant database already running its workspace's max_connections queries
 * through this process is RATE_LIMITED on one tenant, and that tenant's result across tenants.
 */
export async function runAdminQuery(actor: Actor, input: AdminQueryInput, deps: AdminQueryDeps) {
  const hasTenant = input.tenant != null && input.tenant !== '';
  if (hasTenant === (input.allTenants === true)) {
    const message = hasTenant ? 'Provide tenant_id or all_tenants: true, not both' : 'Provide tenant_id or all_tenants: true';
    throw new InvalidInputError([{ field: 'tenant_id', rule: 'one_of', message }]);
  }
  const projectId = callerProjectId(actor, 'tenants:read');
  const statements = await classified(input.query);
  if (statements.some((statement) => statement.kind !== 'query')) requireScope(actor, 'tenants:write');
  const blueprint = await projectBlueprint(actor, projectId, input.blueprint, { workspace: true, project: { select: { tier: true } } });
  const schemas = new Map<string, Promise<string[]>>();
  const limitsOf = (placed: Placed) =>
    planLimits(
      deps,
      blueprint.project.tier,
      placed,
      blueprint.workspace,
      () => {
        // One read of the project's schemas per database for the whole request.
        if (!schemas.has(placed.databaseId))
          schemas.set(
            placed.databaseId,
            actor.prisma.dataPlacement
              .findMany({ where: { databaseId: placed.databaseId }, select: { schemaName: true } })
              .then((rows) => rows.map((row) => row.schemaName)),
          );
        return schemas.get(placed.databaseId)!;
      },
      actor.signal,
    );

  let targets: { tenant: Tenant; placed: Placed }[];
  if (hasTenant) {
    const { databases, ...tenant } = await resolveTenant<Tenant & { databases: (TenantDatabase & { placement: Placed | null })[] }>(
      actor,
      input.tenant,
      'tenants:read',
      {
        include: { databases: { where: { blueprintId: blueprint.id, placementId: { not: null } }, include: withPlacement } },
      },
    );
    assertLive(tenant, 'query');
    if (tenant.status === 'SUSPENDED') throw new ConflictError(`Tenant '${tenant.slug}' is suspended: its queries are blocked until it is resumed`);
    const database = databases[0];
    if (!database) throw new NotFoundError(`Tenant '${tenant.slug}' has no database of blueprint '${blueprint.name}'`, { blueprint: blueprint.name });
    targets = [{ tenant, placed: database.placement! }];
  } else {
    const databases = await actor.prisma.tenantDatabase.findMany({
      where: { blueprintId: blueprint.id, placementId: { not: null }, tenant: { projectId, status: { notIn: ['DELETED', 'SUSPENDED'] } } },
      orderBy: [{ tenant: { createdAt: 'asc' } }, { id: 'asc' }],
      include: { tenant: true, ...withPlacement },
    });
    targets = databases.map((database) => ({ tenant: database.tenant, placed: database.placement! }));
  }

  const started = performance.now();
  const outcomes: TenantQueryOutcome[] = [];
  // Tenants refused by max_connections: nothing ran there, so nothing goes to their query log.
  const refusedHere = new Set<TenantQueryOutcome>();
  for (const target of targets) {
    const runStarted = performance.now();
    try {
      // Changed rows are audited (statement and count, never values) before the change commits.
      const audit = async (changed: ChangedRows[]) =>
        recordDataPlaneAudit(actor.prisma, actor, {
          tenantId: target.tenant.id,
          action: 'database.query',
          target: `database:${blueprint.name}`,
          changes: await Promise.all(
            changed.map(async (change) => ({
              path: `databases.${blueprint.name}.rows`,
              before: null,
              after: { statement: await auditedStatement(change), rowCount: change.rowCount },
            })),
          ),
        });
      const result = await runInSchema(deps, target.placed, limitsOf(target.placed), statements, audit);
      outcomes.push({
        tenant: target.tenant,
        columns: result.columns,
        rows: result.rows,
        rowCount: result.rowCount,
        truncated: result.truncated,
        durationMs: performance.now() - runStarted,
        error: null,
      });
    } catch (error) {
      // One tenant: 429, nothing ran. Across tenants: that tenant's result, and the others still run.
      if ((error instanceof ConnectionLimitError || error instanceof ProjectBusyError) && !hasTenant) {
        const refused = { tenant: target.tenant, columns: [], rows: [], rowCount: 0, truncated: false, durationMs: 0, error: error.message };
        refusedHere.add(refused);
        outcomes.push(refused);
        continue;
      }
      if (!(error instanceof SchemaQueryError) && !(error instanceof RefusedStatementError)) throw error;
      outcomes.push({
        tenant: target.tenant,
        columns: [],
        rows: [],
        rowCount: 0,
        truncated: false,
        durationMs: performance.now() - runStarted,
        error: error.message,
      });
    }
  }
  await recordQueries(
    actor.prisma,
    outcomes
      .filter((outcome) => !refusedHere.has(outcome))
      .map((outcome) => ({
        tenantId: outcome.tenant.id,
        source: 'API',
        blueprint: blueprint.name,
        query: input.query,
        success: outcome.error === null,
        durationMs: outcome.durationMs,
        error: outcome.error,
      })),
  );
  const only = outcomes[0];
  if (hasTenant && only?.error) throw badQuery(only.error, 'sql');
  return { results: outcomes, durationMs: performance.now() - started };
}
