// The 64 KiB I/O port space. One PortHandler is installed on the Machine; it dispatches each
// access to the device that registered the port's range (O(1): a table of 65536 owners).
// Unclaimed ports float high: reads return all ones, writes vanish, as on an ISA/PCI bus.

import type { PortHandler } from '@nooks/x86';

import { PortConflictError, hex } from './errors.js';

export type AccessSize = 1 | 2 | 4;

/**
 * A device's registers, addressed by offset within its range. The same shape as `@nooks/x86`'s
 * MmioHandler, so one object can serve a card's I/O BAR and its MMIO BAR.
 */
export interface RegisterHandler {
  read(offset: number, size: AccessSize): number;
  write(offset: number, size: AccessSize, value: number): void;
}

/** A registered range; `unregister()` gives the ports back. */
export interface PortRange {
  readonly base: number;
  readonly length: number;
  readonly name: string;
  readonly handler: RegisterHandler;
  unregister(): void;
}

export interface PortAccess {
  dir: 'in' | 'out';
  port: number;
  size: AccessSize;
  value: number;
  /** The owning range's name, or null for an unclaimed port. */
  device: string | null;
}

/** Something a Machine-like object accepts as its port handler. */
export interface PortHost {
  setPortHandler(handler: PortHandler | null): void;
}

const SIZE_MASK = [0, 0xff, 0xffff, 0, 0xffffffff] as const;

export class IoPortBus implements PortHandler {
  /** Port -> index + 1 into `ranges` (0: unclaimed). */
  private readonly owner = new Uint16Array(0x10000);
  private readonly ranges: (PortRange | null)[] = [];
  private readonly free: number[] = [];
  private logLimit = 0;
  private logEntries: PortAccess[] | null = null;

  /** Installs the bus as `host`'s port handler (a Machine). */
  install(host: PortHost): this {
    host.setPortHandler(this);
    return this;
  }

  /** Claims ports [base, base+length) for `handler`. Throws PortConflictError on overlap. */
  register(base: number, length: number, handler: RegisterHandler, name: string): PortRange {
    if (!Number.isInteger(base) || !Number.isInteger(length) || base < 0 || length <= 0 || base + length > 0x10000) {
      throw new PortConflictError(`${name}: port range ${hex(base)}+${length} is not inside the 64 KiB I/O space`, base);
    }
    for (let p = base; p < base + length; p++) {
      const o = this.owner[p]!;
      if (o !== 0) {
        const other = this.ranges[o - 1]!;
        throw new PortConflictError(
          `${name}: port ${hex(p, 4)} (range ${hex(base, 4)}-${hex(base + length - 1, 4)}) is already claimed by ${other.name} (${hex(other.base, 4)}-${hex(other.base + other.length - 1, 4)}); choose another base or unregister the other range first`,
          p,
          other.name,
        );
      }
    }
    const index = this.free.length > 0 ? this.free.pop()! : this.ranges.length;
    const range: PortRange = {
      base,
      length,
      name,
      handler,
      unregister: () => this.release(index, range),
    };
    this.ranges[index] = range;
    this.owner.fill(index + 1, base, base + length);
    return range;
  }

  /** The range that owns `port`, if any. */
  find(port: number): PortRange | null {
    const o = this.owner[port & 0xffff]!;
    return o === 0 ? null : this.ranges[o - 1]!;
  }

  /** Every registered range, by base port. */
  list(): PortRange[] {
    return this.ranges.filter((r): r is PortRange => r !== null).sort((a, b) => a.base - b.base);
  }

  private release(index: number, range: PortRange): void {
    if (this.ranges[index] !== range) return;
    this.owner.fill(0, range.base, range.base + range.length);
    this.ranges[index] = null;
    this.free.push(index);
  }

  // ------------------------------------------------------------------ dispatch (PortHandler)

  in(port: number, size: AccessSize): number {
    const o = this.owner[port]!;
    let v: number;
    if (o !== 0) {
      const r = this.ranges[o - 1]!;
      const off = port - r.base;
      v = off + size <= r.length ? r.handler.read(off, size) : this.splitIn(port, size);
    } else {
      v = size === 1 ? 0xff : this.splitIn(port, size);
    }
    v = size === 4 ? v >>> 0 : v & SIZE_MASK[size];
    if (this.logEntries !== null) this.record('in', port, size, v);
    return v;
  }

  out(port: number, size: AccessSize, value: number): void {
    if (this.logEntries !== null) this.record('out', port, size, size === 4 ? value >>> 0 : value & SIZE_MASK[size]);
    const o = this.owner[port]!;
    if (o !== 0) {
      const r = this.ranges[o - 1]!;
      const off = port - r.base;
      if (off + size <= r.length) r.handler.write(off, size, value);
      else this.splitOut(port, size, value);
    } else if (size !== 1) {
      this.splitOut(port, size, value);
    }
  }

  /** An access straddling ranges (or running off one) becomes byte accesses, as an ISA bus splits it. */
  private splitIn(port: number, size: AccessSize): number {
    let v = 0;
    for (let i = 0; i < size; i++) {
      const p = (port + i) & 0xffff;
      const o = this.owner[p]!;
      let b = 0xff;
      if (o !== 0) {
        const r = this.ranges[o - 1]!;
        b = r.handler.read(p - r.base, 1) & 0xff;
      }
      v |= b << (8 * i);
    }
    return v;
  }

  private splitOut(port: number, size: AccessSize, value: number): void {
    for (let i = 0; i < size; i++) {
      const p = (port + i) & 0xffff;
      const o = this.owner[p]!;
      if (o !== 0) {
        const r = this.ranges[o - 1]!;
        r.handler.write(p - r.base, 1, (value >>> (8 * i)) & 0xff);
      }
    }
  }

  // ------------------------------------------------------------------ access log (tests, traces)

  /** Starts recording every access (keeping at most `limit`, the oldest dropped). */
  startLog(limit = 100_000): void {
    this.logEntries = [];
    this.logLimit = limit;
  }

  /** Stops recording and returns what was recorded. */
  stopLog(): PortAccess[] {
    const entries = this.logEntries ?? [];
    this.logEntries = null;
    return entries;
  }

  /** What has been recorded so far (the log keeps running). */
  get log(): readonly PortAccess[] {
    return this.logEntries ?? [];
  }

  private record(dir: 'in' | 'out', port: number, size: AccessSize, value: number): void {
    const log = this.logEntries!;
    if (log.length >= this.logLimit) log.shift();
    log.push({ dir, port, size, value, device: this.find(port)?.name ?? null });
  }
}
