/** IPv4 CIDR arithmetic for config validation (strict: host bits must be zero). */

export interface Cidr {
  text: string;
  /** Network address as an unsigned 32-bit number. */
  network: number;
  prefix: number;
  /** Number of addresses in the block. */
  size: number;
}

export type CidrParse = { ok: true; cidr: Cidr } | { ok: false; reason: string };

export function parseCidr(text: string): CidrParse {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!match) return { ok: false, reason: `"${text}" is not an IPv4 CIDR` };
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return { ok: false, reason: `"${text}" has an octet above 255` };
  const prefix = Number(match[5]);
  if (prefix > 32) return { ok: false, reason: `"${text}" has a prefix above /32` };
  const address = ((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + octets[3]!;
  const size = 2 ** (32 - prefix);
  const network = Math.floor(address / size) * size;
  if (network !== address) {
    return {
      ok: false,
      reason: `"${text}" has host bits set; the network address is ${formatAddress(network)}/${prefix}`,
    };
  }
  return { ok: true, cidr: { text, network, prefix, size } };
}

export function formatAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.network >= outer.network && inner.network + inner.size <= outer.network + outer.size;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.network < b.network + b.size && b.network < a.network + a.size;
}

/** AWS reserves the first four and the last address of every subnet. */
export function usableSubnetAddresses(c: Cidr): number {
  return c.size - 5;
}
