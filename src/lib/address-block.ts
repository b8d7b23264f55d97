import ipaddr from 'ipaddr.js';

/**
 * The block a client address is counted by in per-address limits: an IPv4 address (mapped into
 * IPv6 or not) is itself, an IPv6 address its /64 — one host commonly holds a whole /64, so
 * counting single IPv6 addresses would let it sign up or guess passwords without limit.
 * Anything that does not parse is counted as given.
 */
export function addressBlock(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  const parts = v6.parts.slice(0, 4).map((part) => part.toString(16));
  return `${parts.join(':')}::/64`;
}
