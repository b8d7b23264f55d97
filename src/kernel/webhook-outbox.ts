import { randomUUID } from 'node:crypto';
import type { Prisma } from '../generated/prisma/client.js';
import { enqueueJob } from '../jobs/queue.js';
import { readGatewayConfig } from './gateway-config-spec.js';

export type WebhookPayload = { id: string; event: string; tenantId: string; target: string; changes: unknown; occurredAt: string };

/** The queue's kind for webhook deliveries (src/jobs/): its handler is delivery.job.ts. */
export const webhookDeliveryKind = 'webhook-delivery';

/** The webhooks of a tenant's gateway configuration (its row, or null when it has none) that subscribe to `event`. */
export function subscribedWebhooks(row: { document: Prisma.JsonValue } | null | undefined, event: string) {
  if (!row) return [];
  return readGatewayConfig(row.document).webhooks.filter((webhook) => (webhook.events as string[]).includes(event));
}

/**
 * Queues the event for every webhook of the tenant's gateway configuration that subscribes to
 * it, in the transaction of the change: a change that rolls back sends nothing. Each delivery
 * is a record (what the tenant reads) and a queue job that sends it. The sealed secret is
 * copied as it is, so a later configuration change does not re-sign queued events.
 */
export async function enqueueWebhooks(
  tx: Pick<Prisma.TransactionClient, 'tenantGatewayConfig' | 'webhookDelivery' | '$queryRaw' | '$executeRaw'>,
  payload: WebhookPayload,
): Promise<void> {
  const row = await tx.tenantGatewayConfig.findUnique({ where: { tenantId: payload.tenantId }, select: { document: true } });
  const subscribed = subscribedWebhooks(row, payload.event);
  if (subscribed.length === 0) return;
  const deliveries = subscribed.map((webhook) => ({
    id: randomUUID(),
    tenantId: payload.tenantId,
    event: payload.event,
    url: webhook.url,
    sealedSecret: webhook.sealedSecret ?? null,
    payload: payload as unknown as Prisma.InputJsonObject,
  }));
  await tx.webhookDelivery.createMany({ data: deliveries });
  for (const delivery of deliveries) await enqueueJob(tx, { kind: webhookDeliveryKind, payload: { deliveryId: delivery.id } });
}
