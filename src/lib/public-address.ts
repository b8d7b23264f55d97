import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/** Whether an address is a public unicast one (not loopback, private, link-local, unique-local, reserved …). */
export function isPublicAddress(address: string): boolean {
  const parsed = ipaddr.process(address);
  return parsed.range() === 'unicast';
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
