// The wire between two Ethernet ports. A port is anything with send/onReceive (the e1000 model's
// wire end, a PeerHost); a LinkPair is a full-duplex point-to-point cable with a bit rate and a
// propagation latency, delivering each frame through the Clock when its last bit arrives.

import { CLOCK_HZ } from '@nooks/x86';

import type { Clock } from '../clock.js';

import { PeerError, SeededRandom } from '@nooks/net';
import type { LinkPort } from '@nooks/net';

/** One end of a wire: frames are Ethernet frames without FCS, delivered at simulated times. */
export type { LinkPort };

/** Per-frame wire overhead beyond the frame bytes: preamble + SFD (8) and FCS (4). */
export const WIRE_FRAME_OVERHEAD = 12;
/** The inter-frame gap, in byte times. */
export const WIRE_INTERFRAME_GAP = 12;
/** Frames are padded to this many bytes (without FCS) on the wire. */
export const WIRE_MIN_FRAME = 60;

/** Which way a frame travels: from end a to end b, or from b to a. */
export type LinkDirection = 'a->b' | 'b->a';

export interface LinkFrameInfo {
  direction: LinkDirection;
  /** Index of the frame among the frames sent in this direction (0-based). */
  index: number;
  frame: Uint8Array;
}

export interface LinkPairOptions {
  /** Bit rate in bits per second. Default 1e9 (gigabit Ethernet). */
  bitsPerSecond?: number;
  /** One-way propagation latency in simulated seconds. Default 0. */
  latencySeconds?: number;
  /**
   * Frames a sender may have waiting for its transmitter (drop-tail beyond that, counted in
   * `queueDrops`). Default Infinity: a sender never loses frames to its own queue.
   */
  queueLimit?: number;
  /** Frames for which this returns true are lost on the wire (they still take their wire time). */
  drop?: (info: LinkFrameInfo) => boolean;
  /** Called for every frame when its transmission starts (after the drop decision), e.g. to trace. */
  onFrame?: (info: LinkFrameInfo & { dropped: boolean; sendTime: number; arrivalTime: number }) => void;
}

export interface LinkDirectionStats {
  /** Frames put on the wire (including those lost by `drop`). */
  frames: number;
  bytes: number;
  /** Frames lost on the wire by the `drop` rule. */
  dropped: number;
  /** Frames refused because the sender's queue was full (they never reach the wire). */
  queueDrops: number;
}

/** Drops every `n`th frame (the n-th, 2n-th, ...) of the given direction, or of both. */
export function dropEveryNth(n: number, direction?: LinkDirection): (info: LinkFrameInfo) => boolean {
  return (info) => (direction === undefined || info.direction === direction) && (info.index + 1) % n === 0;
}

/** Drops each frame with probability `p`, from a seeded generator (deterministic across runs). */
export function dropRandomly(p: number, seed: number, direction?: LinkDirection): (info: LinkFrameInfo) => boolean {
  const rng = new SeededRandom(seed);
  return (info) => (direction === undefined || info.direction === direction) && rng.next() < p;
}

class LinkEnd implements LinkPort {
  private handler: ((frame: Uint8Array) => void) | null = null;
  peer!: LinkEnd;
  /** When the transmitter of this end is free again (cycles, fractional). */
  private busyUntil = 0;
  private sent = 0;
  readonly stats: LinkDirectionStats = { frames: 0, bytes: 0, dropped: 0, queueDrops: 0 };
  /** Start times of the frames waiting for the transmitter (ascending). */
  private readonly waiting: number[] = [];

  constructor(
    private readonly pair: LinkPair,
    readonly direction: LinkDirection,
  ) {}

  onReceive(handler: (frame: Uint8Array) => void): void {
    this.handler = handler;
  }

  send(frame: Uint8Array): void {
    const pair = this.pair;
    const clock = pair.clock;
    const now = clock.now();
    const start = Math.max(now, this.busyUntil);
    const waiting = this.waiting;
    while (waiting.length > 0 && waiting[0]! <= now) waiting.shift();
    if (start > now) {
      if (waiting.length >= pair.queueLimit) {
        this.stats.queueDrops++;
        return;
      }
      waiting.push(start);
    }
    const end = start + pair.transmitCycles(frame.length);
    this.busyUntil = end + pair.byteCycles * WIRE_INTERFRAME_GAP;
    const arrival = Math.ceil(end + pair.latencyCycles);
    const info: LinkFrameInfo = { direction: this.direction, index: this.sent++, frame };
    const dropped = pair.options.drop?.(info) ?? false;
    this.stats.frames++;
    this.stats.bytes += frame.length;
    if (dropped) this.stats.dropped++;
    pair.options.onFrame?.({ ...info, dropped, sendTime: start, arrivalTime: arrival });
    if (dropped) return;
    // The receiver gets its own copy: the sender may reuse its buffer.
    const copy = frame.slice();
    const peer = this.peer;
    clock.at(arrival, () => peer.handler?.(copy), 'link-frame');
  }
}

/** A full-duplex cable with ends `a` and `b`. */
export class LinkPair {
  readonly a: LinkPort & { readonly stats: LinkDirectionStats };
  readonly b: LinkPort & { readonly stats: LinkDirectionStats };
  readonly bitsPerSecond: number;
  readonly latencyCycles: number;
  /** Cycles per byte on the wire (fractional: 13.6 at 1 Gb/s and 1.7 GHz). */
  readonly byteCycles: number;
  readonly queueLimit: number;

  constructor(
    readonly clock: Clock,
    readonly options: LinkPairOptions = {},
  ) {
    this.bitsPerSecond = options.bitsPerSecond ?? 1e9;
    if (!(this.bitsPerSecond > 0)) throw new PeerError('PEER_OPTION_INVALID', `bitsPerSecond must be positive, got ${this.bitsPerSecond}`);
    const latency = options.latencySeconds ?? 0;
    if (!(latency >= 0)) throw new PeerError('PEER_OPTION_INVALID', `latencySeconds must be >= 0, got ${latency}`);
    this.latencyCycles = Math.round(latency * CLOCK_HZ);
    this.byteCycles = (8 * CLOCK_HZ) / this.bitsPerSecond;
    this.queueLimit = options.queueLimit ?? Infinity;
    if (!(this.queueLimit >= 0)) throw new PeerError('PEER_OPTION_INVALID', `queueLimit must be >= 0, got ${this.queueLimit}`);
    const a = new LinkEnd(this, 'a->b');
    const b = new LinkEnd(this, 'b->a');
    a.peer = b;
    b.peer = a;
    this.a = a;
    this.b = b;
  }

  /** Cycles to put a frame of `length` bytes (without FCS) on the wire: padding, preamble and FCS included. */
  transmitCycles(length: number): number {
    return (Math.max(length, WIRE_MIN_FRAME) + WIRE_FRAME_OVERHEAD) * this.byteCycles;
  }
}
