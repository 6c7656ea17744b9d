// The correct e1000 under Nooks: it runs in its own protection domain and passes the native
// driver's networking tests; every crossing is an XPC.
import { streamSink, streamSource } from '@nooks/devices';
import { CYCLES_PER_TICK, spawnStreamReader, spawnStreamWriter } from '@nooks/kernel';
import { describe, expect, it } from 'vitest';
import { machine } from './machine.js';

describe('e1000 isolated by Nooks', () => {
  it('loads into a protection domain: imports bound to wrappers, the net_device in the domain heap', () => {
    const { k, nooks } = machine();
    const ext = nooks!.extension('e1000');
    expect(ext.state).toBe('live');
    const d = ext.domain!;
    expect(d.pgd).not.toBe(k.mm.pgd);
    const dev = k.net.byName('eth0');
    expect(d.heap.contains(dev)).toBe(true);
    expect(d.canWrite(dev)).toBe(true);
    // The kernel's own memory is read-only in the domain.
    expect(d.canRead(k.irq.jiffiesAddr)).toBe(true);
    expect(d.canWrite(k.irq.jiffiesAddr)).toBe(false);
    expect(ext.tracker.ofType('irq').length).toBe(1);
    expect(ext.tracker.ofType('pci_driver').length).toBe(1);
    expect(nooks!.xpc.toExtension).toBeGreaterThan(0);
    expect(nooks!.xpc.toKernel).toBeGreaterThan(0);
  });

  it('receive-stream: 1 MB arrives byte-exact through the isolated driver', () => {
    const { k, peer, nooks } = machine();
    const TOTAL = 1 << 20;
    const reader = spawnStreamReader(k, { port: 5001, seed: 7 });
    const x0 = nooks!.xpc.toExtension;
    streamSource(peer.tcpConnect('10.0.0.1', 5001), TOTAL, { seed: 7 });
    k.runUntil(k.cycles + 300 * CYCLES_PER_TICK);
    expect(k.dead).toBeUndefined();
    expect(reader.received).toBe(TOTAL);
    expect(reader.mismatch).toBe(-1);
    expect(nooks!.failures).toEqual([]);
    expect(nooks!.xpc.toExtension - x0).toBeGreaterThan(100);
    expect(nooks!.xpc.deferred).toBeGreaterThan(700);
  });

  it('send-stream: 1 MB sent by a task arrives intact at the peer', () => {
    const { k, peer, nooks } = machine();
    const TOTAL = 1 << 20;
    let sink: ReturnType<typeof streamSink> | undefined;
    peer.tcpListen(5002, (s) => (sink = streamSink(s, { seed: 9 })));
    spawnStreamWriter(k, { ip: '10.0.0.2', port: 5002, total: TOTAL, seed: 9 });
    k.runUntil(k.cycles + 300 * CYCLES_PER_TICK);
    expect(k.dead).toBeUndefined();
    expect(sink?.bytes).toBe(TOTAL);
    expect(sink?.mismatches).toBe(0);
    expect(nooks!.failures).toEqual([]);
    expect(nooks!.xpc.bySite.get('net_device.hard_start_xmit')).toBeGreaterThan(700);
  });

  it('ping answers through the isolated driver', async () => {
    const { k, peer } = machine();
    const reply = peer.ping('10.0.0.1', 7, 1);
    k.runUntil(k.cycles + 5 * CYCLES_PER_TICK);
    const r = await reply;
    expect(r.rttSeconds).toBeLessThan(1e-3);
  });
});
