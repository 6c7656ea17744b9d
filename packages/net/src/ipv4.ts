// IPv4 (RFC 791): a 20-byte header without options on send; on receive, options are skipped and
// the header is validated (version, lengths, checksum). The peer never fragments (it sends at most
// the MTU) and drops fragments instead of reassembling them.

import { internetChecksum } from './checksum.js';
import { PeerError } from './errors.js';

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPV4_HEADER_LENGTH = 20;
export const IPV4_BROADCAST = 0xffffffff;

export function parseIp(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new PeerError('PEER_ADDRESS_INVALID', `'${text}' is not an IPv4 address: write four decimal bytes, e.g. 10.0.0.2`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0) >>> 0;
}

export function formatIp(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}`;
}

/** Accepts an address as dotted text or as a 32-bit number. */
export function toIp(ip: string | number): number {
  if (typeof ip === 'string') return parseIp(ip);
  if (!Number.isInteger(ip) || ip < 0 || ip > 0xffffffff) throw new PeerError('PEER_ADDRESS_INVALID', `${ip} is not a 32-bit IPv4 address`);
  return ip >>> 0;
}

export interface Ipv4Header {
  src: number;
  dst: number;
  protocol: number;
  ttl: number;
  id: number;
  tos: number;
  dontFragment: boolean;
  moreFragments: boolean;
  fragmentOffset: number;
  headerLength: number;
  totalLength: number;
}

export interface Ipv4SendFields {
  src: number;
  dst: number;
  protocol: number;
  ttl?: number;
  id?: number;
  tos?: number;
}

export function encodeIpv4(fields: Ipv4SendFields, payload: Uint8Array): Uint8Array {
  const total = IPV4_HEADER_LENGTH + payload.length;
  if (total > 0xffff) throw new PeerError('PEER_PAYLOAD_TOO_LARGE', `an IPv4 packet holds at most 65535 bytes, asked for ${total}`);
  const p = new Uint8Array(total);
  p[0] = 0x45;
  p[1] = fields.tos ?? 0;
  p[2] = total >>> 8;
  p[3] = total & 0xff;
  const id = fields.id ?? 0;
  p[4] = (id >>> 8) & 0xff;
  p[5] = id & 0xff;
  p[6] = 0x40; // DF: the peer never fragments
  p[8] = fields.ttl ?? 64;
  p[9] = fields.protocol;
  writeU32(p, 12, fields.src);
  writeU32(p, 16, fields.dst);
  const sum = internetChecksum(p, 0, IPV4_HEADER_LENGTH);
  p[10] = sum >>> 8;
  p[11] = sum & 0xff;
  p.set(payload, IPV4_HEADER_LENGTH);
  return p;
}

export type Ipv4Error = 'truncated' | 'version' | 'header-length' | 'total-length' | 'checksum' | 'fragment';

export type Ipv4Decoded = { ok: true; header: Ipv4Header; payload: Uint8Array } | { ok: false; error: Ipv4Error };

/** Validates and decodes a packet (trailing Ethernet padding is cut by the total length). */
export function decodeIpv4(p: Uint8Array): Ipv4Decoded {
  if (p.length < IPV4_HEADER_LENGTH) return { ok: false, error: 'truncated' };
  if (p[0]! >>> 4 !== 4) return { ok: false, error: 'version' };
  const headerLength = (p[0]! & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_LENGTH || headerLength > p.length) return { ok: false, error: 'header-length' };
  const totalLength = (p[2]! << 8) | p[3]!;
  if (totalLength < headerLength || totalLength > p.length) return { ok: false, error: 'total-length' };
  if (internetChecksum(p, 0, headerLength) !== 0) return { ok: false, error: 'checksum' };
  const flagsFrag = (p[6]! << 8) | p[7]!;
  const header: Ipv4Header = {
    src: readU32(p, 12),
    dst: readU32(p, 16),
    protocol: p[9]!,
    ttl: p[8]!,
    id: (p[4]! << 8) | p[5]!,
    tos: p[1]!,
    dontFragment: (flagsFrag & 0x4000) !== 0,
    moreFragments: (flagsFrag & 0x2000) !== 0,
    fragmentOffset: (flagsFrag & 0x1fff) * 8,
    headerLength,
    totalLength,
  };
  if (header.moreFragments || header.fragmentOffset !== 0) return { ok: false, error: 'fragment' };
  return { ok: true, header, payload: p.subarray(headerLength, totalLength) };
}

export function readU32(p: Uint8Array, off: number): number {
  return ((p[off]! << 24) | (p[off + 1]! << 16) | (p[off + 2]! << 8) | p[off + 3]!) >>> 0;
}

export function writeU32(p: Uint8Array, off: number, v: number): void {
  p[off] = v >>> 24;
  p[off + 1] = (v >>> 16) & 0xff;
  p[off + 2] = (v >>> 8) & 0xff;
  p[off + 3] = v & 0xff;
}
