// Live systems: a whole simulated machine running a stream workload inside the server process,
// for people to watch. The simulation advances in slices of simulated time, one per turn of the
// event loop (setImmediate), each sized to take ~15 ms of host time, so HTTP requests and the
// event streams are served between slices. A sampler turns the counters into rates over each
// ~250 ms of host time. A stream that ends is followed by another one, so the load never stops.

import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { streamSink, streamSource } from '@nooks/devices';
import { applyFaults, machineMemory, planFaults } from '@nooks/faults';
import { CYCLES_PER_TICK, spawnStreamReader, spawnStreamWriter } from '@nooks/kernel';
import { ConfigError, MACHINE_IP, NooksSystem, PEER_IP } from '@nooks/system';
import { ApiError } from './errors.js';
import type { InjectRequest, LiveConfig } from './schemas.js';

export const HZ_CYCLES = 1.7e9;
/** Bytes of one stream (about 9 simulated seconds at line rate; many host minutes). */
export const LIVE_STREAM_BYTES = 1 << 30;
export const LIVE_DEFAULTS = {
  maxSystems: 4,
  idleMs: 10 * 60_000,
  sampleMs: 250,
  /** Host time one slice of simulation should take. */
  sliceHostMs: 15,
  samplesKept: 240,
};

export interface LiveFailure {
  readonly trigger: string;
  readonly reason: string;
  readonly site: string;
  /** Simulated cycles (1.7 GHz), like TrialFailure in the store. */
  readonly detectedAt: number;
  readonly recoveredAt?: number;
  readonly action?: string;
  readonly timeline: ReadonlyArray<{ readonly event: string; readonly cycles: number; readonly detail?: string }>;
}

export interface LiveSample {
  /** Simulated seconds since boot. */
  readonly t: number;
  /** Rates over the last sample interval (simulated time). */
  readonly throughputMbps: number;
  readonly xpcPerSecond: number;
  readonly tlbMissesPerSecond: number;
  readonly cpuUtilization: number;
  /** Bytes the stream has delivered so far (all rounds). */
  readonly bytes: number;
  readonly alive: boolean;
  /** Under Nooks: live | failed | recovering | disabled | unloaded. Natively: loaded | unloaded | dead. */
  readonly extensionState: string;
  /** The kernel's panic or hang (natively, or if Nooks could not contain it). */
  readonly crash?: { readonly kind: string; readonly reason: string; readonly location?: string };
  readonly failures: readonly LiveFailure[];
  /** Simulated seconds per host second over the interval (how fast the simulation runs). */
  readonly speed: number;
}

export interface LiveInfo {
  readonly id: string;
  readonly extension: string;
  readonly mode: LiveConfig['mode'];
  readonly workload: LiveConfig['workload'];
  readonly created: string;
  readonly latest: LiveSample | undefined;
}

export interface InjectedItem {
  readonly kind: 'fault' | 'bug-signal';
  readonly type?: string;
  readonly symbol?: string;
  readonly address?: number;
  readonly before?: string;
  readonly after?: string;
  readonly note?: string;
  readonly trigger?: string;
  readonly reason?: string;
  readonly detectedAt?: number;
}

interface Counters {
  readonly cycles: number;
  readonly busy: number;
  readonly tlb: number;
  readonly xpc: number;
  readonly bytes: number;
  readonly host: number;
}

type Listener = (event: { type: 'sample'; sample: LiveSample } | { type: 'end'; reason: string }) => void;

export class LiveSystem {
  readonly sys: NooksSystem;
  readonly created = new Date();
  lastActive = Date.now();
  private stopped = false;
  private sliceCycles = HZ_CYCLES / 2000; // 0.5 ms to start with, then sized by host time
  private round = 0;
  private doneBytes = 0;
  private current: () => { bytes: number; finished: boolean } = () => ({ bytes: 0, finished: false });
  private prev: Counters;
  private readonly samples: LiveSample[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly sampler: NodeJS.Timeout;
  private error: Error | undefined;

  constructor(
    readonly id: string,
    readonly config: LiveConfig,
    private readonly options: { sampleMs: number; sliceHostMs: number; samplesKept: number },
  ) {
    // A hand-made bug variant is loaded in place of the driver; under Nooks the system's policy
    // replaces it with the correct one when it fails (so the recovery brings the interface back).
    try {
      this.sys = NooksSystem.build({ extension: config.extension, mode: config.mode, ...(config.bug ? { object: config.bug } : {}) });
    } catch (e) {
      if (e instanceof ConfigError) throw new ApiError(400, 'BAD_CONFIG', e.message);
      throw e;
    }
    if (this.sys.bootError) throw new ApiError(500, 'INTERNAL', `the machine did not come up: ${this.sys.bootError.message}`);
    this.startStream();
    this.prev = this.counters();
    this.sampler = setInterval(() => this.sample(), options.sampleMs);
    this.sampler.unref();
    setImmediate(() => this.step());
  }

  get stoppedReason(): string | undefined {
    return this.stopped ? 'stopped' : undefined;
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  get latest(): LiveSample | undefined {
    return this.samples[this.samples.length - 1];
  }

  info(): LiveInfo {
    return { id: this.id, extension: this.config.extension, mode: this.config.mode, workload: this.config.workload, created: this.created.toISOString(), latest: this.latest };
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.sampler);
    for (const l of [...this.listeners]) l({ type: 'end', reason });
    this.listeners.clear();
  }

  /** Starts the next round of the stream, on a fresh port. */
  private startStream(): void {
    const k = this.sys.k;
    const port = 5001 + 2 * this.round++;
    if (this.config.workload === 'receive-stream') {
      const reader = spawnStreamReader(k, { port, seed: 7, name: `receiver${this.round}` });
      streamSource(this.sys.peer.tcpConnect(MACHINE_IP, port), LIVE_STREAM_BYTES, { seed: 7 });
      this.current = () => ({ bytes: reader.received, finished: reader.doneAt > 0 });
    } else {
      let sink: ReturnType<typeof streamSink> | undefined;
      this.sys.peer.tcpListen(port, (s) => (sink = streamSink(s, { seed: 9 })));
      spawnStreamWriter(k, { ip: PEER_IP, port, total: LIVE_STREAM_BYTES, seed: 9, name: `sender${this.round}` });
      this.current = () => ({ bytes: sink?.bytes ?? 0, finished: sink?.ended === true });
    }
  }

  private counters(): Counters {
    const k = this.sys.k;
    const t = k.machine.cpu.tlbStats;
    const x = this.sys.nooks?.xpc;
    return { cycles: k.cycles, busy: k.cpuStats().busy, tlb: t.dtlb.misses + t.itlb.misses, xpc: x ? x.toExtension + x.toKernel : 0, bytes: this.doneBytes + this.current().bytes, host: performance.now() };
  }

  /** One slice of simulated time; then yields to the event loop. */
  private step(): void {
    if (this.stopped || this.error) return;
    if (!this.sys.alive) return; // a dead kernel does nothing more; the samples say so
    const k = this.sys.k;
    const h0 = performance.now();
    try {
      k.runUntil(k.cycles + Math.round(this.sliceCycles));
    } catch (e) {
      this.error = e instanceof Error ? e : new Error(String(e));
      return;
    }
    const took = Math.max(0.1, performance.now() - h0);
    const scale = Math.min(2, Math.max(0.5, this.options.sliceHostMs / took));
    this.sliceCycles = Math.min(HZ_CYCLES / 200, Math.max(CYCLES_PER_TICK / 100, this.sliceCycles * scale));
    const s = this.current();
    if (s.finished) {
      this.doneBytes += s.bytes;
      this.startStream();
    }
    setImmediate(() => this.step());
  }

  private extensionState(): string {
    const { nooks, k, extension } = this.sys;
    if (nooks) return nooks.extension(extension).state;
    if (k.dead) return 'dead';
    return k.modules.has(extension) ? 'loaded' : 'unloaded';
  }

  failures(): LiveFailure[] {
    return (this.sys.nooks?.failures ?? []).map((f) => ({
      trigger: f.trigger,
      reason: f.reason,
      site: f.site,
      detectedAt: f.detectedAt,
      ...(f.recoveredAt !== undefined ? { recoveredAt: f.recoveredAt } : {}),
      ...(f.action !== undefined ? { action: f.action } : {}),
      timeline: f.timeline.map((e) => ({ event: e.event, cycles: e.cycles, ...(e.detail !== undefined ? { detail: e.detail } : {}) })),
    }));
  }

  /** Rates over the interval since the last sample. */
  sample(): LiveSample {
    const now = this.counters();
    const a = this.prev;
    this.prev = now;
    const dc = now.cycles - a.cycles;
    const secs = dc / HZ_CYCLES;
    const rate = (d: number): number => (dc > 0 ? d / secs : 0);
    const dead = this.sys.k.dead;
    const sample: LiveSample = {
      t: now.cycles / HZ_CYCLES,
      throughputMbps: rate((now.bytes - a.bytes) * 8) / 1e6,
      xpcPerSecond: rate(now.xpc - a.xpc),
      tlbMissesPerSecond: rate(now.tlb - a.tlb),
      cpuUtilization: dc > 0 ? Math.min(1, (now.busy - a.busy) / dc) : 0,
      bytes: now.bytes,
      alive: this.sys.alive && !this.error,
      extensionState: this.error ? `error: ${this.error.message}` : this.extensionState(),
      ...(dead ? { crash: { kind: dead.kind, reason: dead.reason, ...(dead.location !== undefined ? { location: dead.location } : {}) } } : {}),
      failures: this.failures(),
      speed: now.host > a.host ? secs / ((now.host - a.host) / 1000) : 0,
    };
    this.samples.push(sample);
    if (this.samples.length > this.options.samplesKept) this.samples.shift();
    if (this.listeners.size > 0) this.lastActive = Date.now();
    for (const l of [...this.listeners]) l({ type: 'sample', sample });
    return sample;
  }

  /** Injects faults into the extension as loaded now, or sends Nooks' recovery signal. */
  inject(req: InjectRequest): InjectedItem[] {
    const { sys } = this;
    if (!sys.alive) throw new ApiError(409, 'CONFLICT', `the kernel of live system ${this.id} is dead (${sys.k.dead?.kind}: ${sys.k.dead?.reason}); start a new one`);
    if (req.kind === 'bug-signal') {
      if (!sys.nooks) throw new ApiError(409, 'CONFLICT', `bug-signal is Nooks' recovery signal: live system ${this.id} runs natively (start one with mode "nooks")`);
      const state = sys.nooks.extension(sys.extension).state;
      const f = sys.nooks.signal(sys.extension, 'bug signal from the dashboard');
      if (!f) throw new ApiError(409, 'CONFLICT', `${sys.extension} is ${state}, not live: wait until it has recovered`);
      return [{ kind: 'bug-signal', trigger: f.trigger, reason: f.reason, detectedAt: f.detectedAt }];
    }
    const mod = sys.k.modules.get(sys.extension);
    const state = this.extensionState();
    if (!mod || (sys.nooks && state !== 'live')) throw new ApiError(409, 'CONFLICT', `${sys.extension} is ${state}, not loaded and running: wait until it is back`);
    const memory = machineMemory(sys.k.machine);
    const plan = planFaults({ image: mod.image, memory, seed: req.seed, count: req.count ?? 1 });
    applyFaults(plan, memory);
    sys.injected.push(plan);
    return plan.faults.map((f) => ({ kind: 'fault', type: f.type, symbol: f.symbol, address: f.address, before: f.before.text, after: f.after.text, note: f.note }));
  }
}

/** The live systems of one server: at most `maxSystems`, each stopped after `idleMs` without use. */
export class LiveRegistry {
  private readonly systems = new Map<string, LiveSystem>();
  private readonly sweeper: NodeJS.Timeout;
  readonly options: typeof LIVE_DEFAULTS;

  constructor(options: Partial<typeof LIVE_DEFAULTS> = {}) {
    this.options = { ...LIVE_DEFAULTS, ...options };
    this.sweeper = setInterval(() => this.sweep(), Math.min(30_000, this.options.idleMs));
    this.sweeper.unref();
  }

  create(config: LiveConfig): LiveSystem {
    if (this.systems.size >= this.options.maxSystems) {
      throw new ApiError(429, 'TOO_MANY_LIVE_SYSTEMS', `${this.systems.size} live systems are running, the most this server runs at once; stop one first (DELETE /api/live/ID; running: ${[...this.systems.keys()].join(', ')})`);
    }
    const live = new LiveSystem(randomUUID(), config, this.options);
    this.systems.set(live.id, live);
    return live;
  }

  get(id: string): LiveSystem {
    const live = this.systems.get(id);
    if (!live) throw new ApiError(404, 'UNKNOWN_LIVE_SYSTEM', `no live system ${JSON.stringify(id)} (running: ${[...this.systems.keys()].join(', ') || 'none'}); start one with POST /api/live`);
    live.lastActive = Date.now();
    return live;
  }

  list(): LiveSystem[] {
    return [...this.systems.values()];
  }

  delete(id: string, reason = 'deleted'): void {
    const live = this.get(id);
    live.stop(reason);
    this.systems.delete(id);
  }

  sweep(now = Date.now()): void {
    for (const live of this.list()) if (live.subscribers === 0 && now - live.lastActive > this.options.idleMs) this.delete(live.id, `idle for ${Math.round(this.options.idleMs / 60000)} minutes`);
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const live of this.list()) this.delete(live.id, 'server closing');
  }
}
