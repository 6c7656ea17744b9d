// The guest's network stack and drivers run under fault injection, so the peer must survive any
// frame: mutated frames (with checksums fixed up so they reach TCP's state machine) never throw.
import { describe, expect, it } from 'vitest';

import { Clock, LinkPair, PeerHost, SeededRandom, secondsToCycles, streamSink, streamSource } from '../src/index.js';
import type { StreamSink } from '../src/index.js';
import { internetChecksum, pseudoHeaderSum } from '@nooks/net';

import { FakeCpu } from './fake-cpu.js';

function fixChecksums(f: Uint8Array): void {
  if (f.length < 34 || f[12] !== 0x08 || f[13] !== 0x00) return;
  const ihl = (f[14]! & 0x0f) * 4;
  if (ihl < 20 || 14 + ihl > f.length) return;
  f[24] = 0;
  f[25] = 0;
  const s = internetChecksum(f, 14, 14 + ihl);
  f[24] = s >> 8;
  f[25] = s & 0xff;
  const total = (f[16]! << 8) | f[17]!;
  const end = Math.min(f.length, 14 + total);
  const l4 = 14 + ihl;
  const proto = f[23]!;
  const src = ((f[26]! << 24) | (f[27]! << 16) | (f[28]! << 8) | f[29]!) >>> 0;
  const dst = ((f[30]! << 24) | (f[31]! << 16) | (f[32]! << 8) | f[33]!) >>> 0;
  const at = proto === 6 ? l4 + 16 : proto === 17 ? l4 + 6 : -1;
  if (at < 0 || at + 2 > end) return;
  f[at] = 0;
  f[at + 1] = 0;
  const c = internetChecksum(f, l4, end, pseudoHeaderSum(src, dst, proto, end - l4));
  f[at] = c >> 8;
  f[at + 1] = c & 0xff;
}

describe('peer robustness', () => {
  it('survives thousands of mutated frames in the middle of a transfer', () => {
    const cpu = new FakeCpu();
    cpu.halted = true;
    const clock = new Clock(cpu);
    const captured: Uint8Array[] = [];
    const wire = new LinkPair(clock, { onFrame: (f) => captured.length < 400 && captured.push(f.frame.slice()) });
    const a = new PeerHost({ clock, mac: '02:00:00:00:00:01', ip: '10.0.0.1' });
    const b = new PeerHost({ clock, mac: '02:00:00:00:00:02', ip: '10.0.0.2' });
    a.attach(wire.a);
    b.attach(wire.b);
    let sink: StreamSink | undefined;
    b.tcpListen(5001, (s) => (sink = streamSink(s)));
    streamSource(a.tcpConnect('10.0.0.2', 5001), 512 * 1024);
    clock.idleUntil(secondsToCycles(0.001));
    expect(captured.length).toBeGreaterThan(100);
    const rng = new SeededRandom(42);
    for (let i = 0; i < 5000; i++) {
      const f = captured[rng.nextU32() % captured.length]!.slice();
      const flips = 1 + (rng.nextU32() % 4);
      for (let k = 0; k < flips; k++) {
        // Mostly the headers (where the state machine looks), sometimes anywhere.
        const at = rng.next() < 0.8 ? 14 + (rng.nextU32() % Math.min(40, f.length - 14)) : rng.nextU32() % f.length;
        f[at] = rng.nextU32() & 0xff;
      }
      if (rng.next() < 0.9) fixChecksums(f);
      const target = rng.next() < 0.5 ? a : b;
      expect(() => target.receive(f)).not.toThrow();
      if (i % 100 === 0) clock.advanceIdle(clock.now() + secondsToCycles(0.0005));
    }
    expect(() => clock.idleUntil(clock.now() + secondsToCycles(60))).not.toThrow();
    expect(sink).toBeDefined();
    // Injected segments may have broken the stream (a forged RST, forged data): only survival is required.
    expect(a.stats.tcpBad + b.stats.tcpBad + a.stats.ipBadHeader + b.stats.ipBadHeader).toBeGreaterThan(0);
  });
});
