// Shared by the tests (not exported): e1000.o and friends loaded into a kernel without running them.
import { readFileSync } from 'node:fs';
import { extensionObjectPath } from '@nooks/extensions';
import { Kernel } from '@nooks/kernel';
import type { LoadedImage } from '@nooks/kernel';
import { machineMemory } from './target.js';
import type { CodeMemory } from './target.js';

export function objectBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(extensionObjectPath(name)));
}

export interface LiveModule {
  readonly kernel: Kernel;
  readonly image: LoadedImage;
  readonly memory: CodeMemory;
}

/** Loads each object (name or [load name, object name]) into one fresh kernel, init not run. */
export function loadLive(...names: (string | [string, string])[]): LiveModule[] {
  const kernel = new Kernel({ memoryBytes: 64 << 20 });
  const memory = machineMemory(kernel.machine);
  return names.map((n) => {
    const [as, object] = typeof n === 'string' ? [n, n] : n;
    const mod = kernel.loadModule(as, objectBytes(object), { init: false });
    return { kernel, image: mod.image, memory };
  });
}

/** The bytes of every executable section, concatenated. */
export function textOf(live: { image: LoadedImage; memory: CodeMemory }): { address: number; bytes: Uint8Array }[] {
  return live.image.sections.filter((s) => s.executable).map((s) => ({ address: s.address, bytes: live.memory.read(s.address, s.size) }));
}

let shared: Kernel | undefined;
let loads = 0;

/** Loads an object into one kernel shared by the calling test file, under a fresh name each time. */
export function loadShared(object: string): LiveModule {
  shared ??= new Kernel({ memoryBytes: 64 << 20 });
  const mod = shared.loadModule(`${object}-${++loads}`, objectBytes(object), { init: false });
  return { kernel: shared, image: mod.image, memory: machineMemory(shared.machine) };
}
