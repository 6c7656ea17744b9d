// The PCI vocabulary shared by the bus, the device base class and the cards: configuration
// header offsets and bits (PCI Local Bus Specification 2.2, ch. 6), and the interfaces between
// a function and the bus it sits on.

import type { Clock } from './clock.js';
import type { AccessSize, IoPortBus, RegisterHandler } from './io-port-bus.js';
import type { IrqLine } from './irq.js';

/** Type 0 configuration header offsets. */
export const PciConfig = {
  VENDOR_ID: 0x00,
  DEVICE_ID: 0x02,
  COMMAND: 0x04,
  STATUS: 0x06,
  REVISION_ID: 0x08,
  PROG_IF: 0x09,
  SUBCLASS: 0x0a,
  CLASS: 0x0b,
  CACHE_LINE_SIZE: 0x0c,
  LATENCY_TIMER: 0x0d,
  HEADER_TYPE: 0x0e,
  BIST: 0x0f,
  BAR0: 0x10,
  CARDBUS_CIS: 0x28,
  SUBSYSTEM_VENDOR_ID: 0x2c,
  SUBSYSTEM_ID: 0x2e,
  ROM_ADDRESS: 0x30,
  CAPABILITIES: 0x34,
  INTERRUPT_LINE: 0x3c,
  INTERRUPT_PIN: 0x3d,
  MIN_GNT: 0x3e,
  MAX_LAT: 0x3f,
} as const;

/** Command register bits. */
export const PciCommand = {
  IO: 0x0001,
  MEMORY: 0x0002,
  BUS_MASTER: 0x0004,
  SPECIAL_CYCLES: 0x0008,
  MWI: 0x0010,
  VGA_SNOOP: 0x0020,
  PARITY: 0x0040,
  SERR: 0x0100,
  FAST_BACK: 0x0200,
  INTX_DISABLE: 0x0400,
} as const;

/** Status register bits. */
export const PciStatus = {
  INTERRUPT: 0x0008,
  CAP_LIST: 0x0010,
  MHZ66: 0x0020,
  FAST_BACK: 0x0080,
  MASTER_PARITY: 0x0100,
  DEVSEL_MEDIUM: 0x0200,
  SIGNALED_TARGET_ABORT: 0x0800,
  RECEIVED_TARGET_ABORT: 0x1000,
  RECEIVED_MASTER_ABORT: 0x2000,
  SIGNALED_SYSTEM_ERROR: 0x4000,
  DETECTED_PARITY: 0x8000,
} as const;

/** bus:device.function, as Linux prints it (00:03.0). */
export interface PciAddress {
  bus: number;
  device: number;
  fn: number;
}

export function formatPciAddress(a: PciAddress): string {
  const h = (n: number, w: number): string => n.toString(16).padStart(w, '0');
  return `${h(a.bus, 2)}:${h(a.device, 2)}.${a.fn}`;
}

/** What a PCI function is to the bus: its 256-byte configuration space. */
export interface PciFunction {
  readonly name: string;
  /** Reads `size` bytes at `offset` (aligned to size) of the configuration space, little-endian. */
  configRead(offset: number, size: AccessSize): number;
  configWrite(offset: number, size: AccessSize, value: number): void;
  /** Plugged into a bus (the slot gives it the address spaces, DMA and its interrupt line). */
  attach?(slot: PciSlot): void;
  /** Unplugged: give back every mapping. */
  detach?(): void;
}

/** Physical address space for memory-mapped BARs (`@nooks/x86`'s Machine fits). */
export interface MmioSpace {
  mapMmio(base: number, size: number, handler: RegisterHandler): void;
  unmapMmio(base: number): void;
}

/**
 * Bus-master access to physical memory. Accesses outside RAM are master aborts: reads give
 * nothing (`false` / all ones), writes are dropped.
 */
export interface DmaMemory {
  readonly size: number;
  /** Copies RAM at `addr` into `dest`; false (dest untouched) if any byte is outside RAM. */
  readInto(addr: number, dest: Uint8Array): boolean;
  /** Writes `bytes` to RAM at `addr` (cached decoded code there is dropped); false if outside RAM. */
  write(addr: number, bytes: Uint8Array): boolean;
  /** A little-endian dword; -1 (all ones) if outside RAM. */
  read32(addr: number): number;
  write32(addr: number, value: number): boolean;
}

/** The place a function occupies on the bus, handed to it by `attach`. */
export interface PciSlot {
  readonly address: PciAddress;
  readonly io: IoPortBus;
  readonly mmio: MmioSpace;
  readonly dma: DmaMemory | null;
  readonly clock: Clock | null;
  /** The ISA IRQ its INTx pin is routed to (-1: no pin or no interrupt controller). */
  readonly irq: number;
  /** Its INTx driver on that IRQ (null without a pin or controller). */
  readonly interrupt: IrqLine | null;
}
