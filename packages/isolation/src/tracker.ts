// The object tracker (Nooks section 4.3): every kernel object that crosses the interface,
// with its kernel and extension versions, its type and how to release it. Long-lived objects
// (a net_device, an IRQ, a DMA ring) sit in the domain's table until the extension releases
// them through the interface; per-call objects (what a single call lends, such as the
// sk_buff hard_start_xmit hands over until the driver frees it) are tracked for the call.
// On recovery, every object still tracked is released with its type's release function, in
// the reverse order of acquisition.

export interface TrackedObject {
  /** Object type: 'kmalloc', 'sk_buff', 'net_device', 'irq', 'timer', 'pci_dev', ... */
  readonly type: string;
  /** The kernel's version (its address, or a key such as an IRQ number). */
  readonly kernel: number;
  /** The extension's version (its address in the domain); the same as kernel when not copied. */
  readonly extension: number;
  /** Extra data the release function needs (a size, a device, a second key). */
  readonly extra?: Readonly<Record<string, number>>;
  /** Order of acquisition (release runs newest first). */
  readonly seq: number;
}

export type ReleaseFunction = (obj: TrackedObject) => void;

export class ObjectTracker {
  private readonly byKey = new Map<string, TrackedObject>();
  private readonly byExtension = new Map<string, TrackedObject>();
  private seq = 0;
  /** Per-call tables: objects lent for the duration of one call, innermost last. */
  private readonly perCall: TrackedObject[][] = [];
  /** Objects ever tracked, by type (figures). */
  readonly counts = new Map<string, number>();

  private static key(type: string, addr: number): string {
    return `${type}:${addr >>> 0}`;
  }

  /** Records a long-lived object. Re-tracking the same object replaces the entry. */
  track(type: string, kernel: number, extension: number = kernel, extra?: Record<string, number>): TrackedObject {
    const old = this.byKey.get(ObjectTracker.key(type, kernel));
    if (old) this.byExtension.delete(ObjectTracker.key(type, old.extension));
    const obj: TrackedObject = { type, kernel: kernel >>> 0, extension: extension >>> 0, seq: ++this.seq, ...(extra ? { extra } : {}) };
    this.byKey.set(ObjectTracker.key(type, kernel), obj);
    this.byExtension.set(ObjectTracker.key(type, extension), obj);
    this.counts.set(type, (this.counts.get(type) ?? 0) + 1);
    return obj;
  }

  /** Drops an object (the extension released it). Returns it, or undefined if it was not tracked. */
  untrack(type: string, kernel: number): TrackedObject | undefined {
    const obj = this.byKey.get(ObjectTracker.key(type, kernel));
    if (!obj) return undefined;
    this.byKey.delete(ObjectTracker.key(type, kernel));
    this.byExtension.delete(ObjectTracker.key(type, obj.extension));
    return obj;
  }

  /** The object of a type by its kernel version. */
  byKernel(type: string, kernel: number): TrackedObject | undefined {
    return this.byKey.get(ObjectTracker.key(type, kernel));
  }

  /** The object of a type by its extension version. */
  fromExtension(type: string, extension: number): TrackedObject | undefined {
    return this.byExtension.get(ObjectTracker.key(type, extension));
  }

  /** Opens a per-call table (an XPC into the extension begins). */
  beginCall(): void {
    this.perCall.push([]);
  }

  /** Lends an object for the current call. */
  lend(type: string, kernel: number, extension: number = kernel): void {
    const table = this.perCall[this.perCall.length - 1];
    if (table) table.push({ type, kernel: kernel >>> 0, extension: extension >>> 0, seq: ++this.seq });
  }

  /** Closes the current per-call table and returns what it lent. */
  endCall(): TrackedObject[] {
    return this.perCall.pop() ?? [];
  }

  /** Every long-lived object, newest first. */
  all(): TrackedObject[] {
    return [...this.byKey.values()].sort((a, b) => b.seq - a.seq);
  }

  /** Objects of one type. */
  ofType(type: string): TrackedObject[] {
    return [...this.byKey.values()].filter((o) => o.type === type);
  }

  get size(): number {
    return this.byKey.size;
  }

  /**
   * Releases everything still tracked, newest first, with the release function of each type
   * (types without one are only forgotten). Returns how many of each type were released.
   * A release that throws is recorded and the others go on.
   */
  releaseAll(release: Readonly<Record<string, ReleaseFunction>>, errors: string[] = []): Map<string, number> {
    const done = new Map<string, number>();
    for (const obj of this.all()) {
      this.untrack(obj.type, obj.kernel);
      const fn = release[obj.type];
      try {
        fn?.(obj);
      } catch (e) {
        errors.push(`${obj.type} 0x${obj.kernel.toString(16)}: ${e instanceof Error ? e.message : String(e)}`);
      }
      done.set(obj.type, (done.get(obj.type) ?? 0) + 1);
    }
    this.perCall.length = 0;
    return done;
  }
}
