import type { Tenant, TenantDatabase } from '../../generated/prisma/client.js';
import type { IsolationLevel } from '../../generated/prisma/enums.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../lib/errors.js';
import { parseInput } from '../../lib/validation.js';
import { type BackupDeps, takeSafetyBackup } from '../backups/backup-files.js';
import type { Actor } from '../../kernel/principal.js';
import { defaultRegion } from '../regions/regions.catalog.js';
import { assertPlanAllows } from '../../kernel/plans.js';
import { assertNotTenantsOwnAct, resolveTenant } from '../../kernel/tenant-access.js';
import { type DatabaseWork, followDatabasePhases } from './database-work.js';
import { assertNoDatabaseWork } from '../../kernel/tenant-state.js';
import { databaseInput } from './placement.js';
import { servedZones } from '../data-plane-schemas/data-plane-servers.js';

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
 * safety backup first, then `syncing` (the target is built; queries keep working) → `migrating`
 * (cutover: writes stop, the rows are copied, routing switches) → `ready` at the new placement,
 * run by the `database-phases` job (database-state.ts, database-moves.ts). Only a ready tenant migrates, one database at a time.
 */
export async function migrateTenantDatabase(
  actor: Actor,
  backups: BackupDeps,
  work: DatabaseWork,
  ref: string,
  input: MigrationInput,
): Promise<MigrationResult> {
  const tenant = await resolveTenant<Tenant & { databases: TenantDatabase[] }>(actor, ref, 'tenants:write', { include: { databases: true } });
  assertNotTenantsOwnAct(actor.principal!, 'migrate its databases', 'isolation');
  const data = parseInput(databaseInput, input);
  if (data.region && data.isolation !== 'DEDICATED') {
    throw new InvalidInputError([
      { field: 'region', rule: 'dedicated_only', message: 'region applies to dedicated (L2) databases only; shared databases are hosted in the default zone' },
    ]);
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
  if (data.isolation === 'DEDICATED' && backups.dataPlane && !servedZones(backups.dataPlane.servers).has(toRegion)) {
    throw new InvalidInputError([
      {
        field: 'region',
        rule: 'served_zone',
        message: `region "${toRegion}" has no database server here; served zones: ${[...servedZones(backups.dataPlane.servers)].join(', ')} (see GET /regions)`,
      },
    ]);
  }
  await takeSafetyBackup(actor, backups, tenant);
  const phaseEndsAt = new Date(Date.now() + work.timings.syncMs);
  const count = await actor.prisma.$transaction(async (tx) => {
    const { count } = await tx.tenantDatabase.updateMany({
      where: { id: database.id, status: 'READY' },
      data: { status: 'SYNCING', phaseEndsAt, targetIsolation: data.isolation, targetRegion: toRegion },
    });
    if (count === 1) await followDatabasePhases(tx, tenant.id, phaseEndsAt);
    return count;
  });
  if (count === 0) await assertNoDatabaseWork(actor, tenant, 'migrate');
  return {
    tenant,
    database: await actor.prisma.tenantDatabase.findUniqueOrThrow({ where: { id: database.id } }),
    fromIsolation: database.isolation,
    toIsolation: data.isolation,
    fromRegion: database.region,
    toRegion,
  };
}
