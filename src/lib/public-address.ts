import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/** IPv4-compatible addresses (`::a.b.c.d`, deprecated by RFC 4291): no network routes them, so none is public. */
const ipv4Compatible = ipaddr.parseCIDR('::/96');

/**
 * The IPv4 address an IPv6 one carries and would reach: IPv4-mapped (`::ffff:0:0/96`),
 * IPv4-translated (`::ffff:0:0:0/96`), well-known-prefix NAT64 (`64:ff9b::/96`) and 6to4
 * (`2002::/16`, the address in bits 16–48). Judged as that IPv4 address, a mapped loopback is
 * loopback and a NAT64 address of a public host is public.
 */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const bytes = address.toByteArray();
  switch (address.range()) {
    case 'ipv4Mapped':
    case 'rfc6145':
      return new ipaddr.IPv4(bytes.slice(12));
    case 'rfc6052':
      // 64:ff9b:1::/48 (RFC 8215) is for local use: it stays refused as rfc6052.
      return address.match(ipaddr.parseCIDR('64:ff9b::/96')) ? new ipaddr.IPv4(bytes.slice(12)) : null;
    case '6to4':
      return new ipaddr.IPv4(bytes.slice(2, 6));
    default:
      return null;
  }
}

/** Whether an address is a public unicast one (not loopback, private, link-local, unique-local, reserved …), IPv4 carried in IPv6 judged as IPv4. */
export function isPublicAddress(address: string): boolean {
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed.range() === 'unicast';
  const v6 = parsed as ipaddr.IPv6;
  if (v6.match(ipv4Compatible)) return false;
  return (embeddedIPv4(v6) ?? v6).range() === 'unicast';
}

/**
 * The address to connect to for `hostname`, checked after DNS resolution: every address the
 * name resolves to must be public unless `allowPrivate`. The caller connects to the address
 * returned, so a second resolution cannot swap in another.
 */
export async function resolveTarget(hostname: string, allowPrivate: boolean): Promise<{ address: string; family: number }> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const addresses = ipaddr.isValid(host) ? [{ address: host, family: host.includes(':') ? 6 : 4 }] : await lookup(host, { all: true });
  if (addresses.length === 0) throw new Error(`${hostname} does not resolve`);
  if (!allowPrivate) {
    const privateOne = addresses.find((entry) => !isPublicAddress(entry.address));
    if (privateOne) throw new Error(`${hostname} resolves to ${privateOne.address}, not a public address`);
  }
  return addresses[0]!;
}
