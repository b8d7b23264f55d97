import http from 'node:http';
import https from 'node:https';
import type { Prisma, PrismaClient, WebhookDelivery } from '../../generated/prisma/client.js';
import type { JobHandler } from '../../jobs/handler.js';
import type { Keyring } from '../../lib/keyring.js';
import { resolveTarget } from '../../lib/public-address.js';
import { injectTraceContext, inSpan, SpanKind } from '../../lib/tracing.js';
import { webhookSignature } from '../../lib/webhook-signature.js';
import { openSecretValue, tenantDataKey } from '../secrets/envelope.js';
import { webhookDeliveryKind } from '../../kernel/webhook-outbox.js';

export type WebhookSettings = { maxAttempts: number; retryBaseMs: number; retryMaxMs: number; timeoutMs: number; allowPrivate: boolean; pollMs?: number };

type Attempt = { at: string; status: number | null; error: string | null };

/** One POST to a checked address, with the Host of the URL; resolves with the status. */
async function post(url: URL, body: string, headers: Record<string, string>, settings: WebhookSettings): Promise<number> {
  const target = await resolveTarget(url.hostname, settings.allowPrivate);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        timeout: settings.timeoutMs,
        lookup: (_hostname, _options, callback) => (callback as (error: null, address: string, family: number) => void)(null, target.address, target.family),
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${settings.timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

/** An attempt the receiver did not take: the queue retries it with backoff, or gives up. */
class DeliveryFailed extends Error {
  constructor(readonly attempt: Attempt) {
    super(attempt.error ?? 'not delivered');
    this.name = 'DeliveryFailed';
  }
}

/** The delivery's record after an attempt: every attempt logged, the outcome, and when the next is due. */
function recordAttempt(
  delivery: WebhookDelivery,
  attempts: number,
  attempt: Attempt,
  outcome: { delivered: true } | { delivered: false; retryAt: Date | null },
): Prisma.WebhookDeliveryUpdateInput {
  return {
    attempts,
    attemptLog: [...((delivery.attemptLog as Attempt[] | null) ?? []), attempt],
    lastError: attempt.error,
    status: outcome.delivered ? 'DELIVERED' : outcome.retryAt ? 'PENDING' : 'FAILED',
    deliveredAt: outcome.delivered ? new Date() : null,
    nextAttemptAt: outcome.delivered || !outcome.retryAt ? new Date() : outcome.retryAt,
  };
}

/**
 * Sends queued webhook events (kind `webhook-delivery`): POST JSON with X-Webhook-Timestamp and
 * X-Webhook-Signature (HMAC-SHA256 over "<timestamp>.<body>" with the webhook's secret). A
 * failure is retried by the queue with exponential backoff (WEBHOOK_RETRY_BASE_MS × 2^(attempt
 * − 1), at most WEBHOOK_RETRY_MAX_MS) up to WEBHOOK_MAX_ATTEMPTS; every attempt is recorded on
 * the delivery in the transaction that ends or reschedules its job, so replicas never send one
 * twice at once.
 */
export function webhookDeliveryHandler(prisma: PrismaClient, keyring: Keyring, settings: WebhookSettings): JobHandler {
  const load = (job: { payload: unknown }) => prisma.webhookDelivery.findUnique({ where: { id: (job.payload as { deliveryId: string }).deliveryId } });
  return {
    kind: webhookDeliveryKind,
    // A claim outlasts one attempt's longest wait for the receiver.
    leaseMs: settings.timeoutMs * 2,
    maxAttempts: settings.maxAttempts,
    backoff: { baseMs: settings.retryBaseMs, maxMs: settings.retryMaxMs },
    pollMs: settings.pollMs,
    async run(job, { lease }) {
      const delivery = await load(job);
      if (delivery?.status !== 'PENDING') return;
      const body = JSON.stringify(delivery.payload);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const attempt: Attempt = { at: new Date().toISOString(), status: null, error: null };
      try {
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'x-webhook-event': delivery.event,
          'x-webhook-id': delivery.id,
          'x-webhook-timestamp': timestamp,
        };
        if (delivery.sealedSecret) {
          const dataKey = await tenantDataKey(prisma, keyring, delivery.tenantId);
          const secret = openSecretValue(dataKey, delivery.tenantId, `webhook ${delivery.url}`, Buffer.from(delivery.sealedSecret, 'base64'));
          headers['x-webhook-signature'] = webhookSignature(secret, timestamp, body);
        }
        const url = new URL(delivery.url);
        attempt.status = await inSpan(
          'POST webhook',
          {
            kind: SpanKind.CLIENT,
            attributes: { 'http.request.method': 'POST', 'server.address': url.hostname, 'webhook.event': delivery.event, 'webhook.delivery_id': delivery.id },
          },
          async (span) => {
            // The receiver can join the trace of the change that raised the event.
            injectTraceContext(headers);
            const status = await post(url, body, headers, settings);
            span?.setAttribute('http.response.status_code', status);
            return status;
          },
        );
        if (attempt.status < 200 || attempt.status >= 300) attempt.error = `answered ${attempt.status}`;
      } catch (error) {
        attempt.error = error instanceof Error ? error.message : String(error);
      }
      if (attempt.error !== null) throw new DeliveryFailed(attempt);
      await prisma.$transaction(async (tx) => {
        if (await lease.end(tx))
          await tx.webhookDelivery.update({ where: { id: delivery.id }, data: recordAttempt(delivery, job.attempts, attempt, { delivered: true }) });
      });
    },
    async failed(tx, job, { error, retryAt }) {
      const delivery = await tx.webhookDelivery.findUnique({ where: { id: (job.payload as { deliveryId: string }).deliveryId } });
      if (delivery?.status !== 'PENDING') return;
      const attempt: Attempt =
        error instanceof DeliveryFailed
          ? error.attempt
          : { at: new Date().toISOString(), status: null, error: error instanceof Error ? error.message : String(error) };
      await tx.webhookDelivery.update({ where: { id: delivery.id }, data: recordAttempt(delivery, job.attempts, attempt, { delivered: false, retryAt }) });
    },
  };
}
