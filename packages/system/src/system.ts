// The composition root: builds the simulated computer a configuration describes. A PC
// platform (8259 PIC pair, 8254 PIT, PCI) with an Intel 82540EM at 00:04.0, a 1 Gb/s cable to
// the network peer host, the kernel booted on it, Nooks installed when the mode says so, the
// extension loaded (isolated or not) and eth0 brought up at 10.0.0.1 (the peer is 10.0.0.2).

import { readFileSync } from 'node:fs';
import { E1000, LinkPair, PcapWriter, PeerHost, Platform, wireFromPort } from '@nooks/devices';
import { extensionObjectPath, listExtensions } from '@nooks/extensions';
import { applyFaults, machineMemory, planFaults } from '@nooks/faults';
import type { FaultPlan, FaultType } from '@nooks/faults';
import { BUILTIN_POLICY_DIR, IsolationManager, policyFor } from '@nooks/isolation';
import type { RecoveryPolicy } from '@nooks/isolation';
import { CYCLES_PER_TICK, Kernel } from '@nooks/kernel';
import type { KernelModule } from '@nooks/kernel';
import { validateConfig } from './config.js';
import type { Mode, SystemConfig } from './config.js';

export const MACHINE_IP = '10.0.0.1';
export const PEER_IP = '10.0.0.2';
const MACHINE_MAC = '00:0e:0c:12:34:56';
const PEER_MAC = '02:00:00:00:00:02';

/** The bytes of a built extension object. */
export function objectBytes(name: string): Uint8Array {
  return readFileSync(extensionObjectPath(name));
}

export class NooksSystem {
  readonly k: Kernel;
  readonly peer: PeerHost;
  readonly link: LinkPair;
  readonly nic: E1000;
  /** The isolation manager (mode nooks). */
  readonly nooks: IsolationManager | undefined;
  readonly mode: Mode;
  readonly extension: string;
  readonly object: string;
  /** Every frame on the wire, when the configuration asked for a capture. */
  readonly pcap: PcapWriter | undefined;
  /** The extension's module after loading, if it loaded. */
  module: KernelModule | undefined;
  /** Why loading the extension or starting the network failed (the system may be dead). */
  bootError: Error | undefined;
  /** The faults injected so far. */
  readonly injected: FaultPlan[] = [];

  private constructor(config: SystemConfig) {
    const c = validateConfig(config, listExtensions());
    this.mode = c.mode;
    this.extension = c.extension;
    this.object = c.object;
    let peer!: PeerHost;
    let link!: LinkPair;
    let nic!: E1000;
    const pcap = c.capture ? new PcapWriter() : undefined;
    this.pcap = pcap;
    this.k = new Kernel({
      memoryBytes: c.memoryBytes,
      watchdogSeconds: c.watchdogSeconds,
      platform: (m) => {
        const p = new Platform(m);
        nic = new E1000({ mac: MACHINE_MAC });
        p.pci.add(nic, 4);
        p.assignPciResources();
        link = new LinkPair(p.clock, pcap ? { onFrame: (f) => pcap.addFrame(f.frame, f.arrivalTime) } : {});
        nic.attachWire(wireFromPort(link.a, p.clock));
        peer = new PeerHost({ clock: p.clock, mac: PEER_MAC, ip: PEER_IP });
        peer.attach(link.b);
        return p.clock;
      },
    });
    this.peer = peer;
    this.link = link;
    this.nic = nic;
    const bytes = objectBytes(c.object);
    if (c.mode === 'nooks') {
      this.nooks = new IsolationManager(this.k, { objects: objectBytes, livelockSeconds: c.livelockSeconds, ...(c.onXpc ? { onXpc: c.onXpc } : {}) });
      // A variant loaded as the extension (a hand-made bug) is replaced by the extension's own,
      // correct object when it fails, unless the config says otherwise: reloading the bug
      // would only fail again.
      const shipped = policyFor(c.extension, BUILTIN_POLICY_DIR);
      const policy: RecoveryPolicy = c.policy ?? (c.object === c.extension ? shipped : { ...shipped, action: 'replace', replaceWith: c.extension });
      this.nooks.isolate(c.extension, bytes, policy);
    }
    try {
      this.module = this.k.loadModule(c.extension, bytes);
      this.k.startNetworking('eth0', MACHINE_IP);
      this.k.runUntil(this.k.cycles + 2 * CYCLES_PER_TICK); // the link comes up
    } catch (e) {
      this.bootError = e instanceof Error ? e : new Error(String(e));
    }
    if (c.faults && this.module && !this.bootError) this.injectFaults(c.faults.seed, c.faults.count);
  }

  /** Builds the computer a configuration describes (validated: ConfigError on bad input). */
  static build(config: SystemConfig): NooksSystem {
    return new NooksSystem(config);
  }

  /** The kernel is still running (no panic, no hang). */
  get alive(): boolean {
    return this.k.dead === undefined;
  }

  /**
   * Plans `count` faults from `seed` into the loaded extension's code and applies them. The
   * plan depends only on the object and the seed, so native and Nooks runs get the same faults.
   */
  injectFaults(seed: number, count: number, types?: readonly FaultType[]): FaultPlan {
    const mod = this.module ?? this.k.modules.get(this.extension);
    if (!mod) throw new Error(`injectFaults: ${this.extension} is not loaded${this.bootError ? ` (${this.bootError.message})` : ''}`);
    const memory = machineMemory(this.k.machine);
    const plan = planFaults({ image: mod.image, memory, seed, count, ...(types ? { types } : {}) });
    applyFaults(plan, memory);
    this.injected.push(plan);
    return plan;
  }
}
