// The Intel 8254 programmable interval timer at 0x40-0x43, clocked at 1.193182 MHz (the PC's
// 14.31818 MHz crystal / 12), and the system control port B at 0x61 (channel 2's gate and
// output, the refresh toggle).
//
// Counters are computed, not ticked: each channel remembers the PIT clock tick at which its
// counting element was loaded and derives the current count and OUT level from the elapsed
// ticks; a channel whose OUT is wired (channel 0 -> IRQ0) schedules one Clock event per OUT
// transition. PIT ticks are counted from cycle 0 with exact integer arithmetic, so a periodic
// timer never drifts against the CPU clock. Modes 0-5 follow the 82C54 datasheet (order
// 231244), with two simplifications written down where they are made: a new count written to a
// running mode-3 counter takes effect at the end of the current period (not half-period), and
// the odd-count mode-3 count sequence is approximated (the OUT waveform is exact).

import { CLOCK_HZ } from '@nooks/x86';

import type { Clock, Timer } from './clock.js';
import type { AccessSize, IoPortBus, PortRange } from './io-port-bus.js';
import type { IrqLine } from './irq.js';

/** The PIT's input clock in Hz. */
export const PIT_HZ = 1_193_182;

/** The PIT clock tick current at CPU cycle `cycles` (exact: floor(cycles * PIT_HZ / CLOCK_HZ)). */
export function pitTicksAt(cycles: number): number {
  const c = Math.floor(cycles);
  const q = Math.floor(c / CLOCK_HZ);
  const x = (c - q * CLOCK_HZ) * PIT_HZ; // < 2^51: exact
  return q * PIT_HZ + (x - (x % CLOCK_HZ)) / CLOCK_HZ;
}

/** The first CPU cycle at which PIT tick `tick` has happened (exact: ceil(tick * CLOCK_HZ / PIT_HZ)). */
export function cyclesAtPitTick(tick: number): number {
  const q = Math.floor(tick / PIT_HZ);
  const x = (tick - q * PIT_HZ) * CLOCK_HZ + (PIT_HZ - 1);
  return q * CLOCK_HZ + (x - (x % PIT_HZ)) / PIT_HZ;
}

/** The divisor Linux 2.4 programs for HZ ticks per second: LATCH = (CLOCK_TICK_RATE + HZ/2) / HZ. */
export function pitLatch(hz: number): number {
  return Math.floor((PIT_HZ + Math.floor(hz / 2)) / hz);
}

function bcdToBin(v: number): number {
  return ((v >> 12) & 0xf) * 1000 + ((v >> 8) & 0xf) * 100 + ((v >> 4) & 0xf) * 10 + (v & 0xf);
}

function binToBcd(v: number): number {
  return ((Math.floor(v / 1000) % 10) << 12) | ((Math.floor(v / 100) % 10) << 8) | ((Math.floor(v / 10) % 10) << 4) | (v % 10);
}

/** First e >= e0 with e mod n === phase. */
function nextPhase(e0: number, n: number, phase: number): number {
  return e0 + ((((phase - e0) % n) + n) % n);
}

export type PitMode = 0 | 1 | 2 | 3 | 4 | 5;

/** One counter of the 8254. */
export class PitChannel {
  mode: PitMode = 0;
  /** Read/write access: 1 = LSB only, 2 = MSB only, 3 = LSB then MSB. */
  access: 1 | 2 | 3 = 3;
  bcd = false;
  /** The count register (what software last wrote, 1..65536, or 1..10000 in BCD). */
  initial = 0x10000;
  gate: boolean;

  /** The counting element has a count and counts (gate permitting). */
  private running = false;
  /** PIT tick at which the counting element was loaded. */
  private loadTick = 0;
  /** Counting element value at loadTick (one-shot modes) / the period (modes 2 and 3). */
  private segCount = 0x10000;
  /** Mode 2/3: a count written while counting, loaded at `pendingTick`. */
  private pendingCount = 0;
  private pendingTick = Infinity;
  /** Mode 0: terminal count was reached before a gate suspension. */
  private terminal = false;
  /** Count held while not counting (suspended by the gate, or before the first load). */
  private heldCount = 0;
  /** OUT while not counting. */
  private staticOut = true;
  private nullCount = true;
  /** A count has been written since the last control word. */
  private hasCount = false;
  /** Write state for LSB-then-MSB: the LSB written, or -1. */
  private lsb = -1;
  /** Read state: next non-latched read in LSB-then-MSB access returns the MSB. */
  private readMsb = false;
  /** Output latch (counter latch command): the latched count and how many bytes are left to read. */
  private latched = 0;
  private latchedBytes = 0;
  private latchedMsbNext = false;
  private statusLatched = -1;
  /** OUT as last propagated to the wired line. */
  private outLevel = true;
  private timer: Timer | null = null;
  private output: ((level: boolean) => void) | null = null;

  constructor(
    readonly index: number,
    private readonly clock: Clock,
    gate: boolean,
  ) {
    this.gate = gate;
  }

  private get modulus(): number {
    return this.bcd ? 10000 : 0x10000;
  }

  private tickNow(): number {
    return pitTicksAt(this.clock.now());
  }

  /** Wires OUT to `output` (called on every transition); events are scheduled on the Clock for them. */
  connect(output: (level: boolean) => void): void {
    this.output = output;
    this.timer ??= this.clock.timer((time) => this.propagate(pitTicksAt(time)), `pit${this.index}-out`);
    this.outLevel = this.outAt(this.tickNow());
    output(this.outLevel);
    this.propagate(this.tickNow());
  }

  /** Loads a pending mode-2/3 count whose time has come. */
  private settle(t: number): void {
    if (t >= this.pendingTick) {
      this.loadTick = this.pendingTick;
      this.segCount = this.pendingCount;
      this.pendingTick = Infinity;
    }
  }

  /** The counting element at PIT tick t. */
  countAt(t: number): number {
    this.settle(t);
    if (!this.running || t < this.loadTick) return this.heldCount;
    const e = t - this.loadTick;
    const n = this.segCount;
    const m = this.modulus;
    switch (this.mode) {
      case 2:
        return n <= 1 ? n : n - (e % n);
      case 3: {
        if (n <= 1) return n;
        if ((n & 1) === 0) return n - 2 * (e % (n >> 1));
        const high = (n + 1) >> 1;
        const phase = e % n;
        if (phase < high) return phase === 0 ? n : n + 1 - 2 * phase;
        const pos = phase - high;
        return pos === 0 ? n - 1 : n - 1 - 2 * pos;
      }
      default:
        return ((((n - e) % m) + m) % m);
    }
  }

  /** OUT at PIT tick t. */
  outAt(t: number): boolean {
    this.settle(t);
    if (!this.running || t < this.loadTick) return this.staticOut;
    const e = t - this.loadTick;
    const n = this.segCount;
    switch (this.mode) {
      case 0:
        return this.terminal || e >= n;
      case 1:
        return e >= n;
      case 4:
      case 5:
        return e !== n;
      case 2:
        return n <= 1 || e % n !== n - 1;
      case 3:
        return n <= 1 || e % n < ((n + 1) >> 1);
    }
  }

  /** The first tick after t at which OUT changes (Infinity if it never does by itself). */
  nextChange(t: number): number {
    this.settle(t);
    if (!this.running) return Infinity;
    const cur = this.outAt(t);
    if (t < this.loadTick && this.outAt(this.loadTick) !== cur) return Math.min(this.loadTick, this.pendingTick);
    const e0 = Math.max(t + 1 - this.loadTick, 0);
    const n = this.segCount;
    let e = Infinity;
    switch (this.mode) {
      case 0:
        if (!this.terminal && e0 <= n) e = n;
        break;
      case 1:
        if (e0 <= n) e = n;
        break;
      case 4:
      case 5:
        // Low for the one clock at terminal count.
        if (e0 <= n) e = n;
        else if (e0 === n + 1) e = n + 1;
        break;
      case 2:
        if (n > 1) e = nextPhase(e0, n, cur ? n - 1 : 0);
        break;
      case 3:
        if (n > 1) e = nextPhase(e0, n, cur ? (n + 1) >> 1 : 0);
        break;
    }
    return Math.min(this.loadTick + e, this.pendingTick);
  }

  /** Brings the wired OUT line up to date at tick t and schedules the next transition. */
  private propagate(t: number): void {
    if (this.output === null) return;
    const level = this.outAt(t);
    if (level !== this.outLevel) {
      this.outLevel = level;
      this.output(level);
    }
    const next = this.nextChange(t);
    if (Number.isFinite(next)) this.timer!.schedule(cyclesAtPitTick(next));
    else this.timer!.cancel();
  }

  private changed(): void {
    this.propagate(this.tickNow());
  }

  // ------------------------------------------------------------------ programming

  /** A control word for this channel with RW != 0: mode, access and BCD; the counter stops until a count is written. */
  control(word: number): void {
    const m = (word >> 1) & 7;
    this.mode = (m > 5 ? m - 4 : m) as PitMode;
    this.access = ((word >> 4) & 3) as 1 | 2 | 3;
    this.bcd = (word & 1) !== 0;
    this.heldCount = this.countAt(this.tickNow());
    this.running = false;
    this.pendingTick = Infinity;
    this.terminal = false;
    this.staticOut = this.mode !== 0;
    this.nullCount = true;
    this.hasCount = false;
    this.lsb = -1;
    this.readMsb = false;
    this.latchedBytes = 0;
    this.statusLatched = -1;
    this.changed();
  }

  /** Counter latch command: freezes the count for the next read(s), unless already latched. */
  latchCount(): void {
    if (this.latchedBytes > 0) return;
    const c = this.countAt(this.tickNow()) & 0xffff;
    this.latched = this.bcd ? binToBcd(c % 10000) : c;
    this.latchedBytes = this.access === 3 ? 2 : 1;
    this.latchedMsbNext = this.access === 2;
  }

  /** Read-back status latch (8254): OUT, null count, RW, mode, BCD. */
  latchStatus(): void {
    if (this.statusLatched >= 0) return;
    const t = this.tickNow();
    this.statusLatched = (this.outAt(t) ? 0x80 : 0) | (this.nullCountAt(t) ? 0x40 : 0) | (this.access << 4) | (this.mode << 1) | (this.bcd ? 1 : 0);
  }

  private nullCountAt(t: number): boolean {
    if (this.nullCount && this.running && t >= this.loadTick) this.nullCount = false;
    return this.nullCount;
  }

  writeByte(v: number): void {
    v &= 0xff;
    let count: number;
    if (this.access === 1) count = v;
    else if (this.access === 2) count = v << 8;
    else if (this.lsb < 0) {
      this.lsb = v;
      return;
    } else {
      count = this.lsb | (v << 8);
      this.lsb = -1;
    }
    if (this.bcd) count = bcdToBin(count);
    this.loadCount(count === 0 ? this.modulus : count);
  }

  private loadCount(n: number): void {
    const t = this.tickNow();
    this.initial = n;
    this.nullCount = true;
    this.hasCount = true;
    switch (this.mode) {
      case 0:
      case 4:
        // Loaded on the next clock (which does not decrement); gate low holds the count.
        this.terminal = false;
        this.staticOut = this.mode === 4;
        this.start(t, n);
        break;
      case 1:
      case 5:
        // Waits for a gate trigger; a count written while counting applies at the next trigger.
        break;
      case 2:
      case 3:
        if (this.running) {
          // The current period completes first.
          this.settle(t);
          const e = Math.max(t + 1 - this.loadTick, 1);
          this.pendingTick = this.loadTick + nextPhase(e, this.segCount, 0);
          this.pendingCount = n;
        } else {
          this.staticOut = true;
          this.start(t, n);
        }
        break;
    }
    this.changed();
  }

  /** Loads the counting element on the next clock; a low gate holds it (modes 0, 2, 3, 4). */
  private start(t: number, count: number): void {
    this.heldCount = count % this.modulus;
    this.segCount = count;
    this.loadTick = t + 1;
    this.running = this.gate;
  }

  /** Gate input (channel 2's is bit 0 of port 0x61; channels 0 and 1 are tied high). */
  setGate(level: boolean): void {
    if (level === this.gate) return;
    const t = this.tickNow();
    this.settle(t);
    this.gate = level;
    switch (this.mode) {
      case 0:
      case 4:
        if (!level) {
          if (this.running) {
            this.heldCount = this.countAt(t);
            if (this.mode === 0) this.terminal = this.outAt(t);
            this.staticOut = this.outAt(t);
            this.running = false;
            this.segCount = this.heldCount === 0 ? this.modulus : this.heldCount;
          }
        } else if (this.hasCount && !this.running) {
          this.loadTick = t + 1;
          this.running = true;
        }
        break;
      case 1:
      case 5:
        if (level && this.hasCount) {
          this.staticOut = true;
          this.segCount = this.initial;
          this.loadTick = t + 1;
          this.running = true;
        }
        break;
      case 2:
      case 3:
        if (!level) {
          this.heldCount = this.countAt(t);
          this.running = false;
          this.staticOut = true;
          this.pendingTick = Infinity;
        } else if (this.hasCount) {
          this.segCount = this.initial;
          this.loadTick = t + 1;
          this.running = true;
        }
        break;
    }
    this.changed();
  }

  readByte(): number {
    if (this.statusLatched >= 0) {
      const s = this.statusLatched;
      this.statusLatched = -1;
      return s;
    }
    if (this.latchedBytes > 0) {
      const v = this.latchedMsbNext ? (this.latched >> 8) & 0xff : this.latched & 0xff;
      this.latchedBytes--;
      this.latchedMsbNext = !this.latchedMsbNext;
      return v;
    }
    let c = this.countAt(this.tickNow()) & 0xffff;
    if (this.bcd) c = binToBcd(c % 10000);
    if (this.access === 1) return c & 0xff;
    if (this.access === 2) return (c >> 8) & 0xff;
    const v = this.readMsb ? (c >> 8) & 0xff : c & 0xff;
    this.readMsb = !this.readMsb;
    return v;
  }

  /** The current count as software would read it through a latch (for tests and inspection). */
  get count(): number {
    return this.countAt(this.tickNow()) & 0xffff;
  }

  get out(): boolean {
    return this.outAt(this.tickNow());
  }
}

export interface Pit8254Options {
  /** IRQ0: channel 0's OUT drives it. */
  irq0?: IrqLine;
  /**
   * Start as a PC BIOS leaves the PIT: channel 0 in mode 3 with count 65536 (18.2 Hz) since
   * cycle 0. Default true. With false, every channel waits for a control word.
   */
  biosState?: boolean;
}

/** The 8254 and port 0x61. */
export class Pit8254 {
  readonly channels: readonly [PitChannel, PitChannel, PitChannel];
  private speakerData = false;
  private portBHigh = 0;
  private ranges: PortRange[] = [];

  constructor(
    private readonly clock: Clock,
    options: Pit8254Options = {},
  ) {
    this.channels = [new PitChannel(0, clock, true), new PitChannel(1, clock, true), new PitChannel(2, clock, false)];
    if (options.biosState ?? true) {
      const ch0 = this.channels[0];
      ch0.control(0x36); // channel 0, LSB then MSB, mode 3, binary
      ch0.writeByte(0);
      ch0.writeByte(0);
    }
    if (options.irq0) {
      const line = options.irq0;
      this.channels[0].connect((level) => line.set(level));
    }
  }

  /** Claims 0x40-0x43 and 0x61. */
  attach(bus: IoPortBus): this {
    this.ranges.push(
      bus.register(0x40, 4, {
        read: (off: number, _size: AccessSize) => (off < 3 ? this.channels[off]!.readByte() : 0xff),
        write: (off: number, _size: AccessSize, v: number) => {
          if (off < 3) this.channels[off]!.writeByte(v);
          else this.writeControl(v);
        },
      }, 'pit'),
    );
    this.ranges.push(bus.register(0x61, 1, { read: () => this.readPortB(), write: (_o, _s, v) => this.writePortB(v) }, 'port61'));
    return this;
  }

  detach(): void {
    for (const r of this.ranges) r.unregister();
    this.ranges = [];
  }

  /** Port 0x43. */
  writeControl(v: number): void {
    v &= 0xff;
    const sc = v >> 6;
    if (sc === 3) {
      // Read-back: bit 5 = 0 latches counts, bit 4 = 0 latches status, bits 3-1 select counters.
      for (let i = 0; i < 3; i++) {
        if ((v & (2 << i)) === 0) continue;
        const ch = this.channels[i]!;
        if ((v & 0x20) === 0) ch.latchCount();
        if ((v & 0x10) === 0) ch.latchStatus();
      }
      return;
    }
    const ch = this.channels[sc]!;
    if ((v & 0x30) === 0) ch.latchCount();
    else ch.control(v);
  }

  /** Port 0x61: bit 0 timer 2 gate, bit 1 speaker data, bit 4 refresh toggle, bit 5 OUT2. */
  readPortB(): number {
    const refresh = Math.floor(pitTicksAt(this.clock.now()) / 18) & 1; // channel 1 as the BIOS programs it
    return (this.channels[2].gate ? 1 : 0) | (this.speakerData ? 2 : 0) | this.portBHigh | (refresh << 4) | (this.channels[2].out ? 0x20 : 0);
  }

  writePortB(v: number): void {
    this.speakerData = (v & 2) !== 0;
    this.portBHigh = v & 0x0c;
    this.channels[2].setGate((v & 1) !== 0);
  }
}
