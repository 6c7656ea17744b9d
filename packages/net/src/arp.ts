// ARP for IPv4 over Ethernet (RFC 826): the 28-byte packet, and a cache whose entries expire
// after a timeout in simulated time (checked when looked up, so it needs no timers).

import type { NetClock as Clock } from './clock.js';

import type { MacAddress } from './ethernet.js';
import { readU32, writeU32 } from './ipv4.js';

export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;
export const ARP_PACKET_LENGTH = 28;

export interface ArpPacket {
  op: number;
  senderMac: MacAddress;
  senderIp: number;
  targetMac: MacAddress;
  targetIp: number;
}

export function encodeArp(p: ArpPacket): Uint8Array {
  const b = new Uint8Array(ARP_PACKET_LENGTH);
  b[1] = 1; // htype Ethernet
  b[2] = 0x08; // ptype IPv4
  b[4] = 6;
  b[5] = 4;
  b[7] = p.op;
  b.set(p.senderMac, 8);
  writeU32(b, 14, p.senderIp);
  b.set(p.targetMac, 18);
  writeU32(b, 24, p.targetIp);
  return b;
}

/** Decodes an Ethernet/IPv4 ARP packet; null for anything else (other hardware or protocol types, truncated). */
export function decodeArp(b: Uint8Array): ArpPacket | null {
  if (b.length < ARP_PACKET_LENGTH) return null;
  if (b[0] !== 0 || b[1] !== 1 || b[2] !== 0x08 || b[3] !== 0 || b[4] !== 6 || b[5] !== 4) return null;
  const op = (b[6]! << 8) | b[7]!;
  if (op !== ARP_REQUEST && op !== ARP_REPLY) return null;
  return {
    op,
    senderMac: b.slice(8, 14),
    senderIp: readU32(b, 14),
    targetMac: b.slice(18, 24),
    targetIp: readU32(b, 24),
  };
}

interface ArpEntry {
  mac: MacAddress;
  expires: number;
}

export class ArpCache {
  private readonly entries = new Map<number, ArpEntry>();

  constructor(
    private readonly clock: Clock,
    /** Lifetime of an entry in cycles. */
    readonly timeoutCycles: number,
  ) {}

  lookup(ip: number): MacAddress | undefined {
    const e = this.entries.get(ip);
    if (e === undefined) return undefined;
    if (this.clock.now() >= e.expires) {
      this.entries.delete(ip);
      return undefined;
    }
    return e.mac;
  }

  /** Adds or refreshes an entry. */
  learn(ip: number, mac: MacAddress): void {
    this.entries.set(ip, { mac: Uint8Array.from(mac), expires: this.clock.now() + this.timeoutCycles });
  }

  /** True if an entry exists (even expired): RFC 826 updates existing entries from any ARP packet. */
  has(ip: number): boolean {
    return this.entries.has(ip);
  }

  forget(ip: number): void {
    this.entries.delete(ip);
  }

  get size(): number {
    return this.entries.size;
  }
}
