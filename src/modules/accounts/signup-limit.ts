import { addressBlock } from '../../lib/address-block.js';
import { RateLimitedError } from '../../rate-limit/limits.js';
import type { CounterStore } from '../../rate-limit/store.js';

/** Signups counted per client address (an IPv6 address by its /64) over an hour; past the allowance, further ones are refused until the hour ends. */
export type SignupLimit = { take(address: string | undefined): Promise<void> };

export function createSignupLimit(store: CounterStore, perAddressPerHour: number): SignupLimit {
  const windowSeconds = 3_600;
  return {
    async take(address) {
      if (!address) return;
      const { count, resetMs } = await store.increment(`signup-address:${addressBlock(address)}`, windowSeconds * 1000);
      if (count > perAddressPerHour) {
        throw new RateLimitedError('Too many signups from this address: try again later', 'signup-address', perAddressPerHour, windowSeconds, resetMs / 1000);
      }
    },
  };
}
