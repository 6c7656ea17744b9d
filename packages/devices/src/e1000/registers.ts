// Register offsets and bits of the 8254x family as the 82540EM implements them (Intel 8254x
// Family of Gigabit Ethernet Controllers Software Developer's Manual, ch. 13), with the names
// the Linux e1000 driver uses (e1000_hw.h).

/** Byte offsets in the register space (BAR0, or IOADDR for the I/O window). */
export const E1000Reg = {
  CTRL: 0x0000,
  STATUS: 0x0008,
  EECD: 0x0010,
  EERD: 0x0014,
  CTRL_EXT: 0x0018,
  FLA: 0x001c,
  MDIC: 0x0020,
  FCAL: 0x0028,
  FCAH: 0x002c,
  FCT: 0x0030,
  VET: 0x0038,
  ICR: 0x00c0,
  ITR: 0x00c4,
  ICS: 0x00c8,
  IMS: 0x00d0,
  IMC: 0x00d8,
  RCTL: 0x0100,
  FCTTV: 0x0170,
  TXCW: 0x0178,
  RXCW: 0x0180,
  TCTL: 0x0400,
  TIPG: 0x0410,
  TBT: 0x0448,
  AIT: 0x0458,
  LEDCTL: 0x0e00,
  PBA: 0x1000,
  FCRTL: 0x2160,
  FCRTH: 0x2168,
  RDBAL: 0x2800,
  RDBAH: 0x2804,
  RDLEN: 0x2808,
  RDH: 0x2810,
  RDT: 0x2818,
  RDTR: 0x2820,
  RXDCTL: 0x2828,
  RADV: 0x282c,
  RSRPD: 0x2c00,
  TXDMAC: 0x3000,
  TDBAL: 0x3800,
  TDBAH: 0x3804,
  TDLEN: 0x3808,
  TDH: 0x3810,
  TDT: 0x3818,
  TIDV: 0x3820,
  TXDCTL: 0x3828,
  TADV: 0x382c,
  TSPMT: 0x3830,
  /** Statistics: 0x4000-0x40FF, clear on read. */
  CRCERRS: 0x4000,
  ALGNERRC: 0x4004,
  SYMERRS: 0x4008,
  RXERRC: 0x400c,
  MPC: 0x4010,
  SCC: 0x4014,
  ECOL: 0x4018,
  MCC: 0x401c,
  LATECOL: 0x4020,
  COLC: 0x4028,
  DC: 0x4030,
  TNCRS: 0x4034,
  SEC: 0x4038,
  CEXTERR: 0x403c,
  RLEC: 0x4040,
  XONRXC: 0x4048,
  XONTXC: 0x404c,
  XOFFRXC: 0x4050,
  XOFFTXC: 0x4054,
  FCRUC: 0x4058,
  PRC64: 0x405c,
  PRC127: 0x4060,
  PRC255: 0x4064,
  PRC511: 0x4068,
  PRC1023: 0x406c,
  PRC1522: 0x4070,
  GPRC: 0x4074,
  BPRC: 0x4078,
  MPRC: 0x407c,
  GPTC: 0x4080,
  GORCL: 0x4088,
  GORCH: 0x408c,
  GOTCL: 0x4090,
  GOTCH: 0x4094,
  RNBC: 0x40a0,
  RUC: 0x40a4,
  RFC: 0x40a8,
  ROC: 0x40ac,
  RJC: 0x40b0,
  MGTPRC: 0x40b4,
  MGTPDC: 0x40b8,
  MGTPTC: 0x40bc,
  TORL: 0x40c0,
  TORH: 0x40c4,
  TOTL: 0x40c8,
  TOTH: 0x40cc,
  TPR: 0x40d0,
  TPT: 0x40d4,
  PTC64: 0x40d8,
  PTC127: 0x40dc,
  PTC255: 0x40e0,
  PTC511: 0x40e4,
  PTC1023: 0x40e8,
  PTC1522: 0x40ec,
  MPTC: 0x40f0,
  BPTC: 0x40f4,
  TSCTC: 0x40f8,
  TSCTFC: 0x40fc,
  RXCSUM: 0x5000,
  MTA: 0x5200,
  RAL0: 0x5400,
  RAH0: 0x5404,
  VFTA: 0x5600,
  WUC: 0x5800,
  WUFC: 0x5808,
  WUS: 0x5810,
  MANC: 0x5820,
  IPAV: 0x5838,
  IP4AT: 0x5840,
  IP6AT: 0x5880,
  WUPL: 0x5900,
  WUPM: 0x5a00,
  FFLT: 0x5f00,
  FFMT: 0x9000,
  FFVT: 0x9800,
} as const;

export const Ctrl = {
  FD: 1 << 0,
  LRST: 1 << 3,
  ASDE: 1 << 5,
  SLU: 1 << 6,
  ILOS: 1 << 7,
  SPD_1000: 2 << 8,
  FRCSPD: 1 << 11,
  FRCDPX: 1 << 12,
  RST: 1 << 26,
  RFCE: 1 << 27,
  TFCE: 1 << 28,
  VME: 1 << 30,
  PHY_RST: 1 << 31,
} as const;

export const Status = {
  FD: 1 << 0,
  LU: 1 << 1,
  TXOFF: 1 << 4,
  SPEED_1000: 2 << 6,
  ASDV_1000: 2 << 8,
} as const;

export const Eecd = {
  SK: 1 << 0,
  CS: 1 << 1,
  DI: 1 << 2,
  DO: 1 << 3,
  FWE_MASK: 3 << 4,
  REQ: 1 << 6,
  GNT: 1 << 7,
  PRES: 1 << 8,
  /** 0: 64-word 93C46 (the 82540EM's), 1: 256 words. */
  SIZE: 1 << 9,
} as const;

/** EERD as the 82540EM lays it out (the 82571 and later moved DONE and ADDR). */
export const Eerd = {
  START: 1 << 0,
  DONE: 1 << 4,
  ADDR_SHIFT: 8,
  DATA_SHIFT: 16,
} as const;

export const CtrlExt = {
  /** Reload the EEPROM-loaded registers (self-clearing). */
  EE_RST: 1 << 13,
} as const;

export const Mdic = {
  DATA_MASK: 0xffff,
  REG_SHIFT: 16,
  PHY_SHIFT: 21,
  OP_WRITE: 1 << 26,
  OP_READ: 2 << 26,
  READY: 1 << 28,
  INT_EN: 1 << 29,
  ERROR: 1 << 30,
} as const;

/** Interrupt causes (ICR, ICS, IMS, IMC). */
export const Icr = {
  TXDW: 1 << 0,
  TXQE: 1 << 1,
  LSC: 1 << 2,
  RXSEQ: 1 << 3,
  RXDMT0: 1 << 4,
  RXO: 1 << 6,
  RXT0: 1 << 7,
  MDAC: 1 << 9,
  RXCFG: 1 << 10,
  GPI_EN0: 1 << 11,
  TXD_LOW: 1 << 15,
  SRPD: 1 << 16,
} as const;

/** The causes an 82540EM implements (writes of other bits to ICS/IMS are ignored). */
export const ICR_IMPLEMENTED = 0x0001f6df;

export const Rctl = {
  EN: 1 << 1,
  SBP: 1 << 2,
  UPE: 1 << 3,
  MPE: 1 << 4,
  LPE: 1 << 5,
  LBM_MASK: 3 << 6,
  LBM_MAC: 1 << 6,
  RDMTS_SHIFT: 8,
  MO_SHIFT: 12,
  BAM: 1 << 15,
  BSIZE_SHIFT: 16,
  VFE: 1 << 18,
  BSEX: 1 << 25,
  SECRC: 1 << 26,
} as const;

export const Tctl = {
  EN: 1 << 1,
  PSP: 1 << 3,
  SWXOFF: 1 << 22,
} as const;

/** Transmit descriptor command byte (legacy and extended data descriptors). */
export const TxCmd = {
  EOP: 1 << 0,
  IFCS: 1 << 1,
  /** Legacy: insert checksum; extended data: TSE. */
  IC: 1 << 2,
  RS: 1 << 3,
  RPS: 1 << 4,
  DEXT: 1 << 5,
  VLE: 1 << 6,
  IDE: 1 << 7,
} as const;

export const TxSta = {
  DD: 1 << 0,
  EC: 1 << 1,
  LC: 1 << 2,
  TU: 1 << 3,
} as const;

export const RxSta = {
  DD: 1 << 0,
  EOP: 1 << 1,
  IXSM: 1 << 2,
  VP: 1 << 3,
  TCPCS: 1 << 5,
  IPCS: 1 << 6,
  PIF: 1 << 7,
} as const;

/** Bit 31 of RDTR/TIDV: flush partial descriptor block (fire the delayed interrupt now). */
export const FPD = 1 << 31;

export const RAH_AV = 1 << 31;
