// Ethernet II framing. Frames on the wire are Uint8Arrays without preamble or FCS (the link
// accounts for those in its timing); frames shorter than 60 bytes are padded with zeros.

import { PeerError } from './errors.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETH_HEADER_LENGTH = 14;
/** Minimum frame length without the FCS. */
export const ETH_MIN_FRAME = 60;
/** Maximum payload (the MTU). */
export const ETH_MTU = 1500;

/** A MAC address: 6 bytes. */
export type MacAddress = Uint8Array;

export const BROADCAST_MAC: MacAddress = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

export function parseMac(text: string): MacAddress {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw new PeerError('PEER_ADDRESS_INVALID', `'${text}' is not a MAC address: write six hex bytes, e.g. 02:00:00:00:00:01`);
  }
  return new Uint8Array(parts.map((p) => parseInt(p, 16)));
}

export function formatMac(mac: Uint8Array, offset = 0): string {
  const out: string[] = [];
  for (let i = 0; i < 6; i++) out.push(mac[offset + i]!.toString(16).padStart(2, '0'));
  return out.join(':');
}

/** Accepts a MAC as text or as 6 bytes (copied). */
export function toMac(mac: string | Uint8Array): MacAddress {
  if (typeof mac === 'string') return parseMac(mac);
  if (mac.length !== 6) throw new PeerError('PEER_ADDRESS_INVALID', `a MAC address has 6 bytes, got ${mac.length}`);
  return Uint8Array.from(mac);
}

export function macEquals(a: Uint8Array, aOffset: number, b: Uint8Array): boolean {
  for (let i = 0; i < 6; i++) if (a[aOffset + i] !== b[i]) return false;
  return true;
}

export interface EthernetFrame {
  dst: MacAddress;
  src: MacAddress;
  etherType: number;
  /** The bytes after the header, including any padding (upper layers trim by their own length). */
  payload: Uint8Array;
}

export function encodeEthernet(dst: MacAddress, src: MacAddress, etherType: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(Math.max(ETH_MIN_FRAME, ETH_HEADER_LENGTH + payload.length));
  frame.set(dst, 0);
  frame.set(src, 6);
  frame[12] = etherType >>> 8;
  frame[13] = etherType & 0xff;
  frame.set(payload, ETH_HEADER_LENGTH);
  return frame;
}

/** Decodes the header; null if the frame is too short to hold one. The fields are views, not copies. */
export function decodeEthernet(frame: Uint8Array): EthernetFrame | null {
  if (frame.length < ETH_HEADER_LENGTH) return null;
  return {
    dst: frame.subarray(0, 6),
    src: frame.subarray(6, 12),
    etherType: (frame[12]! << 8) | frame[13]!,
    payload: frame.subarray(ETH_HEADER_LENGTH),
  };
}
