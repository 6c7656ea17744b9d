// The network device layer of Linux 2.4 (net/core/skbuff.c, dev.c, net/ethernet/eth.c):
// sk_buffs and net_devices in emulated memory in their C layout, alloc_etherdev and
// register_netdev, the transmit path (dev_queue_xmit -> the driver's hard_start_xmit, with a
// FIFO queue while the driver has stopped its queue, drained by NET_TX when it wakes it), and
// the receive path (netif_rx -> backlog -> NET_RX softirq -> the protocol handler).
//
// The kernel-side protocol stack (Ethernet/ARP/IPv4/TCP/UDP behind sockets) plugs in as the
// `receive` handler and sends with `transmit`; it lands with the networking issue.

import { net_device, sk_buff } from './generated/layouts.js';
import type { MemoryAccess } from './generated/layouts.js';
import { kernelMemory } from './irq.js';
import type { Kernel } from './kernel.js';
import { SlabAllocator } from './slab.js';

/** dev->state bits (include/linux/netdevice.h, 2.4). */
export const LINK_STATE_XOFF = 0;
export const LINK_STATE_START = 1;
export const LINK_STATE_PRESENT = 2;
export const LINK_STATE_NOCARRIER = 4;

const IFF_UP = 0x1;
const IFF_BROADCAST = 0x2;
const IFF_RUNNING = 0x40;
const IFF_MULTICAST = 0x1000;
const ARPHRD_ETHER = 1;
/** Linux 2.4 skb_shared_info lies after the data; we reserve its size too. */
const SHARED_INFO = 32;
/** Packets queued in front of a stopped driver (txqueuelen of an Ethernet device). */
const TX_QUEUE_LEN = 100;
/** netdev_max_backlog. */
const MAX_BACKLOG = 300;

export interface NetDeviceInfo {
  readonly dev: number;
  readonly owner: string;
  name: string;
  ifindex: number;
  registered: boolean;
  /** Packets waiting for the driver to wake its queue. */
  readonly queue: number[];
}

export interface NetStats {
  skbsLive: number;
  transmitted: number;
  queued: number;
  dropped: number;
  received: number;
}

export class NetCore {
  private readonly mem: MemoryAccess;
  /** Live sk_buffs: address -> owner. */
  private readonly skbs = new Map<number, string>();
  readonly devices: NetDeviceInfo[] = [];
  private readonly backlog: number[] = [];
  private nextIfindex = 1;
  readonly stats: NetStats = { skbsLive: 0, transmitted: 0, queued: 0, dropped: 0, received: 0 };
  /**
   * The protocol stack's receive handler (gets the skb after eth_type_trans, must free it).
   * Default: count and free.
   */
  receive: (skb: number, dev: number) => void = (skb) => this.kfreeSkb(skb);

  /**
   * The sk_buff heads and data buffers: a cache of their own (Linux's skbuff_head_cache and
   * the data's size classes), so that a protection domain can be lent network buffers without
   * seeing any other kernel object on the same pages.
   */
  readonly buffers: SlabAllocator;

  constructor(private readonly k: Kernel) {
    this.mem = kernelMemory(k.machine);
    this.buffers = new SlabAllocator(k.machine, k.pages, 'skbuff');
    k.irq.openSoftirq('NET_TX', () => this.netTx());
    k.irq.openSoftirq('NET_RX', () => this.netRx());
  }

  // ---------------------------------------------------------------- sk_buffs

  allocSkb(size: number, owner: string): number {
    const m = this.mem;
    if (this.k.slab.failNext > 0) {
      // The allocation-failure knob covers network buffers too (they are kmalloc'd in Linux).
      this.k.slab.failNext--;
      return 0;
    }
    const skb = this.buffers.kmalloc(sk_buff.size, owner);
    if (skb === 0) return 0;
    const dataSize = (size + 15) & ~15;
    const data = this.buffers.kmalloc(dataSize + SHARED_INFO, owner);
    if (data === 0) {
      this.buffers.kfree(skb);
      return 0;
    }
    this.k.machine.writeVirt(skb, new Uint8Array(sk_buff.size));
    sk_buff.set_head(m, skb, data);
    sk_buff.set_data(m, skb, data);
    sk_buff.set_tail(m, skb, data);
    sk_buff.set_end(m, skb, data + dataSize);
    sk_buff.set_truesize(m, skb, dataSize + sk_buff.size);
    m.write32(sk_buff.addr_users(skb), 1);
    this.skbs.set(skb, owner);
    this.stats.skbsLive = this.skbs.size;
    return skb;
  }

  private checkSkb(skb: number, where: string): void {
    if (!this.skbs.has(skb >>> 0)) throw this.k.crash('panic', `kernel BUG at skbuff.c: ${where} of ${(skb >>> 0).toString(16)}, which is not an sk_buff`, {});
  }

  /** Whether an address is a live sk_buff. */
  isSkb(addr: number): boolean {
    return this.skbs.has(addr >>> 0);
  }

  kfreeSkb(skb: number): void {
    if (skb === 0) return;
    this.checkSkb(skb, 'kfree_skb');
    const m = this.mem;
    const users = (m.read32(sk_buff.addr_users(skb)) | 0) - 1;
    m.write32(sk_buff.addr_users(skb), users);
    if (users > 0) return;
    const destructor = sk_buff.get_destructor(m, skb);
    if (destructor) this.k.call(destructor, [skb], this.k.context === 'boot' ? 'process' : this.k.context, 'sk_buff.destructor');
    this.buffers.kfree(sk_buff.get_head(m, skb));
    this.buffers.kfree(skb);
    this.skbs.delete(skb >>> 0);
    this.stats.skbsLive = this.skbs.size;
  }

  skbPut(skb: number, len: number): number {
    this.checkSkb(skb, 'skb_put');
    const m = this.mem;
    const tail = sk_buff.get_tail(m, skb);
    if (tail + len > sk_buff.get_end(m, skb)) {
      throw this.k.crash('panic', `skput:over: ${(skb >>> 0).toString(16)} put:${len} len:${sk_buff.get_len(m, skb)}`, {});
    }
    sk_buff.set_tail(m, skb, tail + len);
    sk_buff.set_len(m, skb, sk_buff.get_len(m, skb) + len);
    return tail;
  }

  skbPush(skb: number, len: number): number {
    this.checkSkb(skb, 'skb_push');
    const m = this.mem;
    const data = sk_buff.get_data(m, skb) - len;
    if (data < sk_buff.get_head(m, skb)) throw this.k.crash('panic', `skput:under: ${(skb >>> 0).toString(16)} push:${len}`, {});
    sk_buff.set_data(m, skb, data);
    sk_buff.set_len(m, skb, sk_buff.get_len(m, skb) + len);
    return data;
  }

  skbPull(skb: number, len: number): number {
    this.checkSkb(skb, 'skb_pull');
    const m = this.mem;
    const have = sk_buff.get_len(m, skb);
    if (len > have) return 0;
    const data = sk_buff.get_data(m, skb) + len;
    sk_buff.set_data(m, skb, data);
    sk_buff.set_len(m, skb, have - len);
    return data;
  }

  skbReserve(skb: number, len: number): void {
    this.checkSkb(skb, 'skb_reserve');
    const m = this.mem;
    sk_buff.set_data(m, skb, sk_buff.get_data(m, skb) + len);
    sk_buff.set_tail(m, skb, sk_buff.get_tail(m, skb) + len);
  }

  /** The bytes from skb->data for skb->len (for the protocol stack and tests). */
  skbBytes(skb: number): Uint8Array {
    const m = this.mem;
    return this.k.machine.readVirt(sk_buff.get_data(m, skb), sk_buff.get_len(m, skb));
  }

  /** Builds an skb holding a frame (for the kernel's own senders): headroom 16, like dev_alloc_skb. */
  skbFromBytes(bytes: Uint8Array, owner = 'kernel'): number {
    const skb = this.allocSkb(bytes.length + 16, owner);
    if (skb === 0) return 0;
    this.skbReserve(skb, 16);
    const at = this.skbPut(skb, bytes.length);
    this.k.machine.writeVirt(at, bytes);
    return skb;
  }

  /** eth_type_trans: records the MAC header, pulls it, classifies the packet, returns the protocol field (as stored). */
  ethTypeTrans(skb: number, dev: number): number {
    const m = this.mem;
    const data = sk_buff.get_data(m, skb);
    sk_buff.set_mac_raw(m, skb, data);
    sk_buff.set_dev(m, skb, dev);
    const dst = this.k.machine.readVirt(data, 6);
    let type = 0;
    if (dst[0]! & 1) type = dst.every((b) => b === 0xff) ? 1 : 2;
    else {
      const own = this.k.machine.readVirt(net_device.addr_dev_addr(dev), 6);
      if (!own.every((b, i) => b === dst[i])) type = 3;
    }
    sk_buff.set_pkt_type(m, skb, type);
    this.skbPull(skb, 14);
    const proto = m.read16(data + 12) & 0xffff;
    sk_buff.set_protocol(m, skb, proto);
    return proto;
  }

  skbsOf(owner: string): number[] {
    return [...this.skbs].filter(([, o]) => o === owner).map(([a]) => a);
  }

  // ---------------------------------------------------------------- devices

  /**
   * alloc_etherdev: the net_device and the driver's private area in one block, from `heap`
   * (the kernel's kmalloc; under Nooks, the driver's domain heap, so the driver can write it).
   */
  allocEtherdev(privSize: number, owner: string, heap: SlabAllocator = this.k.slab): number {
    const m = this.mem;
    const base = (net_device.size + 31) & ~31;
    const dev = heap.kmalloc(base + Math.max(0, privSize), owner);
    if (dev === 0) return 0;
    this.k.machine.writeVirt(dev, new Uint8Array(base + Math.max(0, privSize)));
    this.k.machine.writeVirt(net_device.addr_name(dev), new TextEncoder().encode('eth%d\0'));
    net_device.set_type(m, dev, ARPHRD_ETHER);
    net_device.set_hard_header_len(m, dev, 14);
    net_device.set_mtu(m, dev, 1500);
    net_device.set_addr_len(m, dev, 6);
    net_device.set_flags(m, dev, IFF_BROADCAST | IFF_MULTICAST);
    net_device.set_watchdog_timeo(m, dev, 5 * 100);
    this.k.machine.writeVirt(net_device.addr_broadcast(dev), new Uint8Array(6).fill(0xff));
    net_device.set_priv(m, dev, privSize > 0 ? dev + base : 0);
    net_device.set_state(m, dev, (1 << LINK_STATE_PRESENT) | (1 << LINK_STATE_START));
    this.devices.push({ dev: dev >>> 0, owner, name: '', ifindex: 0, registered: false, queue: [] });
    return dev;
  }

  info(dev: number): NetDeviceInfo {
    const d = this.devices.find((x) => x.dev === dev >>> 0);
    if (!d) throw this.k.crash('oops', `${(dev >>> 0).toString(16)} is not a net_device`, {});
    return d;
  }

  registerNetdev(dev: number): number {
    const d = this.info(dev);
    if (d.registered) return -17; // -EEXIST
    let name = this.k.machine.readCString(net_device.addr_name(dev), 16);
    if (name.includes('%d')) {
      for (let i = 0; ; i++) {
        const candidate = name.replace('%d', String(i));
        if (!this.devices.some((x) => x.registered && x.name === candidate)) {
          name = candidate;
          break;
        }
      }
      this.k.machine.writeVirt(net_device.addr_name(dev), new TextEncoder().encode(`${name}\0`));
    }
    d.name = name;
    d.ifindex = this.nextIfindex++;
    d.registered = true;
    net_device.set_ifindex(this.mem, dev, d.ifindex);
    this.k.printk(`<6>${name}: registered\n`);
    return 0;
  }

  unregisterNetdev(dev: number): void {
    const d = this.info(dev);
    if (!d.registered) return;
    if (net_device.get_flags(this.mem, dev) & IFF_UP) this.close(dev);
    for (const skb of d.queue.splice(0)) this.kfreeSkb(skb);
    d.registered = false;
    const i = this.devices.indexOf(d);
    this.devices.splice(i, 1);
  }

  /** Frees a net_device allocated by alloc_etherdev (kfree(dev) in 2.4 drivers). */
  forget(dev: number): void {
    const i = this.devices.findIndex((x) => x.dev === dev >>> 0);
    if (i >= 0) this.devices.splice(i, 1);
  }

  byName(name: string): number {
    const d = this.devices.find((x) => x.registered && x.name === name);
    if (!d) throw new Error(`no network device ${name}`);
    return d.dev;
  }

  devicesOf(owner: string): NetDeviceInfo[] {
    return this.devices.filter((d) => d.owner === owner);
  }

  /** dev_open (ifconfig up): the driver's open in process context, then IFF_UP|IFF_RUNNING. */
  open(dev: number): number {
    const m = this.mem;
    const open = net_device.get_open(m, dev);
    const rc = open ? this.k.callProcess(open, [dev], 'net_device.open') : 0;
    if (rc === 0) net_device.set_flags(m, dev, net_device.get_flags(m, dev) | IFF_UP | IFF_RUNNING);
    return rc;
  }

  /** dev_close (ifconfig down). */
  close(dev: number): void {
    const m = this.mem;
    const stop = net_device.get_stop(m, dev);
    if (stop) this.k.callProcess(stop, [dev], 'net_device.stop');
    net_device.set_flags(m, dev, net_device.get_flags(m, dev) & ~(IFF_UP | IFF_RUNNING));
  }

  // ---------------------------------------------------------------- queue state

  private setState(dev: number, bit: number, on: boolean): void {
    const s = net_device.get_state(this.mem, dev);
    net_device.set_state(this.mem, dev, on ? s | (1 << bit) : s & ~(1 << bit));
  }

  stateBit(dev: number, bit: number): boolean {
    return (net_device.get_state(this.mem, dev) & (1 << bit)) !== 0;
  }

  startQueue(dev: number): void {
    this.setState(dev, LINK_STATE_XOFF, false);
  }

  stopQueue(dev: number): void {
    this.setState(dev, LINK_STATE_XOFF, true);
  }

  wakeQueue(dev: number): void {
    if (this.stateBit(dev, LINK_STATE_XOFF)) {
      this.setState(dev, LINK_STATE_XOFF, false);
      this.k.irq.raiseSoftirq('NET_TX');
    }
  }

  carrier(dev: number, on: boolean): void {
    this.setState(dev, LINK_STATE_NOCARRIER, !on);
  }

  // ---------------------------------------------------------------- transmit

  /** dev_queue_xmit: hands the skb to the driver, or queues it while the driver's queue is stopped. */
  transmit(skb: number): number {
    const dev = sk_buff.get_dev(this.mem, skb);
    const d = this.info(dev);
    if (!(net_device.get_flags(this.mem, dev) & IFF_UP)) {
      this.stats.dropped++;
      this.kfreeSkb(skb);
      return -100; // -ENETDOWN
    }
    if (d.queue.length > 0 || this.stateBit(dev, LINK_STATE_XOFF)) return this.enqueue(d, skb);
    return this.xmitOne(d, skb) ? 0 : this.enqueue(d, skb);
  }

  private enqueue(d: NetDeviceInfo, skb: number): number {
    if (d.queue.length >= TX_QUEUE_LEN) {
      this.stats.dropped++;
      this.kfreeSkb(skb);
      return -105; // -ENOBUFS
    }
    d.queue.push(skb);
    this.stats.queued++;
    return 0;
  }

  /** One hard_start_xmit; false when the driver refused it (busy) and kept no reference. */
  private xmitOne(d: NetDeviceInfo, skb: number): boolean {
    const xmit = net_device.get_hard_start_xmit(this.mem, d.dev);
    const ctx = this.k.context === 'boot' ? 'process' : this.k.context;
    const rc = this.k.call(xmit, [skb, d.dev], ctx, 'net_device.hard_start_xmit');
    if (rc !== 0) return false;
    net_device.set_trans_start(this.mem, d.dev, this.k.irq.jiffies);
    this.stats.transmitted++;
    return true;
  }

  private netTx(): void {
    for (const d of this.devices) {
      while (d.queue.length > 0 && !this.stateBit(d.dev, LINK_STATE_XOFF)) {
        const skb = d.queue[0]!;
        if (!this.xmitOne(d, skb)) break;
        d.queue.shift();
      }
    }
  }

  // ---------------------------------------------------------------- receive

  /** netif_rx: queue the packet for the NET_RX softirq. */
  netifRx(skb: number): number {
    this.checkSkb(skb, 'netif_rx');
    if (this.backlog.length >= MAX_BACKLOG) {
      this.stats.dropped++;
      this.kfreeSkb(skb);
      return 1; // NET_RX_DROP
    }
    this.backlog.push(skb >>> 0);
    this.k.irq.raiseSoftirq('NET_RX');
    return 0;
  }

  private netRx(): void {
    const batch = this.backlog.splice(0, this.backlog.length);
    for (const skb of batch) {
      this.stats.received++;
      const dev = sk_buff.get_dev(this.mem, skb);
      net_device.set_last_rx(this.mem, dev, this.k.irq.jiffies);
      this.receive(skb, dev);
    }
  }
}

export function registerNetExports(k: Kernel, net: NetCore): void {
  const owner = (ret: number): string => k.ownerOf(ret);
  k.defineExport('alloc_skb', (c) => net.allocSkb(c.arg(0) >>> 0, owner(c.returnAddress)));
  k.defineExport('dev_alloc_skb', (c) => {
    const skb = net.allocSkb((c.arg(0) >>> 0) + 16, owner(c.returnAddress));
    if (skb) net.skbReserve(skb, 16);
    return skb;
  });
  for (const name of ['kfree_skb', 'dev_kfree_skb', 'dev_kfree_skb_irq', 'dev_kfree_skb_any']) {
    k.defineExport(name, (c) => {
      net.kfreeSkb(c.arg(0) >>> 0);
      return 0;
    });
  }
  k.defineExport('skb_put', (c) => net.skbPut(c.arg(0) >>> 0, c.arg(1) >>> 0));
  k.defineExport('skb_push', (c) => net.skbPush(c.arg(0) >>> 0, c.arg(1) >>> 0));
  k.defineExport('skb_pull', (c) => net.skbPull(c.arg(0) >>> 0, c.arg(1) >>> 0));
  k.defineExport('skb_reserve', (c) => {
    net.skbReserve(c.arg(0) >>> 0, c.arg(1) >>> 0);
    return 0;
  });
  k.defineExport('eth_type_trans', (c) => net.ethTypeTrans(c.arg(0) >>> 0, c.arg(1) >>> 0));
  k.defineExport('alloc_etherdev', (c) => net.allocEtherdev(c.arg(0) | 0, owner(c.returnAddress)));
  k.defineExport('register_netdev', (c) => net.registerNetdev(c.arg(0) >>> 0));
  k.defineExport('unregister_netdev', (c) => {
    net.unregisterNetdev(c.arg(0) >>> 0);
    return 0;
  });
  k.defineExport('netif_rx', (c) => net.netifRx(c.arg(0) >>> 0));
  k.defineExport('netif_start_queue', (c) => {
    net.startQueue(c.arg(0) >>> 0);
    return 0;
  });
  k.defineExport('netif_stop_queue', (c) => {
    net.stopQueue(c.arg(0) >>> 0);
    return 0;
  });
  k.defineExport('netif_wake_queue', (c) => {
    net.wakeQueue(c.arg(0) >>> 0);
    return 0;
  });
  k.defineExport('netif_queue_stopped', (c) => (net.stateBit(c.arg(0) >>> 0, LINK_STATE_XOFF) ? 1 : 0));
  k.defineExport('netif_carrier_on', (c) => {
    net.carrier(c.arg(0) >>> 0, true);
    return 0;
  });
  k.defineExport('netif_carrier_off', (c) => {
    net.carrier(c.arg(0) >>> 0, false);
    return 0;
  });
  k.defineExport('netif_carrier_ok', (c) => (net.stateBit(c.arg(0) >>> 0, LINK_STATE_NOCARRIER) ? 0 : 1));
}
