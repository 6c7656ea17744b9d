// Parity: a correct e1000 under Nooks passes every networking test of the native driver.
// Each test below is a port of one in @nooks/kernel's test/e1000-native.test.ts or
// test/stream.test.ts, with the e1000 isolated in its protection domain: the same
// assertions, plus that Nooks saw no failure and that the traffic crossed by XPC.
import { PatternGenerator, PcapWriter, dropEveryNth, streamSink, streamSource } from '@nooks/devices';
import type { LinkFrameInfo } from '@nooks/devices';
import { CYCLES_PER_TICK, kernelMemory, layouts } from '@nooks/kernel';
import type { KernelSocket, TaskProgram } from '@nooks/kernel';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, IPPROTO_TCP, decodeArp, decodeEthernet, decodeIpv4, decodeTcp } from '@nooks/net';
import { describe, expect, it } from 'vitest';
import type { IsolationManager } from '../src/index.js';
import { machine, objectBytes, waitAny } from './machine.js';
import type { TestMachine } from './machine.js';

const MAC = '00:0e:0c:12:34:56';
const NO_RESOURCES = { pages: 0, slabObjects: 0, vmAreas: 0, irqs: 0, skbs: 0, netDevices: 0, regions: 0, timers: 0 };

function frame(dst: number[], payloadLen: number, seed: number): Uint8Array {
  const f = new Uint8Array(14 + payloadLen);
  f.set(dst, 0);
  f.set([0x02, 0, 0, 0, 0, 0x99], 6);
  f[12] = 0x08;
  for (let i = 14; i < f.length; i++) f[i] = (i * 13 + seed) & 0xff;
  return f;
}

/** The e1000-native.test.ts machine: the driver isolated but not loaded; frames the card puts on the wire are collected. */
function boot(): TestMachine & { nooks: IsolationManager; seen: Uint8Array[] } {
  const seen: Uint8Array[] = [];
  const m = machine({ mode: 'nooks', load: false, link: { onFrame: (info) => void (info.direction === 'a->b' && !info.dropped && seen.push(info.frame.slice())) } });
  return { ...m, nooks: m.nooks!, seen };
}

/** The stream.test.ts machine: the driver isolated, loaded and eth0 up at 10.0.0.1; every frame either way captured. */
function setup(drop?: (info: LinkFrameInfo) => boolean): TestMachine & { nooks: IsolationManager; pcap: PcapWriter; frames: Uint8Array[] } {
  const pcap = new PcapWriter();
  const frames: Uint8Array[] = [];
  const m = machine({
    mode: 'nooks',
    link: {
      ...(drop ? { drop } : {}),
      onFrame: (info) => {
        frames.push(info.frame.slice());
        pcap.addFrame(info.frame, info.arrivalTime);
      },
    },
  });
  return { ...m, nooks: m.nooks!, pcap, frames };
}

/** Nooks saw no failure, refused no call, and calls crossed both ways by XPC (since the counts in `from`). */
function expectCleanNooks(nooks: IsolationManager, from: { toExtension: number; toKernel: number } = { toExtension: 0, toKernel: 0 }): void {
  expect(nooks.failures).toEqual([]);
  expect(nooks.xpc.refused).toBe(0);
  expect(nooks.extension('e1000').state).not.toBe('failed');
  expect(nooks.xpc.toExtension).toBeGreaterThan(from.toExtension);
  expect(nooks.xpc.toKernel).toBeGreaterThan(from.toKernel);
}

describe('e1000 extension on the 82540EM model, isolated by Nooks (port of e1000-native.test.ts)', () => {
  it('probes the card, reads its MAC from the EEPROM and registers eth0', () => {
    const { k, nooks } = boot();
    k.loadModule('e1000', objectBytes('e1000'));
    const dev = k.net.byName('eth0');
    const mac = [...k.machine.readVirt(layouts.net_device.addr_dev_addr(dev), 6)].map((b) => b.toString(16).padStart(2, '0')).join(':');
    expect(mac).toBe(MAC);
    expect(k.log.text()).toMatch(/eth0: Intel\(R\) PRO\/1000 Network Connection, 00:0e:0c:12:34:56/);
    expect(k.dead).toBeUndefined();
    expectCleanNooks(nooks);
    expect(nooks.xpc.bySite.get('init_module')).toBe(1);
    expect(nooks.xpc.bySite.get('pci_driver.probe')).toBe(1);
  });

  it('brings the link up, sends frames byte-exact onto the wire and receives frames in a batch', () => {
    const { k, link, nooks, seen } = boot();
    k.loadModule('e1000', objectBytes('e1000'));
    const dev = k.net.byName('eth0');
    const received: Uint8Array[] = [];
    k.net.receive = (skb) => {
      received.push(k.net.skbBytes(skb));
      k.net.kfreeSkb(skb);
    };
    expect(k.net.open(dev)).toBe(0);
    k.runUntil(k.cycles + 3 * CYCLES_PER_TICK);
    expect(k.log.text()).toMatch(/eth0: e1000 NIC Link is Up 1000 Mbps/);
    const mem = kernelMemory(k.machine);
    const out = [frame([0x02, 0, 0, 0, 0, 0x99], 100, 1), frame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 1486, 2), frame([0x02, 0, 0, 0, 0, 0x99], 46, 3)];
    const xmit0 = nooks.xpc.bySite.get('net_device.hard_start_xmit') ?? 0;
    for (const f of out) {
      const skb = k.net.skbFromBytes(f);
      layouts.sk_buff.set_dev(mem, skb, dev);
      expect(k.net.transmit(skb)).toBe(0);
    }
    k.runUntil(k.cycles + 2 * CYCLES_PER_TICK);
    expect(seen).toEqual(out);
    expect((nooks.xpc.bySite.get('net_device.hard_start_xmit') ?? 0) - xmit0).toBe(3);
    // Frames from the wire: to our MAC and broadcast are taken, others are filtered by the card.
    const mine = MAC.split(':').map((h) => parseInt(h, 16));
    const incoming = [frame(mine, 200, 4), frame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 64, 5), frame([0x02, 1, 2, 3, 4, 5], 64, 6), frame(mine, 1500, 7)];
    const deferred0 = nooks.xpc.deferred;
    let t = k.cycles;
    for (const f of incoming) {
      link.clock.at(t, () => link.b.send(f), 'test frame');
      t += 20_000;
    }
    k.runUntil(k.cycles + 2 * CYCLES_PER_TICK);
    expect(received).toEqual([incoming[0]!.subarray(14), incoming[1]!.subarray(14), incoming[3]!.subarray(14)]);
    // netif_rx under Nooks is deferred to the end of the XPC.
    expect(nooks.xpc.deferred - deferred0).toBe(3);
    // All transmit skbs were freed by the TX-clean path.
    expect(k.net.stats.skbsLive).toBe(256); // the receive ring's buffers only
    expect(k.dead).toBeUndefined();
    expectCleanNooks(nooks);
  });

  it("follows the link down and up, and traffic resumes; the driver breaks none of the card's rules", () => {
    const { k, nic, nooks, seen } = boot();
    k.loadModule('e1000', objectBytes('e1000'));
    const dev = k.net.byName('eth0');
    expect(k.net.open(dev)).toBe(0);
    k.runUntil(k.cycles + 3 * CYCLES_PER_TICK);
    const send = (seed: number): void => {
      const skb = k.net.skbFromBytes(frame([0x02, 0, 0, 0, 0, 0x99], 80, seed));
      layouts.sk_buff.set_dev(kernelMemory(k.machine), skb, dev);
      k.net.transmit(skb);
    };
    send(1);
    k.runUntil(k.cycles + CYCLES_PER_TICK);
    expect(seen.length).toBe(1);
    nic.setLink(false);
    k.runUntil(k.cycles + CYCLES_PER_TICK);
    expect(k.log.text()).toMatch(/eth0: e1000 NIC Link is Down/);
    expect(k.machine.readVirt32(layouts.net_device.addr_state(dev)) & (1 << 4)).not.toBe(0); // no carrier
    send(2); // the driver stopped its queue: the frame waits in the kernel's queue
    k.runUntil(k.cycles + CYCLES_PER_TICK);
    expect(seen.length).toBe(1);
    expect(k.net.devices.find((d) => d.dev === dev)?.queue.length).toBe(1);
    nic.setLink(true);
    k.runUntil(k.cycles + CYCLES_PER_TICK);
    expect(k.log.lines.filter((l) => l.text.includes('Link is Up')).length).toBe(2);
    send(3);
    k.runUntil(k.cycles + CYCLES_PER_TICK);
    // The waiting frame went out when the link came back (netif_wake_queue -> NET_TX), then the new one.
    expect(seen.slice(1)).toEqual([frame([0x02, 0, 0, 0, 0, 0x99], 80, 2), frame([0x02, 0, 0, 0, 0, 0x99], 80, 3)]);
    // Register accesses were dword accesses, rings and buffers in RAM, tails within the rings.
    expect(nic.errors).toEqual({ dma: 0, badRing: 0, unsupported: 0, partialAccess: 0 });
    expect(k.dead).toBeUndefined();
    expectCleanNooks(nooks);
  });

  it('unloads cleanly (cleanup_module by XPC, the domain freed) and works again after a reload', () => {
    const { k, nooks, seen } = boot();
    const obj = objectBytes('e1000');
    const ext = nooks.extension('e1000');
    for (let round = 0; round < 2; round++) {
      k.loadModule('e1000', obj);
      expect(ext.state).toBe('live');
      const domain = ext.domain!;
      expect(domain.state).toBe('live');
      expect(k.pages.pagesOwnedBy('nooks:e1000')).toBeGreaterThan(0);
      const dev = k.net.byName('eth0');
      expect(domain.heap.contains(dev)).toBe(true);
      expect(k.net.open(dev)).toBe(0);
      k.runUntil(k.cycles + 3 * CYCLES_PER_TICK);
      const skb = k.net.skbFromBytes(frame([0x02, 0, 0, 0, 0, 0x99], 60, 10 + round));
      layouts.sk_buff.set_dev(kernelMemory(k.machine), skb, dev);
      k.net.transmit(skb);
      k.runUntil(k.cycles + CYCLES_PER_TICK);
      k.net.close(dev);
      const cleanups = nooks.xpc.bySite.get('cleanup_module') ?? 0;
      k.unloadModule('e1000');
      expect(nooks.xpc.bySite.get('cleanup_module')).toBe(cleanups + 1);
      expect(k.resourcesOf('e1000')).toEqual(NO_RESOURCES);
      // The domain's own pages (page directory, page tables, stacks, heap) are gone with it.
      expect(domain.state).toBe('destroyed');
      expect(ext.domain).toBeUndefined();
      expect(ext.state).toBe('unloaded');
      expect(k.pages.pagesOwnedBy('nooks:e1000')).toBe(0);
      expect(k.pages.pagesOwnedBy('nooks:e1000:heap')).toBe(0);
      // What the driver acquired and released itself is no longer tracked.
      for (const type of ['net_device', 'irq', 'pci_driver', 'ioremap', 'mem_region', 'dma', 'sk_buff', 'timer', 'kmalloc']) expect(ext.tracker.ofType(type)).toEqual([]);
    }
    expect(seen.length).toBe(2);
    expect(k.dead).toBeUndefined();
    expectCleanNooks(nooks);
  });

  it("leaves the extension's object tracker empty after a clean unload", () => {
    const { k, nooks } = boot();
    const ext = nooks.extension('e1000');
    k.loadModule('e1000', objectBytes('e1000'));
    const dev = k.net.byName('eth0');
    expect(k.net.open(dev)).toBe(0);
    k.runUntil(k.cycles + 3 * CYCLES_PER_TICK);
    k.net.close(dev);
    k.unloadModule('e1000');
    expect(k.resourcesOf('e1000')).toEqual(NO_RESOURCES);
    expect(k.pages.pagesOwnedBy('nooks:e1000')).toBe(0);
    // Nothing the extension held may outlive it in its tracker: a later recovery or reload
    // must not find objects of a module that is gone.
    expect(ext.tracker.all().map((o) => `${o.type} 0x${o.kernel.toString(16)}`)).toEqual([]);
    expect(ext.tracker.size).toBe(0);
    expectCleanNooks(nooks);
  });
});

describe('TCP streams through the e1000, isolated by Nooks (port of stream.test.ts)', () => {
  it('receive-stream: the peer sends 1 MB to a task, which reads it byte-exact', () => {
    const { k, peer, nooks } = setup();
    const TOTAL = 1 << 20;
    let sock: KernelSocket | undefined;
    k.netStack!.listen(5001, (s) => (sock = s));
    let received = 0;
    let mismatch = -1;
    let doneAt = 0;
    let busyAtDone = 0;
    const task = k.spawn('receiver', (function* (): TaskProgram {
      yield { type: 'wait', queue: waitAny, condition: () => sock !== undefined };
      const s = sock!;
      const gen = new PatternGenerator(7);
      for (;;) {
        yield { type: 'wait', queue: waitAny, condition: () => s.pendingBytes > 0 || s.ended };
        if (s.pendingBytes === 0 && s.ended) {
          doneAt = k.cycles;
          busyAtDone = k.cpuStats().busy;
          break;
        }
        const got: Uint8Array[] = [];
        k.netStack!.read(s, (_off, bytes) => void got.push(bytes.slice()), 65536);
        for (const chunk of got) {
          const want = gen.next(chunk.length);
          for (let i = 0; i < chunk.length && mismatch < 0; i++) if (chunk[i] !== want[i]) mismatch = received + i;
          received += chunk.length;
        }
      }
      return 0;
    })());
    const start = k.cycles;
    const busyAtStart = k.cpuStats().busy;
    const xpc0 = { toExtension: nooks.xpc.toExtension, toKernel: nooks.xpc.toKernel };
    expect(k.costLedger.protocolRxData).toBeUndefined();
    const client = peer.tcpConnect('10.0.0.1', 5001);
    streamSource(client, TOTAL, { seed: 7 });
    k.runUntil(k.cycles + 300 * CYCLES_PER_TICK);
    expect(mismatch).toBe(-1);
    expect(received).toBe(TOTAL);
    expect(task.state).toBe('exited');
    // Still at line rate, and every data segment was charged the protocol's receive path once.
    const seconds = (doneAt - start) / 1.7e9;
    const busy = busyAtDone - busyAtStart;
    expect((TOTAL * 8) / seconds / 1e6).toBeGreaterThan(800);
    expect(k.costLedger.protocolRxData?.count).toBe(Math.ceil(TOTAL / 1460));
    // CPU utilisation: the native test keeps it in 10%..22% (the paper's native 15.2%). Under
    // Nooks every interrupt, poll and refill is an XPC with a full TLB flush, so it is higher,
    // as in the paper; it must still leave the CPU mostly idle at line rate.
    const util = busy / (doneAt - start);
    console.log(`receive-stream under Nooks: ${((TOTAL * 8) / seconds / 1e6).toFixed(0)} Mb/s, CPU ${(util * 100).toFixed(1)}%, ${nooks.xpc.toExtension - xpc0.toExtension} XPCs in, ${nooks.xpc.toKernel - xpc0.toKernel} out`);
    expect(util).toBeGreaterThan(0.1);
    expect(util).toBeLessThan(0.6);
    expect(k.costLedger.xpc?.count ?? 0).toBeGreaterThan(0);
    expect(k.dead).toBeUndefined();
    expectCleanNooks(nooks, xpc0);
    expect(nooks.xpc.deferred).toBeGreaterThan(Math.floor(TOTAL / 1460));
  });

  it('send-stream: a task sends 1 MB to the peer, which verifies it; every frame on the wire is valid', () => {
    const { k, peer, pcap, frames, nooks } = setup();
    const TOTAL = 1 << 20;
    let sink: ReturnType<typeof streamSink> | undefined;
    peer.tcpListen(5002, (s) => (sink = streamSink(s, { seed: 9 })));
    const xpc0 = { toExtension: nooks.xpc.toExtension, toKernel: nooks.xpc.toKernel };
    k.spawn('sender', (function* (): TaskProgram {
      const s = k.netStack!.connect('10.0.0.2', 5002);
      yield { type: 'wait', queue: waitAny, condition: () => s.connected };
      const gen = new PatternGenerator(9);
      for (let sent = 0; sent < TOTAL; sent += 65536) {
        yield { type: 'wait', queue: waitAny, condition: () => s.tcp.bufferedAmount < 256 * 1024 };
        k.netStack!.write(s, gen.next(65536));
      }
      s.tcp.close();
      return 0;
    })());
    k.runUntil(k.cycles + 300 * CYCLES_PER_TICK);
    expect(sink?.bytes).toBe(TOTAL);
    expect(sink?.mismatches).toBe(0);
    expect(sink?.ended).toBe(true);
    // Every frame either way parses as Ethernet + ARP or IPv4 + TCP with correct checksums.
    let tcp = 0;
    for (const f of frames) {
      const eth = decodeEthernet(f);
      expect(eth).not.toBeNull();
      if (eth!.etherType === ETHERTYPE_ARP) {
        expect(decodeArp(eth!.payload)).not.toBeNull();
        continue;
      }
      expect(eth!.etherType).toBe(ETHERTYPE_IPV4);
      const ip = decodeIpv4(eth!.payload);
      expect(ip.ok, JSON.stringify(ip)).toBe(true);
      if (!ip.ok) continue;
      expect(ip.header.protocol).toBe(IPPROTO_TCP);
      const seg = decodeTcp(ip.header.src, ip.header.dst, ip.payload);
      expect(seg.ok, JSON.stringify(seg)).toBe(true);
      tcp++;
    }
    expect(tcp).toBeGreaterThan(700);
    // The capture is a libpcap file with every frame.
    const file = pcap.bytes();
    const dv = new DataView(file.buffer, file.byteOffset);
    expect([0xa1b2c3d4, 0xa1b23c4d]).toContain(dv.getUint32(0, true));
    expect(pcap.frameCount).toBe(frames.length);
    expect(k.dead).toBeUndefined();
    expectCleanNooks(nooks, xpc0);
    expect(nooks.xpc.bySite.get('net_device.hard_start_xmit')).toBeGreaterThan(700);
  });

  it('a frame lost on the wire is retransmitted: the stream still arrives byte-exact', () => {
    // Every 40th frame from the peer to the card is lost.
    const { k, peer, link, nooks } = setup(dropEveryNth(40, 'b->a'));
    const TOTAL = 1 << 20;
    let sock: KernelSocket | undefined;
    k.netStack!.listen(5003, (s) => (sock = s));
    const gen = new PatternGenerator(11);
    let received = 0;
    let bad = 0;
    const xpc0 = { toExtension: nooks.xpc.toExtension, toKernel: nooks.xpc.toKernel };
    k.spawn('receiver', (function* (): TaskProgram {
      yield { type: 'wait', queue: waitAny, condition: () => sock !== undefined };
      const s = sock!;
      for (;;) {
        yield { type: 'wait', queue: waitAny, condition: () => s.pendingBytes > 0 || s.ended };
        if (s.pendingBytes === 0 && s.ended) break;
        k.netStack!.read(s, (_o, bytes) => {
          const want = gen.next(bytes.length);
          for (let i = 0; i < bytes.length; i++) if (bytes[i] !== want[i]) bad++;
          received += bytes.length;
        }, 65536);
      }
      return 0;
    })());
    const client = peer.tcpConnect('10.0.0.1', 5003);
    streamSource(client, TOTAL, { seed: 11 });
    k.runUntil(k.cycles + 500 * CYCLES_PER_TICK);
    expect(received).toBe(TOTAL);
    expect(bad).toBe(0);
    expect(link.b.stats.dropped).toBeGreaterThan(0);
    expect(client.stats.retransmissions).toBeGreaterThan(0);
    expect(k.dead).toBeUndefined();
    expectCleanNooks(nooks, xpc0);
  });

  it('ping: the kernel answers ICMP echo through the driver', async () => {
    const { k, peer, nooks } = setup();
    const xpc0 = { toExtension: nooks.xpc.toExtension, toKernel: nooks.xpc.toKernel };
    const reply = peer.ping('10.0.0.1', 7, 1);
    k.runUntil(k.cycles + 5 * CYCLES_PER_TICK);
    const r = await reply;
    // Two frames of 98 bytes each way at 1 Gb/s plus the kernel's and the driver's work.
    expect(r.rttSeconds).toBeGreaterThan(1.5e-6);
    expect(r.rttSeconds).toBeLessThan(1e-3);
    expect(k.dead).toBeUndefined();
    expectCleanNooks(nooks, xpc0);
  });
});
