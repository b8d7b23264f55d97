import { createHash } from 'node:crypto';
import { addressBlock } from '../../lib/address-block.js';
import { RateLimitedError } from '../../rate-limit/limits.js';
import type { CounterStore } from '../../rate-limit/store.js';

export type LoginThrottleSettings = {
  /** Failures for one email from one client address: past them, that pair is refused until the window ends. */
  perEmailAndAddress: number;
  /** Failures from one client address, any email: past them, the address is refused until the window ends. */
  perAddress: number;
  windowSeconds: number;
  /** Failures for one email from every address before its attempts are spaced out. */
  delayAfterPerEmail: number;
  /** The longest one failure makes the next attempt for its email wait. */
  maxDelaySeconds: number;
  /** How long a successful login's address stays known to its email (exempt from the email's delays). */
  knownAddressSeconds: number;
};

/**
 * Online guessing bounded without letting a stranger lock an account (OWASP's Authentication
 * Cheat Sheet, "Account Lockout", and its device-cookie scheme, with the client address, an IPv6
 * one by its /64, as the device): a hard limit per email and address and per address, and for
 * the email as a whole only growing delays, which addresses the account has logged in from skip.
 */
export type LoginThrottle = {
  check(email: string, address: string | undefined): Promise<void>;
  failed(email: string, address: string | undefined): Promise<void>;
  succeeded(email: string, address: string | undefined): Promise<void>;
};

const refused = (policy: string, limit: number, windowSeconds: number, retryMs: number) =>
  new RateLimitedError('Too many failed logins: try again later', policy, limit, windowSeconds, retryMs / 1000);

export function createLoginThrottle(store: CounterStore, settings: LoginThrottleSettings): LoginThrottle {
  const windowMs = settings.windowSeconds * 1000;
  // The email is hashed: the counter store (Redis, when shared) never holds an address book.
  const keys = (email: string, address: string | undefined) => {
    const account = createHash('sha256').update(email).digest('base64url');
    const block = address ? addressBlock(address) : 'unknown';
    return {
      pair: `login-pair:${account}:${block}`,
      address: address ? `login-address:${block}` : null,
      email: `login-email:${account}`,
      delay: `login-delay:${account}`,
      known: `login-known:${account}:${block}`,
    };
  };
  return {
    async check(email, address) {
      const key = keys(email, address);
      const pair = await store.increment(key.pair, windowMs, 0);
      if (pair.count >= settings.perEmailAndAddress) throw refused('login-email-address', settings.perEmailAndAddress, settings.windowSeconds, pair.resetMs);
      if (key.address) {
        const fromAddress = await store.increment(key.address, windowMs, 0);
        if (fromAddress.count >= settings.perAddress) throw refused('login-address', settings.perAddress, settings.windowSeconds, fromAddress.resetMs);
      }
      if (address && (await store.flagged(key.known)) > 0) return;
      const wait = await store.flagged(key.delay);
      if (wait > 0) throw refused('login-email-delay', settings.delayAfterPerEmail, settings.maxDelaySeconds, wait);
    },
    async failed(email, address) {
      const key = keys(email, address);
      await store.increment(key.pair, windowMs);
      if (key.address) await store.increment(key.address, windowMs);
      const { count } = await store.increment(key.email, windowMs);
      const beyond = count - settings.delayAfterPerEmail;
      // 1 s, 2 s, 4 s … up to the maximum: each failure past the allowance spaces the next attempt.
      if (beyond > 0) await store.flag(key.delay, Math.min(2 ** Math.min(beyond - 1, 30), settings.maxDelaySeconds) * 1000);
    },
    async succeeded(email, address) {
      if (address) await store.flag(keys(email, address).known, settings.knownAddressSeconds * 1000);
    },
  };
}
