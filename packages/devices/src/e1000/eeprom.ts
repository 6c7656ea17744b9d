// The 82540EM's serial EEPROM: a 64-word Microwire part (93C46) that software reaches by
// bit-banging EECD (what the Linux 2.4 driver does for this MAC: request the interface with
// EECD.REQ, wait for GNT, clock out opcode and address on DI, clock in the data on DO) or, on
// the 8254x, through EERD's one-shot read. Words 0-2 hold the MAC address; word 0x3F makes the
// sum of words 0x00-0x3F equal 0xBABA, which the driver checks.

export const EEPROM_WORDS = 64;
export const EEPROM_CHECKSUM_WORD = 0x3f;
export const EEPROM_SUM = 0xbaba;

/** Word offsets of the image, as e1000_hw.h names them. */
export const EepromWord = {
  MAC0: 0x00,
  PBA0: 0x08,
  PBA1: 0x09,
  INIT_CONTROL1: 0x0a,
  SUBSYSTEM_ID: 0x0b,
  SUBSYSTEM_VENDOR: 0x0c,
  DEVICE_ID: 0x0d,
  VENDOR_ID: 0x0e,
  INIT_CONTROL2: 0x0f,
  INIT_CONTROL3_PORT_A: 0x24,
} as const;

export interface EepromImageOptions {
  deviceId?: number;
  subsystemId?: number;
  subsystemVendorId?: number;
}

/** Sets word 0x3F so that words 0x00-0x3F sum to 0xBABA. */
export function fixEepromChecksum(words: Uint16Array): void {
  let sum = 0;
  for (let i = 0; i < EEPROM_CHECKSUM_WORD; i++) sum += words[i]!;
  words[EEPROM_CHECKSUM_WORD] = (EEPROM_SUM - sum) & 0xffff;
}

export function eepromChecksumValid(words: Uint16Array): boolean {
  let sum = 0;
  for (let i = 0; i <= EEPROM_CHECKSUM_WORD; i++) sum += words[i]!;
  return (sum & 0xffff) === EEPROM_SUM;
}

/** A factory-style image for `mac`: unprogrammed words read 0xFFFF, as on a blank part. */
export function buildEepromImage(mac: Uint8Array, options: EepromImageOptions = {}): Uint16Array {
  const w = new Uint16Array(EEPROM_WORDS).fill(0xffff);
  for (let i = 0; i < 3; i++) w[EepromWord.MAC0 + i] = mac[2 * i]! | (mac[2 * i + 1]! << 8);
  w[EepromWord.PBA0] = 0x0000; // printed board assembly number, 000000-000
  w[EepromWord.PBA1] = 0x0000;
  w[EepromWord.INIT_CONTROL1] = 0x640b; // load subsystem IDs, 32-bit PCI, full duplex
  w[EepromWord.SUBSYSTEM_ID] = options.subsystemId ?? 0x001e;
  w[EepromWord.SUBSYSTEM_VENDOR] = options.subsystemVendorId ?? 0x8086;
  w[EepromWord.DEVICE_ID] = options.deviceId ?? 0x100e;
  w[EepromWord.VENDOR_ID] = 0x8086;
  w[EepromWord.INIT_CONTROL2] = 0x3040; // PAUSE and ASM_DIR: symmetric flow control advertised
  w[EepromWord.INIT_CONTROL3_PORT_A] = 0x0000; // no APM wake-up
  fixEepromChecksum(w);
  return w;
}

type MicrowireState = 'idle' | 'opcode' | 'address' | 'data-in' | 'data-out';

/**
 * The Microwire side: CS, SK, DI in, DO out. Bits are sampled on SK's rising edge, MSB first:
 * a start bit (1), a 2-bit opcode (10 READ, 01 WRITE, 11 ERASE, 00 + address bits 11/00 EWEN/EWDS),
 * 6 address bits; a READ answers a dummy 0 and then 16 data bits per word, continuing with the
 * next word while clocked. Deselecting (CS low) ends any command.
 */
export class MicrowireEeprom {
  readonly words: Uint16Array;
  private cs = false;
  private sk = false;
  private state: MicrowireState = 'idle';
  private shift = 0;
  private bits = 0;
  private opcode = 0;
  private address = 0;
  private writeEnabled = false;
  /** The DO pin. */
  dataOut = true;
  /** Words programmed through the interface. */
  writes = 0;

  constructor(words: Uint16Array) {
    if (words.length !== EEPROM_WORDS) throw new RangeError(`the 82540EM's EEPROM holds ${EEPROM_WORDS} words, got ${words.length}`);
    this.words = words;
  }

  /** Drives the input pins (from an EECD write). */
  setPins(cs: boolean, sk: boolean, di: boolean): void {
    if (!cs) {
      this.cs = false;
      this.sk = sk;
      this.state = 'idle';
      this.dataOut = true; // ready
      return;
    }
    if (!this.cs) {
      this.cs = true;
      this.state = 'idle';
    }
    const rising = sk && !this.sk;
    this.sk = sk;
    if (rising) this.clock(di ? 1 : 0);
  }

  private clock(bit: number): void {
    switch (this.state) {
      case 'idle':
        if (bit === 1) {
          this.state = 'opcode';
          this.shift = 0;
          this.bits = 0;
        }
        return;
      case 'opcode':
        this.shift = (this.shift << 1) | bit;
        if (++this.bits === 2) {
          this.opcode = this.shift;
          this.state = 'address';
          this.shift = 0;
          this.bits = 0;
        }
        return;
      case 'address':
        this.shift = (this.shift << 1) | bit;
        if (++this.bits === 6) this.command(this.shift);
        return;
      case 'data-in':
        this.shift = ((this.shift << 1) | bit) & 0xffff;
        if (++this.bits === 16) {
          if (this.writeEnabled) {
            this.words[this.address] = this.shift;
            this.writes++;
          }
          this.state = 'idle';
          this.dataOut = true;
        }
        return;
      case 'data-out':
        this.dataOut = ((this.words[this.address]! >> (15 - this.bits)) & 1) === 1;
        if (++this.bits === 16) {
          this.bits = 0;
          this.address = (this.address + 1) & (EEPROM_WORDS - 1);
        }
        return;
    }
  }

  private command(addr: number): void {
    this.address = addr & (EEPROM_WORDS - 1);
    this.shift = 0;
    this.bits = 0;
    switch (this.opcode) {
      case 2: // READ
        this.state = 'data-out';
        this.dataOut = false; // the dummy bit
        return;
      case 1: // WRITE
        this.state = 'data-in';
        return;
      case 3: // ERASE
        if (this.writeEnabled) this.words[this.address] = 0xffff;
        this.state = 'idle';
        return;
      default: {
        const sub = addr >> 4;
        if (sub === 3) this.writeEnabled = true;
        else if (sub === 0) this.writeEnabled = false;
        else if (sub === 2 && this.writeEnabled) this.words.fill(0xffff); // ERAL
        // WRAL (01) would need 16 data bits; not used by the driver.
        this.state = 'idle';
      }
    }
  }

  /** Back to power-on (deselected). */
  reset(): void {
    this.cs = false;
    this.sk = false;
    this.state = 'idle';
    this.dataOut = true;
    this.writeEnabled = false;
  }
}
