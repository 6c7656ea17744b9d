// Workload ends the benchmarks run on the peer: a stream source that sends a deterministic byte
// pattern (so the receiver can check every byte) and a stream sink that verifies the pattern and
// measures throughput in simulated time.

import { CLOCK_HZ } from '@nooks/x86';

import type { PeerSocket } from './tcp-socket.js';

/** An endless deterministic byte stream (xorshift32 words, little-endian), the same for the same seed. */
export class PatternGenerator {
  private state: number;
  private word = 0;
  private left = 0;

  constructor(seed: number) {
    this.state = (seed >>> 0) || 0x9e3779b9;
  }

  /** Fills `out` with the next bytes of the stream. */
  fill(out: Uint8Array): void {
    let word = this.word;
    let left = this.left;
    let x = this.state;
    for (let i = 0; i < out.length; i++) {
      if (left === 0) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        x >>>= 0;
        word = x;
        left = 4;
      }
      out[i] = word & 0xff;
      word >>>= 8;
      left--;
    }
    this.state = x;
    this.word = word;
    this.left = left;
  }

  next(length: number): Uint8Array {
    const b = new Uint8Array(length);
    this.fill(b);
    return b;
  }
}

export interface StreamSourceOptions {
  /** Pattern seed; the sink must use the same. Default 1. */
  seed?: number;
  /** Bytes per write. Default 64 KiB. */
  chunkBytes?: number;
  /** Keep at most about this much unacknowledged data queued (above the socket's low-water mark). Default 1 MiB. */
  highWater?: number;
  /** Close the connection (FIN) after the last byte. Default true. */
  close?: boolean;
}

export interface StreamSource {
  readonly totalBytes: number;
  /** Bytes handed to the socket so far. */
  readonly written: number;
  readonly done: boolean;
}

/** Sends `totalBytes` of the seeded pattern on `socket`, refilling as acknowledgements drain it (takes the socket's onDrain). */
export function streamSource(socket: PeerSocket, totalBytes: number, options: StreamSourceOptions = {}): StreamSource {
  const gen = new PatternGenerator(options.seed ?? 1);
  const chunk = options.chunkBytes ?? 64 * 1024;
  const highWater = options.highWater ?? 1024 * 1024;
  const state = { totalBytes, written: 0, done: false };
  const pump = (): void => {
    while (state.written < totalBytes && socket.bufferedAmount < highWater) {
      const n = Math.min(chunk, totalBytes - state.written);
      socket.write(gen.next(n));
      state.written += n;
    }
    if (state.written >= totalBytes && !state.done) {
      state.done = true;
      if (options.close ?? true) socket.close();
    }
  };
  socket.onDrain(pump);
  pump();
  return state;
}

export interface StreamSinkOptions {
  /** Pattern seed of the source. Default 1. */
  seed?: number;
  /** Called when the other side closes its direction (FIN), with the sink. */
  onEnd?: (sink: StreamSink) => void;
}

export interface StreamSink {
  /** Bytes received. */
  readonly bytes: number;
  /** Bytes that differed from the pattern. */
  readonly mismatches: number;
  /** Offset of the first wrong byte, -1 if none. */
  readonly firstMismatchAt: number;
  /** Cycle time the sink started (the measurement's origin). */
  readonly startTime: number;
  /** Cycle times of the first and last data arrivals (-1 before any). */
  readonly firstByteTime: number;
  readonly lastByteTime: number;
  /** The source closed its direction. */
  readonly ended: boolean;
  /** bytes × 8 / (lastByteTime − startTime) in simulated seconds; 0 before any data. */
  throughputBitsPerSecond(): number;
}

/** Verifies the seeded pattern arriving on `socket` byte by byte (takes the socket's onData and onEnd). */
export function streamSink(socket: PeerSocket, options: StreamSinkOptions = {}): StreamSink {
  const gen = new PatternGenerator(options.seed ?? 1);
  const clock = socket.clock;
  let scratch = new Uint8Array(0);
  const sink = {
    bytes: 0,
    mismatches: 0,
    firstMismatchAt: -1,
    startTime: clock.now(),
    firstByteTime: -1,
    lastByteTime: -1,
    ended: false,
    throughputBitsPerSecond(): number {
      const dt = sink.lastByteTime - sink.startTime;
      return dt > 0 ? (sink.bytes * 8 * CLOCK_HZ) / dt : 0;
    },
  };
  socket.onData((data) => {
    const now = clock.now();
    if (sink.firstByteTime < 0) sink.firstByteTime = now;
    sink.lastByteTime = now;
    if (scratch.length < data.length) scratch = new Uint8Array(Math.max(data.length, 2048));
    const expected = scratch.subarray(0, data.length);
    gen.fill(expected);
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== expected[i]) {
        if (sink.firstMismatchAt < 0) sink.firstMismatchAt = sink.bytes + i;
        sink.mismatches++;
      }
    }
    sink.bytes += data.length;
  });
  socket.onEnd(() => {
    sink.ended = true;
    options.onEnd?.(sink);
  });
  return sink;
}
