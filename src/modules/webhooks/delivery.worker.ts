import http from 'node:http';
import https from 'node:https';
import type { PrismaClient, WebhookDelivery } from '../../generated/prisma/client.js';
import type { Keyring } from '../../lib/keyring.js';
import type { Logger } from '../../lib/logger.js';
import { resolveTarget } from '../../lib/public-address.js';
import { webhookSignature } from '../../lib/webhook-signature.js';
import { openSecretValue, tenantDataKey } from '../secrets/envelope.js';
import { utcNow } from '../../db/sql-time.js';

export type WebhookSettings = { pollMs: number; maxAttempts: number; retryBaseMs: number; retryMaxMs: number; timeoutMs: number; allowPrivate: boolean };

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

/**
 * Sends queued webhook events: POST JSON with X-Webhook-Timestamp and X-Webhook-Signature
 * (HMAC-SHA256 over "<timestamp>.<body>" with the webhook's secret). A failure is retried with
 * exponential backoff up to WEBHOOK_MAX_ATTEMPTS; every attempt is recorded. Deliveries are
 * claimed with SKIP LOCKED, so replicas sharing a database never send one twice.
 */
export class WebhookDeliveryWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly keyring: Keyring,
    private readonly settings: WebhookSettings,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.runOnce()
        .catch((error) => this.logger.error('webhook delivery round failed', { error }))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.settings.pollMs);
        });
    };
    this.timer = setTimeout(tick, this.settings.pollMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Sends what is due now; returns how many deliveries were attempted. */
  async runOnce(): Promise<number> {
    const leaseMs = this.settings.timeoutMs * 2;
    const claimed = await this.prisma.$queryRaw<WebhookDelivery[]>`
      UPDATE "WebhookDelivery" SET "nextAttemptAt" = ${utcNow} + (${leaseMs}::int * interval '1 millisecond')
      WHERE id IN (
        SELECT id FROM "WebhookDelivery" WHERE status = 'PENDING' AND "nextAttemptAt" <= ${utcNow}
        ORDER BY "nextAttemptAt" LIMIT 20 FOR UPDATE SKIP LOCKED
      ) RETURNING *`;
    for (const delivery of claimed) await this.attempt(delivery);
    return claimed.length;
  }

  private async attempt(delivery: WebhookDelivery): Promise<void> {
    const body = JSON.stringify(delivery.payload);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const attempt: Attempt = { at: new Date().toISOString(), status: null, error: null };
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-webhook-event': delivery.event, 'x-webhook-id': delivery.id, 'x-webhook-timestamp': timestamp };
      if (delivery.sealedSecret) {
        const dataKey = await tenantDataKey(this.prisma, this.keyring, delivery.tenantId);
        const secret = openSecretValue(dataKey, delivery.tenantId, `webhook ${delivery.url}`, Buffer.from(delivery.sealedSecret, 'base64'));
        headers['x-webhook-signature'] = webhookSignature(secret, timestamp, body);
      }
      attempt.status = await post(new URL(delivery.url), body, headers, this.settings);
      if (attempt.status < 200 || attempt.status >= 300) attempt.error = `answered ${attempt.status}`;
    } catch (error) {
      attempt.error = error instanceof Error ? error.message : String(error);
    }
    const attempts = delivery.attempts + 1;
    const log = [...((delivery.attemptLog as Attempt[] | null) ?? []), attempt];
    const delivered = attempt.error === null;
    const givingUp = !delivered && attempts >= this.settings.maxAttempts;
    const delay = Math.min(this.settings.retryMaxMs, this.settings.retryBaseMs * 2 ** (attempts - 1));
    await this.prisma.webhookDelivery.update({
      where: { id: delivery.id },
      data: {
        attempts,
        attemptLog: log,
        lastError: attempt.error,
        status: delivered ? 'DELIVERED' : givingUp ? 'FAILED' : 'PENDING',
        deliveredAt: delivered ? new Date() : null,
        nextAttemptAt: new Date(Date.now() + (delivered || givingUp ? 0 : delay)),
      },
    });
    if (!delivered) this.logger.warn('webhook delivery failed', { delivery: delivery.id, tenant: delivery.tenantId, attempts, error: attempt.error, givingUp });
  }
}
