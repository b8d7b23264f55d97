import { builder } from '../../graphql/builder.js';
import { assertPageSize, maxPageSize } from '../../graphql/pagination.js';
import { webhookDeliveriesWhere } from './webhooks.service.js';
import { WebhookDeliveryRef } from './webhooks.types.js';

builder.queryField('webhookDeliveries', (t) =>
  t.prismaConnection({
    description: "The tenant's webhook deliveries, newest first",
    type: WebhookDeliveryRef,
    cursor: 'id',
    maxSize: maxPageSize,
    defaultSize: 20,
    args: { tenant: t.arg.id({ required: false, description: "UUID or slug; the API key's own tenant when absent" }) },
    resolve: async (query, _root, args, ctx) => {
      assertPageSize(args);
      return ctx.prisma.webhookDelivery.findMany({
        ...query,
        where: await webhookDeliveriesWhere(ctx, args.tenant == null ? null : String(args.tenant)),
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
    },
  }),
);
