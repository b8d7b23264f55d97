import type { BackupJob, BackupJobKind, Prisma, Tenant } from '../../generated/prisma/client.js';
import { enqueueJob } from '../../jobs/queue.js';
import type { Actor } from '../../kernel/principal.js';

/** The queue's kind for backup jobs (src/jobs/): its handler is backup-job.job.ts. */
export const backupJobKind = 'backup-job';

/** Whether any of the tenant's databases is a real schema: its rows make a backup or restore long enough to run as a job. */
export async function holdsData(actor: Actor, tenant: Tenant): Promise<boolean> {
  return (await actor.prisma.tenantDatabase.count({ where: { tenantId: tenant.id, placementId: { not: null } } })) > 0;
}

/** Records a backup job in `tx`, with who asked (the job's audit events name them), and queues it: one at a time per tenant. */
export async function recordJob(
  tx: Prisma.TransactionClient,
  actor: Actor,
  tenant: Tenant,
  kind: BackupJobKind,
  fields: { backupId: string; targetTimestamp?: Date; recoveryId?: string },
): Promise<BackupJob> {
  const principal = actor.principal!;
  const job = await tx.backupJob.create({
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
  await enqueueJob(tx, { kind: backupJobKind, payload: { backupJobId: job.id }, serialKey: `tenant:${tenant.id}` });
  return job;
}
