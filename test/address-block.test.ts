import { describe, expect, test } from 'vitest';
import { addressBlock } from '../src/lib/address-block.js';
import { createSignupLimit } from '../src/modules/accounts/signup-limit.js';
import { MemoryCounterStore } from '../src/rate-limit/store.js';

describe('per-address limits count an IPv6 address by its /64', () => {
  test.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
    ['not an address', 'not an address'],
  ])('%s is counted as %s', (address, block) => {
    expect(addressBlock(address)).toBe(block);
  });

  test('signups from many addresses of one /64 share one allowance; another /64 has its own', async () => {
    const limit = createSignupLimit(new MemoryCounterStore(), 2);
    await limit.take('2001:db8:1:2::1');
    await limit.take('2001:db8:1:2::2');
    await expect(limit.take('2001:db8:1:2:ffff::3')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(limit.take('2001:db8:1:3::1')).resolves.toBeUndefined();
  });
});
