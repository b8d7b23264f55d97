import { randomBytes } from 'node:crypto';
import type { TenantDatabase } from '../../generated/prisma/client.js';
import type { DataPlaneDeps } from '../data-plane-schemas/data-plane-deps.js';
import type { TenantSession } from '../../data-plane/data-plane.js';
import { createPlacement, dropPlacement, dropStrayDedicated, schemaLogin, schemaVersionMark } from '../data-plane-schemas/placements.js';
import { physicalSchemaName, tenantDatabaseName } from '../data-plane-schemas/physical-names.js';
import { copyChangeLog } from '../data-plane-schemas/change-capture.js';
import { readSchemaData, restoreSchemaData } from '../data-plane-schemas/schema-data.js';
import { deployedChain, versionChain } from '../workspaces/blueprint-databases.js';

/**
 * What moving a tenant database's data needs: the data plane, and a way to close the database
 * proxy's sessions of a placement in this process (sessions in other processes end when the
 * freeze closes their server connections).
 */
export type MoveDeps = { dataPlane: DataPlaneDeps; disconnect: (placementId: string) => void };

/** Whether the database's bytes really move: on the embedded data plane (one instance) a move changes the records only. */
export const movesData = (deps: MoveDeps, database: Pick<TenantDatabase, 'placementId'>) =>
  deps.dataPlane.dataPlane.kind === 'postgres' && database.placementId !== null;

/**
 * A move's first step (`syncing`): the target placement, empty, at the source's blueprint version,
 * where the move goes (a dedicated database of its own on a server of the target zone, or the
 * project's shared database), recorded on the tenant database. A target an earlier attempt left is
 * dropped first, so the step can run again after a crash. The source keeps serving meanwhile.
 */
export async function buildMoveTarget(deps: MoveDeps, database: TenantDatabase): Promise<void> {
  const plane = deps.dataPlane;
  if (database.movingToPlacementId) {
    await dropPlacement(plane, database.movingToPlacementId);
    await plane.prisma.tenantDatabase.update({ where: { id: database.id }, data: { movingToPlacementId: null } });
  }
  const source = await plane.prisma.dataPlacement.findUniqueOrThrow({ where: { id: database.placementId! }, include: { database: true } });
  const tenant = await plane.prisma.tenant.findUniqueOrThrow({ where: { id: database.tenantId }, select: { projectId: true } });
  // The chain the database's schema got (every version up to its own, as rollouts apply them).
  const chain = database.blueprintId ? await versionChain(plane.prisma, database.blueprintId, 0, database.schemaVersion) : { statements: [], version: 0 };
  const dedicated = (database.targetIsolation ?? database.isolation) === 'DEDICATED' ? { region: database.targetRegion ?? database.region } : undefined;
  // Already in the project's shared database (a dedicated database placed before they had databases of their own): only the records move.
  if (!dedicated && !source.database.dedicated) return;
  // Under the schema name's lock: a leftover of a move that died before recording its target is dropped or taken over.
  await plane.sql.withNameLocks([source.schemaName], async (held) => {
    await dropStrayDedicated(plane, tenant.projectId!, source.schemaName);
    const target = await createPlacement(plane, tenant.projectId!, source.schemaName, chain, held, dedicated);
    const { count } = await plane.prisma.tenantDatabase.updateMany({
      where: { id: database.id, status: 'SYNCING', movingToPlacementId: null },
      data: { movingToPlacementId: target.id },
    });
    if (count === 0) await dropPlacement(plane, target.id);
  });
}

/**
 * A dedicated database's provisioning, for real: its own database on a server of its zone, its
 * login and schema, the blueprint's latest deployed DDL chain applied, then the record pointing at
 * it and `ready`. A database an earlier attempt made but did not record is dropped first; one
 * made for a record no longer provisioning is dropped again.
 */
export async function provisionDedicated(deps: MoveDeps, database: TenantDatabase): Promise<boolean> {
  const plane = deps.dataPlane;
  const tenant = await plane.prisma.tenant.findUniqueOrThrow({ where: { id: database.tenantId }, select: { projectId: true, slug: true } });
  const schemaName = physicalSchemaName(tenant.projectId!, tenantDatabaseName(database.blueprint, tenant.slug));
  const chain = database.blueprintId ? await deployedChain(plane.prisma, database.blueprintId) : { statements: [], version: 0 };
  return plane.sql.withNameLocks([schemaName], async (held) => {
    await dropStrayDedicated(plane, tenant.projectId!, schemaName);
    const placed = await createPlacement(plane, tenant.projectId!, schemaName, chain, held, { region: database.region });
    const { count } = await plane.prisma.tenantDatabase.updateMany({
      where: { id: database.id, status: 'PROVISIONING', placementId: null },
      data: { placementId: placed.id, schemaVersion: chain.version, status: 'READY', phaseEndsAt: null },
    });
    if (count === 0) await dropPlacement(plane, placed.id);
    return count === 1;
  });
}

/**
 * A move's cutover: writes stop at the source (its login gets a password only this step knows,
 * and every session of it on its server is ended, whichever gateway process holds it; the copy
 * waits until none is left), its rows are copied to the target in one read and one write (the
 * target rebuilt first at the source's blueprint version when a deployment moved the source on
 * meanwhile), and `switchOver` points the records at the target. One cutover of a database at a
 * time, whatever process runs it: the record is read again under its lock. When the copy fails
 * the source gets its own password back (writes resume there) and the error is thrown: the step
 * runs again later.
 */
export async function copyAndSwitch(deps: MoveDeps, database: TenantDatabase, switchOver: (targetId: string) => Promise<boolean>): Promise<boolean> {
  const plane = deps.dataPlane;
  return plane.sql.withNameLocks([`tenant-database-move:${database.id}`], async () => {
    const current = await plane.prisma.tenantDatabase.findUnique({ where: { id: database.id } });
    if (current?.status !== 'MIGRATING' || current.placementId !== database.placementId || current.movingToPlacementId !== database.movingToPlacementId)
      return false;
    const [source, target] = await Promise.all(
      [current.placementId!, current.movingToPlacementId!].map((id) =>
        plane.prisma.dataPlacement.findUniqueOrThrow({ where: { id }, include: { database: true } }),
      ),
    );
    const sourceLogin = schemaLogin(plane, source!);
    const frozen = { ...sourceLogin, password: randomBytes(32).toString('base64url') };
    await plane.dataPlane.setPassword(frozen, { endSessions: true });
    deps.disconnect(source!.id);
    const timeoutMs = Math.max(...Object.values(plane.plans).map((plan) => plan.queryTimeoutCeilingMs));
    try {
      const read = await plane.dataPlane.transaction(frozen, { timeoutMs }, async (session) => {
        await othersGone(session);
        return { tables: await readSchemaData(session, source!.schemaName), version: await schemaVersionMark(session, source!.schemaName) };
      });
      const rebuild =
        read.version !== null && current.blueprintId
          ? await plane.dataPlane.transaction(schemaLogin(plane, target!), { timeoutMs }, (session) => schemaVersionMark(session, target!.schemaName))
          : null;
      const chain = rebuild !== null && rebuild !== read.version ? await versionChain(plane.prisma, current.blueprintId!, 0, read.version!) : undefined;
      // The change log goes along (with the server each change was made on): recovery reaches back past the move.
      await copyChangeLog(plane.dataPlane, source!.database, target!.database, source!.schemaName);
      await plane.dataPlane.transaction(schemaLogin(plane, target!), { timeoutMs }, (session) =>
        restoreSchemaData(session, target!.schemaName, read.tables, chain),
      );
      const switched = await switchOver(target!.id);
      if (!switched) await plane.dataPlane.setPassword(sourceLogin);
      return switched;
    } catch (error) {
      await plane.dataPlane.setPassword(sourceLogin).catch(() => {});
      throw error;
    }
  });
}

/**
 * Waits until the session is its login's only one on the server: a session ended by the freeze
 * may still be finishing a commit, and one that authenticated just before may yet appear.
 */
async function othersGone(session: TenantSession, waitMs = 10_000): Promise<void> {
  const deadline = Date.now() + waitMs;
  let quietChecks = 0;
  while (quietChecks < 2) {
    const { rows } = await session.query(
      'SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE usename = current_user AND pid <> pg_catalog.pg_backend_pid()',
    );
    quietChecks = Number(rows[0]?.[0] ?? 0) === 0 ? quietChecks + 1 : 0;
    if (Date.now() > deadline) throw new Error('sessions of the database being moved did not end in time; the move runs again');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A move's last step: the placement it left behind dropped (its sessions already closed), the record cleared. */
export async function dropMovedFrom(deps: MoveDeps, database: Pick<TenantDatabase, 'id' | 'movedFromPlacementId'>): Promise<void> {
  if (!database.movedFromPlacementId) return;
  deps.disconnect(database.movedFromPlacementId);
  await dropPlacement(deps.dataPlane, database.movedFromPlacementId);
  await deps.dataPlane.prisma.tenantDatabase.updateMany({
    where: { id: database.id, movedFromPlacementId: database.movedFromPlacementId },
    data: { movedFromPlacementId: null },
  });
}
