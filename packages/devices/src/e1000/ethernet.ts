// Ethernet arithmetic shared by the card, the wire and the tests: the frame check sequence
// (CRC-32 as IEEE 802.3 computes it, appended least significant byte first), the Internet
// checksum that checksum offload inserts, and how long a frame occupies a link.

import { CLOCK_HZ } from '@nooks/x86';

/** Preamble + SFD (8 bytes) and the minimum inter-packet gap (12 bytes). */
export const ETHERNET_OVERHEAD_BYTES = 20;
export const ETHERNET_FCS_BYTES = 4;
/** Shortest frame without FCS: a MAC pads shorter ones to this. */
export const ETHERNET_MIN_FRAME = 60;
/** Longest untagged frame without FCS. */
export const ETHERNET_MAX_FRAME = 1514;

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 of `data` (the value whose little-endian bytes are the FCS). */
export function crc32(data: Uint8Array, start = 0, end = data.length): number {
  let c = -1;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** `frame` followed by its 4-byte FCS. */
export function appendFcs(frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(frame.length + 4);
  out.set(frame);
  const c = crc32(frame);
  out[frame.length] = c & 0xff;
  out[frame.length + 1] = (c >>> 8) & 0xff;
  out[frame.length + 2] = (c >>> 16) & 0xff;
  out[frame.length + 3] = c >>> 24;
  return out;
}

/**
 * Cycles (at 1.7 GHz) a frame of `length` bytes without FCS keeps a link of `bitsPerSecond`
 * busy: padding to 60 bytes, the FCS, the preamble and the inter-packet gap included
 * (1514 bytes at 1 Gb/s: 1538 byte times = 12.304 us).
 */
export function frameWireCycles(length: number, bitsPerSecond = 1e9): number {
  const bytes = Math.max(length, ETHERNET_MIN_FRAME) + ETHERNET_FCS_BYTES + ETHERNET_OVERHEAD_BYTES;
  return Math.round((bytes * 8 * CLOCK_HZ) / bitsPerSecond);
}
