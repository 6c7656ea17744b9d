// A classic libpcap capture file writer (the format tcpdump and Wireshark read): a 24-byte
// global header, then per frame a 16-byte record header and the bytes. Timestamps are simulated
// time, cycles at 1.7 GHz since cycle 0. Frames are stored without FCS (LINKTYPE_ETHERNET
// allows either; that is what most capture hardware hands the host).

import { CLOCK_HZ } from '@nooks/x86';

import type { EthernetCable, WireFrameInfo } from './wire.js';

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;
export const LINKTYPE_ETHERNET = 1;

export interface PcapWriterOptions {
  /** Longest stored frame (default 65535); longer frames are truncated, keeping their original length. */
  snaplen?: number;
  /** Nanosecond timestamps (magic 0xA1B23C4D) instead of microseconds. */
  nanoseconds?: boolean;
}

export class PcapWriter {
  readonly snaplen: number;
  readonly nanoseconds: boolean;
  private readonly chunks: Uint8Array[] = [];
  private length = 0;
  private frames = 0;

  constructor(options: PcapWriterOptions = {}) {
    this.snaplen = options.snaplen ?? 65535;
    this.nanoseconds = options.nanoseconds ?? false;
    const h = new DataView(new ArrayBuffer(24));
    h.setUint32(0, this.nanoseconds ? PCAP_MAGIC_NSEC : PCAP_MAGIC_USEC, true);
    h.setUint16(4, 2, true);
    h.setUint16(6, 4, true);
    h.setInt32(8, 0, true); // thiszone
    h.setUint32(12, 0, true); // sigfigs
    h.setUint32(16, this.snaplen, true);
    h.setUint32(20, LINKTYPE_ETHERNET, true);
    this.push(new Uint8Array(h.buffer));
  }

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  /** Appends a frame seen at simulated cycle `cycle`. */
  addFrame(frame: Uint8Array, cycle: number): void {
    const whole = Math.floor(cycle / CLOCK_HZ);
    const frac = cycle - whole * CLOCK_HZ;
    const sub = this.nanoseconds ? Math.floor((frac * 1e9) / CLOCK_HZ) : Math.floor((frac * 1e6) / CLOCK_HZ);
    const incl = Math.min(frame.length, this.snaplen);
    const rec = new Uint8Array(16 + incl);
    const v = new DataView(rec.buffer);
    v.setUint32(0, whole >>> 0, true);
    v.setUint32(4, sub, true);
    v.setUint32(8, incl, true);
    v.setUint32(12, frame.length, true);
    rec.set(frame.subarray(0, incl), 16);
    this.push(rec);
    this.frames++;
  }

  /**
   * Records every frame on `cable` (both directions), timestamped when its first bit went on the
   * wire; returns a function that stops the capture.
   */
  tap(cable: EthernetCable): () => void {
    return cable.tap((frame: Uint8Array, info: WireFrameInfo) => this.addFrame(frame, info.start));
  }

  get frameCount(): number {
    return this.frames;
  }

  /** The capture file so far. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}
