// The kernel's protocol stack (ARP, IPv4, ICMP, UDP, TCP) on one network device. The protocol
// code is @nooks/net's, the same the network peer runs; what makes it the kernel's is the
// path: frames come up from the driver as sk_buffs (netif_rx -> NET_RX -> here) and go down
// as sk_buffs through dev_queue_xmit to the driver's hard_start_xmit, all in emulated memory,
// and every packet charges the CPU the kernel's cost for its protocol processing.
//
// Workload tasks use sockets through their requests: they wait on a socket's condition and
// copy data between their user memory and the socket (copy_to_user/copy_from_user costs).

import { PeerHost } from '@nooks/net';
import type { LinkPort, NetClock, PeerSocket } from '@nooks/net';
import { sk_buff } from './generated/layouts.js';
import { KERNEL_COSTS } from './kernel-costs.js';
import type { Kernel } from './kernel.js';
import { kernelMemory } from './irq.js';

/** A TCP socket as a task sees it: received bytes wait in a buffer until the task reads them. */
export interface KernelSocket {
  readonly tcp: PeerSocket;
  /** Bytes received and not yet read. */
  readonly pending: Uint8Array[];
  pendingBytes: number;
  connected: boolean;
  /** The peer closed its side (FIN): reads return 0 once the buffer is empty. */
  ended: boolean;
  closed: boolean;
}

/** Whether an Ethernet frame is an IPv4 packet carrying transport payload (TCP data, UDP datagram). */
function carriesData(frame: Uint8Array): boolean {
  if (frame.length < 34 || frame[12] !== 0x08 || frame[13] !== 0x00) return false;
  const ihl = (frame[14]! & 0x0f) * 4;
  const total = (frame[16]! << 8) | frame[17]!;
  const proto = frame[23];
  if (proto === 17) return total > ihl + 8;
  if (proto !== 6 || frame.length < 14 + ihl + 13) return false;
  const thl = (frame[14 + ihl + 12]! >> 4) * 4;
  return total > ihl + thl;
}

export class KernelNetStack {
  readonly host: PeerHost;
  private handler: ((frame: Uint8Array) => void) | null = null;
  /** Packets handled up and down. */
  packetsIn = 0;
  packetsOut = 0;

  constructor(
    private readonly k: Kernel,
    /** The net_device the stack runs on (e.g. eth0); 0 while it has none (its driver is being recovered). */
    public dev: number,
    clock: NetClock,
    options: { ip: string; mac: Uint8Array },
  ) {
    const port: LinkPort = {
      send: (frame) => this.send(frame),
      onReceive: (h) => {
        this.handler = h;
      },
    };
    this.host = new PeerHost({ clock, mac: options.mac, ip: options.ip, seed: 0x6b65726e });
    this.host.attach(port);
    const mem = kernelMemory(k.machine);
    k.net.receive = (skb) => {
      // The frame as the card delivered it: the MAC header (eth_type_trans pulled it) and data.
      const mac = sk_buff.get_mac_raw(mem, skb);
      const len = sk_buff.get_len(mem, skb) + (sk_buff.get_data(mem, skb) - mac);
      const frame = k.machine.readVirt(mac, len);
      k.net.kfreeSkb(skb);
      this.packetsIn++;
      k.charge(carriesData(frame) ? 'protocolRxData' : 'protocolRxControl');
      k.charge('checksumPerByte', len * KERNEL_COSTS.checksumPerByte);
      this.handler?.(frame);
    };
  }

  /** Frames dropped because the stack had no device (its driver failed and is being recovered). */
  droppedNoDevice = 0;

  /** Moves the stack to another net_device (a recovered driver's new one), or detaches it (0). */
  attachDevice(dev: number): void {
    this.dev = dev;
  }

  private send(frame: Uint8Array): void {
    const k = this.k;
    if (this.dev === 0) {
      this.droppedNoDevice++;
      return;
    }
    const skb = k.net.skbFromBytes(frame);
    if (skb === 0) return;
    sk_buff.set_dev(kernelMemory(k.machine), skb, this.dev);
    this.packetsOut++;
    k.charge(carriesData(frame) ? 'protocolTxData' : 'protocolTxControl');
    // Building the skb from the frame is the simulation's hand-over from the protocol code; in
    // Linux the data went into the skb as tcp_sendmsg copied it from the user, charged by write().
    k.charge('checksumPerByte', frame.length * KERNEL_COSTS.checksumPerByte);
    k.net.transmit(skb);
  }

  private wrap(tcp: PeerSocket): KernelSocket {
    const s: KernelSocket = { tcp, pending: [], pendingBytes: 0, connected: false, ended: false, closed: false };
    tcp.onConnect(() => {
      s.connected = true;
    });
    tcp.onData((data) => {
      s.pending.push(data);
      s.pendingBytes += data.length;
    });
    tcp.onEnd(() => {
      s.ended = true;
    });
    tcp.onClose(() => {
      s.closed = true;
      s.ended = true;
    });
    return s;
  }

  connect(ip: string, port: number): KernelSocket {
    return this.wrap(this.host.tcpConnect(ip, port));
  }

  /** Listens on a port; accepted connections are handed to onAccept. */
  listen(port: number, onAccept: (s: KernelSocket) => void): { close(): void } {
    return this.host.tcpListen(port, (tcp) => {
      const s = this.wrap(tcp);
      s.connected = true;
      onAccept(s);
    });
  }

  /**
   * read(): moves up to `max` received bytes into the task's user memory at `addr` (as
   * copy_to_user), returning how many; 0 at end of stream.
   */
  read(s: KernelSocket, write: (offset: number, bytes: Uint8Array) => void, max: number): number {
    let n = 0;
    while (n < max && s.pending.length > 0) {
      const head = s.pending[0]!;
      const take = Math.min(head.length, max - n);
      write(n, head.subarray(0, take));
      if (take === head.length) s.pending.shift();
      else s.pending[0] = head.subarray(take);
      n += take;
    }
    s.pendingBytes -= n;
    this.k.charge('syscall');
    this.k.charge('copyPerByte', n * KERNEL_COSTS.copyPerByte);
    return n;
  }

  /** write(): queues bytes (copied from the task, as copy_from_user) on the connection. */
  write(s: KernelSocket, bytes: Uint8Array): void {
    this.k.charge('syscall');
    this.k.charge('copyPerByte', bytes.length * KERNEL_COSTS.copyPerByte);
    s.tcp.write(bytes);
  }
}
