// The 82540EM's integrated copper PHY: a Marvell 88E1011-compatible core on MDIO address 1,
// reached through MDIC. Registers 0-15 are the IEEE 802.3 clause 22 set; 16-29 Marvell's. The
// model autonegotiates instantly to 1000BASE-T full duplex with a partner that advertises
// everything, whenever the cable is up.

export const PHY_ADDRESS = 1;
/** PHY_ID1 and PHY_ID2 (M88E1011_I_PHY_ID = 0x01410C20 in e1000_hw.h). */
export const M88E1011_PHY_ID = 0x01410c20;

export const PhyReg = {
  CTRL: 0,
  STATUS: 1,
  ID1: 2,
  ID2: 3,
  AUTONEG_ADV: 4,
  LP_ABILITY: 5,
  AUTONEG_EXP: 6,
  NEXT_PAGE_TX: 7,
  LP_NEXT_PAGE: 8,
  CTRL_1000T: 9,
  STATUS_1000T: 10,
  EXT_STATUS: 15,
  M88_SPEC_CTRL: 16,
  M88_SPEC_STATUS: 17,
  M88_INT_ENABLE: 18,
  M88_INT_STATUS: 19,
  M88_EXT_SPEC_CTRL: 20,
  M88_RX_ERR_CNTR: 21,
} as const;

export const PhyCtrl = {
  SPEED_1000: 1 << 6,
  FULL_DUPLEX: 1 << 8,
  RESTART_AUTONEG: 1 << 9,
  AUTONEG_ENABLE: 1 << 12,
  RESET: 1 << 15,
} as const;

export const PhyStatus = {
  EXT_CAPS: 1 << 0,
  LINK: 1 << 2,
  AUTONEG_ABLE: 1 << 3,
  AUTONEG_COMPLETE: 1 << 5,
  PREAMBLE_SUPPRESS: 1 << 6,
  EXT_STATUS: 1 << 8,
} as const;

const STATUS_BASE = 0x7800 | PhyStatus.EXT_STATUS | PhyStatus.PREAMBLE_SUPPRESS | PhyStatus.AUTONEG_ABLE | PhyStatus.EXT_CAPS;

export class M88Phy {
  readonly regs = new Uint16Array(32);
  private link: boolean;
  /** MDIO accesses served. */
  accesses = 0;

  constructor(linkUp = true) {
    this.link = linkUp;
    this.reset();
  }

  get linkUp(): boolean {
    return this.link;
  }

  /** Cable plugged in (and autonegotiation done) or pulled. */
  setLink(up: boolean): void {
    this.link = up;
  }

  reset(): void {
    const r = this.regs;
    r.fill(0);
    r[PhyReg.CTRL] = PhyCtrl.AUTONEG_ENABLE | PhyCtrl.FULL_DUPLEX | PhyCtrl.SPEED_1000;
    r[PhyReg.ID1] = M88E1011_PHY_ID >>> 16;
    r[PhyReg.ID2] = M88E1011_PHY_ID & 0xffff;
    r[PhyReg.AUTONEG_ADV] = 0x01e1;
    r[PhyReg.CTRL_1000T] = 0x0300;
    r[PhyReg.EXT_STATUS] = 0x3000;
    r[PhyReg.M88_SPEC_CTRL] = 0x0068;
    r[PhyReg.M88_EXT_SPEC_CTRL] = 0x0d60;
  }

  read(reg: number): number {
    this.accesses++;
    const up = this.link && (this.regs[PhyReg.CTRL]! & PhyCtrl.RESET) === 0;
    switch (reg & 31) {
      case PhyReg.STATUS:
        return STATUS_BASE | (up ? PhyStatus.LINK | PhyStatus.AUTONEG_COMPLETE : 0);
      case PhyReg.LP_ABILITY:
        return up ? 0x45e1 : 0; // ack, symmetric pause, 10/100 half/full
      case PhyReg.AUTONEG_EXP:
        return up ? 0x0001 : 0;
      case PhyReg.STATUS_1000T:
        return up ? 0x3c00 : 0; // local and remote receiver OK, partner 1000 full/half
      case PhyReg.M88_SPEC_STATUS:
        return up ? 0x8000 | 0x2000 | 0x0800 | 0x0400 : 0; // 1000 Mb/s, full duplex, resolved, link
      default:
        return this.regs[reg & 31]!;
    }
  }

  write(reg: number, value: number): void {
    this.accesses++;
    reg &= 31;
    value &= 0xffff;
    switch (reg) {
      case PhyReg.CTRL:
        if (value & PhyCtrl.RESET) {
          this.reset();
          return;
        }
        this.regs[reg] = value & ~PhyCtrl.RESTART_AUTONEG; // autonegotiation completes at once
        return;
      case PhyReg.STATUS:
      case PhyReg.ID1:
      case PhyReg.ID2:
      case PhyReg.LP_ABILITY:
      case PhyReg.AUTONEG_EXP:
      case PhyReg.STATUS_1000T:
      case PhyReg.EXT_STATUS:
      case PhyReg.M88_SPEC_STATUS:
      case PhyReg.M88_INT_STATUS:
        return; // read-only
      default:
        this.regs[reg] = value;
    }
  }
}
