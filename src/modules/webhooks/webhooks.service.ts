import type { Prisma } from '../../generated/prisma/client.js';
import type { Actor } from '../../kernel/principal.js';
import { resolveTenant } from '../../kernel/tenant-access.js';

/** A tenant's webhook deliveries (every attempt recorded), for whoever may read its configuration. */
export async function webhookDeliveriesWhere(actor: Actor, ref: string | null | undefined): Promise<Prisma.WebhookDeliveryWhereInput> {
  const tenant = await resolveTenant(actor, ref, 'config:read');
  return { tenantId: tenant.id };
}
