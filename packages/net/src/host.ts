// The network peer: a second host on the far side of the wire. It runs the other end of every
// network workload (stream sources and sinks, later HTTP clients) with its own Ethernet, ARP,
// IPv4, ICMP, UDP and TCP, all event-driven on the simulation Clock, so nothing is faked inside
// the machine under test. Every frame it sends is valid; every frame it receives is validated,
// and bad ones are counted and dropped.

import { CLOCK_HZ } from '@nooks/x86';

import type { NetClock as Clock, NetTimer as Timer } from './clock.js';

import { ARP_REPLY, ARP_REQUEST, ArpCache, decodeArp, encodeArp } from './arp.js';
import { BROADCAST_MAC, decodeEthernet, encodeEthernet, ETH_MTU, ETHERTYPE_ARP, ETHERTYPE_IPV4, macEquals, toMac } from './ethernet.js';
import type { MacAddress } from './ethernet.js';
import { PeerError } from './errors.js';
import { decodeIcmp, encodeIcmp, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST } from './icmp.js';
import { decodeIpv4, encodeIpv4, formatIp, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IPV4_BROADCAST, IPV4_HEADER_LENGTH, toIp } from './ipv4.js';
import type { LinkPort } from './link-port.js';
import { SeededRandom } from './prng.js';
import { decodeTcp, encodeTcp, segmentLength, TCP_ACK, TCP_RST, TCP_SYN } from './tcp.js';
import type { TcpSegment } from './tcp.js';
import { PeerSocket } from './tcp-socket.js';
import type { TcpConfig, TcpHostServices } from './tcp-socket.js';
import { decodeUdp, encodeUdp, UDP_HEADER_LENGTH } from './udp.js';

/** TCP settings; times in simulated seconds. */
export interface TcpOptions {
  /** MSS we announce and send with at most. Default 1460 (Ethernet MTU). */
  mss?: number;
  /** Receive buffer, advertised as the window (the application consumes data at once). Default 256 KiB. */
  receiveWindow?: number;
  /** Offer/accept RFC 7323 window scaling. Default true. */
  windowScale?: boolean;
  /** Initial congestion window in segments. Default 3 (RFC 3390 for a 1460-byte MSS). */
  initialCwndSegments?: number;
  /** Default 0.2 s (Linux's minimum; RFC 6298 says 1 s). */
  minRtoSeconds?: number;
  /** Default 60 s. */
  maxRtoSeconds?: number;
  /** Default 1 s (RFC 6298). */
  initialRtoSeconds?: number;
  /** Delayed-ACK timeout; 0 acknowledges every segment at once. Default 0.04 s (Linux's minimum). */
  delayedAckSeconds?: number;
  /** Default 0.5 s: short (Linux waits 60 s), but longer than a few minimum RTOs, so a lost last ACK is still answered. A new SYN ends it early. */
  timeWaitSeconds?: number;
  /** Retransmissions of one segment before the connection is abandoned. Default 12. */
  maxRetries?: number;
  /** onDrain fires when unacknowledged data falls to this many bytes. Default 256 KiB (the default window, so a writer that refills on drain never starves the window). */
  sendLowWater?: number;
}

export interface PeerHostOptions {
  clock: Clock;
  mac: string | Uint8Array;
  ip: string | number;
  /** Seeds initial sequence numbers and ephemeral ports. Default: derived from the IP address. */
  seed?: number;
  /** ARP cache entry lifetime. Default 60 s. */
  arpTimeoutSeconds?: number;
  /** Interval between ARP requests for an unresolved address. Default 1 s. */
  arpRetrySeconds?: number;
  /** ARP requests before queued packets are dropped. Default 3. */
  arpAttempts?: number;
  /** Packets queued per unresolved address (older ones are dropped). Default 256. */
  arpQueueLimit?: number;
  tcp?: TcpOptions;
}

export interface PeerHostStats {
  framesSent: number;
  framesReceived: number;
  /** Frames too short for an Ethernet header, or with an unknown ethertype. */
  framesBad: number;
  /** Frames addressed to another MAC. */
  framesNotForUs: number;
  arpRequestsSent: number;
  arpRepliesSent: number;
  arpBad: number;
  /** Resolutions abandoned after arpAttempts requests (their queued packets are dropped). */
  arpFailures: number;
  /** Packets dropped from a full ARP queue. */
  arpQueueDrops: number;
  ipBadHeader: number;
  ipBadChecksum: number;
  ipFragmentsDropped: number;
  ipNotForUs: number;
  ipUnknownProtocol: number;
  icmpBad: number;
  icmpEchoRequestsReceived: number;
  udpBad: number;
  udpNoPort: number;
  udpDatagramsReceived: number;
  udpDatagramsSent: number;
  tcpBad: number;
  tcpRstSent: number;
  tcpSegmentsReceived: number;
  tcpSegmentsSent: number;
}

export interface PingReply {
  /** Round-trip time in cycles, from the request's hand-off to the wire to the reply's arrival. */
  rttCycles: number;
  rttSeconds: number;
  ttl: number;
  payload: Uint8Array;
}

export interface UdpEndpoint {
  ip: number;
  port: number;
}

export interface UdpBinding {
  readonly port: number;
  send(ip: string | number, port: number, payload: Uint8Array): void;
  close(): void;
}

interface PendingResolution {
  packets: Uint8Array[];
  attempts: number;
  timer: Timer;
}

interface PendingPing {
  sent: number;
  timer: Timer;
  resolve: (r: PingReply) => void;
}

const EPHEMERAL_FIRST = 49152;
const EPHEMERAL_COUNT = 16384;

export class PeerHost {
  readonly clock: Clock;
  readonly mac: MacAddress;
  readonly ip: number;
  readonly stats: PeerHostStats = {
    framesSent: 0,
    framesReceived: 0,
    framesBad: 0,
    framesNotForUs: 0,
    arpRequestsSent: 0,
    arpRepliesSent: 0,
    arpBad: 0,
    arpFailures: 0,
    arpQueueDrops: 0,
    ipBadHeader: 0,
    ipBadChecksum: 0,
    ipFragmentsDropped: 0,
    ipNotForUs: 0,
    ipUnknownProtocol: 0,
    icmpBad: 0,
    icmpEchoRequestsReceived: 0,
    udpBad: 0,
    udpNoPort: 0,
    udpDatagramsReceived: 0,
    udpDatagramsSent: 0,
    tcpBad: 0,
    tcpRstSent: 0,
    tcpSegmentsReceived: 0,
    tcpSegmentsSent: 0,
  };
  readonly arp: ArpCache;

  private link: LinkPort | null = null;
  private readonly rng: SeededRandom;
  private readonly tcpConfig: TcpConfig;
  private readonly arpRetryCycles: number;
  private readonly arpAttempts: number;
  private readonly arpQueueLimit: number;
  private readonly pendingArp = new Map<number, PendingResolution>();
  private readonly pings = new Map<number, PendingPing>();
  private readonly udpPorts = new Map<number, (payload: Uint8Array, from: UdpEndpoint) => void>();
  private readonly listeners = new Map<number, (socket: PeerSocket) => void>();
  private readonly sockets = new Map<string, PeerSocket>();
  private nextEphemeral: number;
  private ipId = 0;
  private readonly services: TcpHostServices;

  constructor(options: PeerHostOptions) {
    this.clock = options.clock;
    this.mac = toMac(options.mac);
    this.ip = toIp(options.ip);
    this.rng = new SeededRandom(options.seed ?? this.ip ^ 0x5eed);
    this.arp = new ArpCache(this.clock, seconds(options.arpTimeoutSeconds ?? 60, 'arpTimeoutSeconds'));
    this.arpRetryCycles = seconds(options.arpRetrySeconds ?? 1, 'arpRetrySeconds');
    this.arpAttempts = options.arpAttempts ?? 3;
    this.arpQueueLimit = options.arpQueueLimit ?? 256;
    const t = options.tcp ?? {};
    const mss = t.mss ?? ETH_MTU - IPV4_HEADER_LENGTH - 20;
    if (!Number.isInteger(mss) || mss < 64 || mss > ETH_MTU - 40) {
      throw new PeerError('PEER_OPTION_INVALID', `tcp.mss must be an integer in 64..${ETH_MTU - 40}, got ${mss}`);
    }
    this.tcpConfig = {
      mss,
      receiveWindow: t.receiveWindow ?? 256 * 1024,
      windowScale: t.windowScale ?? true,
      initialCwndSegments: t.initialCwndSegments ?? 3,
      minRtoCycles: seconds(t.minRtoSeconds ?? 0.2, 'tcp.minRtoSeconds'),
      maxRtoCycles: seconds(t.maxRtoSeconds ?? 60, 'tcp.maxRtoSeconds'),
      initialRtoCycles: seconds(t.initialRtoSeconds ?? 1, 'tcp.initialRtoSeconds'),
      delayedAckCycles: seconds(t.delayedAckSeconds ?? 0.04, 'tcp.delayedAckSeconds'),
      timeWaitCycles: seconds(t.timeWaitSeconds ?? 0.5, 'tcp.timeWaitSeconds'),
      maxRetries: t.maxRetries ?? 12,
      sendLowWater: t.sendLowWater ?? 256 * 1024,
    };
    if (!this.tcpConfig.windowScale && this.tcpConfig.receiveWindow > 0xffff) {
      throw new PeerError('PEER_OPTION_INVALID', `tcp.receiveWindow ${this.tcpConfig.receiveWindow} needs window scaling; enable tcp.windowScale or use at most 65535`);
    }
    this.nextEphemeral = EPHEMERAL_FIRST + (this.rng.nextU32() % EPHEMERAL_COUNT);
    this.services = {
      clock: this.clock,
      transmitTcp: (ip, seg) => this.sendTcp(ip, seg),
      releaseSocket: (s) => {
        const key = socketKey(s.remoteIp, s.remotePort, s.localPort);
        if (this.sockets.get(key) === s) this.sockets.delete(key);
      },
      acceptSocket: (s) => this.listeners.get(s.localPort)?.(s),
    };
  }

  /** Plugs the host into a wire end (a LinkPair end, a NIC model's wire port). */
  attach(link: LinkPort): void {
    this.link = link;
    link.onReceive((frame) => this.receive(frame));
  }

  // ------------------------------------------------------------------ TCP

  /** Opens a connection (active open); the handshake runs as the clock advances. */
  tcpConnect(ip: string | number, port: number, localPort?: number): PeerSocket {
    const remote = toIp(ip);
    checkPort(port);
    const lport = localPort ?? this.allocatePort(remote, port);
    const key = socketKey(remote, port, lport);
    if (this.sockets.has(key)) throw new PeerError('PEER_PORT_IN_USE', `a connection ${lport} -> ${formatIp(remote)}:${port} already exists; pick another local port`);
    const socket = new PeerSocket(this.services, this.tcpConfig, this.ip, lport, remote, port, this.rng.nextU32());
    this.sockets.set(key, socket);
    return socket;
  }

  /** Accepts connections on `port`; `onAccept` gets each one once its handshake completes. */
  tcpListen(port: number, onAccept: (socket: PeerSocket) => void): { close(): void } {
    checkPort(port);
    if (this.listeners.has(port)) throw new PeerError('PEER_PORT_IN_USE', `TCP port ${port} already has a listener; close it first`);
    this.listeners.set(port, onAccept);
    return { close: () => this.listeners.delete(port) };
  }

  /** Open connections (including TIME_WAIT). */
  get connections(): PeerSocket[] {
    return [...this.sockets.values()];
  }

  private allocatePort(remote: number, rport: number): number {
    for (let i = 0; i < EPHEMERAL_COUNT; i++) {
      const p = this.nextEphemeral;
      this.nextEphemeral = p + 1 >= EPHEMERAL_FIRST + EPHEMERAL_COUNT ? EPHEMERAL_FIRST : p + 1;
      if (!this.sockets.has(socketKey(remote, rport, p))) return p;
    }
    throw new PeerError('PEER_PORT_IN_USE', `no free ephemeral port towards ${formatIp(remote)}:${rport}`);
  }

  private sendTcp(ip: number, seg: TcpSegment): void {
    this.stats.tcpSegmentsSent++;
    if (seg.flags & TCP_RST) this.stats.tcpRstSent++;
    this.sendIp(ip, IPPROTO_TCP, encodeTcp(this.ip, ip, seg));
  }

  private receiveTcp(src: number, dst: number, packet: Uint8Array): void {
    const d = decodeTcp(src, dst, packet);
    if (!d.ok) {
      this.stats.tcpBad++;
      return;
    }
    this.stats.tcpSegmentsReceived++;
    const seg = d.segment;
    const socket = this.sockets.get(socketKey(src, seg.srcPort, seg.dstPort));
    const isSyn = (seg.flags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN;
    if (socket !== undefined) {
      if (!(isSyn && socket.state === 'TIME_WAIT')) {
        socket.segmentArrived(seg);
        return;
      }
      socket.endTimeWait(); // the other side reuses the port pair: a new connection (RFC 1122 4.2.2.13)
    }
    if (isSyn && this.listeners.has(seg.dstPort)) {
      const s = new PeerSocket(this.services, this.tcpConfig, this.ip, seg.dstPort, src, seg.srcPort, this.rng.nextU32(), seg);
      this.sockets.set(socketKey(src, seg.srcPort, seg.dstPort), s);
      return;
    }
    if (seg.flags & TCP_RST) return;
    // No connection: answer with a reset (RFC 793, "If the connection does not exist").
    const rst: TcpSegment =
      seg.flags & TCP_ACK
        ? { srcPort: seg.dstPort, dstPort: seg.srcPort, seq: seg.ack, ack: 0, flags: TCP_RST, window: 0, payload: new Uint8Array(0) }
        : { srcPort: seg.dstPort, dstPort: seg.srcPort, seq: 0, ack: (seg.seq + segmentLength(seg)) >>> 0, flags: TCP_RST | TCP_ACK, window: 0, payload: new Uint8Array(0) };
    this.sendTcp(src, rst);
  }

  // ------------------------------------------------------------------ UDP

  /** Receives datagrams sent to `port` (0 picks an ephemeral port). */
  udpBind(port: number, onMessage: (payload: Uint8Array, from: UdpEndpoint) => void): UdpBinding {
    let p = port;
    if (p === 0) {
      p = EPHEMERAL_FIRST;
      while (this.udpPorts.has(p)) p++;
    }
    checkPort(p);
    if (this.udpPorts.has(p)) throw new PeerError('PEER_PORT_IN_USE', `UDP port ${p} is already bound; close the binding first`);
    this.udpPorts.set(p, onMessage);
    return {
      port: p,
      send: (ip, dport, payload) => this.udpSend(p, ip, dport, payload),
      close: () => this.udpPorts.delete(p),
    };
  }

  udpSend(srcPort: number, ip: string | number, dstPort: number, payload: Uint8Array): void {
    const dst = toIp(ip);
    checkPort(dstPort);
    if (payload.length > ETH_MTU - IPV4_HEADER_LENGTH - UDP_HEADER_LENGTH) {
      throw new PeerError('PEER_PAYLOAD_TOO_LARGE', `a UDP payload of ${payload.length} bytes does not fit the 1500-byte MTU (the peer never fragments); send at most 1472`);
    }
    this.stats.udpDatagramsSent++;
    this.sendIp(dst, IPPROTO_UDP, encodeUdp(this.ip, dst, { srcPort, dstPort, payload }));
  }

  private receiveUdp(src: number, dst: number, packet: Uint8Array): void {
    const d = decodeUdp(src, dst, packet);
    if (!d.ok) {
      this.stats.udpBad++;
      return;
    }
    const handler = this.udpPorts.get(d.datagram.dstPort);
    if (handler === undefined) {
      this.stats.udpNoPort++;
      return;
    }
    this.stats.udpDatagramsReceived++;
    handler(d.datagram.payload.slice(), { ip: src, port: d.datagram.srcPort });
  }

  // ------------------------------------------------------------------ ICMP

  /**
   * Sends an echo request; resolves with the round-trip time in simulated time, or rejects
   * with PEER_PING_TIMEOUT if no reply comes within `timeoutSeconds` (default 1 s).
   */
  ping(ip: string | number, id: number, seq: number, payload: Uint8Array = new Uint8Array(56), timeoutSeconds = 1): Promise<PingReply> {
    const dst = toIp(ip);
    const key = ((id & 0xffff) << 16) | (seq & 0xffff);
    return new Promise<PingReply>((resolve, reject) => {
      const timer = this.clock.after(
        seconds(timeoutSeconds, 'timeoutSeconds'),
        () => {
          this.pings.delete(key);
          reject(new PeerError('PEER_PING_TIMEOUT', `no echo reply from ${formatIp(dst)} (id ${id}, seq ${seq}) within ${timeoutSeconds} s`));
        },
        'ping-timeout',
      );
      this.pings.set(key, { sent: this.clock.now(), timer, resolve });
      this.sendIp(dst, IPPROTO_ICMP, encodeIcmp({ type: ICMP_ECHO_REQUEST, code: 0, id, seq, payload }));
    });
  }

  private receiveIcmp(src: number, ttl: number, packet: Uint8Array): void {
    const d = decodeIcmp(packet);
    if (!d.ok) {
      this.stats.icmpBad++;
      return;
    }
    const m = d.message;
    if (m.type === ICMP_ECHO_REQUEST && m.code === 0) {
      this.stats.icmpEchoRequestsReceived++;
      this.sendIp(src, IPPROTO_ICMP, encodeIcmp({ type: ICMP_ECHO_REPLY, code: 0, id: m.id, seq: m.seq, payload: m.payload }));
    } else if (m.type === ICMP_ECHO_REPLY) {
      const key = (m.id << 16) | m.seq;
      const p = this.pings.get(key);
      if (p === undefined) return;
      this.pings.delete(key);
      p.timer.cancel();
      const rtt = this.clock.now() - p.sent;
      p.resolve({ rttCycles: rtt, rttSeconds: rtt / CLOCK_HZ, ttl, payload: m.payload.slice() });
    }
  }

  // ------------------------------------------------------------------ IPv4 and ARP

  /** Sends an IPv4 packet, resolving the destination's MAC first (packets wait in a queue meanwhile). */
  private sendIp(dst: number, protocol: number, payload: Uint8Array): void {
    const packet = encodeIpv4({ src: this.ip, dst, protocol, id: this.ipId, ttl: 64 }, payload);
    this.ipId = (this.ipId + 1) & 0xffff;
    if (dst === IPV4_BROADCAST) {
      this.sendFrame(BROADCAST_MAC, ETHERTYPE_IPV4, packet);
      return;
    }
    const mac = this.arp.lookup(dst);
    if (mac !== undefined) {
      this.sendFrame(mac, ETHERTYPE_IPV4, packet);
      return;
    }
    let pending = this.pendingArp.get(dst);
    if (pending === undefined) {
      const timer = this.clock.timer(() => this.arpRetry(dst), 'arp-retry');
      pending = { packets: [], attempts: 0, timer };
      this.pendingArp.set(dst, pending);
      this.arpRetry(dst);
    }
    if (pending.packets.length >= this.arpQueueLimit) {
      pending.packets.shift();
      this.stats.arpQueueDrops++;
    }
    pending.packets.push(packet);
  }

  private arpRetry(dst: number): void {
    const pending = this.pendingArp.get(dst);
    if (pending === undefined) return;
    if (pending.attempts >= this.arpAttempts) {
      this.pendingArp.delete(dst);
      this.stats.arpFailures++;
      return;
    }
    pending.attempts++;
    this.stats.arpRequestsSent++;
    this.sendFrame(BROADCAST_MAC, ETHERTYPE_ARP, encodeArp({ op: ARP_REQUEST, senderMac: this.mac, senderIp: this.ip, targetMac: new Uint8Array(6), targetIp: dst }));
    pending.timer.scheduleIn(this.arpRetryCycles);
  }

  private receiveArp(payload: Uint8Array): void {
    const p = decodeArp(payload);
    if (p === null) {
      this.stats.arpBad++;
      return;
    }
    // RFC 826: update an existing entry from any packet; add one only when we are the target.
    const forUs = p.targetIp === this.ip;
    if (forUs || this.arp.has(p.senderIp)) this.arp.learn(p.senderIp, p.senderMac);
    if (!forUs) return;
    if (p.op === ARP_REQUEST) {
      this.stats.arpRepliesSent++;
      this.sendFrame(p.senderMac, ETHERTYPE_ARP, encodeArp({ op: ARP_REPLY, senderMac: this.mac, senderIp: this.ip, targetMac: p.senderMac, targetIp: p.senderIp }));
    }
    const pending = this.pendingArp.get(p.senderIp);
    if (pending !== undefined) {
      this.pendingArp.delete(p.senderIp);
      pending.timer.cancel();
      for (const packet of pending.packets) this.sendFrame(p.senderMac, ETHERTYPE_IPV4, packet);
    }
  }

  private sendFrame(dst: MacAddress, etherType: number, payload: Uint8Array): void {
    if (this.link === null) throw new PeerError('PEER_NOT_ATTACHED', 'the peer host is not attached to a link; call attach(link) first');
    this.stats.framesSent++;
    this.link.send(encodeEthernet(dst, this.mac, etherType, payload));
  }

  /** Handles a frame from the wire (what attach() installs as the link's receive handler). */
  receive(frame: Uint8Array): void {
    this.stats.framesReceived++;
    const eth = decodeEthernet(frame);
    if (eth === null) {
      this.stats.framesBad++;
      return;
    }
    if (!macEquals(frame, 0, this.mac) && !macEquals(frame, 0, BROADCAST_MAC)) {
      this.stats.framesNotForUs++;
      return;
    }
    if (eth.etherType === ETHERTYPE_ARP) {
      this.receiveArp(eth.payload);
      return;
    }
    if (eth.etherType !== ETHERTYPE_IPV4) {
      this.stats.framesBad++;
      return;
    }
    const ip = decodeIpv4(eth.payload);
    if (!ip.ok) {
      if (ip.error === 'checksum') this.stats.ipBadChecksum++;
      else if (ip.error === 'fragment') this.stats.ipFragmentsDropped++;
      else this.stats.ipBadHeader++;
      return;
    }
    const h = ip.header;
    if (h.dst !== this.ip && h.dst !== IPV4_BROADCAST) {
      this.stats.ipNotForUs++;
      return;
    }
    switch (h.protocol) {
      case IPPROTO_TCP:
        this.receiveTcp(h.src, h.dst, ip.payload);
        break;
      case IPPROTO_UDP:
        this.receiveUdp(h.src, h.dst, ip.payload);
        break;
      case IPPROTO_ICMP:
        this.receiveIcmp(h.src, h.ttl, ip.payload);
        break;
      default:
        this.stats.ipUnknownProtocol++;
    }
  }
}

function socketKey(remoteIp: number, remotePort: number, localPort: number): string {
  return `${remoteIp}:${remotePort}:${localPort}`;
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 0xffff) throw new PeerError('PEER_OPTION_INVALID', `port ${port} is not in 1..65535`);
}

function seconds(s: number, what: string): number {
  if (!(s >= 0) || !Number.isFinite(s)) throw new PeerError('PEER_OPTION_INVALID', `${what} must be a finite number of seconds >= 0, got ${s}`);
  return Math.round(s * CLOCK_HZ);
}
