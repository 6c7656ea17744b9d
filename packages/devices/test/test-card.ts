// A small PCI card for the tests: an I/O BAR of 32 byte registers, a 4 KiB MMIO BAR of dword
// registers and a 128-byte prefetchable MMIO BAR, INTA#. Writing a nonzero value to I/O
// register 0 raises its interrupt, 0 lowers it; MMIO register 0x10 holds a DMA address, and
// writing a length to 0x14 copies that many bytes from the address to address + 0x100.
import { PciDevice } from '../src/index.js';
import type { AccessSize, RegisterHandler } from '../src/index.js';

export class TestCard extends PciDevice {
  readonly io = new Uint8Array(32);
  readonly mmio = new Uint32Array(1024);
  readonly small = new Uint8Array(128);
  readonly log: string[] = [];
  dmaResult: boolean | null = null;
  private readonly handlers: RegisterHandler[];

  constructor(name = 'testcard', deviceId = 0x1234) {
    super({
      name,
      vendorId: 0x1af4,
      deviceId,
      classCode: 0xff0000,
      revision: 2,
      subsystemVendorId: 0x1af4,
      subsystemId: 0x0001,
      interruptPin: 1,
      bars: [
        { kind: 'io', size: 32 },
        { kind: 'mem', size: 0x1000 },
        { kind: 'mem', size: 128, prefetchable: true },
      ],
    });
    this.handlers = [
      {
        read: (off: number, size: AccessSize) => {
          this.log.push(`io r${size}@${off}`);
          let v = 0;
          for (let i = 0; i < size; i++) v |= this.io[off + i]! << (8 * i);
          return v;
        },
        write: (off: number, size: AccessSize, v: number) => {
          this.log.push(`io w${size}@${off}=${(v >>> 0).toString(16)}`);
          for (let i = 0; i < size; i++) this.io[off + i] = (v >>> (8 * i)) & 0xff;
          if (off === 0) this.setInterrupt(v !== 0);
        },
      },
      {
        read: (off: number, size: AccessSize) => {
          this.log.push(`mem r${size}@${off}`);
          const d = this.mmio[off >> 2]!;
          return size === 4 ? d : (d >>> (8 * (off & 3))) & (size === 2 ? 0xffff : 0xff);
        },
        write: (off: number, size: AccessSize, v: number) => {
          this.log.push(`mem w${size}@${off}=${(v >>> 0).toString(16)}`);
          this.mmio[off >> 2] = v >>> 0;
          if (off === 0x14) this.copy(this.mmio[4]!, v >>> 0);
        },
      },
      {
        read: (off: number) => this.small[off]!,
        write: (off: number, _s: AccessSize, v: number) => {
          this.small[off] = v & 0xff;
        },
      },
    ];
  }

  protected override barHandler(index: number): RegisterHandler {
    return this.handlers[index]!;
  }

  raiseIrq(level: boolean): void {
    this.setInterrupt(level);
  }

  private copy(addr: number, length: number): void {
    const buf = new Uint8Array(length);
    this.dmaResult = this.dmaRead(addr, buf) && this.dmaWrite(addr + 0x100, buf);
  }
}
