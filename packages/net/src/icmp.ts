// ICMP echo (RFC 792): request (type 8) and reply (type 0), checksummed over the whole message.

import { internetChecksum } from './checksum.js';

export const ICMP_ECHO_REPLY = 0;
export const ICMP_DEST_UNREACHABLE = 3;
export const ICMP_ECHO_REQUEST = 8;
export const ICMP_HEADER_LENGTH = 8;

export interface IcmpMessage {
  type: number;
  code: number;
  /** Identifier and sequence number (the "rest of header" of echo messages). */
  id: number;
  seq: number;
  payload: Uint8Array;
}

export function encodeIcmp(m: IcmpMessage): Uint8Array {
  const b = new Uint8Array(ICMP_HEADER_LENGTH + m.payload.length);
  b[0] = m.type;
  b[1] = m.code;
  b[4] = (m.id >>> 8) & 0xff;
  b[5] = m.id & 0xff;
  b[6] = (m.seq >>> 8) & 0xff;
  b[7] = m.seq & 0xff;
  b.set(m.payload, ICMP_HEADER_LENGTH);
  const sum = internetChecksum(b);
  b[2] = sum >>> 8;
  b[3] = sum & 0xff;
  return b;
}

export type IcmpDecoded = { ok: true; message: IcmpMessage } | { ok: false; error: 'truncated' | 'checksum' };

export function decodeIcmp(b: Uint8Array): IcmpDecoded {
  if (b.length < ICMP_HEADER_LENGTH) return { ok: false, error: 'truncated' };
  if (internetChecksum(b) !== 0) return { ok: false, error: 'checksum' };
  return {
    ok: true,
    message: { type: b[0]!, code: b[1]!, id: (b[4]! << 8) | b[5]!, seq: (b[6]! << 8) | b[7]!, payload: b.subarray(ICMP_HEADER_LENGTH) },
  };
}
