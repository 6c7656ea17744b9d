// UDP (RFC 768) with the pseudo-header checksum. A computed checksum of 0 is sent as 0xFFFF; a
// received checksum of 0 means the sender did not compute one, and is accepted.

import { internetChecksum, pseudoHeaderSum } from './checksum.js';
import { IPPROTO_UDP } from './ipv4.js';

export const UDP_HEADER_LENGTH = 8;

export interface UdpDatagram {
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

export function encodeUdp(srcIp: number, dstIp: number, d: UdpDatagram): Uint8Array {
  const len = UDP_HEADER_LENGTH + d.payload.length;
  const b = new Uint8Array(len);
  b[0] = d.srcPort >>> 8;
  b[1] = d.srcPort & 0xff;
  b[2] = d.dstPort >>> 8;
  b[3] = d.dstPort & 0xff;
  b[4] = len >>> 8;
  b[5] = len & 0xff;
  b.set(d.payload, UDP_HEADER_LENGTH);
  const sum = internetChecksum(b, 0, len, pseudoHeaderSum(srcIp, dstIp, IPPROTO_UDP, len)) || 0xffff;
  b[6] = sum >>> 8;
  b[7] = sum & 0xff;
  return b;
}

export type UdpDecoded = { ok: true; datagram: UdpDatagram } | { ok: false; error: 'truncated' | 'length' | 'checksum' };

export function decodeUdp(srcIp: number, dstIp: number, b: Uint8Array): UdpDecoded {
  if (b.length < UDP_HEADER_LENGTH) return { ok: false, error: 'truncated' };
  const len = (b[4]! << 8) | b[5]!;
  if (len < UDP_HEADER_LENGTH || len > b.length) return { ok: false, error: 'length' };
  const wire = (b[6]! << 8) | b[7]!;
  if (wire !== 0 && internetChecksum(b, 0, len, pseudoHeaderSum(srcIp, dstIp, IPPROTO_UDP, len)) !== 0) {
    return { ok: false, error: 'checksum' };
  }
  return { ok: true, datagram: { srcPort: (b[0]! << 8) | b[1]!, dstPort: (b[2]! << 8) | b[3]!, payload: b.subarray(UDP_HEADER_LENGTH, len) } };
}
