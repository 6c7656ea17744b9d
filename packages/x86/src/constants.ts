// Architectural constants shared by the interpreter modules.

export const Flag = {
  CF: 0x1, PF: 0x4, AF: 0x10, ZF: 0x40, SF: 0x80, TF: 0x100, IF: 0x200, DF: 0x400, OF: 0x800,
  IOPL: 0x3000, NT: 0x4000, RF: 0x10000, VM: 0x20000, AC: 0x40000, ID: 0x200000,
} as const;
export const ARITH = 0x8d5; // CF PF AF ZF SF OF
/** Bits popf/iret/setEflags may change (VM and RF excluded; bit 1 always set). */
export const WRITABLE_FLAGS = 0x3f7fd5 & ~0x30000;

export const Cr0 = { PE: 0x1, MP: 0x2, EM: 0x4, TS: 0x8, ET: 0x10, NE: 0x20, WP: 0x10000, AM: 0x40000, NW: 0x20000000, CD: 0x40000000, PG: 0x80000000 | 0 } as const;
export const Cr4 = { PSE: 0x10, PGE: 0x80 } as const;
export const Pte = { P: 1, RW: 2, US: 4, PWT: 8, PCD: 0x10, A: 0x20, D: 0x40, PS: 0x80, G: 0x100 } as const;

export const Vector = { DE: 0, DB: 1, NMI: 2, BP: 3, OF: 4, BR: 5, UD: 6, NM: 7, DF: 8, TS: 10, NP: 11, SS: 12, GP: 13, PF: 14, MF: 16, AC: 17 } as const;
export const HAS_ERROR_CODE = (1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 14) | (1 << 17);

/** Lazy flag kinds: which operation produced the flags held in lres/la/lb. */
export const L_NONE = 0, L_ADD = 1, L_ADC = 2, L_SUB = 3, L_SBB = 4, L_LOGIC = 5, L_INC = 6, L_DEC = 7, L_EXPL = 8;

