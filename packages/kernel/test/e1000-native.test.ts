// The e1000 extension (C, Linux 2.4 structure) driving the 82540EM model, natively: probe,
// MAC from the EEPROM, link, frames out onto the wire and back in through the interrupt path.
import { readFileSync } from 'node:fs';
import { E1000, EthernetCable, Platform } from '@nooks/devices';
import { extensionObjectPath } from '@nooks/extensions';
import { describe, expect, it } from 'vitest';
import { CYCLES_PER_TICK, Kernel, kernelMemory, layouts } from '../src/index.js';

const MAC = '00:0e:0c:12:34:56';

function boot(): { k: Kernel; nic: E1000; cable: EthernetCable; seen: Uint8Array[] } {
  let cable!: EthernetCable;
  const nic = new E1000({ mac: MAC });
  const seen: Uint8Array[] = [];
  const k = new Kernel({
    memoryBytes: 64 << 20,
    platform: (machine) => {
      const p = new Platform(machine);
      p.pci.add(nic, 4);
      p.assignPciResources();
      cable = new EthernetCable(p.clock);
      nic.attachWire(cable.a);
      cable.b.connect({ receiveFrame: (f) => void seen.push(f.slice()) });
      return p.clock;
    },
  });
  return { k, nic, cable, seen };
}

function frame(dst: number[], payloadLen: number, seed: number): Uint8Array {
  const f = new Uint8Array(14 + payloadLen);
  f.set(dst, 0);
  f.set([0x02, 0, 0, 0, 0, 0x99], 6);
  f[12] = 0x08;
  for (let i = 14; i < f.length; i++) f[i] = (i * 13 + seed) & 0xff;
  return f;
}

describe('e1000 extension on the 82540EM model (native)', () => {
  it('probes the card, reads its MAC from the EEPROM and registers eth0', () => {
    const { k } = boot();
    k.loadModule('e1000', readFileSync(extensionObjectPath('e1000')));
    const dev = k.net.byName('eth0');
    const mac = [...k.machine.readVirt(layouts.net_device.addr_dev_addr(dev), 6)].map((b) => b.toString(16).padStart(2, '0')).join(':');
    expect(mac).toBe(MAC);
    expect(k.log.text()).toMatch(/eth0: Intel\(R\) PRO\/1000 Network Connection, 00:0e:0c:12:34:56/);
  });

  it('brings the link up, sends frames byte-exact onto the wire and receives frames in a batch', () => {
    const { k, cable, seen } = boot();
    k.loadModule('e1000', readFileSync(extensionObjectPath('e1000')));
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
    for (const f of out) {
      const skb = k.net.skbFromBytes(f);
      layouts.sk_buff.set_dev(mem, skb, dev);
      expect(k.net.transmit(skb)).toBe(0);
    }
    k.runUntil(k.cycles + 2 * CYCLES_PER_TICK);
    expect(seen).toEqual(out);
    // Frames from the wire: to our MAC and broadcast are taken, others are filtered by the card.
    const mine = MAC.split(':').map((h) => parseInt(h, 16));
    const incoming = [frame(mine, 200, 4), frame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 64, 5), frame([0x02, 1, 2, 3, 4, 5], 64, 6), frame(mine, 1500, 7)];
    let t = k.cycles;
    for (const f of incoming) {
      cable.b.send(f, t);
      t += 20_000;
    }
    k.runUntil(k.cycles + 2 * CYCLES_PER_TICK);
    expect(received).toEqual([incoming[0]!.subarray(14), incoming[1]!.subarray(14), incoming[3]!.subarray(14)]);
    // All transmit skbs were freed by the TX-clean path.
    expect(k.net.stats.skbsLive).toBe(256); // the receive ring's buffers only
  });

  it('follows the link down and up, and traffic resumes; the driver breaks none of the card\'s rules', () => {
    const { k, nic, seen } = boot();
    k.loadModule('e1000', readFileSync(extensionObjectPath('e1000')));
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
  });

  it('unloads cleanly and works again after a reload', () => {
    const { k, seen } = boot();
    const obj = readFileSync(extensionObjectPath('e1000'));
    for (let round = 0; round < 2; round++) {
      k.loadModule('e1000', obj);
      const dev = k.net.byName('eth0');
      expect(k.net.open(dev)).toBe(0);
      k.runUntil(k.cycles + 3 * CYCLES_PER_TICK);
      const skb = k.net.skbFromBytes(frame([0x02, 0, 0, 0, 0, 0x99], 60, 10 + round));
      layouts.sk_buff.set_dev(kernelMemory(k.machine), skb, dev);
      k.net.transmit(skb);
      k.runUntil(k.cycles + CYCLES_PER_TICK);
      k.net.close(dev);
      k.unloadModule('e1000');
      expect(k.resourcesOf('e1000')).toEqual({ pages: 0, slabObjects: 0, vmAreas: 0, irqs: 0, skbs: 0, netDevices: 0, regions: 0, timers: 0 });
    }
    expect(seen.length).toBe(2);
  });
});
