import type { PrismaClient } from '../../generated/prisma/client.js';
import { InvalidInputError, NotFoundError } from '../../lib/errors.js';
import { physicalSchemaName, tenantDatabaseName } from '../data-plane-schemas/physical-names.js';
import { createPlacement, dropPlacement, dropUnreferencedPlacement, type Placed } from '../data-plane-schemas/placements.js';
import type { DataPlaneDeps } from '../data-plane-schemas/data-plane-deps.js';

/** The DDL chain of a blueprint's deployed versions (up to `upTo`), oldest first: what a new tenant database is created with. */
export async function deployedChain(
  prisma: Pick<PrismaClient, 'blueprintVersion'>,
  blueprintId: string,
  upTo?: number,
): Promise<{ version: number; statements: string[] }> {
  const versions = await prisma.blueprintVersion.findMany({
    where: { blueprintId, deployedAt: { not: null }, ...(upTo !== undefined ? { number: { lte: upTo } } : {}) },
    orderBy: { number: 'asc' },
    select: { number: true, statements: true },
  });
  return { version: versions.at(-1)?.number ?? 0, statements: versions.flatMap((version) => version.statements) };
}

/**
 * The DDL of a blueprint's versions after `from` up to `to`, deployed or not (as a rollout applies
 * them), oldest first, and the last version among them (`from` when there is none): what took a
 * schema from one version to the other.
 */
export async function versionChain(
  prisma: Pick<PrismaClient, 'blueprintVersion'>,
  blueprintId: string,
  from: number,
  to: number,
): Promise<{ version: number; statements: string[] }> {
  const versions = await prisma.blueprintVersion.findMany({
    where: { blueprintId, number: { gt: from, lte: to } },
    orderBy: { number: 'asc' },
    select: { number: true, statements: true },
  });
  return { version: versions.at(-1)?.number ?? from, statements: versions.flatMap((version) => version.statements) };
}

export type PlannedSchema = {
  blueprint: string;
  blueprintId: string;
  schemaName: string;
  schemaVersion: number;
  statements: string[];
  /** A dedicated (L2) database: a database of its own in this zone (see dedicatedDatabase). */
  dedicated?: { region: string; field?: string };
};

/**
 * The schemas a project's new tenant gets, one per blueprint, at the blueprint's latest deployed
 * version. An unknown blueprint is NOT_FOUND naming it; a control-mode workspace's name is not a
 * blueprint (BAD_USER_INPUT, as the seed says).
 */
export async function planTenantSchemas(prisma: PrismaClient, projectId: string, tenantSlug: string, blueprints: string[]): Promise<PlannedSchema[]> {
  const planned: PlannedSchema[] = [];
  for (const [index, name] of blueprints.entries()) {
    const blueprint = await prisma.blueprint.findUnique({ where: { projectId_name: { projectId, name } }, select: { id: true } });
    if (!blueprint) {
      const control = await prisma.workspace.findFirst({ where: { projectId, name, mode: 'CONTROL' }, select: { id: true } });
      if (control)
        throw new InvalidInputError([
          {
            field: `databases.${index}.blueprint`,
            rule: 'mode',
            message: `blueprint "${name}" belongs to a control mode workspace: tenants need a tenant mode workspace's blueprint`,
          },
        ]);
      throw new NotFoundError(`Blueprint not found: ${name}`, { blueprint: name, field: `databases.${index}.blueprint` });
    }
    const chain = await deployedChain(prisma, blueprint.id);
    planned.push({
      blueprint: name,
      blueprintId: blueprint.id,
      schemaName: physicalSchemaName(projectId, tenantDatabaseName(name, tenantSlug)),
      schemaVersion: chain.version,
      statements: chain.statements,
    });
  }
  return planned;
}

/**
 * Creates the planned schemas in the project's data-plane database (a dedicated one in a database
 * of its own), each its own login and schema
 * with its blueprint's DDL chain; when one fails, those already made are dropped and the error is
 * thrown. `held`: the names' locks the caller holds until the records are written (a leftover
 * placement of the gateway's own is then taken over, see createPlacement).
 */
export async function createTenantSchemas(deps: DataPlaneDeps, projectId: string, planned: PlannedSchema[], held?: ReadonlySet<string>): Promise<Placed[]> {
  const made: Placed[] = [];
  try {
    for (const schema of planned) {
      made.push(
        await createPlacement(deps, projectId, schema.schemaName, { statements: schema.statements, version: schema.schemaVersion }, held, schema.dedicated),
      );
    }
  } catch (error) {
    await dropTenantSchemas(
      deps,
      made.map((placed) => placed.id),
    );
    throw error;
  }
  return made;
}

/** Drops placements this request made (its records were not written). */
export async function dropTenantSchemas(deps: DataPlaneDeps, placementIds: (string | null)[]): Promise<void> {
  for (const placementId of placementIds) if (placementId) await dropPlacement(deps, placementId);
}

/** Drops the placements of records already deleted, each only while no record names it (see dropUnreferencedPlacement). */
export async function dropUnreferencedTenantSchemas(deps: DataPlaneDeps, placementIds: (string | null)[]): Promise<void> {
  for (const placementId of placementIds) if (placementId) await dropUnreferencedPlacement(deps, placementId);
}
