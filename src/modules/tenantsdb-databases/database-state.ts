import type { Prisma, PrismaClient, TenantDatabase } from '../../generated/prisma/client.js';
import { recordTenantChange, systemActor } from '../../kernel/audit-trail.js';
import type { Actor } from '../../kernel/principal.js';
import { defaultRegion } from '../regions/regions.catalog.js';
import type { DatabasePhaseTimings } from './database-work.js';

/**
 * Ends every phase that is due: provisioning → ready, syncing → migrating (cutover), and
 * migrating → ready with the database at its new placement and the tenant record following.
 * Every step is conditional on the phase it ends, so a run repeated after a kill applies each
 * once. Returns when the next phase of `tenantId` (if given) is due.
 */
export async function advanceDatabaseWork(
  prisma: Actor['prisma'],
  timings: DatabasePhaseTimings,
  tenantId?: string,
  now = new Date(),
): Promise<{ advanced: number; nextPhaseInMs: number | null }> {
  const due = (status: TenantDatabase['status']) => ({ status, phaseEndsAt: { lte: now }, ...(tenantId ? { tenantId } : {}) });
  let advanced = (await prisma.tenantDatabase.updateMany({ where: due('PROVISIONING'), data: { status: 'READY', phaseEndsAt: null } })).count;
  advanced += (
    await prisma.tenantDatabase.updateMany({ where: due('SYNCING'), data: { status: 'MIGRATING', phaseEndsAt: new Date(now.getTime() + timings.cutoverMs) } })
  ).count;
  const cutovers = await prisma.tenantDatabase.findMany({
    where: due('MIGRATING'),
    select: { id: true, tenantId: true, targetIsolation: true, targetRegion: true },
  });
  for (const database of cutovers) {
    advanced += await prisma.$transaction(async (tx) => {
      const { count } = await tx.tenantDatabase.updateMany({
        where: { id: database.id, status: 'MIGRATING' },
        data: {
          status: 'READY',
          phaseEndsAt: null,
          isolation: database.targetIsolation ?? undefined,
          region: database.targetRegion ?? undefined,
          targetIsolation: null,
          targetRegion: null,
        },
      });
      if (count === 1) await placeTenant(tx, database.tenantId);
      return count;
    });
  }
  if (!tenantId) return { advanced, nextPhaseInMs: null };
  const next = await prisma.tenantDatabase.findFirst({
    where: { tenantId, status: { not: 'READY' } },
    orderBy: { phaseEndsAt: 'asc' },
    select: { phaseEndsAt: true },
  });
  return { advanced, nextPhaseInMs: next?.phaseEndsAt ? Math.max(0, next.phaseEndsAt.getTime() - Date.now()) : null };
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
