// The PC/AT interrupt controller: two Intel 8259A chips, the master at 0x20/0x21 and the slave at
// 0xA0/0xA1 cascaded on the master's IR2, plus the PIIX edge/level control registers (ELCR,
// 0x4D0/0x4D1) with which the firmware makes PCI interrupt lines level-triggered.
//
// Semantics follow the 8259A datasheet (Intel order 231468): ICW1-ICW4 initialisation, OCW1
// mask, OCW2 EOI/rotation commands, OCW3 register reads, poll and special mask mode; fixed
// priority (IR0 highest) unless rotated; edge-triggered inputs latch a low-to-high transition in
// the IRR, level-triggered ones follow the line. INT, once raised, stays raised until the
// acknowledge cycle (as in Bochs' model); a request that went away by then (the IR input must
// stay high until the first INTA) yields the default IR7 vector without setting an ISR bit:
// "spurious IRQ7", and IRQ15 when the slave's request is the one that vanished. The power-on
// state is what a PC BIOS leaves behind: vector bases 0x08 and 0x70, everything masked except
// the cascade.

import { hex } from './errors.js';
import type { AccessSize, IoPortBus, PortRange } from './io-port-bus.js';
import type { CpuInterruptPin, InterruptController, IrqLine } from './irq.js';

/** The master's input that the slave's INT drives. */
export const CASCADE_IRQ = 2;

/** One 8259A. Registers and commands only; the pair wires two of them to ports and the CPU. */
export class Pic8259 {
  /** Edge latches of the interrupt request register (level-triggered inputs are read from `level`). */
  private irrLatch = 0;
  /** Interrupt mask register (OCW1). */
  imr = 0xff;
  /** In-service register. */
  isr = 0;
  /** Input pin levels. */
  level = 0;
  /** Inputs made level-triggered by the ELCR. */
  elcr = 0;
  /** ICW1.LTIM: every input level-triggered. */
  ltim = false;
  /** ICW2: vector of IR0 (bits 7-3). */
  vectorBase: number;
  icw3 = 0;
  /** Expected next initialisation word on the data port: 0 = none (operational), 2, 3 or 4. */
  icwStep = 0;
  needIcw4 = false;
  single = false;
  autoEoi = false;
  rotateInAutoEoi = false;
  specialFullyNested = false;
  /** ICW4.uPM: 8086 mode (the vector comes from ICW2). */
  x86Mode = true;
  /** Lowest-priority input: IR(lowest+1) has the highest priority (7 = fixed priority, IR0 first). */
  lowestPriority = 7;
  /** OCW3: the command port reads the ISR (true) or the IRR (false). */
  readIsr = false;
  /** OCW3 poll command pending: the next command-port read is the poll word. */
  poll = false;
  specialMask = false;
  /** Completed initialisation sequences (ICW1 .. last ICW). */
  initCount = 0;
  /** The INT output, latched from the moment a request gets through until the acknowledge. */
  intLatched = false;
  /** True between ICW1 and the last ICW. */
  private initializing = false;

  constructor(
    readonly name: 'master' | 'slave',
    vectorBase: number,
    private readonly changed: () => void,
  ) {
    this.vectorBase = vectorBase;
  }

  /** Mask of level-triggered inputs. */
  get levelMask(): number {
    return this.ltim ? 0xff : this.elcr;
  }

  /** The interrupt request register: latched edges, and the lines of level-triggered inputs. */
  get irr(): number {
    const lm = this.levelMask;
    return ((this.irrLatch & ~lm) | (this.level & lm)) & 0xff;
  }

  /** Drives input `pin` to `high`. */
  setInput(pin: number, high: boolean): void {
    const mask = 1 << pin;
    if (high) {
      if ((this.level & mask) === 0) this.irrLatch |= mask; // the low-to-high edge
      this.level |= mask;
    } else {
      this.level &= ~mask;
      // A request must stay until the acknowledge; one that goes away is forgotten.
      this.irrLatch &= ~mask;
    }
    this.changed();
  }

  /** A pulse on input `pin` long enough to be acknowledged (see IrqLine.pulse). */
  pulseInput(pin: number): void {
    const mask = 1 << pin;
    if ((this.levelMask & mask) !== 0 || (this.level & mask) !== 0) return;
    this.irrLatch |= mask;
    this.changed();
  }

  private priority(mask: number): number {
    if ((mask & 0xff) === 0) return 8;
    const add = (this.lowestPriority + 1) & 7;
    let p = 0;
    while ((mask & (1 << ((p + add) & 7))) === 0) p++;
    return p;
  }

  /** The input the chip would signal now (its INT output), or -1. */
  pending(): number {
    const req = this.irr & ~this.imr;
    const p = this.priority(req);
    if (p === 8) return -1;
    let inService = this.isr;
    if (this.specialMask) inService &= ~this.imr;
    if (this.specialFullyNested && this.name === 'master') inService &= ~(1 << CASCADE_IRQ);
    return p < this.priority(inService) ? (p + this.lowestPriority + 1) & 7 : -1;
  }

  /** The INTA cycle for input `irq`: sets its ISR bit (unless auto-EOI) and clears its edge latch. */
  acknowledge(irq: number): void {
    const mask = 1 << irq;
    if (this.autoEoi) {
      if (this.rotateInAutoEoi) this.lowestPriority = irq;
    } else {
      this.isr |= mask;
    }
    this.irrLatch &= ~mask;
  }

  /** The highest-priority in-service input, or -1. */
  private highestInService(): number {
    const p = this.priority(this.isr);
    return p === 8 ? -1 : (p + this.lowestPriority + 1) & 7;
  }

  // ------------------------------------------------------------------ registers

  writeCommand(v: number): void {
    v &= 0xff;
    if ((v & 0x10) !== 0) {
      // ICW1: starts initialisation. The edge-sense latches, IMR and ISR are cleared; IR7 gets
      // the lowest priority; special mask mode off; reads return the IRR; ICW4 functions are
      // zero unless ICW4 follows.
      this.irrLatch = 0;
      this.imr = 0;
      this.isr = 0;
      this.intLatched = false;
      this.lowestPriority = 7;
      this.specialMask = false;
      this.readIsr = false;
      this.poll = false;
      this.autoEoi = false;
      this.rotateInAutoEoi = false;
      this.specialFullyNested = false;
      this.x86Mode = false;
      this.needIcw4 = (v & 0x01) !== 0;
      this.single = (v & 0x02) !== 0;
      this.ltim = (v & 0x08) !== 0;
      this.icwStep = 2;
      this.initializing = true;
    } else if ((v & 0x08) !== 0) {
      // OCW3.
      if ((v & 0x40) !== 0) this.specialMask = (v & 0x20) !== 0;
      if ((v & 0x04) !== 0) this.poll = true;
      if ((v & 0x02) !== 0) this.readIsr = (v & 0x01) !== 0;
    } else {
      // OCW2: R SL EOI | L2 L1 L0.
      const level = v & 7;
      switch (v >> 5) {
        case 0b001: { // non-specific EOI
          const irq = this.highestInService();
          if (irq >= 0) this.isr &= ~(1 << irq);
          break;
        }
        case 0b011: // specific EOI
          this.isr &= ~(1 << level);
          break;
        case 0b101: { // rotate on non-specific EOI
          const irq = this.highestInService();
          if (irq >= 0) {
            this.isr &= ~(1 << irq);
            this.lowestPriority = irq;
          }
          break;
        }
        case 0b111: // rotate on specific EOI
          this.isr &= ~(1 << level);
          this.lowestPriority = level;
          break;
        case 0b110: // set priority
          this.lowestPriority = level;
          break;
        case 0b100: // rotate in automatic EOI mode (set)
          this.rotateInAutoEoi = true;
          break;
        case 0b000: // rotate in automatic EOI mode (clear)
          this.rotateInAutoEoi = false;
          break;
        default: // 0b010: no operation
          break;
      }
    }
    this.changed();
  }

  writeData(v: number): void {
    v &= 0xff;
    const wasInit = this.icwStep !== 0;
    switch (this.icwStep) {
      case 2:
        this.vectorBase = v & 0xf8;
        this.icwStep = this.single ? (this.needIcw4 ? 4 : 0) : 3;
        break;
      case 3:
        this.icw3 = v;
        this.icwStep = this.needIcw4 ? 4 : 0;
        break;
      case 4:
        this.x86Mode = (v & 0x01) !== 0;
        this.autoEoi = (v & 0x02) !== 0;
        this.specialFullyNested = (v & 0x10) !== 0;
        this.icwStep = 0;
        break;
      default:
        this.imr = v; // OCW1
        break;
    }
    if (wasInit && this.icwStep === 0 && this.initializing) {
      this.initializing = false;
      this.initCount++;
    }
    this.changed();
  }

  /** Command port read: the poll word after a poll command, else the IRR or ISR (OCW3). */
  readCommand(): number {
    if (this.poll) {
      // A poll is an acknowledge done by software: it ends the INT the chip raised.
      this.poll = false;
      this.intLatched = false;
      const irq = this.pending();
      if (irq >= 0) this.acknowledge(irq);
      this.changed();
      return irq >= 0 ? 0x80 | irq : 0;
    }
    return this.readIsr ? this.isr : this.irr;
  }

  readData(): number {
    return this.imr;
  }
}

/** Per-IRQ counts kept by the pair (for tests, traces and the dashboard). */
export interface PicStats {
  /** Acknowledged interrupts per IRQ 0..15 (the cascade's are counted on the slave's IRQ). */
  acknowledged: number[];
  /** Spurious acknowledges: [IRQ7, IRQ15]. */
  spurious: [number, number];
}

class PicLine implements IrqLine {
  level = false;
  constructor(
    private readonly pic: Pic8259Pair,
    readonly irq: number,
    readonly name: string,
  ) {}

  raise(): void {
    if (this.level) return;
    this.level = true;
    this.pic.drive(this.irq, 1);
  }

  lower(): void {
    if (!this.level) return;
    this.level = false;
    this.pic.drive(this.irq, -1);
  }

  set(level: boolean): void {
    if (level) this.raise();
    else this.lower();
  }

  pulse(): void {
    this.pic.pulse(this.irq);
  }
}

export interface Pic8259PairOptions {
  /** The CPU whose INTR this pair drives (a Machine). Without it, poll `intr` and call `acknowledge()` yourself. */
  cpu?: CpuInterruptPin;
  /**
   * INT stays raised until the acknowledge, so a request that vanishes (or is masked) after
   * INT went up ends in a spurious IRQ7/IRQ15 (default true, as the datasheet describes). With
   * false, INT follows the priority resolver (QEMU's model) and spurious vectors only come from
   * an acknowledge with nothing pending.
   */
  latchInt?: boolean;
}

/** ELCR bits that can be set (IRQ0, 1, 2, 8 and 13 are always edge-triggered on the PIIX). */
const ELCR_WRITABLE = 0xdef8;

/** The master/slave 8259A pair of a PC, with the ELCR. */
export class Pic8259Pair implements InterruptController {
  readonly master: Pic8259;
  readonly slave: Pic8259;
  private readonly cpu: CpuInterruptPin | null;
  /** Number of drivers holding each IRQ high. */
  private readonly drivers = new Int32Array(16);
  private readonly defaultLines: (PicLine | undefined)[] = [];
  private intrLevel = false;
  private slaveOut = false;
  private updating = false;
  private readonly latchInt: boolean;
  private ranges: PortRange[] = [];
  readonly stats: PicStats = { acknowledged: new Array<number>(16).fill(0), spurious: [0, 0] };

  constructor(options: Pic8259PairOptions = {}) {
    const update = (): void => this.update();
    this.master = new Pic8259('master', 0x08, update);
    this.slave = new Pic8259('slave', 0x70, update);
    this.master.imr = 0xff & ~(1 << CASCADE_IRQ);
    this.master.icw3 = 1 << CASCADE_IRQ;
    this.slave.icw3 = CASCADE_IRQ;
    this.cpu = options.cpu ?? null;
    this.latchInt = options.latchInt ?? true;
    if (this.cpu !== null) this.cpu.setInterruptSource(() => this.acknowledge());
  }

  /** Claims 0x20-0x21, 0xA0-0xA1 and the ELCR at 0x4D0-0x4D1. */
  attach(bus: IoPortBus): this {
    const chip = (pic: Pic8259) => ({
      read: (off: number, _size: AccessSize): number => (off === 0 ? pic.readCommand() : pic.readData()),
      write: (off: number, _size: AccessSize, v: number): void => {
        if (off === 0) pic.writeCommand(v);
        else pic.writeData(v);
      },
    });
    this.ranges.push(bus.register(0x20, 2, chip(this.master), 'pic-master'));
    this.ranges.push(bus.register(0xa0, 2, chip(this.slave), 'pic-slave'));
    this.ranges.push(
      bus.register(0x4d0, 2, {
        read: (off) => (off === 0 ? this.master.elcr : this.slave.elcr),
        write: (off, _size, v) => {
          if (off === 0) this.master.elcr = v & ELCR_WRITABLE & 0xff;
          else this.slave.elcr = v & (ELCR_WRITABLE >> 8);
          this.update();
        },
      }, 'elcr'),
    );
    return this;
  }

  detach(): void {
    for (const r of this.ranges) r.unregister();
    this.ranges = [];
  }

  // ------------------------------------------------------------------ device side

  private chipOf(irq: number): [Pic8259, number] {
    if (!Number.isInteger(irq) || irq < 0 || irq > 15) throw new RangeError(`IRQ ${irq} does not exist: the PIC pair has IRQ 0-15`);
    if (irq === CASCADE_IRQ) throw new RangeError('IRQ 2 is the cascade input; the ISA bus wires IRQ2 to IRQ9 on a PC/AT: use IRQ 9');
    return irq < 8 ? [this.master, irq] : [this.slave, irq - 8];
  }

  /** Called by lines: `delta` drivers went high (+1) or low (-1). */
  drive(irq: number, delta: 1 | -1): void {
    const [chip, pin] = this.chipOf(irq);
    const before = this.drivers[irq]! > 0;
    this.drivers[irq] = this.drivers[irq]! + delta;
    const after = this.drivers[irq]! > 0;
    if (before !== after) chip.setInput(pin, after);
  }

  private defaultLine(irq: number): PicLine {
    this.chipOf(irq);
    let l = this.defaultLines[irq];
    if (l === undefined) {
      l = new PicLine(this, irq, `irq${irq}`);
      this.defaultLines[irq] = l;
    }
    return l;
  }

  raise(irq: number): void {
    this.defaultLine(irq).raise();
  }

  lower(irq: number): void {
    this.defaultLine(irq).lower();
  }

  pulse(irq: number): void {
    const [chip, pin] = this.chipOf(irq);
    chip.pulseInput(pin);
  }

  line(irq: number, name = `irq${irq}`): IrqLine {
    this.chipOf(irq);
    return new PicLine(this, irq, name);
  }

  setLevelTriggered(irq: number, level: boolean): void {
    const [chip, pin] = this.chipOf(irq);
    if (((ELCR_WRITABLE >> irq) & 1) === 0) throw new RangeError(`IRQ ${irq} is always edge-triggered on a PC (the ELCR bit is reserved)`);
    if (level) chip.elcr |= 1 << pin;
    else chip.elcr &= ~(1 << pin);
    this.update();
  }

  // ------------------------------------------------------------------ CPU side

  /** Level of the INTR output to the CPU (the master's INT). */
  get intr(): boolean {
    return this.intrLevel;
  }

  /** Re-evaluates the INT latches, the cascade and the INTR output after any change. */
  private update(): void {
    if (this.updating) return;
    this.updating = true;
    try {
      const slave = this.slave, master = this.master;
      if (!this.latchInt) {
        slave.intLatched = slave.pending() >= 0;
      } else if (!slave.intLatched && slave.pending() >= 0) slave.intLatched = true;
      const s = slave.intLatched;
      if (s !== this.slaveOut) {
        this.slaveOut = s;
        master.setInput(CASCADE_IRQ, s); // re-enters update(), which the flag makes a no-op
      }
      if (!this.latchInt) {
        master.intLatched = master.pending() >= 0;
      } else if (!master.intLatched && master.pending() >= 0) master.intLatched = true;
      const m = master.intLatched;
      if (m !== this.intrLevel) {
        this.intrLevel = m;
        this.cpu?.setIntr(m);
      }
    } finally {
      this.updating = false;
    }
  }

  /**
   * The CPU's interrupt-acknowledge cycle: returns the vector of the highest-priority request
   * and marks it in service. With no request left (it went away after INT was raised) the
   * answer is the default IR7 of the chip concerned: a spurious interrupt.
   */
  acknowledge(): number {
    const master = this.master;
    master.intLatched = false;
    const irq = master.pending();
    let vector: number;
    if (irq < 0) {
      this.stats.spurious[0]++;
      vector = master.vectorBase + 7;
    } else if (irq === CASCADE_IRQ && !master.single) {
      master.acknowledge(irq);
      this.slave.intLatched = false;
      const s = this.slave.pending();
      if (s < 0) {
        this.stats.spurious[1]++;
        vector = this.slave.vectorBase + 7;
      } else {
        this.slave.acknowledge(s);
        this.stats.acknowledged[8 + s]!++;
        vector = this.slave.vectorBase + s;
      }
    } else {
      master.acknowledge(irq);
      this.stats.acknowledged[irq]!++;
      vector = master.vectorBase + irq;
    }
    this.update();
    return vector;
  }

  // ------------------------------------------------------------------ inspection

  /** IRR of both chips (bit n = IRQ n). */
  get irr(): number {
    return this.master.irr | (this.slave.irr << 8);
  }

  get isr(): number {
    return this.master.isr | (this.slave.isr << 8);
  }

  get imr(): number {
    return this.master.imr | (this.slave.imr << 8);
  }

  describe(): string {
    return `PIC master base=${hex(this.master.vectorBase, 2)} imr=${hex(this.master.imr, 2)} irr=${hex(this.master.irr, 2)} isr=${hex(this.master.isr, 2)}; slave base=${hex(this.slave.vectorBase, 2)} imr=${hex(this.slave.imr, 2)} irr=${hex(this.slave.irr, 2)} isr=${hex(this.slave.isr, 2)}; INTR=${this.intrLevel ? 1 : 0}`;
  }
}
