// A driver's-eye harness for the e1000 tests: a Machine with a Platform, the card in slot 3
// with its BARs assigned by the BIOS pass and bus mastering on, register access through the
// CPU's physical address space, descriptor rings built in emulated RAM, and a peer on the other
// end of a gigabit cable that records what arrives.
import { Machine } from '@nooks/x86';

import { E1000, EthernetCable, PciCommand, Platform, frameWireCycles } from '../src/index.js';
import type { E1000Options } from '../src/index.js';

export interface Arrival {
  frame: Uint8Array;
  at: number;
}

export const SLOT = 3;
export const PEER_MAC = new Uint8Array([0x02, 0x00, 0x00, 0x00, 0x00, 0x02]);
export const NIC_MAC = new Uint8Array([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);

export class Rig {
  readonly m = new Machine({ memoryBytes: 4 << 20 });
  readonly p = new Platform(this.m, { biosPit: false });
  readonly nic: E1000;
  readonly cable: EthernetCable;
  readonly bar0: number;
  readonly ioBase: number;
  readonly irq: number;
  /** Frames the peer received. */
  readonly arrivals: Arrival[] = [];

  constructor(options: E1000Options = {}) {
    this.nic = new E1000({ mac: NIC_MAC, ...options });
    this.p.pci.add(this.nic, SLOT);
    const fn = this.p.assignPciResources().find((f) => f.name === 'e1000')!;
    this.bar0 = fn.bars.find((b) => b.index === 0)!.base;
    this.ioBase = fn.bars.find((b) => b.index === 2)!.base;
    this.irq = fn.irq!;
    const cmd = this.p.pci.configRead(SLOT, 0, 4, 2);
    this.p.pci.configWrite(SLOT, 0, 4, 2, cmd | PciCommand.BUS_MASTER); // pci_set_master
    this.cable = new EthernetCable(this.p.clock);
    this.nic.attachWire(this.cable.a);
    this.cable.b.connect({ receiveFrame: (frame, at) => this.arrivals.push({ frame, at }) });
  }

  rd(off: number): number {
    return this.m.cpu.physRead(this.bar0 + off, 4) >>> 0;
  }

  wr(off: number, v: number): void {
    this.m.cpu.physWrite(this.bar0 + off, 4, v);
  }

  now(): number {
    return this.p.clock.now();
  }

  /** Lets simulated time pass (the CPU idle) until nothing is pending or `cycles` have gone. */
  idle(cycles = 10_000_000): void {
    this.p.clock.idleUntil(this.now() + cycles);
  }

  /** The card's IRQ at the 8259 (IRR bit). */
  get irqPending(): boolean {
    return ((this.p.pic.irr >> this.irq) & 1) === 1;
  }

  private peerFree = 0;

  /** The peer sends a frame that starts on the wire now (or at `at`), after its previous one. */
  peerSend(frame: Uint8Array, at = this.now()): void {
    const start = Math.max(at, this.peerFree);
    this.peerFree = start + frameWireCycles(frame.length);
    this.cable.b.send(frame, start);
  }
}

/** An Ethernet frame to `dst` from `src` with ethertype 0x88B5 (local experimental) and `n` payload bytes. */
export function frame(dst: Uint8Array, src: Uint8Array, n: number, seed = 0): Uint8Array {
  const f = new Uint8Array(14 + n);
  f.set(dst.subarray(0, 6), 0);
  f.set(src.subarray(0, 6), 6);
  f[12] = 0x88;
  f[13] = 0xb5;
  for (let i = 0; i < n; i++) f[14 + i] = (i * 7 + seed) & 0xff;
  return f;
}

/** Byte-for-byte equality of two large buffers (vitest's deep equality is slow on megabytes). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Writes a 16-byte descriptor. */
export function writeDesc(m: Machine, addr: number, bytes: number[]): void {
  const d = new Uint8Array(16);
  d.set(bytes);
  m.writePhys(addr, d);
}

/** A legacy transmit descriptor. */
export function txDesc(buf: number, length: number, cmd: number, cso = 0, css = 0): number[] {
  return [buf & 0xff, (buf >>> 8) & 0xff, (buf >>> 16) & 0xff, buf >>> 24, 0, 0, 0, 0, length & 0xff, length >> 8, cso, cmd, 0, css, 0, 0];
}

/** A receive descriptor as the driver leaves it: the buffer address, the rest zero. */
export function rxDesc(buf: number): number[] {
  return [buf & 0xff, (buf >>> 8) & 0xff, (buf >>> 16) & 0xff, buf >>> 24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
}
