import { z } from 'zod';
import type { Prisma, Tenant, TenantDatabase } from '../../generated/prisma/client.js';
import type { IsolationLevel, PlanTier, TenantStatus } from '../../generated/prisma/enums.js';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../../lib/errors.js';
import { parseInput } from '../../lib/validation.js';
import { type BackupDeps, takeSafetyBackup } from '../backups/backups.service.js';
import type { Actor } from '../identity/principal.js';
import { defaultRegion, regionCatalog } from '../regions/regions.catalog.js';
import { resolveTenant } from '../tenants/tenants.service.js';
import type { DatabasePhaseTimings, DatabaseWork } from './database-work.js';

// A tenant's databases (TenantsDB): one per blueprint, shared (L1) on the pool or dedicated
// (L2) on the tenant's own server. The gateway keeps their placement and the work in
// progress on them; dedicated provisioning and migrations move through timed phases
// (DatabasePhaseTimings) that end on timers, so callers poll exactly as the seed documents.

const zones = new Set(regionCatalog.filter((region) => region.kind === 'ZONE').map((region) => region.id));

const blueprint = z
  .string({ error: 'blueprint must be a string' })
  .regex(/^[a-z][a-z0-9_]{0,62}$/, { error: 'blueprint must be 1-63 lowercase letters, digits or underscores, starting with a letter' })
  .refine((value) => !value.includes('__'), { error: 'blueprint must not contain "__"' });

const zone = z.string().refine((value) => zones.has(value), {
  error: (issue) => `region "${String(issue.input)}" is not a zone (see GET /regions: ${[...zones].join(', ')})`,
});

const databaseInput = z.object({
  blueprint,
  isolation: z.enum(['SHARED', 'DEDICATED'], { error: 'isolation must be SHARED (L1) or DEDICATED (L2)' }),
  region: zone.nullish(),
});

export type TenantDatabaseInput = { blueprint: string; isolation: IsolationLevel; region?: string | null };

const databasesInput = z
  .array(databaseInput)
  .min(1, { error: 'databases must list at least one database' })
  .max(16, { error: 'databases may list at most 16 databases' })
  .superRefine((databases, context) => {
    const seen = new Set<string>();
    databases.forEach((database, index) => {
      if (seen.has(database.blueprint)) context.addIssue({ code: 'custom', path: [index, 'blueprint'], message: `blueprint "${database.blueprint}" is listed twice` });
      seen.add(database.blueprint);
      if (database.region && database.isolation !== 'DEDICATED') {
        context.addIssue({ code: 'custom', path: [index, 'region'], message: 'region applies to dedicated (L2) databases only; shared databases are hosted in the default zone' });
      }
    });
  });

/** A database's name on its server: `{blueprint}__{tenant}`, hence no `__` in either. */
export const databaseName = (blueprintName: string, tenantSlug: string) => `${blueprintName}__${tenantSlug}`;

/** Dedicated servers are a paid feature (TenantsDB: "L2 dedicated VMs require a paid plan"). */
export function assertPlanAllows(tier: PlanTier, isolation: IsolationLevel, field: string): void {
  if (isolation === 'DEDICATED' && tier === 'FREE') {
    throw new ForbiddenError('L2 dedicated VMs require a paid plan', { field, rule: 'paid_plan' });
  }
}

/**
 * The databases a new tenant starts with, checked (the tenant's slug, which names them, is
 * checked by createTenant): shared ones are ready at once, dedicated
 * ones provisioning until their server is. Also what the tenant record says about placement:
 * dedicated when any database is, in the first dedicated database's zone.
 */
export function planDatabases(
  tier: PlanTier,
  input: TenantDatabaseInput[],
  timings: DatabasePhaseTimings,
  now = new Date(),
): { databases: Prisma.TenantDatabaseCreateWithoutTenantInput[]; isolation: IsolationLevel; region: string; provisioning: boolean } {
  const parsed = parseInput(databasesInput, input, 'databases');
  parsed.forEach((database, index) => assertPlanAllows(tier, database.isolation, `databases.${index}.isolation`));
  const provisionInstantly = timings.provisionMs <= 0;
  const databases = parsed.map((database) => {
    const dedicated = database.isolation === 'DEDICATED';
    const provisioning = dedicated && !provisionInstantly;
    return {
      blueprint: database.blueprint,
      isolation: database.isolation,
      region: dedicated ? (database.region ?? defaultRegion) : defaultRegion,
      status: provisioning ? ('PROVISIONING' as const) : ('READY' as const),
      phaseEndsAt: provisioning ? new Date(now.getTime() + timings.provisionMs) : null,
    };
  });
  const firstDedicated = databases.find((database) => database.isolation === 'DEDICATED');
  return {
    databases,
    isolation: firstDedicated ? 'DEDICATED' : 'SHARED',
    region: firstDedicated?.region ?? defaultRegion,
    provisioning: databases.some((database) => database.status === 'PROVISIONING'),
  };
}

export type TenantState = 'READY' | 'PROVISIONING' | 'SYNCING' | 'MIGRATING' | 'SUSPENDED' | 'DELETED' | 'RESTORING' | 'RECOVERING';

/** The tenant's status as TenantsDB shows it: its lifecycle, or the database work in progress. */
export function tenantState(status: TenantStatus, databases: readonly { status: TenantDatabase['status'] }[]): TenantState {
  if (status !== 'ACTIVE') return status;
  for (const phase of ['PROVISIONING', 'MIGRATING', 'SYNCING'] as const) {
    if (databases.some((database) => database.status === phase)) return phase;
  }
  return 'READY';
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
 * Every step is conditional on the phase it ends, so replicas sweeping together apply each
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

/** Tenants with a database phase still running, and when the first of them is due: what a restarted process follows. */
export async function pendingDatabaseWork(prisma: Actor['prisma']): Promise<{ tenantId: string; dueInMs: number }[]> {
  const pending = await prisma.tenantDatabase.groupBy({ by: ['tenantId'], where: { status: { not: 'READY' } }, _min: { phaseEndsAt: true } });
  return pending.map((row) => ({ tenantId: row.tenantId, dueInMs: Math.max(0, (row._min.phaseEndsAt?.getTime() ?? Date.now()) - Date.now()) }));
}

/** The tenant record follows its databases: dedicated when any is, in the first dedicated one's zone. */
async function placeTenant(tx: Prisma.TransactionClient, tenantId: string): Promise<void> {
  const dedicated = await tx.tenantDatabase.findFirst({ where: { tenantId, isolation: 'DEDICATED' }, orderBy: { createdAt: 'asc' } });
  await tx.tenant.update({
    where: { id: tenantId },
    data: dedicated ? { isolation: 'DEDICATED', region: dedicated.region } : { isolation: 'SHARED', region: defaultRegion },
  });
}

const migrationInput = z.object({
  blueprint,
  isolation: z.enum(['SHARED', 'DEDICATED'], { error: 'isolation must be SHARED (L1) or DEDICATED (L2)' }),
  region: zone.nullish(),
});

export type MigrationInput = { blueprint: string; isolation: IsolationLevel; region?: string | null };

export type MigrationResult = {
  tenant: Tenant;
  database: TenantDatabase;
  fromIsolation: IsolationLevel;
  toIsolation: IsolationLevel;
  fromRegion: string;
  toRegion: string;
};

/**
 * Moves one of the tenant's databases between shared and dedicated, or between zones: a
 * safety backup first, then `syncing` (replication, queries keep working) → `migrating`
 * (cutover) → `ready` at the new placement. Only a ready tenant migrates, one database at a time.
 */
export async function migrateTenantDatabase(
  actor: Actor,
  backups: BackupDeps,
  work: DatabaseWork,
  ref: string,
  input: MigrationInput,
): Promise<MigrationResult> {
  const tenant = await resolveTenant<Tenant & { databases: TenantDatabase[] }>(actor, ref, 'tenants:write', { include: { databases: true } });
  const data = parseInput(migrationInput, input);
  if (data.region && data.isolation !== 'DEDICATED') {
    throw new InvalidInputError([{ field: 'region', rule: 'dedicated_only', message: 'region applies to dedicated (L2) databases only; shared databases are hosted in the default zone' }]);
  }
  if (tenant.status !== 'ACTIVE') {
    throw new ConflictError(`Cannot migrate tenant "${tenant.slug}": it is ${tenant.status}, expected ACTIVE`, { currentStatus: tenant.status });
  }
  const database = tenant.databases.find((candidate) => candidate.blueprint === data.blueprint);
  if (!database) throw new NotFoundError(`Tenant "${tenant.slug}" has no database from blueprint "${data.blueprint}"`, { field: 'blueprint' });
  await assertNoDatabaseWork(actor, tenant, 'migrate');
  assertPlanAllows(tenant.tier, data.isolation, 'isolation');
  const toRegion = data.isolation === 'DEDICATED' ? (data.region ?? (database.isolation === 'DEDICATED' ? database.region : defaultRegion)) : defaultRegion;
  if (data.isolation === database.isolation && toRegion === database.region) {
    throw new ConflictError(`Database "${database.blueprint}" is already ${data.isolation === 'DEDICATED' ? 'L2' : 'L1'} in ${toRegion}: nothing to migrate`, {
      currentStatus: 'READY',
    });
  }
  await takeSafetyBackup(actor, backups, tenant);
  const now = new Date();
  const { count } = await actor.prisma.tenantDatabase.updateMany({
    where: { id: database.id, status: 'READY' },
    data: { status: 'SYNCING', phaseEndsAt: new Date(now.getTime() + work.timings.syncMs), targetIsolation: data.isolation, targetRegion: toRegion },
  });
  if (count === 0) await assertNoDatabaseWork(actor, tenant, 'migrate');
  work.after(work.timings.syncMs, tenant.id);
  return {
    tenant,
    database: await actor.prisma.tenantDatabase.findUniqueOrThrow({ where: { id: database.id } }),
    fromIsolation: database.isolation,
    toIsolation: data.isolation,
    fromRegion: database.region,
    toRegion,
  };
}
