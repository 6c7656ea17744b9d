// The test machine: a kernel on the PC platform with an 82540EM on the PCI bus, a wire to a
// network peer, and (optionally) Nooks installed with the e1000 driver isolated.
// Options: `link` is passed to the LinkPair (a `drop` rule, an `onFrame` capture for pcap and
// frame checks); `load: false` leaves the driver unloaded (isolated, if Nooks) and networking
// not started, for tests that load and open it themselves.
import { readFileSync } from 'node:fs';
import { E1000, LinkPair, PeerHost, Platform, wireFromPort } from '@nooks/devices';
import { extensionObjectPath } from '@nooks/extensions';
import { CYCLES_PER_TICK, Kernel, WaitQueue } from '@nooks/kernel';
import { IsolationManager, defaultPolicy } from '../src/index.js';
import type { LinkPairOptions } from '@nooks/devices';
import type { IsolationOptions, RecoveryPolicy } from '../src/index.js';

export const waitAny = new WaitQueue('test');

export interface TestMachine {
  k: Kernel;
  peer: PeerHost;
  link: LinkPair;
  nooks: IsolationManager | undefined;
  /** The 82540EM model on the PCI bus (link state, error counters). */
  nic: E1000;
}

export function objectBytes(name: string): Uint8Array {
  return readFileSync(extensionObjectPath(name));
}

export interface MachineOptions {
  mode: 'native' | 'nooks';
  object?: string;
  policy?: Partial<RecoveryPolicy>;
  isolation?: IsolationOptions;
  /** Options of the wire (drop rule, per-frame capture). */
  link?: LinkPairOptions;
  /** false: do not load the driver nor start networking (default true). */
  load?: boolean;
}

export function machine(opts: MachineOptions = { mode: 'nooks' }): TestMachine {
  let peer!: PeerHost;
  let link!: LinkPair;
  let nic!: E1000;
  const k = new Kernel({
    memoryBytes: 64 << 20,
    platform: (m) => {
      const p = new Platform(m);
      nic = new E1000({ mac: '00:0e:0c:12:34:56' });
      p.pci.add(nic, 4);
      p.assignPciResources();
      link = new LinkPair(p.clock, opts.link);
      nic.attachWire(wireFromPort(link.a, p.clock));
      peer = new PeerHost({ clock: p.clock, mac: '02:00:00:00:00:02', ip: '10.0.0.2' });
      peer.attach(link.b);
      return p.clock;
    },
  });
  const bytes = objectBytes(opts.object ?? 'e1000');
  let nooks: IsolationManager | undefined;
  if (opts.mode === 'nooks') {
    nooks = new IsolationManager(k, { objects: objectBytes, ...opts.isolation });
    nooks.isolate('e1000', bytes, { ...defaultPolicy('e1000'), ...opts.policy });
  }
  if (opts.load === false) return { k, peer, link, nooks, nic };
  k.loadModule('e1000', bytes);
  k.startNetworking('eth0', '10.0.0.1');
  k.runUntil(k.cycles + 2 * CYCLES_PER_TICK);
  return { k, peer, link, nooks, nic };
}
