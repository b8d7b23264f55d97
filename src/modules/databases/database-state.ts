import type { Prisma, PrismaClient, Tenant, TenantDatabase } from '../../generated/prisma/client.js';
import { recordTenantChange, systemActor } from '../audit/audit-trail.js';
import type { TenantStatus } from '../../generated/prisma/enums.js';
import { ConflictError } from '../../lib/errors.js';
import type { Actor } from '../identity/principal.js';
import { defaultRegion } from '../regions/regions.catalog.js';
import type { DatabasePhaseTimings } from './database-work.js';

export type TenantState = 'READY' | 'PROVISIONING' | 'SYNCING' | 'MIGRATING' | 'SUSPENDED' | 'DELETED' | 'RESTORING' | 'RECOVERING';

/** The tenant's status as TenantsDB shows it: its lifecycle, or the database work in progress. */
export function tenantState(status: TenantStatus, databases: readonly { status: TenantDatabase['status'] }[]): TenantState {
  if (status !== 'ACTIVE') return status;
  for (const phase of ['PROVISIONING', 'MIGRATING', 'SYNCING'] as const) {
    if (databases.some((database) => database.status === phase)) return phase;
  }
  return 'READY';
}

/** The tenants in a state, as a where-clause: the inverse of `tenantState`. */
export function tenantStateWhere(state: TenantState): Prisma.TenantWhereInput {
  switch (state) {
    case 'READY':
      return { status: 'ACTIVE', databases: { every: { status: 'READY' } } };
    case 'PROVISIONING':
      return { status: 'ACTIVE', databases: { some: { status: 'PROVISIONING' } } };
    case 'MIGRATING':
      return { status: 'ACTIVE', databases: { some: { status: 'MIGRATING' }, none: { status: 'PROVISIONING' } } };
    case 'SYNCING':
      return { status: 'ACTIVE', databases: { some: { status: 'SYNCING' }, none: { status: { in: ['PROVISIONING', 'MIGRATING'] } } } };
    default:
      return { status: state };
  }
}

/**
 * Refuses `action` while a database of the tenant is provisioning or migrating (TenantsDB
 * answers 409 for deletes, suspends, restores and migrations then).
 */
export async function assertNoDatabaseWork(actor: Actor, tenant: Tenant, action: string): Promise<void> {
  const busy = await actor.prisma.tenantDatabase.findFirst({
    where: { tenantId: tenant.id, status: { not: 'READY' } },
    select: { status: true, blueprint: true },
  });
  if (!busy) return;
  const state = busy.status === 'PROVISIONING' ? 'provisioning' : 'migrating';
  throw new ConflictError(`Cannot ${action} tenant "${tenant.slug}" while it is ${state} (database "${busy.blueprint}")`, {
    currentStatus: busy.status,
  });
}

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
  const cutovers = await prisma.tenantDatabase.findMany({ where: due('MIGRATING'), select: { id: true, tenantId: true, targetIsolation: true, targetRegion: true } });
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

