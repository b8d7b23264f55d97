import type { Blueprint, BlueprintVersion } from '../../generated/prisma/client.js';
import type { Actor } from '../../kernel/principal.js';
import { findBlueprint, callerProjectId } from './workspace-access.js';

export type BlueprintSummary = Blueprint & { workspaceName: string; currentVersion: number; tenantCount: number; schema: string[] };

async function summarize(actor: Actor, blueprints: (Blueprint & { workspace: { name: string } })[]): Promise<BlueprintSummary[]> {
  const ids = blueprints.map((blueprint) => blueprint.id);
  const [versions, counts] = await Promise.all([
    actor.prisma.blueprintVersion.findMany({
      where: { blueprintId: { in: ids }, deployedAt: { not: null } },
      orderBy: { number: 'asc' },
      select: { blueprintId: true, number: true, statements: true },
    }),
    actor.prisma.tenantDatabase.groupBy({
      by: ['blueprintId'],
      where: { blueprintId: { in: ids }, tenant: { status: { not: 'DELETED' } } },
      _count: { _all: true },
    }),
  ]);
  return blueprints.map(({ workspace, ...blueprint }) => {
    const own = versions.filter((version) => version.blueprintId === blueprint.id);
    return {
      ...blueprint,
      workspaceName: workspace.name,
      currentVersion: own.at(-1)?.number ?? 0,
      schema: own.flatMap((version) => version.statements),
      tenantCount: counts.find((count) => count.blueprintId === blueprint.id)?._count._all ?? 0,
    };
  });
}

export async function listBlueprints(actor: Actor): Promise<BlueprintSummary[]> {
  const projectId = callerProjectId(actor, 'workspaces:read');
  const blueprints = await actor.prisma.blueprint.findMany({
    where: { projectId },
    include: { workspace: { select: { name: true } } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return summarize(actor, blueprints);
}

export async function getBlueprint(actor: Actor, name: string): Promise<BlueprintSummary> {
  const blueprint = await findBlueprint(actor, name, 'workspaces:read');
  const workspace = await actor.prisma.workspace.findUniqueOrThrow({ where: { id: blueprint.workspaceId }, select: { name: true } });
  const [summary] = await summarize(actor, [{ ...blueprint, workspace }]);
  return summary!;
}

/** Newest first. */
export async function blueprintVersions(actor: Actor, name: string): Promise<BlueprintVersion[]> {
  const blueprint = await findBlueprint(actor, name, 'workspaces:read');
  return actor.prisma.blueprintVersion.findMany({ where: { blueprintId: blueprint.id }, orderBy: { number: 'desc' } });
}
