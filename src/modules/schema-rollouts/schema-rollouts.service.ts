import type { Prisma } from '../../generated/prisma/client.js';

export type RolloutRequest = { projectId: string; blueprint: string; version: number; tenantIds: string[] };

/** Queues a deployment: the job and one pending target per tenant, in the caller's transaction. */
export function enqueueSchemaRollout(tx: Prisma.TransactionClient, request: RolloutRequest) {
  return tx.schemaRollout.create({
    data: {
      projectId: request.projectId,
      blueprint: request.blueprint,
      version: request.version,
      targets: { create: request.tenantIds.map((tenantId, position) => ({ tenantId, position })) },
    },
  });
}
