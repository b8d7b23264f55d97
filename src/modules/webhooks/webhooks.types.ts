import { builder } from '../../graphql/builder.js';

export const WebhookDeliveryStatus = builder.enumType('WebhookDeliveryStatus', { values: ['PENDING', 'DELIVERED', 'FAILED'] as const });

export const WebhookDeliveryRef = builder.prismaObject('WebhookDelivery', {
  description: 'One event sent (or to be sent) to one webhook, with every attempt',
  fields: (t) => ({
    id: t.exposeID('id'),
    event: t.exposeString('event'),
    url: t.exposeString('url'),
    status: t.expose('status', { type: WebhookDeliveryStatus }),
    attempts: t.exposeInt('attempts'),
    attemptLog: t.field({ type: 'JSON', description: '[{at, status, error}] per attempt', resolve: (delivery) => delivery.attemptLog ?? [] }),
    lastError: t.exposeString('lastError', { nullable: true }),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
  }),
});
