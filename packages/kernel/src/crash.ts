// Crash reports: what a Linux oops or panic prints, as data. Built from the CPU state at the
// fault, the module symbols (EIP -> function+offset), a frame-pointer stack walk (modules are
// built with -fno-omit-frame-pointer, as a CONFIG_FRAME_POINTER kernel is), the faulting
// instruction's disassembly and the tail of the kernel log.

/** Where the CPU was when things went wrong. */
export type ExecutionContext = 'boot' | 'process' | 'interrupt' | 'softirq';

export type CrashKind = 'panic' | 'oops' | 'hang';

export interface CrashRegisters {
  eax: number;
  ebx: number;
  ecx: number;
  edx: number;
  esi: number;
  edi: number;
  ebp: number;
  esp: number;
  eip: number;
  eflags: number;
  cr2: number;
}

export interface CrashReport {
  kind: CrashKind;
  context: ExecutionContext;
  /** One line: "Unable to handle kernel NULL pointer dereference at virtual address 00000000". */
  reason: string;
  /** Processor exception vector, when a fault caused it. */
  vector?: number;
  errorCode?: number;
  eip?: number;
  /** module:function+0xoff (or kernel:function for kernel text). */
  location?: string;
  /** The module whose code faulted, if any. */
  module?: string;
  /** AT&T disassembly of the faulting instruction. */
  instruction?: string;
  registers?: CrashRegisters;
  /** Call trace, innermost first, symbolised. */
  stack: string[];
  /** Last lines of the kernel log. */
  log: string[];
  /** Simulated time of the crash, in cycles. */
  cycles: number;
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/** The report as Linux would print it on the console. */
export function formatCrashReport(r: CrashReport): string {
  const lines: string[] = [];
  lines.push(r.reason);
  if (r.kind === 'oops' || r.kind === 'panic') {
    if (r.eip !== undefined) lines.push(` printing eip:\n${hex8(r.eip)}`);
    if (r.vector !== undefined) lines.push(`Oops: ${(r.errorCode ?? 0).toString(16).padStart(4, '0')}`);
    if (r.registers) {
      const g = r.registers;
      lines.push(`EIP:    0010:[<${hex8(g.eip)}>]    ${r.module ? `[${r.module}]` : 'Not tainted'}`);
      lines.push(`EFLAGS: ${hex8(g.eflags)}`);
      lines.push(`eax: ${hex8(g.eax)}   ebx: ${hex8(g.ebx)}   ecx: ${hex8(g.ecx)}   edx: ${hex8(g.edx)}`);
      lines.push(`esi: ${hex8(g.esi)}   edi: ${hex8(g.edi)}   ebp: ${hex8(g.ebp)}   esp: ${hex8(g.esp)}`);
      lines.push(`cr2: ${hex8(g.cr2)}`);
    }
    if (r.location) lines.push(`EIP is at ${r.location}${r.instruction ? `: ${r.instruction}` : ''}`);
    if (r.stack.length) lines.push(`Call Trace: ${r.stack.join(' ')}`);
  }
  if (r.kind === 'panic') lines.push(`Kernel panic: ${r.context === 'interrupt' ? 'Aiee, killing interrupt handler!' : r.reason}`);
  if (r.kind === 'hang') lines.push('NMI watchdog: no progress (system hung)');
  return lines.join('\n');
}
