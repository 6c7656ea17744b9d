// The medium between two network interfaces: a full-duplex point-to-point link. A sender puts a
// frame on its end at the cycle its first bit goes out; the other end receives it, through the
// Clock, when the last bit has arrived (the frame's wire time plus the propagation delay).
// Senders pace themselves (a MAC knows when its previous frame ended); the cable only delivers,
// in order, and lets taps (a pcap writer) see every frame.

import type { Clock, Timer } from '../clock.js';
import { frameWireCycles } from './ethernet.js';

/** Whatever sits at one end of a wire and takes the frames arriving there (a NIC, a peer host). */
export interface WireReceiver {
  /** A frame (Ethernet header + payload, no FCS) whose last bit arrived at cycle `atCycle`. */
  receiveFrame(frame: Uint8Array, atCycle: number): void;
}

/** One end of a link, as a NIC sees it. */
export interface Wire {
  readonly bitsPerSecond: number;
  /**
   * Transmits `frame` (no FCS) starting at absolute cycle `atCycle`. The bytes are copied, so
   * the caller may reuse its buffer.
   */
  send(frame: Uint8Array, atCycle: number): void;
  /** Sets who receives the frames arriving at this end (null: they are lost). */
  connect(receiver: WireReceiver | null): void;
}

/** What a tap sees of each frame: when it started and ended on the wire, and which end sent it. */
export interface WireFrameInfo {
  start: number;
  end: number;
  /** 0: sent by end A (`cable.a`), 1: by end B. */
  from: 0 | 1;
}

export type WireTap = (frame: Uint8Array, info: WireFrameInfo) => void;

export interface EthernetCableOptions {
  /** Link speed (default 1e9). */
  bitsPerSecond?: number;
  /** Extra delay from one end to the other in cycles (default 0: a short cable). */
  propagationCycles?: number;
}

interface InFlight {
  frame: Uint8Array;
  at: number;
}

class CableEnd implements Wire {
  receiver: WireReceiver | null = null;
  /** Frames travelling towards this end, in arrival order. */
  private readonly queue: InFlight[] = [];
  private head = 0;
  private readonly timer: Timer;
  peer!: CableEnd;
  sent = 0;
  delivered = 0;
  lost = 0;

  constructor(
    private readonly cable: EthernetCable,
    readonly side: 0 | 1,
    clock: Clock,
  ) {
    this.timer = clock.timer((t) => this.deliverDue(t), `wire ${side === 0 ? 'b->a' : 'a->b'}`);
  }

  get bitsPerSecond(): number {
    return this.cable.bitsPerSecond;
  }

  connect(receiver: WireReceiver | null): void {
    this.receiver = receiver;
  }

  send(frame: Uint8Array, atCycle: number): void {
    const start = Math.max(0, atCycle);
    const end = start + frameWireCycles(frame.length, this.cable.bitsPerSecond);
    const copy = frame.slice();
    this.sent++;
    this.cable.notify(copy, { start, end, from: this.side });
    this.peer.enqueue(copy, end + this.cable.propagationCycles);
  }

  private enqueue(frame: Uint8Array, at: number): void {
    const q = this.queue;
    // Frames arrive in the order they end; a sender that goes back in time is sorted in.
    let i = q.length;
    while (i > this.head && q[i - 1]!.at > at) i--;
    q.splice(i, 0, { frame, at });
    this.timer.schedule(q[this.head]!.at);
  }

  private deliverDue(time: number): void {
    const q = this.queue;
    while (this.head < q.length && q[this.head]!.at <= time) {
      const f = q[this.head++]!;
      if (this.receiver) {
        this.delivered++;
        this.receiver.receiveFrame(f.frame, f.at);
      } else {
        this.lost++;
      }
    }
    if (this.head > 64 && this.head * 2 > q.length) {
      q.splice(0, this.head);
      this.head = 0;
    }
    if (this.head < q.length) this.timer.schedule(q[this.head]!.at);
  }

  /** Frames on their way to this end. */
  get inFlight(): number {
    return this.queue.length - this.head;
  }
}

/** A point-to-point full-duplex link; plug one device into `a` and the other into `b`. */
export class EthernetCable {
  readonly bitsPerSecond: number;
  readonly propagationCycles: number;
  readonly a: Wire;
  readonly b: Wire;
  private readonly ends: [CableEnd, CableEnd];
  private readonly taps: WireTap[] = [];

  constructor(clock: Clock, options: EthernetCableOptions = {}) {
    this.bitsPerSecond = options.bitsPerSecond ?? 1e9;
    this.propagationCycles = options.propagationCycles ?? 0;
    if (!(this.bitsPerSecond > 0) || !(this.propagationCycles >= 0)) {
      throw new RangeError('an EthernetCable needs bitsPerSecond > 0 and propagationCycles >= 0');
    }
    const a = new CableEnd(this, 0, clock);
    const b = new CableEnd(this, 1, clock);
    a.peer = b;
    b.peer = a;
    this.ends = [a, b];
    this.a = a;
    this.b = b;
  }

  /** Calls `tap` for every frame sent from either end (at send time); returns a function that removes it. */
  tap(tap: WireTap): () => void {
    this.taps.push(tap);
    return () => {
      const i = this.taps.indexOf(tap);
      if (i >= 0) this.taps.splice(i, 1);
    };
  }

  /** @internal */
  notify(frame: Uint8Array, info: WireFrameInfo): void {
    for (const t of this.taps) t(frame, info);
  }

  /** Frames sent from each end, delivered at each end, and lost (no receiver connected). */
  stats(): { sentA: number; sentB: number; deliveredA: number; deliveredB: number; lost: number; inFlight: number } {
    const [a, b] = this.ends;
    return { sentA: a.sent, sentB: b.sent, deliveredA: a.delivered, deliveredB: b.delivered, lost: a.lost + b.lost, inFlight: a.inFlight + b.inFlight };
  }
}

/**
 * A port that paces and delivers frames by itself (structurally the peer package's LinkPort:
 * `send(frame)` now, `onReceive(handler)`).
 */
export interface FramePort {
  send(frame: Uint8Array): void;
  onReceive(handler: (frame: Uint8Array) => void): void;
}

/**
 * Adapts a FramePort (e.g. an end of the network peer's LinkPair) to the Wire a NIC attaches
 * to: a frame sent for a future cycle is handed to the port at that cycle; arrivals are
 * stamped with the clock's time.
 */
export function wireFromPort(port: FramePort, clock: Clock, bitsPerSecond = 1e9): Wire {
  let receiver: WireReceiver | null = null;
  port.onReceive((frame) => receiver?.receiveFrame(frame, clock.now()));
  return {
    bitsPerSecond,
    send(frame, atCycle) {
      if (atCycle <= clock.now()) {
        port.send(frame);
        return;
      }
      const copy = frame.slice();
      clock.at(atCycle, () => port.send(copy), 'wire port send');
    },
    connect(r) {
      receiver = r;
    },
  };
}
