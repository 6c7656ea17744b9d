// One TCP connection of the peer (RFC 793 state machine, RFC 6298 retransmission timer, RFC 5681
// Reno congestion control with RFC 6582 NewReno partial-ACK handling, RFC 7323 window scaling).
//
// Sequence numbers are handled as positions in an unbounded linear space (position 0 is the
// SYN, data byte k is at position k + 1, the FIN follows the last data byte), converted to and
// from the 32-bit wire values at the edges, so no comparison in here has to care about
// wrap-around. Out-of-order segments are buffered (within the receive window) and delivered
// when the hole is filled; no SACK.

import type { NetClock as Clock, NetTimer as Timer } from './clock.js';

import { PeerError } from './errors.js';
import type { TcpSegment } from './tcp.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from './tcp.js';

export type TcpState =
  | 'SYN_SENT'
  | 'SYN_RECEIVED'
  | 'ESTABLISHED'
  | 'FIN_WAIT_1'
  | 'FIN_WAIT_2'
  | 'CLOSE_WAIT'
  | 'CLOSING'
  | 'LAST_ACK'
  | 'TIME_WAIT'
  | 'CLOSED';

/** Why a connection ended: an orderly close, a reset from the other side, a refused connect, too many retransmissions, or a local abort. */
export type TcpCloseReason = 'closed' | 'reset' | 'refused' | 'timeout' | 'aborted';

/** TCP settings, resolved to cycles (see TcpOptions in host.ts for the defaults). */
export interface TcpConfig {
  mss: number;
  receiveWindow: number;
  windowScale: boolean;
  initialCwndSegments: number;
  minRtoCycles: number;
  maxRtoCycles: number;
  initialRtoCycles: number;
  /** 0 disables delayed ACKs. */
  delayedAckCycles: number;
  timeWaitCycles: number;
  maxRetries: number;
  sendLowWater: number;
}

export interface TcpSocketStats {
  /** Data bytes sent for the first time. */
  bytesSent: number;
  /** Data bytes delivered to the application, in order. */
  bytesReceived: number;
  segmentsSent: number;
  segmentsReceived: number;
  /** Segments sent again (by timeout, fast retransmit or NewReno partial ACK). */
  retransmissions: number;
  fastRetransmits: number;
  timeouts: number;
  dupAcksReceived: number;
  outOfOrderSegments: number;
}

/** What a socket needs from its host. */
export interface TcpHostServices {
  readonly clock: Clock;
  transmitTcp(remoteIp: number, segment: TcpSegment): void;
  /** The connection is gone (CLOSED): forget it. */
  releaseSocket(socket: PeerSocket): void;
  /** A passive connection completed its handshake. */
  acceptSocket(socket: PeerSocket): void;
}

/** The bytes written by the application and not yet acknowledged. */
class SendBuffer {
  private chunks: Uint8Array[] = [];
  /** Bytes of chunks[0] already consumed. */
  private head = 0;
  /** Data offset of the first byte held. */
  base = 0;
  length = 0;

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes.slice());
    this.length += bytes.length;
  }

  /** Drops everything before data offset `offset`. */
  consumeTo(offset: number): void {
    let n = offset - this.base;
    if (n <= 0) return;
    this.base = offset;
    this.length -= n;
    while (n > 0) {
      const c = this.chunks[0]!;
      const left = c.length - this.head;
      if (n < left) {
        this.head += n;
        return;
      }
      n -= left;
      this.chunks.shift();
      this.head = 0;
    }
  }

  /** Copies `len` bytes from data offset `offset`. */
  read(offset: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let skip = offset - this.base + this.head;
    let o = 0;
    for (const c of this.chunks) {
      if (skip >= c.length) {
        skip -= c.length;
        continue;
      }
      const n = Math.min(c.length - skip, len - o);
      out.set(c.subarray(skip, skip + n), o);
      o += n;
      skip = 0;
      if (o === len) break;
    }
    return out;
  }
}

const SSTHRESH_INFINITE = 0x40000000;

export class PeerSocket {
  state: TcpState;
  readonly stats: TcpSocketStats = {
    bytesSent: 0,
    bytesReceived: 0,
    segmentsSent: 0,
    segmentsReceived: 0,
    retransmissions: 0,
    fastRetransmits: 0,
    timeouts: 0,
    dupAcksReceived: 0,
    outOfOrderSegments: 0,
  };
  /** Why the connection ended (undefined while it is open). */
  closeReason: TcpCloseReason | undefined;

  private connectHandler: (() => void) | null = null;
  private dataHandler: ((data: Uint8Array) => void) | null = null;
  private endHandler: (() => void) | null = null;
  private closeHandler: ((reason: TcpCloseReason) => void) | null = null;
  private drainHandler: (() => void) | null = null;

  // Send side (positions; see the header comment).
  private readonly iss: number;
  private una = 0;
  private nxt = 0;
  private max = 0;
  private written = 0;
  private finQueued = false;
  private sndWnd = 0;
  private sndWscale = 0;
  private peerMss = 536;
  private cwnd = 0;
  private ssthresh = SSTHRESH_INFINITE;
  private dupAcks = 0;
  private inRecovery = false;
  private recover = 0;
  private readonly sendBuf = new SendBuffer();

  // Retransmission timer (RFC 6298).
  private srtt = -1;
  private rttvar = 0;
  private rto: number;
  private rttPos = -1;
  private rttStart = 0;
  private retries = 0;

  // Receive side.
  private irs = 0;
  private rcvNxt = 0;
  private rcvWscale = 0;
  private peerOfferedWs = false;
  private remoteFinPos = -1;
  private ooo: { pos: number; data: Uint8Array }[] = [];
  private unackedSegments = 0;
  /** While paused, in-order data waits here and the advertised window shrinks by its size. */
  private paused = false;
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private endPending = false;

  private readonly rtoTimer: Timer;
  private readonly delackTimer: Timer;
  private readonly timeWaitTimer: Timer;
  private closeNotified = false;

  /** @internal Created by PeerHost (tcpConnect, or a SYN to a listening port). */
  constructor(
    private readonly host: TcpHostServices,
    private readonly config: TcpConfig,
    readonly localIp: number,
    readonly localPort: number,
    readonly remoteIp: number,
    readonly remotePort: number,
    iss: number,
    syn?: TcpSegment,
  ) {
    const clock = host.clock;
    this.iss = iss >>> 0;
    this.rto = config.initialRtoCycles;
    this.rtoTimer = clock.timer(() => this.onRetransmitTimeout(), 'tcp-rto');
    this.delackTimer = clock.timer(() => this.sendAck(), 'tcp-delack');
    this.timeWaitTimer = clock.timer(() => this.finish('closed'), 'tcp-time-wait');
    if (syn === undefined) {
      this.state = 'SYN_SENT';
    } else {
      this.state = 'SYN_RECEIVED';
      this.irs = syn.seq;
      this.rcvNxt = 1;
      this.takeSynOptions(syn);
    }
    this.sendSyn(false);
  }

  // ------------------------------------------------------------------ application API

  /** Called once the three-way handshake completes (active open). */
  onConnect(handler: () => void): this {
    this.connectHandler = handler;
    return this;
  }

  /** In-order data as it arrives (the view is the handler's to keep). */
  onData(handler: (data: Uint8Array) => void): this {
    this.dataHandler = handler;
    return this;
  }

  /** The other side closed its direction (FIN received, after all its data). */
  onEnd(handler: () => void): this {
    this.endHandler = handler;
    return this;
  }

  /** The connection is over, with the reason. */
  onClose(handler: (reason: TcpCloseReason) => void): this {
    this.closeHandler = handler;
    return this;
  }

  /** The unacknowledged data fell to the low-water mark (a good time to write more). */
  onDrain(handler: () => void): this {
    this.drainHandler = handler;
    return this;
  }

  /** Queues bytes for sending (copied; the buffer is unbounded, watch `bufferedAmount`). */
  write(bytes: Uint8Array): void {
    if (this.finQueued || this.state === 'CLOSED' || this.state === 'TIME_WAIT') {
      throw new PeerSocketClosedError(this, 'write');
    }
    this.sendBuf.push(bytes);
    this.written += bytes.length;
    this.output();
  }

  /** Sends a FIN after the queued data (the other direction stays open until its FIN). */
  close(): void {
    if (this.finQueued) return;
    switch (this.state) {
      case 'SYN_SENT':
      case 'SYN_RECEIVED':
        this.finQueued = true; // applied when the handshake completes
        return;
      case 'ESTABLISHED':
        this.finQueued = true;
        this.state = 'FIN_WAIT_1';
        break;
      case 'CLOSE_WAIT':
        this.finQueued = true;
        this.state = 'LAST_ACK';
        break;
      default:
        return;
    }
    this.output();
  }

  /** Resets the connection (RST) and drops everything queued. */
  abort(): void {
    if (this.state === 'CLOSED') return;
    if (this.state !== 'SYN_SENT' && this.state !== 'TIME_WAIT') {
      this.transmit(this.nxt, TCP_RST | TCP_ACK, new Uint8Array(0));
    }
    this.finish('aborted');
  }

  /** The simulation clock the connection runs on. */
  get clock(): Clock {
    return this.host.clock;
  }

  /** Stops delivering data (a slow reader): it is held, and the advertised window closes as it fills. */
  pause(): void {
    this.paused = true;
  }

  /** Delivers the held data, then reopens the window (with a window update). */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const d of held) {
      this.heldBytes -= d.length;
      this.stats.bytesReceived += d.length;
      this.dataHandler?.(d);
    }
    if (this.state !== 'CLOSED' && this.state !== 'SYN_SENT') this.sendAck();
    if (this.endPending) {
      this.endPending = false;
      this.endHandler?.();
    }
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Data written and not yet acknowledged. */
  get bufferedAmount(): number {
    return this.sendBuf.length;
  }

  get congestionWindow(): number {
    return this.cwnd;
  }

  get slowStartThreshold(): number {
    return this.ssthresh;
  }

  /** The current retransmission timeout in cycles. */
  get retransmissionTimeout(): number {
    return this.rto;
  }

  /** The smoothed RTT in cycles (-1 before the first sample). */
  get smoothedRtt(): number {
    return this.srtt;
  }

  /** The MSS in use for sending (min of ours and the peer's). */
  get mss(): number {
    return Math.min(this.peerMss, this.config.mss);
  }

  // ------------------------------------------------------------------ segment arrival

  /** @internal A segment for this connection (already checksum-verified). */
  segmentArrived(seg: TcpSegment): void {
    this.stats.segmentsReceived++;
    if (this.state === 'CLOSED') return;
    if (this.state === 'SYN_SENT') {
      this.synSentArrived(seg);
      return;
    }
    if (seg.flags & TCP_RST) {
      const pos = this.rcvPos(seg.seq);
      if (pos >= this.rcvNxt && pos <= this.rcvNxt + this.config.receiveWindow) this.finish('reset');
      return;
    }
    if (seg.flags & TCP_SYN) {
      if (this.state === 'SYN_RECEIVED' && seg.seq === this.irs) this.sendSyn(true); // our SYN-ACK was lost
      else this.sendAck(); // RFC 5961 challenge ACK
      return;
    }
    if (!(seg.flags & TCP_ACK)) return;
    if (this.state === 'SYN_RECEIVED') {
      if (this.ackPos(seg.ack) !== 1) {
        this.host.transmitTcp(this.remoteIp, this.bareSegment(seg.ack, 0, TCP_RST));
        return;
      }
      this.handshakeDone(seg);
      this.host.acceptSocket(this);
      // The accept handler may have aborted the connection.
      const after = this.state as TcpState;
      if (after !== 'ESTABLISHED' && after !== 'FIN_WAIT_1') return;
    }
    if (!this.processAck(seg)) return;
    const finAcked = this.finQueued && this.una === this.written + 2;
    switch (this.state) {
      case 'FIN_WAIT_1':
        if (finAcked) this.state = 'FIN_WAIT_2';
        break;
      case 'CLOSING':
        if (finAcked) this.enterTimeWait();
        break;
      case 'LAST_ACK':
        if (finAcked) {
          this.finish('closed');
          return;
        }
        break;
      default:
        break;
    }
    if (seg.payload.length > 0 || seg.flags & TCP_FIN) this.processData(seg);
    this.output();
  }

  private synSentArrived(seg: TcpSegment): void {
    const hasAck = (seg.flags & TCP_ACK) !== 0;
    if (hasAck && seg.ack !== ((this.iss + 1) >>> 0)) {
      if (!(seg.flags & TCP_RST)) this.host.transmitTcp(this.remoteIp, this.bareSegment(seg.ack, 0, TCP_RST));
      return;
    }
    if (seg.flags & TCP_RST) {
      if (hasAck) this.finish('refused');
      return;
    }
    if (!(seg.flags & TCP_SYN) || !hasAck) return; // simultaneous open is not supported
    this.irs = seg.seq;
    this.rcvNxt = 1;
    this.takeSynOptions(seg);
    this.handshakeDone(seg);
    this.sendAck();
    this.connectHandler?.();
    this.output();
  }

  private takeSynOptions(syn: TcpSegment): void {
    if (syn.mss !== undefined && syn.mss > 0) this.peerMss = syn.mss;
    if (this.config.windowScale && syn.windowScale !== undefined) {
      this.peerOfferedWs = true;
      this.sndWscale = syn.windowScale;
      this.rcvWscale = windowShift(this.config.receiveWindow);
    }
  }

  /** Our SYN is acknowledged: the connection is established. */
  private handshakeDone(seg: TcpSegment): void {
    this.una = 1;
    if (this.nxt < 1) this.nxt = 1;
    this.rtoTimer.cancel();
    if (this.rttPos === 1) this.rttSample(this.host.clock.now() - this.rttStart);
    this.rttPos = -1;
    this.retries = 0;
    // The window field of a SYN segment is never scaled; later ones are.
    this.sndWnd = seg.flags & TCP_SYN ? seg.window : seg.window * 2 ** this.sndWscale;
    this.cwnd = this.config.initialCwndSegments * this.mss;
    this.state = this.finQueued ? 'FIN_WAIT_1' : 'ESTABLISHED';
  }

  /** Processes the ACK field; false if the segment must be dropped. */
  private processAck(seg: TcpSegment): boolean {
    const ackPos = this.ackPos(seg.ack);
    if (ackPos > this.max) {
      this.sendAck(); // acknowledges something never sent
      return false;
    }
    const wnd = seg.window * 2 ** this.sndWscale;
    const mss = this.mss;
    if (ackPos > this.una) {
      const acked = ackPos - this.una;
      if (this.rttPos >= 0 && ackPos >= this.rttPos) {
        this.rttSample(this.host.clock.now() - this.rttStart);
        this.rttPos = -1;
      }
      this.sendBuf.consumeTo(Math.min(ackPos, this.written + 1) - 1);
      this.una = ackPos;
      if (this.nxt < ackPos) this.nxt = ackPos;
      this.retries = 0;
      this.sndWnd = wnd;
      if (this.inRecovery) {
        if (ackPos >= this.recover) {
          this.inRecovery = false;
          this.dupAcks = 0;
          this.cwnd = Math.min(this.ssthresh, this.max - this.una + mss);
        } else {
          // NewReno partial ACK: the next hole is lost too.
          this.retransmitHead();
          this.cwnd = Math.max(this.cwnd - acked + mss, mss);
        }
      } else {
        this.dupAcks = 0;
        // Grow only while the congestion window is what limits sending (RFC 7661's idea):
        // a receiver-limited flow must not build a window it never tested.
        if (this.max - this.una + acked + mss >= this.cwnd) {
          if (this.cwnd < this.ssthresh) this.cwnd += Math.min(acked, 2 * mss);
          else this.cwnd += (mss * mss) / this.cwnd;
        }
      }
      if (this.una === this.max) this.rtoTimer.cancel();
      else this.rtoTimer.scheduleIn(this.rto);
      if (this.drainHandler !== null && this.sendBuf.length <= this.config.sendLowWater && !this.finQueued) this.drainHandler();
    } else if (ackPos === this.una) {
      if (seg.payload.length === 0 && !(seg.flags & (TCP_SYN | TCP_FIN)) && wnd === this.sndWnd && this.una < this.max) {
        this.dupAcks++;
        this.stats.dupAcksReceived++;
        if (this.inRecovery) {
          this.cwnd += mss;
        } else if (this.dupAcks === 3 && this.una >= this.recover) {
          this.ssthresh = Math.max((this.max - this.una) / 2, 2 * mss);
          this.recover = this.max;
          this.inRecovery = true;
          this.stats.fastRetransmits++;
          this.retransmitHead();
          this.cwnd = this.ssthresh + 3 * mss;
        }
      } else {
        this.sndWnd = wnd;
      }
    }
    return true;
  }

  private processData(seg: TcpSegment): void {
    let pos = this.rcvPos(seg.seq);
    let data = seg.payload;
    const fin = (seg.flags & TCP_FIN) !== 0;
    const end = pos + data.length;
    if (end + (fin ? 1 : 0) <= this.rcvNxt || pos >= this.rcvNxt + Math.max(this.receiveWindow(), data.length > 0 ? 0 : 1)) {
      this.sendAck(); // a duplicate, or beyond the window
      return;
    }
    if (this.state !== 'ESTABLISHED' && this.state !== 'FIN_WAIT_1' && this.state !== 'FIN_WAIT_2') {
      this.sendAck(); // nothing may follow the peer's FIN
      return;
    }
    if (pos < this.rcvNxt) {
      data = data.subarray(this.rcvNxt - pos);
      pos = this.rcvNxt;
    }
    const room = this.rcvNxt + this.receiveWindow() - pos;
    if (data.length > room) data = data.subarray(0, room); // beyond the window: the sender will resend it (and the FIN)
    else if (fin) this.remoteFinPos = end;
    if (pos > this.rcvNxt) {
      this.stats.outOfOrderSegments++;
      if (data.length > 0) this.insertOutOfOrder(pos, data.slice());
      this.sendAck(); // duplicate ACK: tells the sender about the hole
      return;
    }
    this.deliver(data);
    const filled = this.drainOutOfOrder();
    if (this.remoteFinPos >= 0 && this.rcvNxt === this.remoteFinPos) {
      this.rcvNxt++;
      this.sendAck();
      this.finReceived();
    } else if (filled || this.ooo.length > 0 || this.config.delayedAckCycles === 0) {
      this.sendAck();
    } else if (++this.unackedSegments >= 2) {
      this.sendAck();
    } else if (!this.delackTimer.pending) {
      this.delackTimer.scheduleIn(this.config.delayedAckCycles);
    }
  }

  private deliver(data: Uint8Array): void {
    if (data.length === 0) return;
    this.rcvNxt += data.length;
    if (this.paused) {
      this.held.push(data);
      this.heldBytes += data.length;
      return;
    }
    this.stats.bytesReceived += data.length;
    this.dataHandler?.(data);
  }

  /** The window we can offer: the buffer minus what a paused reader has not taken. */
  private receiveWindow(): number {
    return Math.max(0, this.config.receiveWindow - this.heldBytes);
  }

  private insertOutOfOrder(pos: number, data: Uint8Array): void {
    const q = this.ooo;
    let i = q.length;
    while (i > 0 && q[i - 1]!.pos > pos) i--;
    const prev = q[i - 1];
    if (prev !== undefined && prev.pos === pos && prev.data.length >= data.length) return;
    q.splice(i, 0, { pos, data });
  }

  private drainOutOfOrder(): boolean {
    const q = this.ooo;
    let any = false;
    while (q.length > 0 && q[0]!.pos <= this.rcvNxt) {
      const s = q.shift()!;
      const end = s.pos + s.data.length;
      if (end > this.rcvNxt) this.deliver(s.data.subarray(this.rcvNxt - s.pos));
      any = true;
    }
    return any;
  }

  private finReceived(): void {
    switch (this.state) {
      case 'ESTABLISHED':
        this.state = 'CLOSE_WAIT';
        break;
      case 'FIN_WAIT_1':
        this.state = 'CLOSING';
        break;
      case 'FIN_WAIT_2':
        this.enterTimeWait();
        break;
      default:
        break;
    }
    if (this.paused) this.endPending = true;
    else this.endHandler?.();
  }

  // ------------------------------------------------------------------ sending

  /** Sends what the windows allow: new data, then the FIN once all data is out. */
  private output(): void {
    const s = this.state;
    if (s !== 'ESTABLISHED' && s !== 'CLOSE_WAIT' && s !== 'FIN_WAIT_1' && s !== 'LAST_ACK' && s !== 'CLOSING') return;
    const mss = this.mss;
    const dataEnd = this.written + 1;
    for (;;) {
      const inflight = this.nxt - this.una;
      if (this.nxt < dataEnd) {
        const room = Math.floor(Math.min(this.cwnd, this.sndWnd) - inflight);
        const pending = dataEnd - this.nxt;
        const len = Math.min(mss, pending, room);
        // Sender-side silly window avoidance: no runt segment while more data waits and some is in flight.
        if (len <= 0 || (len < mss && len < pending && inflight > 0)) break;
        const fin = this.finQueued && this.nxt + len === dataEnd;
        this.sendData(this.nxt, len, fin);
        this.nxt += len + (fin ? 1 : 0);
      } else if (this.finQueued && this.nxt === dataEnd) {
        this.sendData(this.nxt, 0, true);
        this.nxt++;
      } else {
        break;
      }
    }
    // Zero window with data waiting and nothing in flight: the timer becomes the persist timer.
    if (!this.rtoTimer.pending && this.nxt < dataEnd && this.una === this.nxt) this.rtoTimer.scheduleIn(this.rto);
  }

  /** Sends data at `pos` (and/or the FIN), counting first transmissions and retransmissions. */
  private sendData(pos: number, len: number, fin: boolean): void {
    const end = pos + len + (fin ? 1 : 0);
    if (pos < this.max) {
      this.stats.retransmissions++;
      this.rttPos = -1; // Karn: no RTT samples across retransmissions
    } else if (this.rttPos < 0) {
      this.rttPos = end;
      this.rttStart = this.host.clock.now();
    }
    if (end > this.max) {
      this.stats.bytesSent += Math.max(0, Math.min(pos + len, end) - Math.max(pos, this.max));
      this.max = end;
    }
    const payload = len > 0 ? this.sendBuf.read(pos - 1, len) : EMPTY;
    this.transmit(pos, TCP_ACK | (fin ? TCP_FIN : 0), payload);
    if (!this.rtoTimer.pending) this.rtoTimer.scheduleIn(this.rto);
  }

  /** Retransmits the first unacknowledged segment (or the SYN or the FIN). */
  private retransmitHead(): void {
    const pos = this.una;
    if (pos === 0) {
      this.sendSyn(true);
      return;
    }
    const dataEnd = this.written + 1;
    const len = Math.min(this.mss, Math.max(0, dataEnd - pos));
    const fin = this.finQueued && pos + len === dataEnd && this.max > dataEnd;
    if (len > 0 || fin) this.sendData(pos, len, fin);
  }

  private sendSyn(retransmission: boolean): void {
    const passive = this.state === 'SYN_RECEIVED';
    const seg: TcpSegment = {
      srcPort: this.localPort,
      dstPort: this.remotePort,
      seq: this.iss,
      ack: passive ? this.rcvSeq(this.rcvNxt) : 0,
      flags: passive ? TCP_SYN | TCP_ACK : TCP_SYN,
      window: Math.min(0xffff, this.config.receiveWindow),
      mss: this.config.mss,
      payload: EMPTY,
    };
    // Offer window scaling actively; answer it only if the other side offered it.
    if (this.config.windowScale && (!passive || this.peerOfferedWs)) seg.windowScale = windowShift(this.config.receiveWindow);
    if (retransmission) {
      this.stats.retransmissions++;
      this.rttPos = -1;
    } else {
      this.rttPos = 1;
      this.rttStart = this.host.clock.now();
    }
    this.nxt = Math.max(this.nxt, 1);
    this.max = Math.max(this.max, 1);
    this.stats.segmentsSent++;
    this.host.transmitTcp(this.remoteIp, seg);
    if (!this.rtoTimer.pending) this.rtoTimer.scheduleIn(this.rto);
  }

  /** @internal A pure ACK (also the delayed-ACK timer's action). */
  sendAck(): void {
    if (this.state === 'CLOSED' || this.state === 'SYN_SENT') return;
    this.transmit(this.nxt, TCP_ACK, EMPTY);
  }

  private transmit(pos: number, flags: number, payload: Uint8Array): void {
    // Every segment carries the current ACK, so a pending delayed ACK is done.
    this.delackTimer.cancel();
    this.unackedSegments = 0;
    this.stats.segmentsSent++;
    this.host.transmitTcp(this.remoteIp, {
      srcPort: this.localPort,
      dstPort: this.remotePort,
      seq: this.sndSeq(pos),
      ack: this.rcvSeq(this.rcvNxt),
      flags,
      window: Math.min(0xffff, Math.floor(this.receiveWindow() / 2 ** this.rcvWscale)),
      payload,
    });
  }

  private bareSegment(seq: number, ack: number, flags: number): TcpSegment {
    return { srcPort: this.localPort, dstPort: this.remotePort, seq, ack, flags, window: 0, payload: EMPTY };
  }

  // ------------------------------------------------------------------ timers

  private onRetransmitTimeout(): void {
    if (this.state === 'CLOSED' || this.state === 'TIME_WAIT') return;
    const dataEnd = this.written + 1;
    if (this.una === this.max) {
      // Persist timer: probe a zero window with an old sequence number (as Linux does), which
      // the receiver must answer with an ACK carrying its current window. Probes that are
      // answered do not count towards maxRetries.
      if (this.una > 0 && this.nxt < dataEnd && this.sndWnd === 0) {
        this.transmit(this.una - 1, TCP_ACK, EMPTY);
        this.rto = Math.min(this.rto * 2, this.config.maxRtoCycles);
        this.rtoTimer.scheduleIn(this.rto);
      }
      return;
    }
    this.stats.timeouts++;
    if (++this.retries > this.config.maxRetries) {
      this.abortWith('timeout');
      return;
    }
    this.rto = Math.min(this.rto * 2, this.config.maxRtoCycles);
    this.rttPos = -1;
    if (this.una === 0) {
      this.sendSyn(true);
      return;
    }
    const mss = this.mss;
    this.ssthresh = Math.max((this.max - this.una) / 2, 2 * mss);
    this.cwnd = mss;
    this.inRecovery = false;
    this.recover = this.max;
    this.dupAcks = 0;
    this.nxt = this.una; // go back: resend from the first unacknowledged byte
    this.output();
    if (!this.rtoTimer.pending) this.rtoTimer.scheduleIn(this.rto);
  }

  private rttSample(r: number): void {
    if (this.srtt < 0) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.rto = Math.min(Math.max(this.srtt + Math.max(1, 4 * this.rttvar), this.config.minRtoCycles), this.config.maxRtoCycles);
  }

  /** @internal A new SYN for the same port pair ends TIME_WAIT at once. */
  endTimeWait(): void {
    if (this.state === 'TIME_WAIT') this.finish('closed');
  }

  private enterTimeWait(): void {
    this.state = 'TIME_WAIT';
    this.rtoTimer.cancel();
    this.timeWaitTimer.scheduleIn(this.config.timeWaitCycles);
    this.notifyClose('closed');
  }

  private abortWith(reason: TcpCloseReason): void {
    this.transmit(this.nxt, TCP_RST | TCP_ACK, EMPTY);
    this.finish(reason);
  }

  private finish(reason: TcpCloseReason): void {
    if (this.state === 'CLOSED') return;
    this.state = 'CLOSED';
    this.rtoTimer.cancel();
    this.delackTimer.cancel();
    this.timeWaitTimer.cancel();
    this.host.releaseSocket(this);
    this.notifyClose(reason);
  }

  private notifyClose(reason: TcpCloseReason): void {
    if (this.closeNotified) return;
    this.closeNotified = true;
    this.closeReason = reason;
    this.closeHandler?.(reason);
  }

  // ------------------------------------------------------------------ sequence numbers

  private sndSeq(pos: number): number {
    return (this.iss + pos) >>> 0;
  }

  private rcvSeq(pos: number): number {
    return (this.irs + pos) >>> 0;
  }

  /** Position of an incoming ACK value, relative to snd.una. */
  private ackPos(ack: number): number {
    return this.una + ((ack - this.sndSeq(this.una)) | 0);
  }

  /** Position of an incoming sequence number, relative to rcv.nxt. */
  private rcvPos(seq: number): number {
    return this.rcvNxt + ((seq - this.rcvSeq(this.rcvNxt)) | 0);
  }
}

const EMPTY = new Uint8Array(0);

/** The smallest window-scale shift that lets a 16-bit field describe `window` bytes. */
export function windowShift(window: number): number {
  let s = 0;
  while (s < 14 && window / 2 ** s > 0xffff) s++;
  return s;
}

export class PeerSocketClosedError extends PeerError {
  constructor(socket: PeerSocket, what: string) {
    super('PEER_SOCKET_CLOSED', `cannot ${what} on a TCP connection to port ${socket.remotePort} that is ${socket.state} or already closing; open a new connection`);
  }
}
