import { createHash } from 'node:crypto';
import { addressBlock } from '../../lib/address-block.js';
import { RateLimitedError } from '../../rate-limit/limits.js';
import type { CounterStore } from '../../rate-limit/store.js';

export type LoginThrottleSettings = { perEmail: number; perAddress: number; windowSeconds: number };

/** Failed logins counted per email and per client address (an IPv6 address by its /64); once either has used its allowance, attempts are refused until the window ends. */
export type LoginThrottle = {
  check(email: string, address: string | undefined): Promise<void>;
  failed(email: string, address: string | undefined): Promise<void>;
};

export function createLoginThrottle(store: CounterStore, settings: LoginThrottleSettings): LoginThrottle {
  const windowMs = settings.windowSeconds * 1000;
  // The email is hashed: the counter store (Redis, when shared) never holds an address book.
  const counters = (email: string, address: string | undefined) => [
    { key: `login-email:${createHash('sha256').update(email).digest('base64url')}`, limit: settings.perEmail, policy: 'login-email' },
    ...(address ? [{ key: `login-address:${addressBlock(address)}`, limit: settings.perAddress, policy: 'login-address' }] : []),
  ];
  return {
    async check(email, address) {
      for (const { key, limit, policy } of counters(email, address)) {
        const { count, resetMs } = await store.increment(key, windowMs, 0);
        if (count >= limit) {
          throw new RateLimitedError('Too many failed logins: try again later', policy, limit, settings.windowSeconds, resetMs / 1000);
        }
      }
    },
    async failed(email, address) {
      for (const { key } of counters(email, address)) await store.increment(key, windowMs);
    },
  };
}
