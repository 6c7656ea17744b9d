import type { MemoryAccess } from './fixtures/linux24.layouts.js';

/** A MemoryAccess over a byte buffer, little-endian, based at `base`. */
export class BufferMemory implements MemoryAccess {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  constructor(
    size: number,
    readonly base = 0,
  ) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  read8(a: number): number {
    return this.view.getUint8(a - this.base);
  }
  read16(a: number): number {
    return this.view.getUint16(a - this.base, true);
  }
  read32(a: number): number {
    return this.view.getInt32(a - this.base, true); // signed on purpose: the accessors normalise
  }
  write8(a: number, v: number): void {
    this.view.setUint8(a - this.base, v);
  }
  write16(a: number, v: number): void {
    this.view.setUint16(a - this.base, v, true);
  }
  write32(a: number, v: number): void {
    this.view.setUint32(a - this.base, v, true);
  }
}
