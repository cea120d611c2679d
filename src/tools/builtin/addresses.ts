import { BlockList, isIP } from 'node:net';
import os from 'node:os';

/**
 * Which addresses `http.fetch` treats as inside the owner's machine or network. A target in
 * any of these ranges (by IP literal or by what its name resolves to) is reached only when the
 * policy lists its host with an explicit port; Mycel's own ports never.
 */
const RANGES: ReadonlyArray<[label: string, network: string, prefix: number, family: 'ipv4' | 'ipv6']> = [
  ['an unspecified ("this host") address', '0.0.0.0', 8, 'ipv4'],
  ['a loopback address', '127.0.0.0', 8, 'ipv4'],
  ['a private address', '10.0.0.0', 8, 'ipv4'],
  ['a private address', '172.16.0.0', 12, 'ipv4'],
  ['a private address', '192.168.0.0', 16, 'ipv4'],
  ['a shared (carrier-grade NAT) address', '100.64.0.0', 10, 'ipv4'],
  ['a link-local address', '169.254.0.0', 16, 'ipv4'],
  ['a special-purpose address', '192.0.0.0', 24, 'ipv4'],
  ['a benchmarking address', '198.18.0.0', 15, 'ipv4'],
  ['a multicast address', '224.0.0.0', 4, 'ipv4'],
  ['a reserved or broadcast address', '240.0.0.0', 4, 'ipv4'],
  // ::/96 holds :: (unspecified), ::1 (loopback) and the old IPv4-compatible form ::a.b.c.d.
  ['an unspecified, loopback or IPv4-compatible address', '::', 96, 'ipv6'],
  ['a private (unique local) address', 'fc00::', 7, 'ipv6'],
  ['a link-local address', 'fe80::', 10, 'ipv6'],
  ['a site-local address', 'fec0::', 10, 'ipv6'],
  ['a multicast address', 'ff00::', 8, 'ipv6'],
];

const LISTS = RANGES.map(([label, network, prefix, family]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { label, list };
});

/** Strips the brackets of an IPv6 URL host (`[::1]` → `::1`). */
export function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * Why an IP address is not a public one (e.g. "a loopback address"), or undefined when it is.
 * IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) count as their IPv4 address.
 */
export function nonPublicReason(address: string): string | undefined {
  const ip = unbracket(address);
  const family = isIP(ip);
  if (!family) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  return LISTS.find(({ list }) => list.check(ip, type))?.label;
}

/** Whether an address is one of this machine's own (any interface), where Mycel's ports listen. */
export function isOwnMachineAddress(address: string): boolean {
  const ip = unbracket(address).toLowerCase().replace(/^::ffff:/, '');
  if (nonPublicReason(ip) === 'a loopback address' || nonPublicReason(ip)?.startsWith('an unspecified')) return true;
  return Object.values(os.networkInterfaces()).some((list) => list?.some((i) => i.address.toLowerCase() === ip));
}
