// Interrupt wiring between devices, the interrupt controller and the processor.

/** The processor's INTR pin and its interrupt-acknowledge cycle (`@nooks/x86`'s Machine has both). */
export interface CpuInterruptPin {
  /** Raises or lowers INTR; the CPU acknowledges at an instruction boundary when IF=1. */
  setIntr(level: boolean): void;
  /** Called by the CPU's INTA cycle: returns the vector to deliver. */
  setInterruptSource(source: (() => number) | null): void;
}

/**
 * One driver of an interrupt request line. Several drivers of the same IRQ are wired-OR (PCI
 * INTx sharing): the line is high while any of them is high.
 */
export interface IrqLine {
  readonly irq: number;
  /** This driver's own level. */
  readonly level: boolean;
  raise(): void;
  lower(): void;
  set(level: boolean): void;
  /**
   * A short pulse, latched by an edge-triggered input as if the line had stayed high until the
   * acknowledge (an ISA card's interrupt pulse, a timer tick). The line is low afterwards. On a
   * level-triggered input a pulse that is gone before the acknowledge is no request.
   */
  pulse(): void;
}

/** What devices see of the interrupt controller. */
export interface InterruptController {
  raise(irq: number): void;
  lower(irq: number): void;
  pulse(irq: number): void;
  /** A new driver of `irq`, independent of the others on the same line (wired-OR). */
  line(irq: number, name?: string): IrqLine;
  /** Makes `irq` level-triggered (PCI) or edge-triggered (ISA), as the chipset's ELCR does. */
  setLevelTriggered(irq: number, level: boolean): void;
}
