import type { Prisma, PrismaClient, TenantDatabase } from '../../generated/prisma/client.js';
import { recordAudit, recordTenantChange, systemActor } from '../../kernel/audit-trail.js';
import type { Actor } from '../../kernel/principal.js';
import { defaultRegion } from '../regions/regions.catalog.js';
import { type DatabasePhaseTimings, followDatabasePhases } from './database-work.js';
import { buildMoveTarget, copyAndSwitch, dropMovedFrom, type MoveDeps, movesData, provisionDedicated } from './database-moves.js';

/**
 * Ends every phase that is due: provisioning → ready; syncing → migrating once the move's target
 * is built; migrating → ready once the rows are copied and the records point at the target (the
 * tenant record following), then the placement left behind is dropped. With `moves` on a
 * PostgreSQL data plane a move carries the schema and its rows (database-moves.ts); without, or on
 * the embedded one, only the records change. Every step is conditional on the phase it ends, so
 * a run repeated after a kill applies each once. Returns when the next phase of `tenantId` (if
 * given) is due.
 */
export async function advanceDatabaseWork(
  prisma: Actor['prisma'],
  timings: DatabasePhaseTimings,
  tenantId?: string,
  now = new Date(),
  moves?: MoveDeps,
): Promise<{ advanced: number; nextPhaseInMs: number | null }> {
  const due = (status: TenantDatabase['status']) => ({ status, phaseEndsAt: { lte: now }, ...(tenantId ? { tenantId } : {}) });
  let advanced = 0;
  // A dedicated database without its placement yet is made now (the request only recorded it); others just end their phase.
  if (moves) {
    for (const database of await prisma.tenantDatabase.findMany({ where: { ...due('PROVISIONING'), placementId: null, blueprintId: { not: null } } })) {
      if (await provisionDedicated(moves, database)) advanced++;
    }
  }
  advanced += (
    await prisma.tenantDatabase.updateMany({
      where: { ...due('PROVISIONING'), ...(moves ? { OR: [{ placementId: { not: null } }, { blueprintId: null }] } : {}) },
      data: { status: 'READY', phaseEndsAt: null },
    })
  ).count;
  for (const database of await prisma.tenantDatabase.findMany({ where: due('SYNCING') })) {
    if (moves && movesData(moves, database)) await buildMoveTarget(moves, database);
    advanced += (
      await prisma.tenantDatabase.updateMany({
        where: { id: database.id, status: 'SYNCING' },
        data: { status: 'MIGRATING', phaseEndsAt: new Date(Date.now() + timings.cutoverMs) },
      })
    ).count;
  }
  for (const database of await prisma.tenantDatabase.findMany({ where: due('MIGRATING') })) {
    const switchOver = (targetId: string | null) => switchRecords(prisma, database, targetId);
    const switched =
      moves && movesData(moves, database) && database.movingToPlacementId ? await copyAndSwitch(moves, database, switchOver) : await switchOver(null);
    if (switched) advanced++;
  }
  if (moves) {
    const left = await prisma.tenantDatabase.findMany({
      where: { movedFromPlacementId: { not: null }, ...(tenantId ? { tenantId } : {}) },
      select: { id: true, movedFromPlacementId: true },
    });
    for (const database of left) await dropMovedFrom(moves, database);
  }
  if (!tenantId) return { advanced, nextPhaseInMs: null };
  const next = await prisma.tenantDatabase.findFirst({
    where: { tenantId, status: { not: 'READY' } },
    orderBy: { phaseEndsAt: 'asc' },
    select: { phaseEndsAt: true },
  });
  return { advanced, nextPhaseInMs: next?.phaseEndsAt ? Math.max(0, next.phaseEndsAt.getTime() - Date.now()) : null };
}

/** The cutover in the records: the database ready at its new placement (`targetId`, when the data moved), the tenant record following. */
async function switchRecords(prisma: Actor['prisma'], database: TenantDatabase, targetId: string | null): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.tenantDatabase.updateMany({
      where: { id: database.id, status: 'MIGRATING', ...(targetId ? { movingToPlacementId: targetId } : {}) },
      data: {
        status: 'READY',
        phaseEndsAt: null,
        isolation: database.targetIsolation ?? undefined,
        region: database.targetRegion ?? undefined,
        targetIsolation: null,
        targetRegion: null,
        ...(targetId ? { placementId: targetId, movingToPlacementId: null, movedFromPlacementId: database.placementId } : {}),
      },
    });
    if (count === 1) await placeTenant(tx, database.tenantId);
    return count === 1;
  });
}

/** The tenant record follows its databases: dedicated when any is, in the first dedicated one's zone. */
async function placeTenant(tx: Prisma.TransactionClient, tenantId: string): Promise<void> {
  const dedicated = await tx.tenantDatabase.findFirst({ where: { tenantId, isolation: 'DEDICATED' }, orderBy: { createdAt: 'asc' } });
  const placed = { isolation: true, region: true } as const;
  const before = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { slug: true, ...placed } });
  const after = await tx.tenant.update({
    where: { id: tenantId },
    data: dedicated ? { isolation: 'DEDICATED', region: dedicated.region } : { isolation: 'SHARED', region: defaultRegion },
    select: placed,
  });
  // Audited like any change to the record, so point-in-time recovery replays the move.
  const { slug, ...was } = before;
  await recordTenantChange(tx, systemActor(tx as unknown as PrismaClient, 'database-migration', 'database migration'), { id: tenantId, slug }, was, after);
}

/**
 * The tenant's database work failed its last attempt: a move under way (syncing or migrating) is
 * given up. Each such database is `ready` where it was (the cutover gives the source its writes
 * back before it fails), the target it was building is left to drop, and the audit trail says why;
 * the work is asked again at once, to drop those targets and go on with what else is due. A
 * database still provisioning keeps trying, every five minutes (it has nowhere else to be).
 * In the transaction that records the failed attempt. Answers the databases given up.
 */
export async function abandonMoves(tx: Prisma.TransactionClient, tenantId: string, reason: string): Promise<number> {
  const moving = await tx.tenantDatabase.findMany({ where: { tenantId, status: { in: ['SYNCING', 'MIGRATING'] } } });
  let abandoned = 0;
  for (const database of moving) {
    // The target is dropped as a move's source is, through movedFromPlacementId (unless an earlier
    // move's source still waits there, a moment's window: then the target placement stays behind).
    const { count } = await tx.tenantDatabase.updateMany({
      where: { id: database.id, status: database.status, movingToPlacementId: database.movingToPlacementId },
      data: {
        status: 'READY',
        phaseEndsAt: null,
        targetIsolation: null,
        targetRegion: null,
        movingToPlacementId: null,
        ...(database.movingToPlacementId && !database.movedFromPlacementId ? { movedFromPlacementId: database.movingToPlacementId } : {}),
      },
    });
    if (count === 0) continue;
    abandoned++;
    await recordAudit(tx, systemActor(tx as unknown as PrismaClient, 'database-migration', 'database migration'), {
      tenantId,
      action: 'database.move_failed',
      target: `database:${database.blueprint}`,
      changes: [
        { path: 'status', before: database.status.toLowerCase(), after: 'ready' },
        { path: 'target', before: { isolation: database.targetIsolation, region: database.targetRegion }, after: null },
        { path: 'reason', before: null, after: reason.slice(0, 500) },
      ],
    });
  }
  const provisioning = await tx.tenantDatabase.count({ where: { tenantId, status: 'PROVISIONING' } });
  if (abandoned || provisioning) await followDatabasePhases(tx, tenantId, new Date(Date.now() + (abandoned ? 0 : 300_000)));
  return abandoned;
}
