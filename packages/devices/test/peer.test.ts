import { describe, expect, it } from 'vitest';

import {
  ARP_REQUEST,
  Clock,
  ETHERTYPE_IPV4,
  ICMP_ECHO_REQUEST,
  IPPROTO_TCP,
  IPPROTO_UDP,
  LinkPair,
  PatternGenerator,
  PeerHost,
  TCP_ACK,
  TCP_SYN,
  decodeArp,
  decodeEthernet,
  decodeIcmp,
  decodeIpv4,
  decodeTcp,
  decodeUdp,
  dropEveryNth,
  dropRandomly,
  encodeArp,
  encodeEthernet,
  encodeIcmp,
  encodeIpv4,
  encodeTcp,
  encodeUdp,
  formatIp,
  parseIp,
  secondsToCycles,
  streamSink,
  streamSource,
} from '../src/index.js';
import type { LinkFrameInfo, LinkPairOptions, PeerSocket, StreamSink, TcpCloseReason, TcpOptions } from '../src/index.js';

import { formatMac, internetChecksum, parseMac } from '@nooks/net';

import { FakeCpu } from './fake-cpu.js';

const A_IP = '10.0.0.1';
const B_IP = '10.0.0.2';

function setup(link: LinkPairOptions = {}, tcp?: TcpOptions) {
  const cpu = new FakeCpu();
  cpu.halted = true; // nothing runs on the CPU: the clock jumps from event to event
  const clock = new Clock(cpu);
  const wire = new LinkPair(clock, link);
  const a = new PeerHost({ clock, mac: '02:00:00:00:00:01', ip: A_IP, tcp });
  const b = new PeerHost({ clock, mac: '02:00:00:00:00:02', ip: B_IP, tcp });
  a.attach(wire.a);
  b.attach(wire.b);
  /** Runs events until `done()` or until `maxSeconds` of simulated time pass. */
  const run = (done: () => boolean = () => false, maxSeconds = 30): void => {
    const limit = clock.now() + secondsToCycles(maxSeconds);
    while (!done() && clock.nextEventTime() <= limit) clock.advanceIdle(limit);
  };
  return { clock, wire, a, b, run };
}

/** Checks every layer's checksum of a frame the peer sent. */
function assertValidFrame(frame: Uint8Array): void {
  const eth = decodeEthernet(frame);
  expect(eth).not.toBeNull();
  if (eth === null || eth.etherType !== ETHERTYPE_IPV4) return;
  const ip = decodeIpv4(eth.payload);
  expect(ip.ok).toBe(true);
  if (!ip.ok) return;
  if (ip.header.protocol === IPPROTO_TCP) expect(decodeTcp(ip.header.src, ip.header.dst, ip.payload).ok).toBe(true);
  if (ip.header.protocol === IPPROTO_UDP) expect(decodeUdp(ip.header.src, ip.header.dst, ip.payload).ok).toBe(true);
}

/** b listens on 5001 with a stream sink; a connects and sends `bytes` of the pattern. */
function transfer(env: ReturnType<typeof setup>, bytes: number) {
  let sink: StreamSink | undefined;
  let server: PeerSocket | undefined;
  const closes: string[] = [];
  env.b.tcpListen(5001, (s) => {
    server = s;
    sink = streamSink(s, { seed: 7, onEnd: () => s.close() });
    s.onClose((r) => closes.push(`server:${r}`));
  });
  const client = env.a.tcpConnect(B_IP, 5001);
  client.onClose((r) => closes.push(`client:${r}`));
  const source = streamSource(client, bytes, { seed: 7 });
  env.run(() => client.state === 'CLOSED' && server?.state === 'CLOSED');
  return { sink: sink!, server: server!, client, source, closes };
}

describe('peer codecs', () => {
  it('computes the Internet checksum (RFC 1071 example, an IPv4 header, odd lengths)', () => {
    expect(internetChecksum(new Uint8Array([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]))).toBe(0x220d);
    const hdr = new Uint8Array([0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0, 0, 0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0, 0xc7]);
    expect(internetChecksum(hdr)).toBe(0xb861);
    hdr[10] = 0xb8;
    hdr[11] = 0x61;
    expect(internetChecksum(hdr)).toBe(0);
    expect(internetChecksum(new Uint8Array([0x01]))).toBe(0xfeff);
    expect(internetChecksum(new Uint8Array(0))).toBe(0xffff);
  });

  it('parses and formats addresses', () => {
    expect(formatMac(parseMac('02:00:0A:ff:00:01'))).toBe('02:00:0a:ff:00:01');
    expect(formatIp(parseIp('192.168.0.199'))).toBe('192.168.0.199');
    expect(parseIp('10.0.0.2')).toBe(0x0a000002);
    expect(() => parseIp('10.0.0.256')).toThrow(/not an IPv4 address/);
    expect(() => parseMac('02:00')).toThrow(/not a MAC address/);
  });

  it('round-trips Ethernet (padded to 60 bytes) and ARP', () => {
    const dst = parseMac('ff:ff:ff:ff:ff:ff');
    const src = parseMac('02:00:00:00:00:01');
    const arp = { op: ARP_REQUEST, senderMac: src, senderIp: parseIp(A_IP), targetMac: new Uint8Array(6), targetIp: parseIp(B_IP) };
    const frame = encodeEthernet(dst, src, 0x0806, encodeArp(arp));
    expect(frame.length).toBe(60);
    const eth = decodeEthernet(frame)!;
    expect(eth.etherType).toBe(0x0806);
    expect(formatMac(eth.src)).toBe('02:00:00:00:00:01');
    expect(decodeArp(eth.payload)).toEqual(arp);
    expect(decodeEthernet(new Uint8Array(10))).toBeNull();
    expect(decodeArp(new Uint8Array(28))).toBeNull();
  });

  it('round-trips IPv4 and rejects bad checksums, lengths and fragments', () => {
    const payload = new Uint8Array([1, 2, 3, 4, 5]);
    const p = encodeIpv4({ src: parseIp(A_IP), dst: parseIp(B_IP), protocol: 17, id: 0x1234 }, payload);
    const padded = new Uint8Array(46);
    padded.set(p);
    const d = decodeIpv4(padded);
    expect(d.ok).toBe(true);
    if (d.ok) {
      expect(d.header).toMatchObject({ src: parseIp(A_IP), dst: parseIp(B_IP), protocol: 17, ttl: 64, id: 0x1234, dontFragment: true, totalLength: 25 });
      expect([...d.payload]).toEqual([1, 2, 3, 4, 5]);
    }
    const bad = p.slice();
    bad[8] = 63; // TTL changed, checksum not updated
    expect(decodeIpv4(bad)).toEqual({ ok: false, error: 'checksum' });
    expect(decodeIpv4(p.subarray(0, 22))).toEqual({ ok: false, error: 'total-length' });
    const frag = p.slice();
    frag[6] = 0x20; // MF
    frag[10] = 0;
    frag[11] = 0;
    const sum = internetChecksum(frag, 0, 20);
    frag[10] = sum >> 8;
    frag[11] = sum & 0xff;
    expect(decodeIpv4(frag)).toEqual({ ok: false, error: 'fragment' });
  });

  it('round-trips ICMP echo, UDP and TCP with their checksums', () => {
    const src = parseIp(A_IP);
    const dst = parseIp(B_IP);
    const icmp = encodeIcmp({ type: ICMP_ECHO_REQUEST, code: 0, id: 7, seq: 9, payload: new Uint8Array([9, 8, 7]) });
    expect(decodeIcmp(icmp)).toMatchObject({ ok: true, message: { type: 8, id: 7, seq: 9 } });
    icmp[9] = 0;
    expect(decodeIcmp(icmp)).toEqual({ ok: false, error: 'checksum' });

    const udp = encodeUdp(src, dst, { srcPort: 1234, dstPort: 7, payload: new Uint8Array([1, 2, 3]) });
    const u = decodeUdp(src, dst, udp);
    expect(u.ok && [u.datagram.srcPort, u.datagram.dstPort, ...u.datagram.payload]).toEqual([1234, 7, 1, 2, 3]);
    expect(decodeUdp(src, parseIp('10.0.0.3'), udp)).toEqual({ ok: false, error: 'checksum' }); // pseudo-header counts
    const noSum = udp.slice();
    noSum[6] = 0;
    noSum[7] = 0;
    expect(decodeUdp(src, dst, noSum).ok).toBe(true);

    const seg = { srcPort: 40000, dstPort: 80, seq: 0xfffffff0, ack: 5, flags: TCP_SYN | TCP_ACK, window: 1000, mss: 1460, windowScale: 3, payload: new Uint8Array([0xaa]) };
    const tcp = encodeTcp(src, dst, seg);
    expect(tcp.length).toBe(29);
    const t = decodeTcp(src, dst, tcp);
    expect(t.ok && { ...t.segment, payload: [...t.segment.payload] }).toEqual({ ...seg, payload: [0xaa] });
    tcp[28] = 0xab;
    expect(decodeTcp(src, dst, tcp)).toEqual({ ok: false, error: 'checksum' });
  });

  it('generates a deterministic pattern independent of the chunking', () => {
    const whole = new PatternGenerator(5).next(1000);
    const g = new PatternGenerator(5);
    const parts = [g.next(3), g.next(500), g.next(497)];
    expect(Buffer.concat(parts).equals(Buffer.from(whole))).toBe(true);
    expect(Buffer.from(new PatternGenerator(6).next(1000)).equals(Buffer.from(whole))).toBe(false);
  });
});

describe('peer hosts over a LinkPair', () => {
  it('resolves with ARP, queueing the packet meanwhile, and gives up on a silent address', () => {
    const { a, b, run } = setup();
    const got: number[][] = [];
    b.udpBind(9, (data) => got.push([...data]));
    a.udpSend(1000, B_IP, 9, new Uint8Array([42]));
    expect(a.arp.lookup(parseIp(B_IP))).toBeUndefined();
    run();
    expect(got).toEqual([[42]]);
    expect(formatMac(a.arp.lookup(parseIp(B_IP))!)).toBe('02:00:00:00:00:02');
    expect(formatMac(b.arp.lookup(parseIp(A_IP))!)).toBe('02:00:00:00:00:01'); // learned from the request
    expect([a.stats.arpRequestsSent, b.stats.arpRepliesSent, b.stats.arpRequestsSent]).toEqual([1, 1, 0]);

    a.udpSend(1000, '10.0.0.99', 9, new Uint8Array([1]));
    run();
    expect(a.stats.arpRequestsSent).toBe(1 + 3);
    expect(a.stats.arpFailures).toBe(1);
  });

  it('expires ARP entries after their timeout', () => {
    const cpu = new FakeCpu();
    cpu.halted = true;
    const clock = new Clock(cpu);
    const wire = new LinkPair(clock);
    const a = new PeerHost({ clock, mac: '02:00:00:00:00:01', ip: A_IP, arpTimeoutSeconds: 0.001 });
    const b = new PeerHost({ clock, mac: '02:00:00:00:00:02', ip: B_IP });
    a.attach(wire.a);
    b.attach(wire.b);
    a.udpSend(1000, B_IP, 9, new Uint8Array(1));
    clock.idleUntil(secondsToCycles(0.0005));
    expect(a.arp.lookup(parseIp(B_IP))).toBeDefined();
    clock.idleUntil(secondsToCycles(0.002));
    expect(a.arp.lookup(parseIp(B_IP))).toBeUndefined();
  });

  it('pings with an RTT of twice (wire time + latency)', async () => {
    const latencySeconds = 5e-6;
    const { a, b, wire, run } = setup({ latencySeconds });
    const first = a.ping(B_IP, 1, 1); // includes ARP resolution
    run();
    const r1 = await first;
    const second = a.ping(B_IP, 1, 2, new Uint8Array(56).fill(0x5a));
    run();
    const r2 = await second;
    const oneWay = Math.ceil(wire.transmitCycles(14 + 20 + 8 + 56) + secondsToCycles(latencySeconds));
    expect(r2.rttCycles).toBe(2 * oneWay);
    expect(r1.rttCycles).toBeGreaterThan(r2.rttCycles);
    expect(r2.payload.every((x) => x === 0x5a)).toBe(true);
    expect(b.stats.icmpEchoRequestsReceived).toBe(2);
    await expect(
      (async () => {
        const p = a.ping('10.0.0.3', 1, 3, undefined, 0.5);
        run();
        return p;
      })(),
    ).rejects.toMatchObject({ code: 'PEER_PING_TIMEOUT' });
  });

  it('echoes UDP datagrams', () => {
    const { a, b, run } = setup();
    const echo = b.udpBind(7, (data, from) => echo.send(from.ip, from.port, data));
    const replies: string[] = [];
    const client = a.udpBind(0, (data, from) => replies.push(`${formatIp(from.ip)}:${from.port} ${Buffer.from(data).toString()}`));
    client.send(B_IP, 7, Buffer.from('hello'));
    client.send(B_IP, 7, Buffer.from('world'));
    a.udpSend(client.port, B_IP, 8, new Uint8Array(3)); // nobody there
    run();
    expect(replies).toEqual(['10.0.0.2:7 hello', '10.0.0.2:7 world']);
    expect(b.stats.udpNoPort).toBe(1);
  });

  it('counts and drops frames with bad checksums', () => {
    const frames: Uint8Array[] = [];
    const tap = (info: LinkFrameInfo): boolean => {
      if (info.direction === 'a->b') frames.push(info.frame.slice());
      return false;
    };
    const env2 = setup({ drop: tap });
    const got: number[] = [];
    env2.b.udpBind(9, (d) => got.push(d.length));
    env2.a.udpSend(1, B_IP, 9, new Uint8Array(100));
    env2.run();
    const udpFrame = frames[1]!; // after the ARP request
    const badUdp = udpFrame.slice();
    badUdp[14 + 20 + 8 + 50] = badUdp[14 + 20 + 8 + 50]! ^ 1;
    const badIp = udpFrame.slice();
    badIp[14 + 8] = badIp[14 + 8]! ^ 1; // TTL
    env2.b.receive(badUdp);
    env2.b.receive(badIp);
    env2.b.receive(new Uint8Array(5));
    expect(got).toEqual([100]);
    expect(env2.b.stats).toMatchObject({ udpBad: 1, ipBadChecksum: 1, framesBad: 1 });
  });

  it('streams 4 MB byte-exact at more than 80% of 1 Gb/s, then closes from the client', () => {
    const env = setup({ latencySeconds: 10e-6 });
    const t = transfer(env, 4 << 20);
    expect(t.sink.bytes).toBe(4 << 20);
    expect(t.sink.mismatches).toBe(0);
    expect(t.sink.ended).toBe(true);
    expect(t.sink.throughputBitsPerSecond()).toBeGreaterThan(0.8e9);
    expect(t.sink.throughputBitsPerSecond()).toBeLessThan(1e9);
    expect(t.client.stats.retransmissions).toBe(0);
    expect(t.client.stats.bytesSent).toBe(4 << 20);
    expect(t.server.stats.bytesReceived).toBe(4 << 20);
    // The active closer (client) is done when it enters TIME_WAIT; the server after the last ACK.
    expect(t.closes).toEqual(['client:closed', 'server:closed']);
    expect(env.a.connections).toEqual([]);
    expect(env.b.connections).toEqual([]);
  });

  it('scales the window (RFC 7323) to fill a long pipe, and honours the peer\'s MSS', () => {
    const rate = (tcp: TcpOptions) => {
      const env = setup({ latencySeconds: 0.5e-3 }, tcp);
      const t = transfer(env, 6 << 20);
      expect(t.sink.mismatches).toBe(0);
      expect(t.sink.bytes).toBe(6 << 20);
      return t.sink.throughputBitsPerSecond();
    };
    expect(rate({})).toBeGreaterThan(0.8e9); // 256 KiB window > 1 Gb/s x 1 ms
    expect(rate({ windowScale: false, receiveWindow: 65535 })).toBeLessThan(0.55e9); // 64 KiB / 1 ms

    const env = setup();
    const small = new PeerHost({ clock: env.clock, mac: '02:00:00:00:00:03', ip: '10.0.0.3', tcp: { mss: 536 } });
    const wire = new LinkPair(env.clock, {
      onFrame: (f) => {
        if (f.direction === 'a->b') expect(f.frame.length).toBeLessThanOrEqual(14 + 20 + 20 + 536);
      },
    });
    const big = new PeerHost({ clock: env.clock, mac: '02:00:00:00:00:04', ip: '10.0.0.4' });
    big.attach(wire.a);
    small.attach(wire.b);
    let got = 0;
    small.tcpListen(9, (s) => s.onData((d) => (got += d.length)));
    const c = big.tcpConnect('10.0.0.3', 9);
    c.write(new Uint8Array(10000));
    env.run(() => got === 10000);
    expect(got).toBe(10000);
    expect(c.mss).toBe(536);
  });

  it('stops at a zero window while the reader is paused, probes it, and resumes', () => {
    const { a, b, run } = setup();
    let server: PeerSocket | undefined;
    let sink: StreamSink | undefined;
    b.tcpListen(5001, (s) => {
      server = s;
      sink = streamSink(s, { seed: 3 });
      s.pause();
    });
    const c = a.tcpConnect(B_IP, 5001);
    streamSource(c, 1 << 20, { seed: 3 });
    run(() => false, 3); // 3 simulated seconds with the reader paused
    expect(c.state).toBe('FIN_WAIT_1'); // the source queued everything and its FIN
    // The receive window, less the rounding of its scaled (>> 3) advertisement.
    expect(c.stats.bytesSent).toBeGreaterThan(256 * 1024 - 8);
    expect(c.stats.bytesSent).toBeLessThanOrEqual(256 * 1024);
    expect(sink!.bytes).toBe(0);
    const probes = b.stats.tcpSegmentsReceived;
    run(() => false, 3);
    expect(b.stats.tcpSegmentsReceived).toBeGreaterThan(probes); // persist probes keep coming
    expect(c.stats.timeouts).toBe(0);
    server!.resume();
    run(() => sink!.ended);
    expect(sink!.bytes).toBe(1 << 20);
    expect(sink!.mismatches).toBe(0);
    expect(c.stats.retransmissions).toBe(0);
  });

  it('recovers every 50th data frame lost (fast retransmit) and stays byte-exact', () => {
    const env = setup({ drop: dropEveryNth(50, 'a->b') });
    const t = transfer(env, 1 << 20);
    expect(t.sink.bytes).toBe(1 << 20);
    expect(t.sink.mismatches).toBe(0);
    expect(t.client.stats.retransmissions).toBeGreaterThan(0);
    expect(t.client.stats.fastRetransmits).toBeGreaterThan(0);
    expect(t.server.stats.outOfOrderSegments).toBeGreaterThan(0);
    expect(t.closes).toEqual(['client:closed', 'server:closed']);
  });

  it('backs off when its own transmit queue overflows (drop-tail), byte-exact', () => {
    const env = setup({ queueLimit: 16, latencySeconds: 50e-6 });
    const t = transfer(env, 2 << 20);
    expect(t.sink.bytes).toBe(2 << 20);
    expect(t.sink.mismatches).toBe(0);
    expect(env.wire.a.stats.queueDrops).toBeGreaterThan(0);
    expect(t.client.stats.fastRetransmits).toBeGreaterThan(0);
    expect(t.client.slowStartThreshold).toBeLessThan(0x40000000); // left slow start
    expect(t.sink.throughputBitsPerSecond()).toBeGreaterThan(0.3e9);
  });

  it('survives random loss in both directions (timeouts included), every frame valid', () => {
    const frames: LinkFrameInfo[] = [];
    const drop = dropRandomly(0.03, 1234);
    const env = setup({ drop: (info) => drop(info), onFrame: (info) => frames.push(info) });
    const t = transfer(env, 1 << 20);
    expect(t.sink.bytes).toBe(1 << 20);
    expect(t.sink.mismatches).toBe(0);
    expect(t.client.stats.retransmissions).toBeGreaterThan(0);
    expect(env.wire.a.stats.dropped + env.wire.b.stats.dropped).toBeGreaterThan(10);
    for (const f of frames) assertValidFrame(f.frame);
  });

  it('closes from the server side: FIN first from the listener', () => {
    const { a, b, run } = setup();
    const events: string[] = [];
    b.tcpListen(80, (s) => {
      s.write(new Uint8Array(3000).fill(1));
      s.close();
      s.onClose((r) => events.push(`server:${r}`));
    });
    const c = a.tcpConnect(B_IP, 80);
    let got = 0;
    c.onConnect(() => events.push('client:connect'));
    c.onData((d) => (got += d.length));
    c.onEnd(() => {
      events.push(`client:end ${got}`);
      c.close();
    });
    c.onClose((r: TcpCloseReason) => events.push(`client:${r}`));
    run(() => c.state === 'CLOSED' && b.connections.length === 0);
    expect(events).toEqual(['client:connect', 'client:end 3000', 'server:closed', 'client:closed']);
  });

  it('survives a lost SYN (initial RTO) and a lost last ACK (TIME_WAIT answers the FIN again)', () => {
    const flagsOf = (frame: Uint8Array): number => {
      const eth = decodeEthernet(frame);
      if (eth === null || eth.etherType !== ETHERTYPE_IPV4) return -1;
      const ip = decodeIpv4(eth.payload);
      if (!ip.ok || ip.header.protocol !== IPPROTO_TCP) return -1;
      const t = decodeTcp(ip.header.src, ip.header.dst, ip.payload);
      return t.ok && t.segment.payload.length === 0 ? t.segment.flags : t.ok ? 0x100 | t.segment.flags : -1;
    };
    let synDropped = false;
    let serverFinSent = false;
    let lastAckDropped = false;
    const env = setup({
      drop: ({ direction, frame }) => {
        const f = flagsOf(frame);
        if (direction === 'a->b' && f === TCP_SYN && !synDropped) return (synDropped = true);
        if (direction === 'b->a' && f >= 0 && f & 0x01) serverFinSent = true;
        if (direction === 'a->b' && serverFinSent && f === TCP_ACK && !lastAckDropped) return (lastAckDropped = true);
        return false;
      },
    });
    const t = transfer(env, 100_000);
    expect([synDropped, lastAckDropped]).toEqual([true, true]);
    expect(t.sink.bytes).toBe(100_000);
    expect(t.sink.firstByteTime).toBeGreaterThan(secondsToCycles(1)); // the SYN went again after 1 s
    expect(t.closes).toEqual(['client:closed', 'server:closed']);
    expect(t.server.stats.retransmissions).toBe(1); // its FIN
  });

  it('answers a connection to a closed port with RST (refused), and an abort resets the other side', () => {
    const { a, b, run } = setup();
    const c = a.tcpConnect(B_IP, 81);
    let reason = '';
    c.onClose((r) => (reason = r));
    run();
    expect(reason).toBe('refused');
    expect(b.stats.tcpRstSent).toBe(1);

    let serverReason = '';
    b.tcpListen(82, (s) => s.onClose((r) => (serverReason = r)));
    const c2 = a.tcpConnect(B_IP, 82);
    c2.onConnect(() => c2.abort());
    run();
    expect(serverReason).toBe('reset');
    expect(c2.closeReason).toBe('aborted');
  });

  it('is deterministic: the same lossy run twice gives the same trace and counters', () => {
    const once = () => {
      const trace: string[] = [];
      const drop = dropRandomly(0.02, 99);
      const env = setup({
        latencySeconds: 2e-6,
        drop,
        onFrame: (f) => trace.push(`${f.direction} ${f.sendTime} ${f.arrivalTime} ${f.frame.length} ${f.dropped} ${internetChecksum(f.frame)}`),
      });
      const t = transfer(env, 512 * 1024);
      return { trace, client: t.client.stats, server: t.server.stats, a: env.a.stats, b: env.b.stats, bytes: t.sink.bytes };
    };
    const r1 = once();
    const r2 = once();
    expect(r1.bytes).toBe(512 * 1024);
    expect(r2.trace).toEqual(r1.trace);
    expect(r2.client).toEqual(r1.client);
    expect(r2.server).toEqual(r1.server);
    expect(r2.a).toEqual(r1.a);
    expect(r2.b).toEqual(r1.b);
  });
});
