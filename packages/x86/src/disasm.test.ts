// Unit cases for the disassembler. Every expected string is objdump's (binutils 2.40,
// `objdump -d` on the same bytes assembled with `as --32`), copied here so these cases need no
// toolchain; the last block re-checks the disassembler against objdump itself at test time over
// every opcode and ModRM byte and over seeded random prefixed encodings.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import type { Instr } from './decoder.js';
import { OPS, OP_HOSTCALL, OP_INVALID, OP_X87, decodeBytes } from './decoder.js';
import { disassemble, disassembleBytes } from './disasm.js';

function bytes(hex: string): Uint8Array {
  return new Uint8Array(hex.split(' ').map((b) => parseInt(b, 16)));
}

function decodeHex(hex: string, address = 0): Instr {
  return decodeBytes(bytes(hex), 0, address);
}

/** [instruction bytes, objdump's text] for instructions at address 0 (no relative branches). */
const CASES: readonly (readonly [string, string])[] = [
  // Moves, ALU and the size suffix: only when no register operand fixes the size.
  ['89 44 24 04', 'mov    %eax,0x4(%esp)'],
  ['8b 45 fc', 'mov    -0x4(%ebp),%eax'],
  ['8b 4d 08', 'mov    0x8(%ebp),%ecx'],
  ['c7 45 fc 00 00 00 00', 'movl   $0x0,-0x4(%ebp)'],
  ['66 c7 00 10 00', 'movw   $0x10,(%eax)'],
  ['c6 00 ff', 'movb   $0xff,(%eax)'],
  ['83 00 01', 'addl   $0x1,(%eax)'],
  ['83 c0 ff', 'add    $0xffffffff,%eax'],
  ['66 83 c0 ff', 'add    $0xffff,%ax'],
  ['80 01 80', 'addb   $0x80,(%ecx)'],
  ['81 ec 00 10 00 00', 'sub    $0x1000,%esp'],
  ['83 e4 f0', 'and    $0xfffffff0,%esp'],
  // inc/dec, shifts by 1 (no `$1` for D0/D1), by CL and by an immediate; group 3.
  ['ff 00', 'incl   (%eax)'],
  ['66 ff 4b 04', 'decw   0x4(%ebx)'],
  ['fe 00', 'incb   (%eax)'],
  ['40', 'inc    %eax'],
  ['d1 20', 'shll   (%eax)'],
  ['c1 20 02', 'shll   $0x2,(%eax)'],
  ['d3 20', 'shll   %cl,(%eax)'],
  ['d1 e0', 'shl    %eax'],
  ['c1 e0 02', 'shl    $0x2,%eax'],
  ['d1 f8', 'sar    %eax'],
  ['c1 f8 01', 'sar    $0x1,%eax'],
  ['d3 ea', 'shr    %cl,%edx'],
  ['d0 38', 'sarb   (%eax)'],
  ['f7 10', 'notl   (%eax)'],
  ['f7 5c 24 04', 'negl   0x4(%esp)'],
  ['f7 65 08', 'mull   0x8(%ebp)'],
  ['f7 31', 'divl   (%ecx)'],
  ['f6 38', 'idivb  (%eax)'],
  ['f7 e9', 'imul   %ecx'],
  // push/pop/call/jmp: no suffix in 32-bit code, `w` under 0x66 without a register; `*` for indirect.
  ['55', 'push   %ebp'],
  ['ff 30', 'push   (%eax)'],
  ['ff 75 08', 'push   0x8(%ebp)'],
  ['6a 10', 'push   $0x10'],
  ['68 00 10 00 00', 'push   $0x1000'],
  ['6a ff', 'push   $0xffffffff'],
  ['66 6a 10', 'pushw  $0x10'],
  ['66 55', 'push   %bp'],
  ['5b', 'pop    %ebx'],
  ['8f 00', 'pop    (%eax)'],
  ['ff d0', 'call   *%eax'],
  ['ff 10', 'call   *(%eax)'],
  ['ff 50 08', 'call   *0x8(%eax)'],
  ['ff 60 08', 'jmp    *0x8(%eax)'],
  ['ff e0', 'jmp    *%eax'],
  ['ff 24 85 00 90 04 08', 'jmp    *0x8049000(,%eax,4)'],
  ['c3', 'ret'],
  ['c2 04 00', 'ret    $0x4'],
  ['66 c3', 'retw'],
  // String instructions: movs/cmps/ins/outs take a suffix, stos/lods/scas print a register; rep/repz/repnz.
  ['f3 ab', 'rep stos %eax,%es:(%edi)'],
  ['f3 aa', 'rep stos %al,%es:(%edi)'],
  ['66 f3 ab', 'rep stos %ax,%es:(%edi)'],
  ['f3 a6', 'repz cmpsb %es:(%edi),%ds:(%esi)'],
  ['f2 ae', 'repnz scas %es:(%edi),%al'],
  ['a5', 'movsl  %ds:(%esi),%es:(%edi)'],
  ['a4', 'movsb  %ds:(%esi),%es:(%edi)'],
  ['66 a5', 'movsw  %ds:(%esi),%es:(%edi)'],
  ['f3 a5', 'rep movsl %ds:(%esi),%es:(%edi)'],
  ['f3 a4', 'rep movsb %ds:(%esi),%es:(%edi)'],
  ['ac', 'lods   %ds:(%esi),%al'],
  ['ad', 'lods   %ds:(%esi),%eax'],
  ['ae', 'scas   %es:(%edi),%al'],
  ['26 ac', 'lods   %es:(%esi),%al'],
  ['26 aa', 'es stos %al,%es:(%edi)'],
  ['2e a4', 'movsb  %cs:(%esi),%es:(%edi)'],
  ['6c', 'insb   (%dx),%es:(%edi)'],
  ['6f', 'outsl  %ds:(%esi),(%dx)'],
  // lock, xchg, nops and gcc/gas padding (data16, cs, %eiz).
  ['f0 0f b1 0a', 'lock cmpxchg %ecx,(%edx)'],
  ['f0 0f c1 01', 'lock xadd %eax,(%ecx)'],
  ['f0 83 00 01', 'lock addl $0x1,(%eax)'],
  ['f0 ff 00', 'lock incl (%eax)'],
  ['f0 0f c7 0e', 'lock cmpxchg8b (%esi)'],
  ['87 01', 'xchg   %eax,(%ecx)'],
  ['91', 'xchg   %eax,%ecx'],
  ['66 90', 'xchg   %ax,%ax'],
  ['90', 'nop'],
  ['f3 90', 'pause'],
  ['0f 1f 00', 'nopl   (%eax)'],
  ['0f 1f 40 00', 'nopl   0x0(%eax)'],
  ['0f 1f 44 00 00', 'nopl   0x0(%eax,%eax,1)'],
  ['66 0f 1f 04 00', 'nopw   (%eax,%eax,1)'],
  ['0f 1f 80 00 00 00 00', 'nopl   0x0(%eax)'],
  ['0f 1f 84 00 00 00 00 00', 'nopl   0x0(%eax,%eax,1)'],
  ['66 0f 1f 84 00 00 00 00 00', 'nopw   0x0(%eax,%eax,1)'],
  ['66 2e 0f 1f 84 00 00 00 00 00', 'nopw   %cs:0x0(%eax,%eax,1)'],
  ['66 66 2e 0f 1f 84 00 00 00 00 00', 'data16 nopw %cs:0x0(%eax,%eax,1)'],
  ['8d 74 26 00', 'lea    0x0(%esi,%eiz,1),%esi'],
  ['8d b4 26 00 00 00 00', 'lea    0x0(%esi,%eiz,1),%esi'],
  ['2e 8d b4 26 00 00 00 00', 'lea    %cs:0x0(%esi,%eiz,1),%esi'],
  ['8d 76 00', 'lea    0x0(%esi),%esi'],
  ['8d b6 00 00 00 00', 'lea    0x0(%esi),%esi'],
  ['89 f6', 'mov    %esi,%esi'],
  ['8d 36', 'lea    (%esi),%esi'],
  ['8d 14 85 00 00 00 00', 'lea    0x0(,%eax,4),%edx'],
  ['8d 14 40', 'lea    (%eax,%eax,2),%edx'],
  ['8d 84 24 00 00 00 80', 'lea    -0x80000000(%esp),%eax'],
  // SIB forms: %eiz when the SIB has no index, displacements signed next to registers, absolute otherwise.
  ['8b 04 20', 'mov    (%eax,%eiz,1),%eax'],
  ['8b 04 60', 'mov    (%eax,%eiz,2),%eax'],
  ['8b 04 24', 'mov    (%esp),%eax'],
  ['8b 04 64', 'mov    (%esp,%eiz,2),%eax'],
  ['8b 04 25 34 12 00 00', 'mov    0x1234(,%eiz,1),%eax'],
  ['8b 04 1d fc ff ff ff', 'mov    -0x4(,%ebx,1),%eax'],
  ['8b 05 00 00 00 80', 'mov    0x80000000,%eax'],
  // System and I/O instructions, segment overrides and moffs.
  ['cc', 'int3'],
  ['cd 80', 'int    $0x80'],
  ['ce', 'into'],
  ['f4', 'hlt'],
  ['ec', 'in     (%dx),%al'],
  ['ed', 'in     (%dx),%eax'],
  ['e4 60', 'in     $0x60,%al'],
  ['ee', 'out    %al,(%dx)'],
  ['66 ef', 'out    %ax,(%dx)'],
  ['e6 60', 'out    %al,$0x60'],
  ['0f 0b', 'ud2'],
  ['64 a1 14 00 00 00', 'mov    %fs:0x14,%eax'],
  ['65 8b 08', 'mov    %gs:(%eax),%ecx'],
  ['26 8b 00', 'mov    %es:(%eax),%eax'],
  ['a1 34 12 00 00', 'mov    0x1234,%eax'],
  ['a3 34 12 00 00', 'mov    %eax,0x1234'],
  ['a0 34 12 00 00', 'mov    0x1234,%al'],
  ['66 a3 34 12 00 00', 'mov    %ax,0x1234'],
  ['3e a1 01 00 00 00', 'mov    %ds:0x1,%eax'],
  ['8b 0d 34 12 00 00', 'mov    0x1234,%ecx'],
  ['c7 05 34 12 00 00 01 00 00 00', 'movl   $0x1,0x1234'],
  // bswap, double shifts, three-operand imul, test.
  ['0f c8', 'bswap  %eax'],
  ['0f cf', 'bswap  %edi'],
  ['0f a4 d0 04', 'shld   $0x4,%edx,%eax'],
  ['0f a5 d0', 'shld   %cl,%edx,%eax'],
  ['0f ac d0 04', 'shrd   $0x4,%edx,%eax'],
  ['0f ad 10', 'shrd   %cl,%edx,(%eax)'],
  ['6b c0 0c', 'imul   $0xc,%eax,%eax'],
  ['6b c0 f4', 'imul   $0xfffffff4,%eax,%eax'],
  ['69 c8 e8 03 00 00', 'imul   $0x3e8,%eax,%ecx'],
  ['66 6b c0 f4', 'imul   $0xfff4,%ax,%ax'],
  ['0f af c1', 'imul   %ecx,%eax'],
  ['0f af 44 24 04', 'imul   0x4(%esp),%eax'],
  ['f7 28', 'imull  (%eax)'],
  ['84 c0', 'test   %al,%al'],
  ['85 c8', 'test   %ecx,%eax'],
  ['f7 00 01 00 00 00', 'testl  $0x1,(%eax)'],
  ['f6 00 01', 'testb  $0x1,(%eax)'],
  ['a8 01', 'test   $0x1,%al'],
  ['a9 00 01 00 00', 'test   $0x100,%eax'],
  // Control, segment and descriptor-table registers.
  ['0f 20 c0', 'mov    %cr0,%eax'],
  ['0f 22 d8', 'mov    %eax,%cr3'],
  ['0f 20 e1', 'mov    %cr4,%ecx'],
  ['8c d8', 'mov    %ds,%eax'],
  ['8e d8', 'mov    %eax,%ds'],
  ['8c 10', 'mov    %ss,(%eax)'],
  ['66 8c d8', 'mov    %ds,%ax'],
  ['0f 01 10', 'lgdtl  (%eax)'],
  ['0f 01 18', 'lidtl  (%eax)'],
  ['0f 01 00', 'sgdtl  (%eax)'],
  ['0f 01 08', 'sidtl  (%eax)'],
  ['66 0f 01 10', 'lgdtw  (%eax)'],
  ['0f 01 38', 'invlpg (%eax)'],
  // No-operand instructions and operand-size variants.
  ['0f a2', 'cpuid'],
  ['0f 31', 'rdtsc'],
  ['0f 09', 'wbinvd'],
  ['0f 08', 'invd'],
  ['0f 06', 'clts'],
  ['60', 'pusha'],
  ['61', 'popa'],
  ['9c', 'pushf'],
  ['9d', 'popf'],
  ['66 9c', 'pushfw'],
  ['66 60', 'pushaw'],
  ['cf', 'iret'],
  ['66 cf', 'iretw'],
  ['9e', 'sahf'],
  ['9f', 'lahf'],
  ['fc', 'cld'],
  ['fd', 'std'],
  ['f8', 'clc'],
  ['f9', 'stc'],
  ['f5', 'cmc'],
  ['fa', 'cli'],
  ['fb', 'sti'],
  ['c8 10 00 00', 'enter  $0x10,$0x0'],
  ['c8 10 00 01', 'enter  $0x10,$0x1'],
  ['c9', 'leave'],
  ['d7', 'xlat   %ds:(%ebx)'],
  ['64 d7', 'xlat   %fs:(%ebx)'],
  // Sign/zero extension.
  ['98', 'cwtl'],
  ['99', 'cltd'],
  ['66 98', 'cbtw'],
  ['66 99', 'cwtd'],
  ['0f b6 c0', 'movzbl %al,%eax'],
  ['0f b7 c0', 'movzwl %ax,%eax'],
  ['0f be c0', 'movsbl %al,%eax'],
  ['0f bf c0', 'movswl %ax,%eax'],
  ['66 0f b6 c0', 'movzbw %al,%ax'],
  ['66 0f be c0', 'movsbw %al,%ax'],
  ['0f b6 00', 'movzbl (%eax),%eax'],
  ['0f b7 00', 'movzwl (%eax),%eax'],
  ['0f be 55 ff', 'movsbl -0x1(%ebp),%edx'],
  ['0f bf 51 02', 'movswl 0x2(%ecx),%edx'],
  ['66 0f b6 00', 'movzbw (%eax),%ax'],
  ['66 0f be 00', 'movsbw (%eax),%ax'],
  ['0f b6 c4', 'movzbl %ah,%eax'],
  // setcc and cmovcc: objdump picks e/ne/b/ae/be/a/l/ge/le/g/s/ns/p/np/o/no.
  ['0f 94 c0', 'sete   %al'],
  ['0f 95 00', 'setne  (%eax)'],
  ['0f 92 c1', 'setb   %cl'],
  ['0f 93 c2', 'setae  %dl'],
  ['0f 96 c3', 'setbe  %bl'],
  ['0f 97 c0', 'seta   %al'],
  ['0f 9c c0', 'setl   %al'],
  ['0f 9d c0', 'setge  %al'],
  ['0f 9e c0', 'setle  %al'],
  ['0f 9f c0', 'setg   %al'],
  ['0f 98 c0', 'sets   %al'],
  ['0f 99 c0', 'setns  %al'],
  ['0f 9a c0', 'setp   %al'],
  ['0f 9b c0', 'setnp  %al'],
  ['0f 90 c0', 'seto   %al'],
  ['0f 91 c0', 'setno  %al'],
  ['0f 44 c8', 'cmove  %eax,%ecx'],
  ['0f 45 c8', 'cmovne %eax,%ecx'],
  ['0f 42 08', 'cmovb  (%eax),%ecx'],
  ['0f 43 c8', 'cmovae %eax,%ecx'],
  ['0f 46 c8', 'cmovbe %eax,%ecx'],
  ['0f 47 c8', 'cmova  %eax,%ecx'],
  ['0f 4c c8', 'cmovl  %eax,%ecx'],
  ['0f 4d c8', 'cmovge %eax,%ecx'],
  ['0f 4e c8', 'cmovle %eax,%ecx'],
  ['0f 4f c8', 'cmovg  %eax,%ecx'],
  ['0f 48 c8', 'cmovs  %eax,%ecx'],
  ['0f 49 c8', 'cmovns %eax,%ecx'],
  ['0f 4a c8', 'cmovp  %eax,%ecx'],
  ['0f 4b c8', 'cmovnp %eax,%ecx'],
  ['0f 40 c8', 'cmovo  %eax,%ecx'],
  ['0f 41 c8', 'cmovno %eax,%ecx'],
  ['66 0f 45 c8', 'cmovne %ax,%cx'],
  // Bit operations, bsf/bsr (tzcnt/lzcnt under F3), xadd, cmpxchg, rotates, adc/sbb, cmp.
  ['0f a3 c1', 'bt     %eax,%ecx'],
  ['0f ba 20 03', 'btl    $0x3,(%eax)'],
  ['0f ab 01', 'bts    %eax,(%ecx)'],
  ['0f ba f0 05', 'btr    $0x5,%eax'],
  ['0f bb d0', 'btc    %edx,%eax'],
  ['66 0f ba f8 03', 'btc    $0x3,%ax'],
  ['0f bc c8', 'bsf    %eax,%ecx'],
  ['0f bd 08', 'bsr    (%eax),%ecx'],
  ['f3 0f bc c8', 'tzcnt  %eax,%ecx'],
  ['f3 0f bd c8', 'lzcnt  %eax,%ecx'],
  ['0f c1 c1', 'xadd   %eax,%ecx'],
  ['0f b0 0a', 'cmpxchg %cl,(%edx)'],
  ['d1 c0', 'rol    %eax'],
  ['c1 c8 03', 'ror    $0x3,%eax'],
  ['d3 d0', 'rcl    %cl,%eax'],
  ['d0 18', 'rcrb   (%eax)'],
  ['66 c1 c0 08', 'rol    $0x8,%ax'],
  ['83 d2 00', 'adc    $0x0,%edx'],
  ['19 c0', 'sbb    %eax,%eax'],
  ['83 58 04 00', 'sbbl   $0x0,0x4(%eax)'],
  ['80 38 2f', 'cmpb   $0x2f,(%eax)'],
  ['66 83 38 10', 'cmpw   $0x10,(%eax)'],
  ['39 c1', 'cmp    %eax,%ecx'],
  ['31 c0', 'xor    %eax,%eax'],
  ['0c 80', 'or     $0x80,%al'],
  ['25 ff 00 00 00', 'and    $0xff,%eax'],
  // Prefixes objdump prints on their own or as hints.
  ['f3 c3', 'repz ret'],
  ['f3 0f 1e fb', 'endbr32'],
  ['0f 0d 08', 'prefetchw (%eax)'],
  ['0f 18 00', 'prefetchnta (%eax)'],
  ['3e ff e0', 'notrack jmp *%eax'],
  ['f2 c3', 'bnd ret'],
  ['f3 89 00', 'xrelease mov %eax,(%eax)'],
  ['f2 f0 01 00', 'xacquire lock add %eax,(%eax)'],
  ['66 a4', 'data16 movsb %ds:(%esi),%es:(%edi)'],
  ['66 0f 94 c0', 'data16 sete %al'],
  ['66 0f c8', 'bswap  %ax'],
  ['8c f8', 'mov    %?,%eax'],
  ['0f 1f c0', 'nop    %eax'],
];

/** Relative branches at their linked addresses, with objdump's `<sym+off>` annotations. */
const SYMBOLS: readonly { readonly name: string; readonly address: number }[] = [
  { name: '_start', address: 0x8049000 },
  { name: 'func', address: 0x8049049 },
];
const BRANCHES: readonly (readonly [number, string, string])[] = [
  [0x8049000, 'e8 44 00 00 00', 'call   8049049 <func>'],
  [0x8049005, 'e8 00 00 00 00', 'call   804900a <_start+0xa>'],
  [0x804900a, 'eb 3d', 'jmp    8049049 <func>'],
  [0x804900c, 'eb fe', 'jmp    804900c <_start+0xc>'],
  [0x804900e, '74 f0', 'je     8049000 <_start>'],
  [0x8049010, '75 1c', 'jne    804902e <_start+0x2e>'],
  [0x8049012, '72 1a', 'jb     804902e <_start+0x2e>'],
  [0x8049014, '73 18', 'jae    804902e <_start+0x2e>'],
  [0x8049016, '76 16', 'jbe    804902e <_start+0x2e>'],
  [0x8049018, '77 14', 'ja     804902e <_start+0x2e>'],
  [0x804901a, '78 12', 'js     804902e <_start+0x2e>'],
  [0x804901c, '79 10', 'jns    804902e <_start+0x2e>'],
  [0x804901e, '7a 0e', 'jp     804902e <_start+0x2e>'],
  [0x8049020, '7b 0c', 'jnp    804902e <_start+0x2e>'],
  [0x8049022, '7c 0a', 'jl     804902e <_start+0x2e>'],
  [0x8049024, '7d 08', 'jge    804902e <_start+0x2e>'],
  [0x8049026, '7e 06', 'jle    804902e <_start+0x2e>'],
  [0x8049028, '7f 04', 'jg     804902e <_start+0x2e>'],
  [0x804902a, '70 02', 'jo     804902e <_start+0x2e>'],
  [0x804902c, '71 00', 'jno    804902e <_start+0x2e>'],
  [0x804902e, '74 19', 'je     8049049 <func>'],
  [0x8049030, '75 d1', 'jne    8049003 <_start+0x3>'],
  [0x8049032, 'e2 cc', 'loop   8049000 <_start>'],
  [0x8049034, 'e1 ca', 'loope  8049000 <_start>'],
  [0x8049036, 'e0 c8', 'loopne 8049000 <_start>'],
  [0x8049038, 'e3 c6', 'jecxz  8049000 <_start>'],
  [0x804903a, '2e 74 00', 'je,pn  804903d <_start+0x3d>'],
  [0x804903d, '3e 75 00', 'jne,pt 8049040 <_start+0x40>'],
  [0x8049040, '66 eb 00', 'data16 jmp 8049043 <_start+0x43>'],
  [0x8049043, 'f2 e8 00 00 00 00', 'bnd call 8049049 <func>'],
  [0x8049049, 'c3', 'ret'],
];

function symbolize(addr: number): string | undefined {
  let best: { name: string; address: number } | undefined;
  for (const s of SYMBOLS) if (s.address <= addr && (!best || s.address > best.address)) best = s;
  if (!best) return undefined;
  return addr === best.address ? best.name : `${best.name}+0x${(addr - best.address).toString(16)}`;
}

describe('disassemble', () => {
  it.each(CASES)('%s → %s', (hex, text) => {
    const ins = decodeHex(hex);
    expect(ins.len).toBe(bytes(hex).length);
    expect(disassemble(ins)).toBe(text);
  });

  it.each(BRANCHES)('0x%s: %s → %s', (address, hex, text) => {
    const ins = decodeHex(hex, address);
    expect(ins.len).toBe(bytes(hex).length);
    expect(disassemble(ins, { symbolize })).toBe(text);
    // Without symbols objdump prints the bare target as 0x...
    expect(disassemble(ins)).toBe(text.replace(/([0-9a-f]+) <[^>]*>$/, '0x$1'));
  });

  it('prints the host-call escape, x87 escapes and invalid encodings as ours', () => {
    const host = decodeHex('0f 3f 34 12');
    expect(OPS[host.op]).toBe(OP_HOSTCALL);
    expect(disassemble(host)).toBe('hostcall $0x1234');
    const x87 = decodeHex('d9 c0');
    expect(OPS[x87.op]).toBe(OP_X87);
    expect(disassemble(x87)).toBe('(x87)');
    const bad = decodeHex('ff ff');
    expect(OPS[bad.op]).toBe(OP_INVALID);
    expect(disassemble(bad)).toBe('(bad)');
  });
});

describe('disassembleBytes', () => {
  it('sweeps the cases back to back with their addresses, lengths, bytes and texts', () => {
    const all = bytes(CASES.map(([hex]) => hex).join(' '));
    const lines = disassembleBytes(all, 0x1000);
    expect(lines.map((l) => l.text)).toEqual(CASES.map(([, text]) => text));
    let address = 0x1000;
    CASES.forEach(([hex], i) => {
      const line = lines[i];
      expect(line?.address).toBe(address);
      expect(line?.length).toBe(bytes(hex).length);
      expect(Array.from(line?.bytes ?? [])).toEqual(Array.from(bytes(hex)));
      address += bytes(hex).length;
    });
  });

  it('symbolizes branch targets in a sweep', () => {
    const all = bytes(BRANCHES.map(([, hex]) => hex).join(' '));
    const lines = disassembleBytes(all, 0x8049000, { symbolize });
    expect(lines.map((l) => [l.address, l.text])).toEqual(BRANCHES.map(([a, , t]) => [a, t]));
  });

  it('steps over whole x87 instructions (our #UD), and fwait', () => {
    const lines = disassembleBytes(bytes('d9 c0 dd 44 24 04 9b de 05 78 56 34 12 90'), 0);
    expect(lines.map((l) => [l.length, l.text])).toEqual([[2, '(x87)'], [4, '(x87)'], [1, 'fwait'], [6, '(x87)'], [1, 'nop']]);
  });

  it('marks an instruction cut off by the end of the buffer as (bad)', () => {
    const lines = disassembleBytes(bytes('90 b8 01 00'), 0);
    expect(lines.map((l) => [l.length, l.text])).toEqual([[1, 'nop'], [3, '(bad)']]);
  });

  it('keeps prefixes in byte order where an Instr alone cannot', () => {
    // objdump prints unconsumed prefixes in byte order; an Instr keeps no order.
    expect(disassembleBytes(bytes('f0 f3 01 c0'), 0)[0]?.text).toBe('lock repz add %eax,%eax');
    expect(disassembleBytes(bytes('f3 f0 01 c0'), 0)[0]?.text).toBe('repz lock add %eax,%eax');
    expect(disassembleBytes(bytes('67 90'), 0)[0]?.text).toBe('addr16 nop');
  });
});

// Decoder bugs (reported; decoder.ts is not ours to change). Each case states objdump's view,
// which is also the Intel manual's; flip `it.fails` to `it` once the decoder is fixed.
describe('known decoder bugs', () => {
  // MOV to/from CRn ignores ModRM.mod (SDM: "the 2 bits in the mod field are ignored"): always a
  // register operand and no SIB/displacement. The decoder reads a memory operand for mod != 3.
  it('0f 20 00 is mov %cr0,%eax (decoder: memory operand)', () => {
    const ins = decodeHex('0f 20 00');
    expect(disassemble(ins)).toBe('mov    %cr0,%eax');
  });
  it('0f 22 05 is 3 bytes, mov %ebp,%cr0 (decoder: 7 bytes with a disp32)', () => {
    const ins = decodeHex('0f 22 05 78 56 34 12');
    expect([ins.len, disassemble(ins)]).toEqual([3, 'mov    %ebp,%cr0']);
  });
  // The address-size prefix is not recorded for instructions without ModRM or moffs: 67 E3 is
  // jcxz (tests CX), 67 E0-E2 count in CX, 67 D7 indexes with BX; the decoder runs them 32-bit.
  it.fails('67 e3 00 is jcxz (decoder: jecxz)', () => {
    expect(disassemble(decodeHex('67 e3 00'))).toBe('jcxz   0x3');
  });
  it.fails('67 e2 00 is loopw (decoder: loop on ECX)', () => {
    expect(disassemble(decodeHex('67 e2 00'))).toBe('loopw  0x3');
  });
  it.fails('67 d7 is xlat %ds:(%bx) (decoder: (%ebx))', () => {
    expect(disassemble(decodeHex('67 d7'))).toBe('xlat   %ds:(%bx)');
  });
  // 9B (fwait) is one byte; since OP_X87 became 'Ex' the decoder reads a ModRM after it
  // (`9b 90` decodes as 6 bytes). disassembleBytes measures x87 instructions itself.
  it('9b is one byte (decoder: reads a ModRM)', () => {
    expect(decodeHex('9b 90').len).toBe(1);
  });
});

// objdump itself, at test time, over far more encodings than the table above. Each encoding sits
// in its own 16-byte slot padded with nops, so a length disagreement cannot shift the others.
const SLOT = 16;

interface Encoding {
  readonly bytes: Uint8Array;
  readonly ins: Instr;
}

function objdumpSlots(encodings: readonly Encoding[]): Map<number, { length: number; text: string }> {
  const image = new Uint8Array(encodings.length * SLOT).fill(0x90);
  encodings.forEach((e, i) => image.set(e.bytes.subarray(0, e.ins.len), i * SLOT));
  const dir = mkdtempSync(join(tmpdir(), 'nooks-x86-disasm-'));
  try {
    const file = join(dir, 'slots.bin');
    writeFileSync(file, image);
    const r = spawnSync('objdump', ['-D', '-b', 'binary', '-m', 'i386', '-w', file], { encoding: 'utf8', maxBuffer: 1 << 30 });
    if (r.error || r.status !== 0) throw new Error(`objdump (binutils) is needed for this test: ${r.error?.message ?? r.stderr}`);
    const slots = new Map<number, { length: number; text: string }>();
    for (const line of r.stdout.split('\n')) {
      const m = /^ *([0-9a-f]+):\t([0-9a-f ]+?) *\t(.*)$/.exec(line);
      if (!m) continue;
      const address = parseInt(m[1] as string, 16);
      if (address % SLOT === 0) slots.set(address / SLOT, { length: (m[2] as string).split(' ').length, text: (m[3] as string).trimEnd() });
    }
    return slots;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Encodings left out of the comparison, and why. Ours: the decoder's (bad), x87 and host-call
 * escapes. Decoder bugs (see 'known decoder bugs'): MOV CRn with mod != 3, 0x67 on
 * loop/jecxz/xlat. objdump's wider ISA: lock on MOV CRn is AMD's CR8 alias; 0F 1A/1B are MPX
 * (the decoder runs them as hint nops, as a Pentium 4 does); F2 on bsf/bsr and F2/66 on wbinvd
 * are (bad) in objdump's prefix tables, while the CPU (and the decoder) ignores them.
 */
function compared(e: Encoding): boolean {
  const { ins, bytes: b } = e;
  const info = OPS[ins.op];
  if (info === OP_INVALID || info === OP_X87 || info === OP_HOSTCALL) return false;
  const oc = ins.opcode;
  if ((oc === 0x120 || oc === 0x122) && (ins.mod !== 3 || ins.lock)) return false;
  if (oc === 0x11a || oc === 0x11b) return false;
  if ((oc === 0x1bc || oc === 0x1bd) && ins.rep === 0xf2) return false;
  if (oc === 0x109 && (ins.rep === 0xf2 || ins.opsize16)) return false;
  if (b.subarray(0, ins.len).includes(0x67) && /^(loop|jecxz|xlat)/.test(info?.name ?? '')) return false;
  return true;
}

const PREFIX_GROUPS: readonly (readonly number[])[] = [[0x66], [0xf3, 0xf2], [0xf0], [0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65], [0x67]];

/** The prefix bytes an encoding starts with. */
function leadingPrefixes(b: Uint8Array): number[] {
  const out: number[] = [];
  for (const x of b) {
    if (!PREFIX_GROUPS.some((g) => g.includes(x))) break;
    out.push(x);
  }
  return out;
}

function against(encodings: readonly Encoding[], render: (e: Encoding, address: number) => string): string[] {
  const theirs = objdumpSlots(encodings);
  const bad: string[] = [];
  encodings.forEach((e, i) => {
    const t = theirs.get(i);
    const ours = render(e, i * SLOT);
    if (!t || t.length !== e.ins.len || t.text !== ours) {
      const hex = Array.from(e.bytes.subarray(0, e.ins.len), (x) => x.toString(16).padStart(2, '0')).join(' ');
      bad.push(`${hex}: objdump ${t?.length ?? '-'} '${t?.text ?? ''}', ours ${e.ins.len} '${ours}'`);
    }
  });
  return bad;
}

describe('against objdump at test time', () => {
  it('matches on every one- and two-byte opcode with every ModRM byte', () => {
    const encodings: Encoding[] = [];
    for (let op = 0; op < 512; op++) {
      for (let modrm = 0; modrm < 256; modrm++) {
        const head = op < 256 ? [op] : [0x0f, op - 256];
        const b = new Uint8Array([...head, modrm, 0x24, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa]);
        const e = { bytes: b, ins: decodeBytes(b, 0, encodings.length * SLOT) };
        if (compared(e)) encodings.push(e);
      }
    }
    expect(encodings.length).toBeGreaterThan(50_000);
    // The opcode or ModRM byte may be a prefix. disassemble() sees only the Instr, which keeps
    // neither the order of prefixes nor repeats nor 0x67: compare it where one prefix at most
    // leaves nothing to lose, and the sweep (which reads the bytes) everywhere.
    const render = (e: Encoding, address: number): string => {
      const prefixes = leadingPrefixes(e.bytes);
      const plain = prefixes.length <= 1 && !prefixes.includes(0x67);
      const swept = disassembleBytes(e.bytes.subarray(0, e.ins.len), address)[0]?.text ?? '';
      const single = disassemble(e.ins);
      return plain && single !== swept ? `${single} (Instr) != ${swept} (bytes)` : swept;
    };
    expect(against(encodings, render).slice(0, 20)).toEqual([]);
  });

  it('matches on seeded random encodings with up to one prefix of each group', () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const encodings: Encoding[] = [];
    while (encodings.length < 30_000) {
      const b: number[] = [];
      for (const g of PREFIX_GROUPS) if (rnd(3) === 0) b.push(g[rnd(g.length)] as number);
      for (let i = b.length - 1; i > 0; i--) {
        const j = rnd(i + 1);
        [b[i], b[j]] = [b[j] as number, b[i] as number];
      }
      if (rnd(3) === 0) b.push(0x0f);
      for (let i = 0; i < 13; i++) b.push(rnd(256));
      // A random opcode byte may itself be a prefix: keep one per group (objdump's handling of
      // repeated or conflicting prefixes of one group is not modelled).
      const encoded = new Uint8Array(b);
      const prefixes = leadingPrefixes(encoded);
      if (PREFIX_GROUPS.some((g) => prefixes.filter((x) => g.includes(x)).length > 1)) continue;
      const e = { bytes: encoded, ins: decodeBytes(encoded, 0, encodings.length * SLOT) };
      if (compared(e)) encodings.push(e);
    }
    const bad = against(encodings, (e, address) => disassembleBytes(e.bytes.subarray(0, e.ins.len), address)[0]?.text ?? '');
    expect(bad.slice(0, 20)).toEqual([]);
  });
});
