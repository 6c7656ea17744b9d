// What each protection domain of a live system maps, and how: the kernel half of its address
// space as runs of pages, each read-write or read-only, with what lies there (the module's
// sections, the domain's heap and stacks, the network buffers lent to every domain, memory the
// driver was given: DMA, ioremap, vmalloc; the rest is the kernel, mapped read-only).

import { DOMAIN_STACK_BYTES } from '@nooks/isolation';
import type { IsolatedExtension } from '@nooks/isolation';
import { PAGE_SIZE } from '@nooks/kernel';
import type { NooksSystem } from '@nooks/system';

export interface DomainRange {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
  readonly access: 'rw' | 'ro';
  readonly what: string;
}

export interface DomainView {
  readonly extension: string;
  readonly state: string;
  /** Physical address of the domain's page directory. */
  readonly pgd: number;
  readonly writablePages: number;
  readonly stacks: number;
  readonly heapPages: number;
  readonly mappedPages: number;
  readonly ranges: readonly DomainRange[];
  /** True when `ranges` was cut at MAX_RANGES. */
  readonly truncated: boolean;
}

export const MAX_RANGES = 4000;

function label(labels: Map<number, string>, start: number, bytes: number, what: string): void {
  if (bytes <= 0) return;
  const first = start >>> 12, last = (start + bytes - 1) >>> 12;
  for (let vpn = first; vpn <= last; vpn++) if (!labels.has(vpn)) labels.set(vpn, what);
}

function describe(sys: NooksSystem, ext: IsolatedExtension): DomainView | undefined {
  const d = ext.domain;
  if (!d || d.state === 'destroyed') return undefined;
  const k = sys.k;
  const labels = new Map<number, string>();
  for (const s of ext.module?.image.sections ?? []) label(labels, s.address, s.size, `${ext.name} ${s.name}`);
  for (const base of d.stackBases) label(labels, base, DOMAIN_STACK_BYTES, 'domain stack');
  let heapPages = 0;
  for (const [virt, pages] of d.heap.slabList) {
    heapPages += pages;
    label(labels, virt, pages * PAGE_SIZE, 'domain heap (kmalloc)');
  }
  for (const o of ext.tracker.all()) {
    const size = o.extra?.size;
    if (size === undefined) continue;
    const what = o.type === 'dma' ? 'DMA memory (pci_alloc_consistent)' : o.type === 'ioremap' ? 'device registers (ioremap)' : o.type === 'vmalloc' ? 'vmalloc area' : o.type;
    label(labels, o.kernel, size, what);
  }
  for (const [virt, pages] of k.net.buffers.slabList) label(labels, virt, pages * PAGE_SIZE, 'network buffers (sk_buff cache, lent)');
  const ranges: DomainRange[] = [];
  let truncated = false;
  let mapped = 0;
  for (const [virt] of k.mm.kernelMappings()) {
    mapped++;
    const access = d.canWrite(virt) ? 'rw' : 'ro';
    const what = labels.get(virt >>> 12) ?? (access === 'rw' ? 'granted to the extension' : 'kernel');
    const last = ranges[ranges.length - 1];
    if (last && last.end === virt && last.access === access && last.what === what) {
      ranges[ranges.length - 1] = { ...last, end: virt + PAGE_SIZE };
    } else if (ranges.length < MAX_RANGES) {
      ranges.push({ start: virt, end: virt + PAGE_SIZE, access, what });
    } else truncated = true;
  }
  return { extension: ext.name, state: ext.state, pgd: d.pgd, writablePages: d.writablePages, stacks: d.stackCount, heapPages, mappedPages: mapped, ranges, truncated };
}

/** The protection domains of a system (none natively: the driver runs in the kernel's). */
export function describeDomains(sys: NooksSystem): { domains: DomainView[]; note?: string } {
  if (!sys.nooks) return { domains: [], note: 'native: the driver runs in the kernel, with the kernel\'s page table (everything writable)' };
  const domains: DomainView[] = [];
  const waiting: string[] = [];
  for (const ext of sys.nooks.extensions.values()) {
    const v = describe(sys, ext);
    if (v) domains.push(v);
    else waiting.push(`${ext.name} (${ext.state})`);
  }
  return waiting.length > 0 ? { domains, note: `no domain now for ${waiting.join(', ')}` } : { domains };
}
