// The local side of the stream workloads, as task programs on the kernel's sockets:
// receive-stream's reader (accepts a connection and reads until the peer closes, checking every
// byte against the seeded pattern the peer's streamSource sends) and send-stream's writer
// (connects to the peer and writes `total` bytes of the pattern the peer's streamSink checks).
// The benchmarks and the tests of every package use these, natively and under Nooks.

import { PatternGenerator } from '@nooks/net';
import type { Kernel } from './kernel.js';
import type { KernelSocket } from './net-stack.js';
import { WaitQueue } from './sched.js';
import type { Task, TaskProgram } from './sched.js';

export interface StreamReader {
  readonly task: Task;
  /** Bytes read so far. */
  readonly received: number;
  /** Offset of the first byte that differed from the pattern, or -1. */
  readonly mismatch: number;
  /** Simulated cycle at which the reader saw the end of the stream (0 while running). */
  readonly doneAt: number;
}

/**
 * receive-stream's reader: listens on `port`, accepts one connection and reads it to the end
 * (up to `chunk` bytes a read), comparing with PatternGenerator(seed). `onDone` runs in the
 * task when the stream has ended (to snapshot counters).
 */
export function spawnStreamReader(k: Kernel, opts: { port: number; seed: number; chunk?: number; name?: string; onDone?: () => void }): StreamReader {
  const stack = k.netStack;
  if (!stack) throw new Error('spawnStreamReader: networking is not started (Kernel.startNetworking)');
  // A queue of this kernel's own: a module-level one would keep every kernel alive.
  const sockets = new WaitQueue('stream-socket');
  let sock: KernelSocket | undefined;
  stack.listen(opts.port, (s) => (sock = s));
  const state = { received: 0, mismatch: -1, doneAt: 0 };
  const chunk = opts.chunk ?? 65536;
  const task = k.spawn(opts.name ?? 'receiver', (function* (): TaskProgram {
    yield { type: 'wait', queue: sockets, condition: () => sock !== undefined };
    const s = sock!;
    const gen = new PatternGenerator(opts.seed);
    for (;;) {
      yield { type: 'wait', queue: sockets, condition: () => s.pendingBytes > 0 || s.ended };
      if (s.pendingBytes === 0 && s.ended) break;
      stack.read(s, (_off, bytes) => {
        const want = gen.next(bytes.length);
        if (state.mismatch < 0) for (let i = 0; i < bytes.length; i++) if (bytes[i] !== want[i]) {
          state.mismatch = state.received + i;
          break;
        }
        state.received += bytes.length;
      }, chunk);
    }
    state.doneAt = k.cycles;
    opts.onDone?.();
    return 0;
  })());
  return {
    task,
    get received() {
      return state.received;
    },
    get mismatch() {
      return state.mismatch;
    },
    get doneAt() {
      return state.doneAt;
    },
  };
}

/**
 * send-stream's writer: connects to ip:port and writes `total` bytes of PatternGenerator(seed)
 * in `chunk`-byte writes, keeping at most `window` bytes queued in the socket, then closes.
 */
export function spawnStreamWriter(k: Kernel, opts: { ip: string; port: number; total: number; seed: number; chunk?: number; window?: number; name?: string }): Task {
  const stack = k.netStack;
  if (!stack) throw new Error('spawnStreamWriter: networking is not started (Kernel.startNetworking)');
  const chunk = opts.chunk ?? 65536;
  const window = opts.window ?? 256 * 1024;
  const sockets = new WaitQueue('stream-socket');
  return k.spawn(opts.name ?? 'sender', (function* (): TaskProgram {
    const s = stack.connect(opts.ip, opts.port);
    yield { type: 'wait', queue: sockets, condition: () => s.connected };
    const gen = new PatternGenerator(opts.seed);
    for (let sent = 0; sent < opts.total; sent += chunk) {
      yield { type: 'wait', queue: sockets, condition: () => s.tcp.bufferedAmount < window };
      stack.write(s, gen.next(Math.min(chunk, opts.total - sent)));
    }
    s.tcp.close();
    return 0;
  })());
}
