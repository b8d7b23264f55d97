import type { SchemaChange } from '../../generated/prisma/client.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../lib/errors.js';
import { parseInput } from '../../lib/validation.js';
import { auditedChange, projectTarget, recordAudit } from '../../kernel/audit-trail.js';
import type { Actor } from '../../kernel/principal.js';
import { classifySql, SqlSyntaxError, type ClassifiedStatement } from '../data-plane-schemas/sql-classifier.js';
import {
  describeSchema,
  planLimits,
  RefusedStatementError,
  runInSchema,
  SchemaQueryError,
  type SchemaQueryResult,
} from '../data-plane-schemas/tenant-schemas.js';
import type { DataPlaneDeps } from '../data-plane-schemas/data-plane-deps.js';
import { findWorkspace, workspacePlacement, type WorkspaceWithBlueprint } from './workspace-access.js';
import { queryText } from './workspace-inputs.js';

const queryError = (message: string) => new InvalidInputError([{ field: 'query', rule: 'sql', message }]);

/** SQL text as statements, or BAD_USER_INPUT with the parser's message. */
export async function parseStatements(text: unknown): Promise<ClassifiedStatement[]> {
  const sql = parseInput(queryText, text, 'query');
  try {
    const statements = await classifySql(sql);
    if (statements.length === 0) throw queryError('query holds no statement');
    return statements;
  } catch (error) {
    if (error instanceof SqlSyntaxError) throw queryError(error.message);
    throw error;
  }
}

/** The project's schemas in a data-plane database: what its storage quota measures. */
export const databaseSchemas = (actor: Actor, databaseId: string) => async () =>
  (await actor.prisma.dataPlacement.findMany({ where: { databaseId }, select: { schemaName: true } })).map((placement) => placement.schemaName);

/**
 * Runs statements in a workspace's schema with its settings within its project's plan
 * (max_connections: RATE_LIMITED past that many at once in this process; the plan's concurrency,
 * timeout ceiling, result bytes and storage quota); PostgreSQL's refusals become BAD_USER_INPUT
 * carrying its message.
 */
export async function runInWorkspace(
  actor: Actor,
  deps: DataPlaneDeps,
  workspace: WorkspaceWithBlueprint,
  statements: ClassifiedStatement[],
  /** Whether the run counts against max_connections: the gateway's own undo of a change it could not queue does not. */
  counted = true,
): Promise<SchemaQueryResult> {
  const placed = workspacePlacement(workspace);
  try {
    const limits = planLimits(
      deps,
      workspace.project.tier,
      placed,
      { ...workspace, maxConnections: counted ? workspace.maxConnections : undefined },
      databaseSchemas(actor, placed.databaseId),
      actor.signal,
    );
    return await runInSchema(deps, placed, limits, statements);
  } catch (error) {
    if (error instanceof RefusedStatementError) throw queryError(error.message);
    if (error instanceof SchemaQueryError) throw new InvalidInputError([{ field: 'query', rule: 'postgres', message: error.message }]);
    throw error;
  }
}

/** Queues DDL a tenant-mode workspace ran as pending changes of its blueprint, in order. */
export async function recordChanges(actor: Actor, workspace: WorkspaceWithBlueprint, statements: ClassifiedStatement[]): Promise<SchemaChange[]> {
  const ddl = statements.filter((statement) => statement.kind === 'ddl');
  if (workspace.mode !== 'TENANT' || ddl.length === 0) return [];
  return actor.prisma.$transaction(async (tx) => {
    const last = await tx.schemaChange.aggregate({ where: { workspaceId: workspace.id }, _max: { position: true } });
    const first = (last._max.position ?? 0) + 1;
    const created: SchemaChange[] = [];
    for (const [index, statement] of ddl.entries()) {
      created.push(
        await tx.schemaChange.create({
          data: { workspaceId: workspace.id, statement: statement.text, reverseStatement: statement.reverse, position: first + index },
        }),
      );
    }
    return created;
  });
}

/**
 * A query in the workspace: any statement the classifier allows, DDL included. In tenant mode
 * the DDL is then queued for the blueprint's next version with its reverse statement. The query's
 * transaction commits before the queue is written (they are separate connections); should writing
 * the queue fail, the reverse statements are run so the schema and the queue agree again.
 */
export async function runWorkspaceQuery(actor: Actor, deps: DataPlaneDeps, name: string, text: string) {
  const workspace = await findWorkspace(actor, name, 'workspaces:write');
  const statements = await parseStatements(text);
  const result = await runInWorkspace(actor, deps, workspace, statements);
  try {
    await recordChanges(actor, workspace, statements);
  } catch (error) {
    const reverses = statements
      .filter((statement) => statement.kind === 'ddl')
      .map((statement) => statement.reverse)
      .reverse();
    if (reverses.every((reverse) => reverse !== null)) await runInWorkspace(actor, deps, workspace, await classifySql(reverses.join('\n')), false);
    throw error;
  }
  return result;
}

export async function pendingChanges(actor: Actor, name: string): Promise<{ workspace: WorkspaceWithBlueprint; changes: SchemaChange[] }> {
  const workspace = await findWorkspace(actor, name, 'workspaces:read');
  assertTenantMode(workspace);
  const changes = await actor.prisma.schemaChange.findMany({ where: { workspaceId: workspace.id, status: 'PENDING' }, orderBy: { position: 'asc' } });
  return { workspace, changes };
}

function assertTenantMode(workspace: WorkspaceWithBlueprint) {
  if (workspace.mode !== 'TENANT') {
    throw new InvalidInputError([
      { field: 'workspace', rule: 'mode', message: `Workspace '${workspace.name}' is in control mode: it has no blueprint versioning` },
    ]);
  }
}

async function findPendingChange(actor: Actor, workspace: WorkspaceWithBlueprint, id: string): Promise<SchemaChange> {
  const change = /^\d{1,9}$/.test(id)
    ? await actor.prisma.schemaChange.findFirst({ where: { id: Number(id), workspaceId: workspace.id, status: { not: 'REVERTED' } } })
    : null;
  if (!change) throw new NotFoundError(`DDL ${id} not found`, { ddl: id });
  return change;
}

/** What the audit trail keeps of a pending DDL change. */
const auditedSchemaChange = (change: SchemaChange) => ({ statement: change.statement, reverseStatement: change.reverseStatement, status: change.status });

/** Takes a pending change out of the deploy queue; the workspace keeps what it did. */
export async function removeChange(actor: Actor, name: string, id: string): Promise<SchemaChange> {
  const workspace = await findWorkspace(actor, name, 'workspaces:write');
  assertTenantMode(workspace);
  const change = await findPendingChange(actor, workspace, id);
  if (change.status === 'DEPLOYED') throw new NotFoundError(`DDL ${id} not found: it was already deployed`, { ddl: id });
  await auditedChange(actor.prisma, async (tx) => {
    await tx.schemaChange.delete({ where: { id: change.id } });
    await recordAudit(tx, actor, {
      tenantId: null,
      action: 'workspace.ddl_removed',
      target: projectTarget(workspace.projectId),
      changes: [{ path: `workspaces.${workspace.name}.pendingChanges.${change.id}`, before: auditedSchemaChange(change), after: null }],
    });
  });
  return change;
}

/** Undoes a pending change in the workspace with its reverse statement, and takes it out of the queue. */
export async function revertChange(actor: Actor, deps: DataPlaneDeps, name: string, id: string): Promise<SchemaChange> {
  const workspace = await findWorkspace(actor, name, 'workspaces:write');
  assertTenantMode(workspace);
  const change = await findPendingChange(actor, workspace, id);
  if (change.status === 'DEPLOYED') throw new ConflictError('Cannot revert DDLs already deployed to tenants. Create a new migration instead.', { ddl: id });
  if (!change.reverseStatement) {
    throw new InvalidInputError([
      {
        field: 'ddl_id',
        rule: 'reversible',
        message: `DDL ${id} has no reverse statement: only CREATE TABLE, named CREATE INDEX and ALTER TABLE ADD COLUMN can be reverted`,
      },
    ]);
  }
  await runInWorkspace(actor, deps, workspace, await classifySql(change.reverseStatement));
  return auditedChange(actor.prisma, async (tx) => {
    const reverted = await tx.schemaChange.update({ where: { id: change.id }, data: { status: 'REVERTED' } });
    await recordAudit(tx, actor, {
      tenantId: null,
      action: 'workspace.ddl_reverted',
      target: projectTarget(workspace.projectId),
      changes: [
        { path: `workspaces.${workspace.name}.pendingChanges.${change.id}`, before: auditedSchemaChange(change), after: auditedSchemaChange(reverted) },
      ],
    });
    return reverted;
  });
}

export async function workspaceTables(actor: Actor, deps: DataPlaneDeps, name: string) {
  const workspace = await findWorkspace(actor, name, 'workspaces:read');
  return describeSchema(deps, workspacePlacement(workspace));
}
