import type { BackupJob, BackupJobKind, Prisma, Tenant } from '../../generated/prisma/client.js';
import type { Actor } from '../identity/principal.js';

/** Whether any of the tenant's databases is a real schema: its rows make a backup or restore long enough to run as a job. */
export async function holdsData(actor: Actor, tenant: Tenant): Promise<boolean> {
  return (await actor.prisma.tenantDatabase.count({ where: { tenantId: tenant.id, placementId: { not: null } } })) > 0;
}

/** Records a backup job in `tx`, with who asked (the job's audit events name them). */
export function recordJob(
  tx: Prisma.TransactionClient,
  actor: Actor,
  tenant: Tenant,
  kind: BackupJobKind,
  fields: { backupId: string; targetTimestamp?: Date; recoveryId?: string },
): Promise<BackupJob> {
  const principal = actor.principal!;
  return tx.backupJob.create({
    data: {
      kind,
      tenantId: tenant.id,
      ...fields,
      actorId: principal.id,
      actorLabel: principal.label,
      requestId: actor.origin?.requestId ?? null,
      clientAddress: actor.origin?.clientAddress ?? null,
    },
  });
}
