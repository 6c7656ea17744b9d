// The TCP segment codec (RFC 793): header, options (MSS, window scale; others skipped), and the
// pseudo-header checksum. The connection state machine is in tcp-socket.ts.

import { internetChecksum, pseudoHeaderSum } from './checksum.js';
import { IPPROTO_TCP, readU32, writeU32 } from './ipv4.js';

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_HEADER_LENGTH = 20;

export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  /** The raw 16-bit window field (not scaled). */
  window: number;
  /** MSS option (SYN segments). */
  mss?: number;
  /** Window scale option's shift count (SYN segments). */
  windowScale?: number;
  payload: Uint8Array;
}

export function encodeTcp(srcIp: number, dstIp: number, s: TcpSegment): Uint8Array {
  let optLen = 0;
  if (s.mss !== undefined) optLen += 4;
  if (s.windowScale !== undefined) optLen += 4; // NOP + 3-byte option
  const hl = TCP_HEADER_LENGTH + optLen;
  const len = hl + s.payload.length;
  const b = new Uint8Array(len);
  b[0] = s.srcPort >>> 8;
  b[1] = s.srcPort & 0xff;
  b[2] = s.dstPort >>> 8;
  b[3] = s.dstPort & 0xff;
  writeU32(b, 4, s.seq >>> 0);
  writeU32(b, 8, s.ack >>> 0);
  b[12] = (hl / 4) << 4;
  b[13] = s.flags;
  b[14] = (s.window >>> 8) & 0xff;
  b[15] = s.window & 0xff;
  let o = TCP_HEADER_LENGTH;
  if (s.mss !== undefined) {
    b[o] = 2;
    b[o + 1] = 4;
    b[o + 2] = s.mss >>> 8;
    b[o + 3] = s.mss & 0xff;
    o += 4;
  }
  if (s.windowScale !== undefined) {
    b[o] = 1;
    b[o + 1] = 3;
    b[o + 2] = 3;
    b[o + 3] = s.windowScale;
  }
  b.set(s.payload, hl);
  const sum = internetChecksum(b, 0, len, pseudoHeaderSum(srcIp, dstIp, IPPROTO_TCP, len));
  b[16] = sum >>> 8;
  b[17] = sum & 0xff;
  return b;
}

export type TcpDecoded = { ok: true; segment: TcpSegment } | { ok: false; error: 'truncated' | 'header-length' | 'checksum' | 'options' };

export function decodeTcp(srcIp: number, dstIp: number, b: Uint8Array): TcpDecoded {
  if (b.length < TCP_HEADER_LENGTH) return { ok: false, error: 'truncated' };
  const hl = (b[12]! >>> 4) * 4;
  if (hl < TCP_HEADER_LENGTH || hl > b.length) return { ok: false, error: 'header-length' };
  if (internetChecksum(b, 0, b.length, pseudoHeaderSum(srcIp, dstIp, IPPROTO_TCP, b.length)) !== 0) return { ok: false, error: 'checksum' };
  const s: TcpSegment = {
    srcPort: (b[0]! << 8) | b[1]!,
    dstPort: (b[2]! << 8) | b[3]!,
    seq: readU32(b, 4),
    ack: readU32(b, 8),
    flags: b[13]! & 0x3f,
    window: (b[14]! << 8) | b[15]!,
    payload: b.subarray(hl),
  };
  let o = TCP_HEADER_LENGTH;
  while (o < hl) {
    const kind = b[o]!;
    if (kind === 0) break;
    if (kind === 1) {
      o++;
      continue;
    }
    if (o + 1 >= hl) return { ok: false, error: 'options' };
    const olen = b[o + 1]!;
    if (olen < 2 || o + olen > hl) return { ok: false, error: 'options' };
    if (kind === 2 && olen === 4) s.mss = (b[o + 2]! << 8) | b[o + 3]!;
    else if (kind === 3 && olen === 3) s.windowScale = Math.min(14, b[o + 2]!);
    o += olen;
  }
  return { ok: true, segment: s };
}

/** Sequence-space length of a segment: payload bytes plus one for SYN and one for FIN. */
export function segmentLength(s: TcpSegment): number {
  return s.payload.length + (s.flags & TCP_SYN ? 1 : 0) + (s.flags & TCP_FIN ? 1 : 0);
}
