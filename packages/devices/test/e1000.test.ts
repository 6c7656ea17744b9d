// The e1000 model driven as the Linux 2.4 e1000 driver drives it: registers through the BAR in
// the physical address space, rings and buffers in emulated RAM, frames through a gigabit cable
// to a peer, interrupts at the 8259.
import { CLOCK_HZ } from '@nooks/x86';
import { describe, expect, it } from 'vitest';

import {
  E1000Icr as Icr,
  E1000Rctl as Rctl,
  E1000Reg as R,
  E1000Status,
  E1000TxCmd as TxCmd,
  EEPROM_SUM,
  M88E1011_PHY_ID,
  PcapWriter,
  PciCommand,
  appendFcs,
  crc32,
  frameWireCycles,
  wireFromPort,
} from '../src/index.js';

import { NIC_MAC, PEER_MAC, Rig, frame, rxDesc, sameBytes, txDesc, writeDesc } from './e1000-harness.js';

const BROADCAST = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
const TX_RING = 0x10000;
const RX_RING = 0x20000;
const TX_BUF = 0x100000;
const RX_BUF = 0x200000;

const MDIC_READ = 2 << 26;
const MDIC_READY = 1 << 28;
const MDIC_ERROR = 1 << 30;

function mdicRead(r: Rig, phy: number, reg: number): number {
  r.wr(R.MDIC, MDIC_READ | (phy << 21) | (reg << 16));
  const v = r.rd(R.MDIC);
  expect(v & MDIC_READY).not.toBe(0);
  return v;
}

/** e1000_read_eeprom for a Microwire part, bit by bit through EECD (SK 1, CS 2, DI 4, DO 8, REQ 0x40, GNT 0x80). */
function eecdReadWord(r: Rig, addr: number): number {
  let eecd = r.rd(R.EECD) | 0x40;
  r.wr(R.EECD, eecd);
  expect(r.rd(R.EECD) & 0x80).toBe(0x80); // granted
  eecd = (eecd & ~(1 | 4)) | 2;
  r.wr(R.EECD, eecd);
  const out = (data: number, bits: number): void => {
    for (let mask = 1 << (bits - 1); mask; mask >>= 1) {
      eecd = data & mask ? eecd | 4 : eecd & ~4;
      r.wr(R.EECD, eecd);
      r.wr(R.EECD, eecd | 1);
      r.wr(R.EECD, eecd);
    }
    eecd &= ~4;
    r.wr(R.EECD, eecd);
  };
  out(0x6, 3); // READ opcode with its start bit
  out(addr, 6);
  let data = 0;
  for (let i = 0; i < 16; i++) {
    r.wr(R.EECD, eecd | 1);
    data = (data << 1) | ((r.rd(R.EECD) & 8) !== 0 ? 1 : 0);
    r.wr(R.EECD, eecd);
  }
  r.wr(R.EECD, eecd & ~(2 | 0x40)); // deselect, release
  return data;
}

function eerdRead(r: Rig, addr: number): number {
  r.wr(R.EERD, (addr << 8) | 1);
  const v = r.rd(R.EERD);
  expect(v & 0x10).toBe(0x10);
  return v >>> 16;
}

/** e1000_configure_tx + the rest of bring-up: an n-entry ring, TCTL.EN|PSP, interrupts unmasked. */
function setupTx(r: Rig, n = 8): void {
  r.wr(R.TDBAL, TX_RING);
  r.wr(R.TDBAH, 0);
  r.wr(R.TDLEN, n * 16);
  r.wr(R.TDH, 0);
  r.wr(R.TDT, 0);
  r.wr(R.TIPG, 0x00602008);
  r.wr(R.TCTL, (1 << 1) | (1 << 3) | (0x0f << 4) | (0x40 << 12));
}

function setupRx(r: Rig, n = 8, rctl = Rctl.EN | Rctl.BAM): void {
  for (let i = 0; i < n; i++) writeDesc(r.m, RX_RING + 16 * i, rxDesc(RX_BUF + 2048 * i));
  r.wr(R.RDBAL, RX_RING);
  r.wr(R.RDBAH, 0);
  r.wr(R.RDLEN, n * 16);
  r.wr(R.RDH, 0);
  r.wr(R.RDT, n - 1); // all but one descriptor given to the card
  r.wr(R.RCTL, rctl);
}

/** Queues `frames` at TDT (one descriptor each, EOP|IFCS|RS) and bumps TDT. */
function queueTx(r: Rig, frames: Uint8Array[], n = 8): void {
  let tdt = r.rd(R.TDT);
  for (const f of frames) {
    const buf = TX_BUF + tdt * 0x800;
    r.m.writePhys(buf, f);
    writeDesc(r.m, TX_RING + 16 * tdt, txDesc(buf, f.length, TxCmd.EOP | TxCmd.IFCS | TxCmd.RS));
    tdt = (tdt + 1) % n;
  }
  r.wr(R.TDT, tdt);
}

describe('e1000: PCI and registers', () => {
  it('is an 82540EM with a 128 KiB register BAR, an 8-byte I/O BAR and INTA#', () => {
    const r = new Rig();
    const cfg = (off: number, size: 1 | 2 | 4): number => r.p.pci.configRead(3, 0, off, size);
    expect(cfg(0, 2)).toBe(0x8086);
    expect(cfg(2, 2)).toBe(0x100e);
    expect(cfg(8, 4) >>> 8).toBe(0x020000);
    expect(cfg(0x3d, 1)).toBe(1);
    expect(cfg(0x3c, 1)).toBe(r.irq);
    expect(r.nic.barMapping(0)).toMatchObject({ kind: 'mem', size: 0x20000 });
    expect(r.nic.barMapping(2)).toMatchObject({ kind: 'io', size: 8 });
    expect(r.nic.barMapping(1)).toBeNull();
    // STATUS through the I/O window: IOADDR then IODATA.
    r.p.ports.out(r.ioBase, 4, R.STATUS);
    expect(r.p.ports.in(r.ioBase + 4, 4)).toBe(r.rd(R.STATUS));
    r.p.ports.out(r.ioBase, 4, R.IMS);
    r.p.ports.out(r.ioBase + 4, 4, Icr.LSC);
    expect(r.rd(R.IMS)).toBe(Icr.LSC);
    expect(r.p.ports.in(r.ioBase, 4)).toBe(R.IMS);
  });

  it('reset: CTRL.RST brings the MAC back to power-on state and self-clears; RAL0/RAH0 reload from the EEPROM', () => {
    const r = new Rig();
    r.wr(R.RAL0, 0x11223344);
    r.wr(R.RAH0, 0x80005566);
    r.wr(R.IMS, Icr.TXDW);
    r.wr(R.RCTL, Rctl.EN);
    r.wr(R.TDLEN, 1024);
    r.wr(R.MTA + 8, 0xdeadbeef);
    r.wr(R.CTRL, r.rd(R.CTRL) | (1 << 26));
    expect(r.rd(R.CTRL) & (1 << 26)).toBe(0);
    expect(r.rd(R.IMS)).toBe(0);
    expect(r.rd(R.RCTL)).toBe(0);
    expect(r.rd(R.TDLEN)).toBe(0);
    expect(r.rd(R.MTA + 8)).toBe(0);
    expect(r.rd(R.RAL0)).toBe(0x12005452);
    expect(r.rd(R.RAH0)).toBe((0x80000000 | 0x34 | (0x56 << 8)) >>> 0);
    expect(r.nic.macString).toBe('52:54:00:12:34:56');
    // PCI configuration survives a MAC reset.
    expect(r.nic.command & PciCommand.BUS_MASTER).not.toBe(0);
  });

  it('EEPROM: the MAC in words 0-2 and the 0xBABA checksum, by EERD and by bit-banging EECD', () => {
    const r = new Rig();
    const words: number[] = [];
    for (let i = 0; i < 64; i++) words.push(eerdRead(r, i));
    expect(words.slice(0, 3)).toEqual([0x5452, 0x1200, 0x5634]);
    expect(words.reduce((a, b) => a + b, 0) & 0xffff).toBe(EEPROM_SUM);
    expect(words[0x0d]).toBe(0x100e);
    expect(words[0x0e]).toBe(0x8086);
    expect(r.rd(R.EECD) & (1 << 8)).toBe(1 << 8); // present
    expect(r.rd(R.EECD) & (1 << 9)).toBe(0); // 64 words: 6 address bits
    for (let i = 0; i < 64; i++) expect(eecdReadWord(r, i)).toBe(words[i]);
  });

  it('PHY through MDIC: the M88E1011 ID at address 1, link in the status register, errors for other addresses', () => {
    const r = new Rig();
    const id = ((mdicRead(r, 1, 2) & 0xffff) << 16) | (mdicRead(r, 1, 3) & 0xffff);
    expect((id & 0xfffffff0) >>> 0).toBe(M88E1011_PHY_ID);
    expect(mdicRead(r, 1, 1) & 0x24).toBe(0x24); // link, autonegotiation complete
    expect(mdicRead(r, 2, 1) & MDIC_ERROR).toBe(MDIC_ERROR);
    // A write lands in a writable register and reads back.
    r.wr(R.MDIC, (1 << 26) | (1 << 21) | (4 << 16) | 0x0de1);
    expect(mdicRead(r, 1, 4) & 0xffff).toBe(0x0de1);
    r.nic.setLink(false);
    expect(mdicRead(r, 1, 1) & 0x04).toBe(0);
  });

  it('link: STATUS shows link up at 1000 full duplex; losing it raises LSC and the interrupt at the PIC', () => {
    const r = new Rig();
    const st = r.rd(R.STATUS);
    expect(st & E1000Status.LU).toBe(E1000Status.LU);
    expect(st & E1000Status.FD).toBe(E1000Status.FD);
    expect(st & 0xc0).toBe(0x80);
    expect(st & E1000Status.TXOFF).toBe(0);
    r.wr(R.IMS, Icr.LSC);
    expect(r.irqPending).toBe(false);
    r.nic.setLink(false);
    expect(r.rd(R.STATUS) & E1000Status.LU).toBe(0);
    expect(r.nic.interruptLine).toBe(true);
    expect(r.irqPending).toBe(true);
    expect(r.rd(R.ICR)).toBe(Icr.LSC);
    expect(r.nic.interruptLine).toBe(false);
    expect(r.irqPending).toBe(false);
    expect(r.rd(R.ICR)).toBe(0); // read-to-clear
    r.nic.setLink(true);
    expect(r.rd(R.STATUS) & E1000Status.LU).toBe(E1000Status.LU);
    expect(r.rd(R.ICR)).toBe(Icr.LSC);
  });

  it('ICR/ICS/IMS/IMC: causes latch while masked, the line follows ICR & IMS, ICR writes clear', () => {
    const r = new Rig();
    r.wr(R.ICS, Icr.RXT0 | Icr.TXDW);
    expect(r.nic.interruptLine).toBe(false);
    r.wr(R.IMS, Icr.RXT0);
    expect(r.nic.interruptLine).toBe(true);
    r.wr(R.IMC, Icr.RXT0);
    expect(r.nic.interruptLine).toBe(false);
    expect(r.rd(R.IMS)).toBe(0);
    r.wr(R.IMS, Icr.TXDW | Icr.RXT0);
    r.wr(R.ICR, Icr.RXT0 | Icr.TXDW);
    expect(r.nic.interruptLine).toBe(false);
    expect(r.rd(R.ICR)).toBe(0);
    expect(r.rd(R.IMC)).toBe(0); // write-only
  });

  it('ITR: interrupt assertions are at least ITR x 256 ns apart', () => {
    const r = new Rig();
    r.wr(R.ITR, 1000); // 256 us
    r.wr(R.IMS, Icr.RXT0);
    r.wr(R.ICS, Icr.RXT0);
    expect(r.nic.interruptLine).toBe(true);
    const t0 = r.now();
    r.rd(R.ICR);
    r.wr(R.ICS, Icr.RXT0);
    expect(r.nic.interruptLine).toBe(false); // throttled
    r.p.clock.idleUntil(t0 + Math.round(1000 * 256e-9 * CLOCK_HZ) - 10);
    expect(r.nic.interruptLine).toBe(false);
    r.idle(100);
    expect(r.nic.interruptLine).toBe(true);
    expect(r.nic.counters.interrupts).toBe(2);
  });

  it('unknown offsets read 0 and ignore writes; narrow and unaligned accesses never throw', () => {
    const r = new Rig();
    for (const off of [0x0004, 0x0ffc, 0x1ffc, 0x7000, 0x1fffc]) {
      r.wr(off, 0xffffffff);
      expect(r.rd(off)).toBe(0);
    }
    const base = r.bar0;
    expect(r.m.cpu.physRead(base + R.RAL0 + 1, 1)).toBe(0x54);
    expect(r.m.cpu.physRead(base + R.RAL0 + 2, 2)).toBe(0x1200);
    r.m.cpu.physWrite(base + R.RAL0 + 3, 1, 0x99);
    expect(r.rd(R.RAL0) >>> 24).toBe(0x99);
    expect(() => r.m.cpu.physRead(base + R.CTRL + 3, 2)).not.toThrow();
    expect(() => r.m.cpu.physWrite(base + R.CTRL + 3, 4, 0)).not.toThrow();
    expect(r.nic.errors.partialAccess).toBeGreaterThan(0);
  });
});

describe('e1000: transmit', () => {
  it('sends frames from the ring: bytes on the wire, DD written back, TDH, TXDW|TXQE and INTA# at the PIC', () => {
    const r = new Rig();
    setupTx(r);
    r.wr(R.IMS, Icr.TXDW | Icr.TXQE);
    const frames = [frame(PEER_MAC, NIC_MAC, 100, 1), frame(PEER_MAC, NIC_MAC, 1500, 2), frame(BROADCAST, NIC_MAC, 20, 3)];
    queueTx(r, frames);
    expect(r.rd(R.TDT)).toBe(3);
    r.idle();
    expect(r.arrivals.map((a) => a.frame.length)).toEqual([114, 1514, 60]); // the short one padded (PSP)
    expect(r.arrivals[0]!.frame).toEqual(frames[0]);
    expect(r.arrivals[1]!.frame).toEqual(frames[1]);
    expect(r.arrivals[2]!.frame.subarray(0, 34)).toEqual(frames[2]);
    expect(r.arrivals[2]!.frame.subarray(34).every((b) => b === 0)).toBe(true);
    expect(r.rd(R.TDH)).toBe(3);
    for (let i = 0; i < 3; i++) expect(r.m.readPhys(TX_RING + 16 * i + 12, 1)[0]! & 1).toBe(1);
    expect(r.m.readPhys(TX_RING + 16 * 3 + 12, 1)[0]).toBe(0);
    expect(r.irqPending).toBe(true);
    expect(r.rd(R.ICR)).toBe(Icr.TXDW | Icr.TXQE);
    expect(r.irqPending).toBe(false);
    expect(r.rd(R.GPTC)).toBe(3);
    expect(r.rd(R.TPT)).toBe(3);
    expect(r.rd(R.BPTC)).toBe(1);
    expect(r.rd(R.GOTCL)).toBe(114 + 1514 + 60 + 12);
    expect(r.rd(R.GOTCH)).toBe(0);
    expect(r.rd(R.GOTCL)).toBe(0); // cleared by the GOTCH read
    expect(r.rd(R.GPTC)).toBe(0);
  });

  it('gathers a frame from several descriptors up to EOP and waits for EOP before sending', () => {
    const r = new Rig();
    setupTx(r);
    const f = frame(PEER_MAC, NIC_MAC, 300);
    r.m.writePhys(TX_BUF, f.subarray(0, 14));
    r.m.writePhys(TX_BUF + 0x1000, f.subarray(14, 200));
    r.m.writePhys(TX_BUF + 0x2000, f.subarray(200));
    writeDesc(r.m, TX_RING, txDesc(TX_BUF, 14, TxCmd.IFCS));
    writeDesc(r.m, TX_RING + 16, txDesc(TX_BUF + 0x1000, 186, TxCmd.IFCS));
    writeDesc(r.m, TX_RING + 32, txDesc(TX_BUF + 0x2000, 114, TxCmd.IFCS | TxCmd.EOP | TxCmd.RS));
    r.wr(R.TDT, 2);
    r.idle();
    expect(r.arrivals).toHaveLength(0);
    expect(r.rd(R.TDH)).toBe(0);
    r.wr(R.TDT, 3);
    r.idle();
    expect(r.arrivals).toHaveLength(1);
    expect(r.arrivals[0]!.frame).toEqual(f);
    expect(r.rd(R.TDH)).toBe(3);
    expect(r.m.readPhys(TX_RING + 12, 1)[0]).toBe(0); // no RS: no write-back
    expect(r.m.readPhys(TX_RING + 32 + 12, 1)[0]).toBe(1);
  });

  it('paces back-to-back frames at 1 Gb/s: a 1514-byte frame takes ~12.3 us', () => {
    const r = new Rig();
    setupTx(r);
    const starts: number[] = [];
    r.cable.tap((_f, info) => starts.push(info.start));
    const t0 = r.now();
    queueTx(r, [0, 1, 2, 3].map((i) => frame(PEER_MAC, NIC_MAC, 1500, i)));
    r.idle();
    const per = frameWireCycles(1514);
    expect(per / CLOCK_HZ).toBeCloseTo(12.304e-6, 9);
    expect(starts).toHaveLength(4);
    for (let i = 1; i < 4; i++) expect(starts[i]! - starts[i - 1]!).toBe(per);
    expect(starts[0]! - t0).toBeLessThan(100);
    expect(r.arrivals.map((a, i) => a.at - starts[i]!)).toEqual([per, per, per, per]);
    expect((r.arrivals[3]!.at - starts[0]!) / CLOCK_HZ).toBeCloseTo(4 * 12.304e-6, 9);
    // DMA happens when the descriptor is processed: TDH moves one frame at a time.
    expect(r.rd(R.TDH)).toBe(4);
  });

  it('inserts the legacy checksum (IC, CSS, CSO) and VLAN tags are added with VLE under CTRL.VME', () => {
    const r = new Rig();
    setupTx(r);
    const f = frame(PEER_MAC, NIC_MAC, 46);
    f[20] = 0;
    f[21] = 0;
    r.m.writePhys(TX_BUF, f);
    writeDesc(r.m, TX_RING, txDesc(TX_BUF, f.length, TxCmd.EOP | TxCmd.IFCS | TxCmd.IC | TxCmd.RS, 20, 14));
    r.wr(R.TDT, 1);
    r.idle();
    const out = r.arrivals[0]!.frame;
    let sum = 0;
    for (let i = 14; i < out.length; i += 2) sum += (out[i]! << 8) | out[i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    expect(sum).toBe(0xffff);
    r.wr(R.CTRL, r.rd(R.CTRL) | (1 << 30));
    const d = txDesc(TX_BUF, f.length, TxCmd.EOP | TxCmd.IFCS | TxCmd.VLE | TxCmd.RS);
    d[14] = 0x05;
    d[15] = 0x20; // VLAN 5, priority 1
    writeDesc(r.m, TX_RING + 16, d);
    r.wr(R.TDT, 2);
    r.idle();
    const tagged = r.arrivals[1]!.frame;
    expect([...tagged.subarray(12, 16)]).toEqual([0x81, 0x00, 0x20, 0x05]);
    expect(tagged.length).toBe(f.length + 4);
  });

  it('checksum offload as e1000_tx_csum sets it up: a context descriptor, then DEXT data descriptors with TXSM/IXSM', () => {
    const r = new Rig();
    setupTx(r);
    // An IPv4/UDP frame: IP header at 14 (20 bytes), UDP at 34, checksums zeroed (UDP's seeded with 0).
    const f = frame(PEER_MAC, NIC_MAC, 20 + 8 + 32);
    f[12] = 0x08;
    f[13] = 0x00;
    f.set([0x45, 0, 0, 60, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 14);
    f.set([0x04, 0x00, 0x08, 0x00, 0, 40, 0, 0], 34);
    r.m.writePhys(TX_BUF, f);
    // Context: IPCSS 14, IPCSO 24, IPCSE 33; TUCSS 34, TUCSO 40, TUCSE 0 (to the end); DEXT, DTYP 0.
    writeDesc(r.m, TX_RING, [14, 24, 33, 0, 34, 40, 0, 0, 0, 0, 0x00, TxCmd.DEXT, 0, 0, 0, 0]);
    // Data: DTYP 1, DCMD EOP|IFCS|RS|DEXT, POPTS IXSM|TXSM.
    const len = f.length;
    writeDesc(r.m, TX_RING + 16, [TX_BUF & 0xff, (TX_BUF >>> 8) & 0xff, (TX_BUF >>> 16) & 0xff, 0, 0, 0, 0, 0,
      len & 0xff, len >> 8, 0x10, TxCmd.EOP | TxCmd.IFCS | TxCmd.RS | TxCmd.DEXT, 0, 0x03, 0, 0]);
    r.wr(R.TDT, 2);
    r.idle();
    const out = r.arrivals[0]!.frame;
    const fold = (a: number, b: number): number => {
      let sum = 0;
      for (let i = a; i < b; i += 2) sum += (out[i]! << 8) | (out[i + 1] ?? 0);
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      return sum;
    };
    expect(fold(14, 34)).toBe(0xffff); // the IP header checks
    expect(fold(34, out.length)).toBe(0xffff); // UDP over its bytes (the driver seeds the pseudo-header)
    expect(out.subarray(0, 24)).toEqual(f.subarray(0, 24));
    expect(r.rd(R.TDH)).toBe(2);
  });

  it('does nothing while TCTL.EN is clear, then sends what was queued when it is set', () => {
    const r = new Rig();
    setupTx(r);
    r.wr(R.TCTL, r.rd(R.TCTL) & ~2);
    queueTx(r, [frame(PEER_MAC, NIC_MAC, 50)]);
    r.idle();
    expect(r.arrivals).toHaveLength(0);
    r.wr(R.TCTL, r.rd(R.TCTL) | 2);
    r.idle();
    expect(r.arrivals).toHaveLength(1);
  });
});

describe('e1000: receive', () => {
  it('stores frames into the ring: bytes with FCS, lengths, DD|EOP, RDH, RXT0 and INTA#', () => {
    const r = new Rig();
    setupRx(r);
    r.wr(R.IMS, Icr.RXT0);
    const frames = [frame(NIC_MAC, PEER_MAC, 64, 1), frame(NIC_MAC, PEER_MAC, 1500, 2), frame(BROADCAST, PEER_MAC, 46, 3)];
    for (const f of frames) r.peerSend(f);
    r.idle();
    expect(r.rd(R.RDH)).toBe(3);
    for (let i = 0; i < 3; i++) {
      const f = frames[i]!;
      const d = r.m.readPhys(RX_RING + 16 * i, 16);
      const len = d[8]! | (d[9]! << 8);
      expect(len).toBe(f.length + 4); // SECRC clear: the FCS is stored
      expect(d[12]! & 3).toBe(3); // DD | EOP
      expect(d[13]).toBe(0);
      expect(r.m.readPhys32(RX_RING + 16 * i)).toBe(RX_BUF + 2048 * i); // address kept
      expect(r.m.readPhys(RX_BUF + 2048 * i, len)).toEqual(appendFcs(f));
    }
    expect(r.irqPending).toBe(true);
    expect(r.rd(R.ICR) & Icr.RXT0).toBe(Icr.RXT0);
    expect(r.rd(R.GPRC)).toBe(3);
    expect(r.rd(R.BPRC)).toBe(1);
    expect(r.rd(R.TPR)).toBe(3);
    expect(r.rd(R.GORCL)).toBe(78 + 4 + 1514 + 4 + 60 + 4);
    expect(r.rd(R.GORCH)).toBe(0);
  });

  it('strips the FCS with RCTL.SECRC; spans descriptors with small buffers', () => {
    const r = new Rig();
    setupRx(r, 8, Rctl.EN | Rctl.SECRC | (3 << 16)); // BSIZE 256
    const f = frame(NIC_MAC, PEER_MAC, 586);
    r.peerSend(f);
    r.idle();
    expect(r.rd(R.RDH)).toBe(3);
    const lens = [0, 1, 2].map((i) => {
      const d = r.m.readPhys(RX_RING + 16 * i, 16);
      return [d[8]! | (d[9]! << 8), d[12]! & 3];
    });
    expect(lens).toEqual([[256, 1], [256, 1], [88, 3]]);
    const got = new Uint8Array(600);
    for (let i = 0; i < 3; i++) got.set(r.m.readPhys(RX_BUF + 2048 * i, lens[i]![0]!), 256 * i);
    expect(got).toEqual(f);
  });

  it('counts overruns when the ring is full: MPC, ICR.RXO, RXDMT0 as free descriptors run low', () => {
    const r = new Rig();
    setupRx(r, 8);
    r.wr(R.IMS, Icr.RXO);
    for (let i = 0; i < 10; i++) r.peerSend(frame(NIC_MAC, PEER_MAC, 100, i), r.now() + i * 2000);
    r.idle();
    expect(r.rd(R.RDH)).toBe(7);
    expect(r.rd(R.MPC)).toBe(3);
    expect(r.rd(R.MPC)).toBe(0);
    expect(r.nic.counters.rxMissed).toBe(3);
    const icr = r.rd(R.ICR);
    expect(icr & (Icr.RXO | Icr.RXDMT0 | Icr.RXT0)).toBe(Icr.RXO | Icr.RXDMT0 | Icr.RXT0);
    // The 8th descriptor (index 7) was never given to the card.
    expect(r.m.readPhys(RX_RING + 16 * 7 + 12, 1)[0]).toBe(0);
    // The driver returns descriptors: reception resumes.
    r.wr(R.RDT, 3);
    r.peerSend(frame(NIC_MAC, PEER_MAC, 100, 99));
    r.idle();
    expect(r.rd(R.RDH)).toBe(0);
  });

  it('filters addresses: unicast by RAL/RAH, broadcast with BAM, multicast by the MTA hash or MPE, all with UPE', () => {
    const r = new Rig();
    setupRx(r, 64 / 4, Rctl.EN);
    const other = new Uint8Array([0x02, 0, 0, 0, 0, 0x99]);
    const mcast = new Uint8Array([0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb]); // 224.0.0.251
    const deliver = (dst: Uint8Array): number => {
      const before = r.nic.counters.rxFrames;
      r.peerSend(frame(dst, PEER_MAC, 50));
      r.idle();
      return r.nic.counters.rxFrames - before;
    };
    expect(deliver(NIC_MAC)).toBe(1);
    expect(deliver(other)).toBe(0);
    expect(deliver(BROADCAST)).toBe(0);
    expect(deliver(mcast)).toBe(0);
    r.wr(R.RCTL, Rctl.EN | Rctl.BAM);
    expect(deliver(BROADCAST)).toBe(1);
    // e1000_hash_mc_addr with MO=0: bits 47:36 of the address.
    const hash = ((mcast[4]! >> 4) | (mcast[5]! << 4)) & 0xfff;
    r.wr(R.MTA + 4 * (hash >> 5), 1 << (hash & 31));
    expect(deliver(mcast)).toBe(1);
    expect(deliver(new Uint8Array([0x01, 0x00, 0x5e, 0x00, 0x00, 0x01]))).toBe(0);
    r.wr(R.RCTL, Rctl.EN | Rctl.MPE);
    expect(deliver(new Uint8Array([0x01, 0x00, 0x5e, 0x00, 0x00, 0x01]))).toBe(1);
    expect(deliver(other)).toBe(0);
    r.wr(R.RCTL, Rctl.EN | Rctl.UPE);
    expect(deliver(other)).toBe(1);
    // A second exact address in RAL1/RAH1; clearing AV disables an entry.
    r.wr(R.RCTL, Rctl.EN);
    r.wr(R.RAL0 + 8, (other[0]! | (other[1]! << 8) | (other[2]! << 16) | (other[3]! << 24)) >>> 0);
    r.wr(R.RAH0 + 8, (other[4]! | (other[5]! << 8) | 0x80000000) >>> 0);
    expect(deliver(other)).toBe(1);
    r.wr(R.RAH0, r.rd(R.RAH0) & 0xffff);
    expect(deliver(NIC_MAC)).toBe(0);
    // Nothing arrives with the receiver disabled or the link down.
    r.wr(R.RCTL, Rctl.UPE);
    expect(deliver(other)).toBe(0);
  });

  it('delays RXT0 by RDTR and caps the delay with RADV', () => {
    const r = new Rig();
    setupRx(r);
    r.wr(R.IMS, Icr.RXT0);
    r.wr(R.RDTR, 100); // 102.4 us
    r.wr(R.RADV, 150);
    const t0 = r.now();
    r.peerSend(frame(NIC_MAC, PEER_MAC, 50));
    r.p.clock.idleUntil(t0 + Math.round(90e-6 * CLOCK_HZ));
    expect(r.nic.interruptLine).toBe(false);
    expect(r.rd(R.RDH)).toBe(1);
    r.peerSend(frame(NIC_MAC, PEER_MAC, 50)); // restarts RDTR; RADV fires at ~153.6 us
    r.p.clock.idleUntil(t0 + Math.round(150e-6 * CLOCK_HZ));
    expect(r.nic.interruptLine).toBe(false);
    r.p.clock.idleUntil(t0 + Math.round(160e-6 * CLOCK_HZ));
    expect(r.nic.interruptLine).toBe(true);
  });
});

describe('e1000: wire and capture', () => {
  it('writes a pcap that parses back with both directions and simulated timestamps', () => {
    const r = new Rig();
    setupTx(r);
    setupRx(r);
    const pcap = new PcapWriter();
    pcap.tap(r.cable);
    const out = [frame(PEER_MAC, NIC_MAC, 200, 1), frame(PEER_MAC, NIC_MAC, 1000, 2)];
    queueTx(r, out);
    r.idle();
    const back = frame(NIC_MAC, PEER_MAC, 80, 3);
    r.p.clock.idleUntil(CLOCK_HZ * 2.5); // 2.5 simulated seconds
    r.peerSend(back);
    r.idle();
    const recs = readPcap(pcap.bytes());
    expect(recs.linktype).toBe(1);
    expect(recs.frames.map((f) => f.data)).toEqual([out[0], out[1], back]);
    expect(recs.frames[2]!.sec).toBe(2);
    expect(recs.frames[2]!.usec).toBe(500000);
    const gapUs = recs.frames[1]!.usec - recs.frames[0]!.usec;
    expect(Math.abs(gapUs - (frameWireCycles(214) * 1e6) / CLOCK_HZ)).toBeLessThanOrEqual(1); // 1.89 us apart
    expect(recs.frames.every((f) => f.orig === f.data.length)).toBe(true);
  });
});

describe('e1000: other wires', () => {
  it('MAC loopback (RCTL.LBM=01) hands transmitted frames to the receiver', () => {
    const r = new Rig();
    setupTx(r);
    setupRx(r, 8, Rctl.EN | Rctl.BAM | (1 << 6));
    const f = frame(BROADCAST, NIC_MAC, 100);
    queueTx(r, [f]);
    r.idle();
    expect(r.arrivals).toHaveLength(0);
    expect(r.rd(R.RDH)).toBe(1);
    expect(r.m.readPhys(RX_BUF, f.length)).toEqual(f);
  });

  it("wireFromPort plugs the card into a port that paces frames itself (the shape of the peer's LinkPort)", () => {
    const r = new Rig();
    const sent: Uint8Array[] = [];
    let handler: ((f: Uint8Array) => void) | null = null;
    const port = { send: (f: Uint8Array) => sent.push(f.slice()), onReceive: (h: (f: Uint8Array) => void) => (handler = h) };
    r.nic.attachWire(wireFromPort(port, r.p.clock));
    setupTx(r);
    setupRx(r);
    queueTx(r, [frame(PEER_MAC, NIC_MAC, 64), frame(PEER_MAC, NIC_MAC, 64, 1)]);
    r.idle();
    expect(sent).toHaveLength(2);
    expect(r.arrivals).toHaveLength(0);
    handler!(frame(NIC_MAC, PEER_MAC, 64));
    expect(r.rd(R.RDH)).toBe(1);
  });

  it('computes the Ethernet FCS (CRC-32 check value 0xCBF43926)', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const fcs = appendFcs(new Uint8Array([1, 2, 3]));
    expect(crc32(fcs)).toBe(0x2144df1c); // the CRC over data + FCS is the residue
  });
});

describe('e1000: bad driver behaviour', () => {
  it('a tail beyond the ring stops the engine and counts an error; nothing throws, RAM is untouched', () => {
    const r = new Rig();
    setupTx(r);
    setupRx(r);
    const before = r.m.readPhys(0, 0x30000);
    expect(() => r.wr(R.TDT, 100)).not.toThrow();
    r.idle();
    expect(r.arrivals).toHaveLength(0);
    expect(r.nic.errors.badRing).toBeGreaterThan(0);
    r.wr(R.RDT, 500);
    r.peerSend(frame(NIC_MAC, PEER_MAC, 50));
    expect(() => r.idle()).not.toThrow();
    expect(sameBytes(r.m.readPhys(0, 0x30000), before)).toBe(true);
    // Back to a sane tail: the engine works again.
    r.wr(R.TDT, 0);
    queueTx(r, [frame(PEER_MAC, NIC_MAC, 50)]);
    r.idle();
    expect(r.arrivals).toHaveLength(1);
  });

  it('rings outside RAM are master aborts: counted, no exception, nothing written', () => {
    const r = new Rig();
    setupTx(r);
    setupRx(r);
    r.wr(R.TDBAL, 0x7ff00000); // far above the 4 MiB of RAM
    r.wr(R.TDT, 2);
    r.wr(R.RDBAL, 0x7ff00000);
    const before = r.m.readPhys(0, 0x300000);
    r.peerSend(frame(NIC_MAC, PEER_MAC, 50));
    expect(() => r.idle()).not.toThrow();
    expect(r.nic.errors.dma).toBeGreaterThan(1);
    expect(r.nic.dmaAborted).toBeGreaterThan(1);
    expect(r.nic.status & 0x2000).toBe(0x2000); // received master abort
    expect(r.arrivals).toHaveLength(0);
    expect(sameBytes(r.m.readPhys(0, 0x300000), before)).toBe(true);
    // A buffer address outside RAM in a good ring: the frame is lost, the ring goes on.
    r.wr(R.TDBAL, TX_RING);
    r.wr(R.TDH, 0);
    writeDesc(r.m, TX_RING, txDesc(0x7fff0000, 100, TxCmd.EOP | TxCmd.IFCS | TxCmd.RS));
    r.wr(R.TDT, 1);
    r.idle();
    expect(r.arrivals).toHaveLength(0);
    expect(r.rd(R.TDH)).toBe(1);
  });

  it('ring lengths lose their low 7 bits; without bus mastering the card does no DMA', () => {
    const r = new Rig();
    r.wr(R.TDLEN, 1000);
    expect(r.rd(R.TDLEN)).toBe(896);
    r.wr(R.RDLEN, 100);
    expect(r.rd(R.RDLEN)).toBe(0);
    setupTx(r);
    r.p.pci.configWrite(3, 0, 4, 2, r.nic.command & ~PciCommand.BUS_MASTER);
    queueTx(r, [frame(PEER_MAC, NIC_MAC, 50)]);
    expect(() => r.idle()).not.toThrow();
    expect(r.arrivals).toHaveLength(0);
    expect(r.nic.dmaRefused).toBeGreaterThan(0);
  });
});

interface PcapRecord {
  sec: number;
  usec: number;
  orig: number;
  data: Uint8Array;
}

/** A tiny libpcap reader: the global header, then (ts_sec, ts_usec, incl_len, orig_len, data)*. */
function readPcap(bytes: Uint8Array): { linktype: number; snaplen: number; frames: PcapRecord[] } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(v.getUint32(0, true)).toBe(0xa1b2c3d4);
  expect(v.getUint16(4, true)).toBe(2);
  expect(v.getUint16(6, true)).toBe(4);
  const frames: PcapRecord[] = [];
  let o = 24;
  while (o < bytes.length) {
    const incl = v.getUint32(o + 8, true);
    frames.push({ sec: v.getUint32(o, true), usec: v.getUint32(o + 4, true), orig: v.getUint32(o + 12, true), data: bytes.slice(o + 16, o + 16 + incl) });
    o += 16 + incl;
  }
  expect(o).toBe(bytes.length);
  return { linktype: v.getUint32(20, true), snaplen: v.getUint32(16, true), frames };
}
