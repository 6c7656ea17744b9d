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

/** The objects of one type, indexed by their kernel and by their extension version. */
interface TypeTable {
  readonly byKernel: Map<number, TrackedObject>;
  readonly byExtension: Map<number, TrackedObject>;
}

export class ObjectTracker {
  /** Long-lived objects by type. */
  private readonly types = new Map<string, TypeTable>();
  private seq = 0;
  /** Per-call tables: objects lent for the duration of one call, innermost last. */
  private readonly perCall: TrackedObject[][] = [];
  /** Objects ever tracked, by type (figures). */
  readonly counts = new Map<string, number>();

  private table(type: string): TypeTable {
    let t = this.types.get(type);
    if (!t) this.types.set(type, (t = { byKernel: new Map(), byExtension: new Map() }));
    return t;
  }

  /** Records a long-lived object. Re-tracking the same object replaces the entry. */
  track(type: string, kernel: number, extension: number = kernel, extra?: Record<string, number>): TrackedObject {
    const t = this.table(type);
    const old = t.byKernel.get(kernel >>> 0);
    if (old) t.byExtension.delete(old.extension);
    const obj: TrackedObject = { type, kernel: kernel >>> 0, extension: extension >>> 0, seq: ++this.seq, ...(extra ? { extra } : {}) };
    t.byKernel.set(obj.kernel, obj);
    t.byExtension.set(obj.extension, obj);
    this.counts.set(type, (this.counts.get(type) ?? 0) + 1);
    return obj;
  }

  /** Drops an object (the extension released it). Returns it, or undefined if it was not tracked. */
  untrack(type: string, kernel: number): TrackedObject | undefined {
    const t = this.types.get(type);
    const obj = t?.byKernel.get(kernel >>> 0);
    if (!t || !obj) return undefined;
    t.byKernel.delete(obj.kernel);
    t.byExtension.delete(obj.extension);
    return obj;
  }

  /** The object of a type by its kernel version. */
  byKernel(type: string, kernel: number): TrackedObject | undefined {
    return this.types.get(type)?.byKernel.get(kernel >>> 0);
  }

  /** The object of a type by its extension version. */
  fromExtension(type: string, extension: number): TrackedObject | undefined {
    return this.types.get(type)?.byExtension.get(extension >>> 0);
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
    return [...this.types.values()].flatMap((t) => [...t.byKernel.values()]).sort((a, b) => b.seq - a.seq);
  }

  /** Objects of one type (without looking at the others: this runs after every XPC). */
  ofType(type: string): TrackedObject[] {
    const t = this.types.get(type);
    return t ? [...t.byKernel.values()] : [];
  }

  get size(): number {
    let n = 0;
    for (const t of this.types.values()) n += t.byKernel.size;
    return n;
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
