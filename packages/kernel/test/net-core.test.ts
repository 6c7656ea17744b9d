// The network device layer: sk_buffs and net_devices in emulated memory, the transmit path with
// a stopped queue, the receive path through the NET_RX softirq.
import { readFileSync } from 'node:fs';
import { Platform } from '@nooks/devices';
import { extensionObjectPath } from '@nooks/extensions';
import { describe, expect, it } from 'vitest';
import { CYCLES_PER_TICK, Kernel, kernelMemory, layouts } from '../src/index.js';

function boot(): Kernel {
  return new Kernel({
    memoryBytes: 32 << 20,
    platform: (machine) => {
      const p = new Platform(machine);
      p.assignPciResources();
      return p.clock;
    },
  });
}

const frame = (i: number): Uint8Array => {
  const f = new Uint8Array(60 + i);
  f.set([0x02, 0, 0, 0, 0, 1], 0); // to knet's own address
  f.set([0x02, 0, 0, 0, 0, 9], 6);
  f[12] = 0x08; // IPv4
  for (let b = 14; b < f.length; b++) f[b] = (b * 7 + i) & 0xff;
  return f;
};

describe('network core', () => {
  it('registers a driver\'s net_device, sends through it and receives what it loops back', () => {
    const k = boot();
    k.loadModule('knet', readFileSync(extensionObjectPath('knet')));
    const dev = k.net.byName('eth0');
    expect(k.machine.readCString(layouts.net_device.addr_name(dev), 16)).toBe('eth0');
    const received: Uint8Array[] = [];
    k.net.receive = (skb) => {
      received.push(k.net.skbBytes(skb));
      k.net.kfreeSkb(skb);
    };
    expect(k.net.open(dev)).toBe(0);
    for (let i = 0; i < 10; i++) {
      const skb = k.net.skbFromBytes(frame(i));
      layouts.sk_buff.set_dev(kernelMemory(k.machine), skb, dev);
      expect(k.net.transmit(skb)).toBe(0);
    }
    k.runUntil(k.cycles + 10 * CYCLES_PER_TICK);
    // All ten went through: 4 at once, then the queue stopped; the drain timer woke it twice.
    const read = (n: string): number => k.machine.readVirt32(k.modules.get('knet')!.image.symbols.find((s) => s.name === n)!.address);
    expect(read('knet_xmits')).toBe(10);
    expect(read('knet_stops')).toBe(2);
    expect(k.net.stats.queued).toBe(6);
    expect(received.map((r) => r.length)).toEqual([...Array(10).keys()].map((i) => 46 + i));
    expect(received[3]).toEqual(frame(3).subarray(14)); // eth_type_trans pulled the header
    expect(k.net.stats.skbsLive).toBe(0);
    k.net.close(dev);
    k.unloadModule('knet');
    expect(k.resourcesOf('knet')).toMatchObject({ slabObjects: 0, skbs: 0, netDevices: 0, timers: 0 });
  });

  it('skb_put past the end is skb_over_panic', () => {
    const k = boot();
    const skb = k.net.allocSkb(64, 'kernel');
    expect(() => k.net.skbPut(skb, 100)).toThrow(/skput:over/);
    expect(k.dead?.kind).toBe('panic');
  });

  it('freeing something that is not an sk_buff is a BUG', () => {
    const k = boot();
    const obj = k.slab.kmalloc(200, 'kernel');
    expect(() => k.net.kfreeSkb(obj)).toThrow(/not an sk_buff/);
  });
});

