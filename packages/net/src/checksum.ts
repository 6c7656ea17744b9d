// The Internet checksum (RFC 1071): the one's complement of the one's complement sum of 16-bit
// big-endian words, with the TCP/UDP pseudo-header (RFC 793, RFC 768) folded in by the caller.

/** Adds the bytes [start, end) of `data` as big-endian 16-bit words to `acc` (not folded). */
export function onesComplementSum(data: Uint8Array, start = 0, end = data.length, acc = 0): number {
  let sum = acc;
  let i = start;
  // Unfolded sums stay exact in a double far beyond any frame size.
  for (; i + 1 < end; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (i < end) sum += data[i]! << 8;
  return sum;
}

/** Folds the carries of an unfolded sum back into 16 bits. */
export function foldSum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** The checksum field value for bytes [start, end) of `data`, with `initial` (e.g. a pseudo-header sum) added. */
export function internetChecksum(data: Uint8Array, start = 0, end = data.length, initial = 0): number {
  return ~foldSum(onesComplementSum(data, start, end, initial)) & 0xffff;
}

/** The unfolded sum of the IPv4 pseudo-header: source, destination, protocol, upper-layer length. */
export function pseudoHeaderSum(src: number, dst: number, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}
