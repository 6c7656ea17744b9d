// printk: the kernel log, and the C format-string engine used by printk and sprintf-like
// exports. Arguments are read from the guest's cdecl varargs, strings from guest memory.

/** Reads the next 32-bit vararg. */
export type ArgReader = () => number;
/** Reads a NUL-terminated string from guest memory (throws if unmapped). */
export type StringReader = (addr: number, max: number) => string;

export interface LogLine {
  /** Simulated time in cycles. */
  cycles: number;
  /** Console log level 0..7 (KERN_EMERG..KERN_DEBUG); 4 when none given. */
  level: number;
  text: string;
}

/** Formats a printf-style string (the subset of Linux 2.4's vsprintf that drivers use). */
export function formatC(fmt: string, next: ArgReader, readString: StringReader): string {
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i]!;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    let j = i + 1;
    let flags = '';
    while (j < fmt.length && '-+ #0'.includes(fmt[j]!)) flags += fmt[j++];
    let width = -1;
    if (fmt[j] === '*') {
      width = next() | 0;
      if (width < 0) {
        flags += '-';
        width = -width;
      }
      j++;
    } else {
      let w = '';
      while (j < fmt.length && /[0-9]/.test(fmt[j]!)) w += fmt[j++];
      if (w) width = Number(w);
    }
    let precision = -1;
    if (fmt[j] === '.') {
      j++;
      if (fmt[j] === '*') {
        precision = Math.max(0, next() | 0);
        j++;
      } else {
        let p = '';
        while (j < fmt.length && /[0-9]/.test(fmt[j]!)) p += fmt[j++];
        precision = p ? Number(p) : 0;
      }
    }
    let length = '';
    while (j < fmt.length && 'hlLqzZt'.includes(fmt[j]!)) length += fmt[j++];
    const conv = fmt[j];
    i = j;
    if (conv === undefined) {
      out += '%';
      break;
    }
    const long64 = length === 'll' || length === 'L' || length === 'q';
    const pad = (s: string, numeric: boolean): string => {
      if (width < 0 || s.length >= width) return s;
      if (flags.includes('-')) return s.padEnd(width);
      if (numeric && flags.includes('0') && precision < 0) {
        const sign = s[0] === '-' || s[0] === '+' || s[0] === ' ' ? s[0] : '';
        const prefix = s.startsWith('0x', sign.length) || s.startsWith('0X', sign.length) ? s.slice(sign.length, sign.length + 2) : '';
        const body = s.slice(sign.length + prefix.length);
        return sign + prefix + body.padStart(width - sign.length - prefix.length, '0');
      }
      return s.padStart(width);
    };
    const readInt = (signed: boolean): bigint => {
      if (long64) {
        const lo = BigInt(next() >>> 0);
        const hi = BigInt(next() >>> 0);
        const v = (hi << 32n) | lo;
        return signed ? BigInt.asIntN(64, v) : v;
      }
      let v = next();
      if (length === 'h') v = signed ? (v << 16) >> 16 : v & 0xffff;
      else if (length === 'hh') v = signed ? (v << 24) >> 24 : v & 0xff;
      return signed ? BigInt(v | 0) : BigInt(v >>> 0);
    };
    const digits = (s: string): string => (precision >= 0 && s.length < precision ? s.padStart(precision, '0') : precision === 0 && s === '0' ? '' : s);
    switch (conv) {
      case '%':
        out += '%';
        break;
      case 'd':
      case 'i': {
        const v = readInt(true);
        const neg = v < 0n;
        let s = digits((neg ? -v : v).toString());
        s = (neg ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + s;
        out += pad(s, true);
        break;
      }
      case 'u':
        out += pad(digits(readInt(false).toString()), true);
        break;
      case 'x':
      case 'X': {
        let s = digits(readInt(false).toString(16));
        if (conv === 'X') s = s.toUpperCase();
        if (flags.includes('#') && s !== '0' && s !== '') s = (conv === 'X' ? '0X' : '0x') + s;
        out += pad(s, true);
        break;
      }
      case 'o': {
        let s = digits(readInt(false).toString(8));
        if (flags.includes('#') && !s.startsWith('0')) s = `0${s}`;
        out += pad(s, true);
        break;
      }
      case 'c':
        out += pad(String.fromCharCode(next() & 0xff), false);
        break;
      case 's': {
        const addr = next() >>> 0;
        let s: string;
        if (addr === 0) s = '<NULL>';
        else {
          try {
            s = readString(addr, precision >= 0 ? precision : 4096);
          } catch {
            s = '<BAD ADDRESS>';
          }
        }
        if (precision >= 0) s = s.slice(0, precision);
        out += pad(s, false);
        break;
      }
      case 'p': {
        // Linux 2.4 prints %p as 8 hex digits, zero-padded.
        const v = next() >>> 0;
        out += pad(v.toString(16).padStart(8, '0'), false);
        break;
      }
      case 'n':
        next();
        break;
      default:
        // Unknown conversion: print it as is, like vsprintf.
        out += `%${conv}`;
        break;
    }
  }
  return out;
}

/** Splits a leading "<N>" log level off a printk message. */
export function splitLevel(text: string): { level: number; text: string } {
  const m = /^<([0-7])>/.exec(text);
  return m ? { level: Number(m[1]), text: text.slice(3) } : { level: 4, text };
}

/** The kernel ring buffer. printk fragments without a newline are joined, as the console does. */
export class KernelLog {
  readonly lines: LogLine[] = [];
  private partial = '';
  private partialLevel = 4;
  /** Called with every completed line (e.g. to echo the console). */
  onLine: ((line: LogLine) => void) | null = null;

  write(text: string, cycles: number): void {
    let rest = text;
    if (this.partial === '') {
      const { level, text: t } = splitLevel(rest);
      this.partialLevel = level;
      rest = t;
    }
    const parts = (this.partial + rest).split('\n');
    this.partial = parts.pop() ?? '';
    for (const p of parts) {
      const line = { cycles, level: this.partialLevel, text: p };
      this.lines.push(line);
      this.onLine?.(line);
      this.partialLevel = 4;
    }
  }

  /** The last n lines (a pending fragment included), for crash reports. */
  tail(n: number): string[] {
    const all = this.lines.map((l) => l.text);
    if (this.partial) all.push(this.partial);
    return all.slice(-n);
  }

  text(): string {
    return this.lines.map((l) => `${l.text}\n`).join('') + this.partial;
  }
}
