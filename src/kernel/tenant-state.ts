import type { Prisma, Tenant, TenantDatabase } from '../generated/prisma/client.js';
import type { TenantStatus } from '../generated/prisma/enums.js';
import { ConflictError } from '../lib/errors.js';
import type { Actor } from './principal.js';

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
