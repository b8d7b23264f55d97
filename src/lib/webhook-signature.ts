import { createHmac } from 'node:crypto';

/** HMAC-SHA256 over `<timestamp>.<body>`, hex: what a receiver recomputes with its secret. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
