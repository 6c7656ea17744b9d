// The PCI subsystem and device resources, as Linux 2.4's drivers/pci and kernel/resource.c:
// bus 0 is enumerated through configuration mechanism #1 (ports 0xCF8/0xCFC) at boot, each
// function found gets a struct pci_dev in kernel memory (with the BARs the firmware assigned
// in its resource[] array), pci_register_driver matches drivers' id tables and calls their
// probe in process context, and I/O port and memory regions are handed out with ownership.

import { pci_dev, pci_device_id, pci_driver, resource } from './generated/layouts.js';
import type { MemoryAccess } from './generated/layouts.js';
import { kernelMemory } from './irq.js';
import type { Kernel } from './kernel.js';
import { PAGE_SIZE, physToVirt } from './memory-map.js';

const IORESOURCE_IO = 0x100;
const IORESOURCE_MEM = 0x200;
const IORESOURCE_PREFETCH = 0x1000;

interface Region {
  start: number;
  end: number;
  name: string;
  owner: string;
  /** The struct resource handed back (kernel memory). */
  res: number;
}

export interface PciDeviceInfo {
  /** struct pci_dev (kernel virtual address). */
  readonly dev: number;
  readonly bus: number;
  readonly devfn: number;
  readonly vendor: number;
  readonly device: number;
  readonly slot: string;
  /** The driver bound to it (struct pci_driver address), or 0. */
  driver: number;
  owner: string | undefined;
}

export class PciSubsystem {
  readonly devices: PciDeviceInfo[] = [];
  private readonly ioRegions: Region[] = [];
  private readonly memRegions: Region[] = [];
  private readonly drivers = new Map<number, string>();
  private readonly dma = new Map<number, { phys: number; owner: string }>();
  private readonly mem: MemoryAccess;

  constructor(private readonly k: Kernel) {
    this.mem = kernelMemory(k.machine);
  }

  // ---------------------------------------------------------------- configuration space

  private address(bus: number, devfn: number, where: number): number {
    return (0x80000000 | (bus << 16) | (devfn << 8) | (where & 0xfc)) >>> 0;
  }

  readConfig(bus: number, devfn: number, where: number, size: 1 | 2 | 4): number {
    const cpu = this.k.machine.cpu;
    cpu.portOut(0xcf8, 4, this.address(bus, devfn, where));
    const v = cpu.portIn(0xcfc + (where & 3), size);
    return size === 4 ? v >>> 0 : v;
  }

  writeConfig(bus: number, devfn: number, where: number, size: 1 | 2 | 4, value: number): void {
    const cpu = this.k.machine.cpu;
    cpu.portOut(0xcf8, 4, this.address(bus, devfn, where));
    cpu.portOut(0xcfc + (where & 3), size, value);
  }

  /** Enumerates bus 0 and builds a struct pci_dev for every function (pci_scan_bus). */
  scan(): void {
    for (let slot = 0; slot < 32; slot++) {
      for (let fn = 0; fn < 8; fn++) {
        const devfn = (slot << 3) | fn;
        const id = this.readConfig(0, devfn, 0, 4);
        if ((id & 0xffff) === 0xffff || id === 0) {
          if (fn === 0) break;
          continue;
        }
        this.addDevice(devfn, id);
        const header = this.readConfig(0, devfn, 0x0e, 1);
        if (fn === 0 && (header & 0x80) === 0) break;
      }
    }
    for (const d of this.devices) this.k.printk(`<6>PCI: found ${d.slot} [${d.vendor.toString(16).padStart(4, '0')}:${d.device.toString(16).padStart(4, '0')}]\n`);
  }

  private addDevice(devfn: number, id: number): void {
    const k = this.k;
    const dev = k.slab.kmalloc(pci_dev.size, 'kernel');
    k.machine.writeVirt(dev, new Uint8Array(pci_dev.size));
    const m = this.mem;
    const vendor = id & 0xffff, device = id >>> 16;
    pci_dev.set_devfn(m, dev, devfn);
    pci_dev.set_vendor(m, dev, vendor);
    pci_dev.set_device(m, dev, device);
    pci_dev.set_subsystem_vendor(m, dev, this.readConfig(0, devfn, 0x2c, 2));
    pci_dev.set_subsystem_device(m, dev, this.readConfig(0, devfn, 0x2e, 2));
    pci_dev.set_class(m, dev, this.readConfig(0, devfn, 0x08, 4) >>> 8);
    pci_dev.set_hdr_type(m, dev, this.readConfig(0, devfn, 0x0e, 1));
    pci_dev.set_dma_mask(m, dev, 0xffffffffn);
    const line = this.readConfig(0, devfn, 0x3c, 1);
    pci_dev.set_irq(m, dev, line === 0xff ? 0 : line);
    const slot = `00:${(devfn >> 3).toString(16).padStart(2, '0')}.${devfn & 7}`;
    const slotBytes = new TextEncoder().encode(slot);
    k.machine.writeVirt(pci_dev.addr_slot_name(dev), Uint8Array.from([...slotBytes, 0]));
    // BARs: read the assigned base, size them (write all-ones, read back), restore.
    for (let bar = 0; bar < 6; bar++) {
      const off = 0x10 + bar * 4;
      const base = this.readConfig(0, devfn, off, 4);
      this.writeConfig(0, devfn, off, 4, 0xffffffff);
      const mask = this.readConfig(0, devfn, off, 4);
      this.writeConfig(0, devfn, off, 4, base);
      if (mask === 0 || mask === 0xffffffff && base === 0xffffffff) continue;
      const io = (base & 1) === 1;
      const sizeMask = io ? mask & ~3 & 0xffff : mask & ~0xf;
      const size = (~sizeMask + 1) >>> 0 & (io ? 0xffff : 0xffffffff);
      if (size === 0) continue;
      const start = io ? base & ~3 : base & ~0xf;
      const r = pci_dev.at_resource(dev, bar);
      resource.set_start(m, r, start >>> 0);
      resource.set_end(m, r, (start + size - 1) >>> 0);
      resource.set_flags(m, r, io ? IORESOURCE_IO : IORESOURCE_MEM | (base & 8 ? IORESOURCE_PREFETCH : 0));
    }
    this.devices.push({ dev, bus: 0, devfn, vendor, device, slot, driver: 0, owner: undefined });
  }

  // ---------------------------------------------------------------- drivers

  private matchId(table: number, d: PciDeviceInfo): number {
    const m = this.mem;
    for (let i = 0; i < 256; i++) {
      const id = table + i * pci_device_id.size;
      const vendor = pci_device_id.get_vendor(m, id);
      if (vendor === 0) return 0;
      const device = pci_device_id.get_device(m, id);
      const subv = pci_device_id.get_subvendor(m, id);
      const subd = pci_device_id.get_subdevice(m, id);
      const cls = pci_device_id.get_class(m, id);
      const clsMask = pci_device_id.get_class_mask(m, id);
      const any = 0xffffffff;
      if ((vendor !== any && vendor !== d.vendor) || (device !== any && device !== d.device)) continue;
      if (subv !== any && subv !== pci_dev.get_subsystem_vendor(m, d.dev)) continue;
      if (subd !== any && subd !== pci_dev.get_subsystem_device(m, d.dev)) continue;
      if (((cls ^ pci_dev.get_class(m, d.dev)) & clsMask) !== 0) continue;
      return id;
    }
    return 0;
  }

  /** pci_register_driver: probes every unclaimed matching device; returns how many it took. */
  registerDriver(drv: number, owner: string): number {
    const m = this.mem;
    this.drivers.set(drv >>> 0, owner);
    const table = pci_driver.get_id_table(m, drv);
    const probe = pci_driver.get_probe(m, drv);
    let count = 0;
    for (const d of this.devices) {
      if (d.driver !== 0) continue;
      const id = this.matchId(table, d);
      if (id === 0) continue;
      pci_dev.set_driver(m, d.dev, drv);
      d.driver = drv >>> 0;
      d.owner = owner;
      const rc = this.k.callProcess(probe, [d.dev, id], 'pci_driver.probe');
      if (rc === 0) {
        count++;
      } else {
        pci_dev.set_driver(m, d.dev, 0);
        d.driver = 0;
        d.owner = undefined;
      }
    }
    return count;
  }

  unregisterDriver(drv: number): void {
    const m = this.mem;
    const remove = pci_driver.get_remove(m, drv);
    for (const d of this.devices) {
      if (d.driver !== drv >>> 0) continue;
      if (remove) this.k.callProcess(remove, [d.dev], 'pci_driver.remove');
      pci_dev.set_driver(m, d.dev, 0);
      d.driver = 0;
      d.owner = undefined;
    }
    this.drivers.delete(drv >>> 0);
  }

  deviceOf(dev: number): PciDeviceInfo | undefined {
    return this.devices.find((d) => d.dev === dev >>> 0);
  }

  // ---------------------------------------------------------------- regions

  private request(list: Region[], start: number, n: number, name: string, owner: string, flags: number): number {
    const end = start + n - 1;
    if (n <= 0 || list.some((r) => start <= r.end && end >= r.start)) return 0;
    const res = this.k.slab.kmalloc(resource.size, 'kernel');
    this.k.machine.writeVirt(res, new Uint8Array(resource.size));
    resource.set_start(this.mem, res, start >>> 0);
    resource.set_end(this.mem, res, end >>> 0);
    resource.set_flags(this.mem, res, flags);
    list.push({ start, end, name, owner, res });
    return res;
  }

  private release(list: Region[], start: number, n: number, what: string): void {
    const i = list.findIndex((r) => r.start === start && r.end === start + n - 1);
    if (i < 0) {
      this.k.printk(`<4>Trying to free nonexistent ${what} resource <${start.toString(16).padStart(8, '0')}-${(start + n - 1).toString(16).padStart(8, '0')}>\n`);
      return;
    }
    this.k.slab.kfree(list[i]!.res);
    list.splice(i, 1);
  }

  requestRegion(start: number, n: number, name: string, owner: string): number {
    return this.request(this.ioRegions, start, n, name, owner, IORESOURCE_IO);
  }

  releaseRegion(start: number, n: number): void {
    this.release(this.ioRegions, start, n, 'io');
  }

  checkRegion(start: number, n: number): boolean {
    const end = start + n - 1;
    return !this.ioRegions.some((r) => start <= r.end && end >= r.start);
  }

  requestMemRegion(start: number, n: number, name: string, owner: string): number {
    return this.request(this.memRegions, start, n, name, owner, IORESOURCE_MEM);
  }

  releaseMemRegion(start: number, n: number): void {
    this.release(this.memRegions, start, n, 'memory');
  }

  /** Regions held by an owner ("io 0x1000-0x101f (e1000)" ...), for leak checks. */
  regionsOf(owner: string): string[] {
    const fmt = (kind: string, r: Region): string => `${kind} ${r.start.toString(16)}-${r.end.toString(16)} (${r.name})`;
    return [...this.ioRegions.filter((r) => r.owner === owner).map((r) => fmt('io', r)), ...this.memRegions.filter((r) => r.owner === owner).map((r) => fmt('mem', r))];
  }

  // ---------------------------------------------------------------- DMA memory

  allocConsistent(size: number, owner: string): { virt: number; phys: number } | undefined {
    try {
      const phys = this.k.pages.alloc(Math.max(1, Math.ceil(size / PAGE_SIZE)), owner);
      const virt = physToVirt(phys);
      this.k.machine.writeVirt(virt, new Uint8Array(Math.ceil(size / PAGE_SIZE) * PAGE_SIZE));
      this.dma.set(virt, { phys, owner });
      return { virt, phys };
    } catch {
      return undefined;
    }
  }

  freeConsistent(virt: number): void {
    const d = this.dma.get(virt >>> 0);
    if (!d) {
      this.k.printk(`<4>pci_free_consistent: ${(virt >>> 0).toString(16)} was not allocated\n`);
      return;
    }
    this.k.pages.release(d.phys);
    this.dma.delete(virt >>> 0);
  }
}

export function registerPciExports(k: Kernel, pci: PciSubsystem): void {
  const m = k.machine;
  const owner = (ret: number): string => k.ownerOf(ret);
  const name = (addr: number): string => (addr ? m.readCString(addr >>> 0, 64) : '?');
  const info = (dev: number): PciDeviceInfo => {
    const d = pci.deviceOf(dev);
    if (!d) throw k.crash('oops', `PCI: ${(dev >>> 0).toString(16)} is not a pci_dev`, {});
    return d;
  };
  k.defineExport('pci_register_driver', (call) => pci.registerDriver(call.arg(0) >>> 0, owner(call.returnAddress)));
  k.defineExport('pci_unregister_driver', (call) => {
    pci.unregisterDriver(call.arg(0) >>> 0);
    return 0;
  });
  const command = (dev: number, set: number, clear: number): void => {
    const d = info(dev);
    const cmd = pci.readConfig(d.bus, d.devfn, 4, 2);
    pci.writeConfig(d.bus, d.devfn, 4, 2, (cmd | set) & ~clear);
  };
  k.defineExport('pci_enable_device', (call) => {
    command(call.arg(0), 0x3, 0);
    return 0;
  });
  k.defineExport('pci_disable_device', (call) => {
    command(call.arg(0), 0, 0x7);
    return 0;
  });
  k.defineExport('pci_set_master', (call) => {
    command(call.arg(0), 0x4, 0);
    return 0;
  });
  const sizes: [string, 1 | 2 | 4][] = [['byte', 1], ['word', 2], ['dword', 4]];
  for (const [suffix, size] of sizes) {
    k.defineExport(`pci_read_config_${suffix}`, (call) => {
      const d = info(call.arg(0));
      const v = pci.readConfig(d.bus, d.devfn, call.arg(1) & 0xff, size);
      const out = call.arg(2) >>> 0;
      if (size === 1) m.writeVirt(out, Uint8Array.of(v & 0xff));
      else if (size === 2) m.writeVirt(out, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff));
      else m.writeVirt32(out, v);
      return 0;
    });
    k.defineExport(`pci_write_config_${suffix}`, (call) => {
      const d = info(call.arg(0));
      pci.writeConfig(d.bus, d.devfn, call.arg(1) & 0xff, size, call.arg(2));
      return 0;
    });
  }
  k.defineExport('pci_alloc_consistent', (call) => {
    const r = pci.allocConsistent(call.arg(1) >>> 0, owner(call.returnAddress));
    if (!r) return 0;
    m.writeVirt32(call.arg(2) >>> 0, r.phys);
    return r.virt;
  });
  k.defineExport('pci_free_consistent', (call) => {
    pci.freeConsistent(call.arg(2) >>> 0);
    return 0;
  });
  k.defineExport('request_region', (call) => pci.requestRegion(call.arg(0) >>> 0, call.arg(1) >>> 0, name(call.arg(2)), owner(call.returnAddress)));
  k.defineExport('release_region', (call) => {
    pci.releaseRegion(call.arg(0) >>> 0, call.arg(1) >>> 0);
    return 0;
  });
  k.defineExport('check_region', (call) => (pci.checkRegion(call.arg(0) >>> 0, call.arg(1) >>> 0) ? 0 : -16));
  k.defineExport('request_mem_region', (call) => pci.requestMemRegion(call.arg(0) >>> 0, call.arg(1) >>> 0, name(call.arg(2)), owner(call.returnAddress)));
  k.defineExport('release_mem_region', (call) => {
    pci.releaseMemRegion(call.arg(0) >>> 0, call.arg(1) >>> 0);
    return 0;
  });
  k.defineExport('ioremap', (call) => {
    try {
      return k.mm.ioremap(call.arg(0) >>> 0, call.arg(1) >>> 0, owner(call.returnAddress)).start;
    } catch {
      return 0;
    }
  });
  k.defineExport('iounmap', (call) => {
    k.mm.release(call.arg(0) >>> 0);
    return 0;
  });
}
