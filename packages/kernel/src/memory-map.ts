// The Linux 2.4 (i386, 3G/1G split) address space of the simulated kernel.
//
//   0x00000000 - 0xBFFFFFFF  user space of the current task (page 0 never mapped)
//   0xC0000000 - ...         all physical memory, mapped linearly ("lowmem", PAGE_OFFSET)
//   VMALLOC_START - END      vmalloc area: modules, vmalloc(), ioremap(); 8 MiB gap after lowmem
//
// Physical memory: page 0 is reserved (as the BIOS data area is), the kernel "image" (its
// host-call trampolines and static data) sits at 1 MiB, and the page allocator owns the rest.

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;
export const PAGE_OFFSET = 0xc000_0000;
/** Gap between the end of lowmem and the vmalloc area, as in Linux 2.4 (VMALLOC_OFFSET). */
export const VMALLOC_OFFSET = 8 << 20;
/** End of the vmalloc area (Linux 2.4 leaves the top for fixmaps). */
export const VMALLOC_END = 0xff00_0000;
/** Physical address of the kernel image (text: host-call trampolines; data). */
export const KERNEL_IMAGE_PHYS = 0x0010_0000;
/** Size reserved for the kernel image. */
export const KERNEL_IMAGE_BYTES = 1 << 20;

export function pageAlignUp(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}

/** Kernel virtual address of a physical address in lowmem (__va). */
export function physToVirt(phys: number): number {
  return (phys + PAGE_OFFSET) >>> 0;
}

/** Physical address of a lowmem kernel virtual address (__pa). */
export function virtToPhys(virt: number): number {
  return ((virt >>> 0) - PAGE_OFFSET) >>> 0;
}

export function vmallocStart(memoryBytes: number): number {
  return (PAGE_OFFSET + memoryBytes + VMALLOC_OFFSET) >>> 0;
}
