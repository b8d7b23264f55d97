import type { Prisma } from '../../generated/prisma/client.js';
import { readGatewayConfig } from '../gateway-config/gateway-config-spec.js';

export type WebhookPayload = { id: string; event: string; tenantId: string; target: string; changes: unknown; occurredAt: string };

/**
 * Queues the event for every webhook of the tenant's gateway configuration that subscribes to
 * it, in the transaction of the change: a change that rolls back sends nothing. The sealed
 * secret is copied as it is, so a later configuration change does not re-sign queued events.
 */
export async function enqueueWebhooks(tx: Pick<Prisma.TransactionClient, 'tenantGatewayConfig' | 'webhookDelivery'>, payload: WebhookPayload): Promise<void> {
  const row = await tx.tenantGatewayConfig.findUnique({ where: { tenantId: payload.tenantId }, select: { document: true } });
  if (!row) return;
  const subscribed = readGatewayConfig(row.document).webhooks.filter((webhook) => (webhook.events as string[]).includes(payload.event));
  if (subscribed.length === 0) return;
  await tx.webhookDelivery.createMany({
    data: subscribed.map((webhook) => ({
      tenantId: payload.tenantId,
      event: payload.event,
      url: webhook.url,
      sealedSecret: webhook.sealedSecret ?? null,
      payload: payload as unknown as Prisma.InputJsonObject,
    })),
  });
}
