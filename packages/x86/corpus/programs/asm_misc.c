/* asm_misc.c - stack and control instructions via inline asm:
 * enter/leave (nesting levels 0, 1, 2), pusha/popa, pushf/popf,
 * lahf/sahf, clc/stc/cmc/cld/std, xchg (reg/reg, reg/mem), xadd,
 * cmpxchg (success and failure, 8/16/32-bit, lock prefix), cmpxchg8b,
 * loop/loope/loopne/jecxz, push imm / pop mem, call/ret via register,
 * and lea address arithmetic. All stack-pointer values are reported
 * relative to each other (never absolute). */
#include "asm_flags.h"

/* ENTER/LEAVE: run on a private fake frame so that nesting levels read
 * well-defined memory. Returns the bytes written below the old ESP. */
static uint32_t frame_area[64];

static void test_enter(void) {
	/* fake outer frame: ebp points at frame_area[40]; [ebp-4], [ebp-8] hold "display" pointers */
	frame_area[39] = 0x11111111u;
	frame_area[38] = 0x22222222u;
	uint32_t res[8];
	uint32_t *out = res;
	uint32_t *fake_ebp = &frame_area[40];
	/* Switch to a private stack inside frame_area (top = frame_area[32]) so
	 * the pushed values can be inspected; restore everything afterwards. */
	__asm__ volatile(
		"pushl %%ebp\n\t"
		"movl %%esp, %%ecx\n\t"          /* ecx = real esp */
		"leal 128(%%edx), %%esp\n\t"     /* esp = &frame_area[32] */
		"movl %%edi, %%ebp\n\t"          /* ebp = fake frame */
		"enter $12, $0\n\t"
		"movl %%esp, %%eax\n\tsubl %%edx, %%eax\n\tmovl %%eax, 0(%%esi)\n\t"  /* esp offset after enter 12,0 */
		"movl %%ebp, %%eax\n\tsubl %%edx, %%eax\n\tmovl %%eax, 4(%%esi)\n\t"
		"leave\n\t"
		"movl %%ebp, %%eax\n\tsubl %%edx, %%eax\n\tmovl %%eax, 8(%%esi)\n\t"  /* ebp restored to fake */
		"enter $8, $1\n\t"
		"movl %%esp, %%eax\n\tsubl %%edx, %%eax\n\tmovl %%eax, 12(%%esi)\n\t"
		"movl -4(%%ebp), %%eax\n\tsubl %%edx, %%eax\n\tmovl %%eax, 16(%%esi)\n\t" /* level-1 display = frame ptr */
		"leave\n\t"
		"enter $4, $3\n\t"
		"movl %%esp, %%eax\n\tsubl %%edx, %%eax\n\tmovl %%eax, 20(%%esi)\n\t"
		"movl -4(%%ebp), %%eax\n\tmovl %%eax, 24(%%esi)\n\t"  /* copied from old [ebp-4] */
		"movl -8(%%ebp), %%eax\n\tmovl %%eax, 28(%%esi)\n\t"  /* copied from old [ebp-8] */
		"leave\n\t"
		"movl %%ecx, %%esp\n\t"
		"popl %%ebp"
		:
		: "d"(frame_area), "S"(out), "D"(fake_ebp)
		: "eax", "ecx", "memory");
	printf("enter/leave: esp0=%d ebp0=%d ebp_after_leave=%d esp1=%d disp1=%d esp3=%d copied=%08x,%08x\n", (int)res[0],
	       (int)res[1], (int)res[2], (int)res[3], (int)res[4], (int)res[5], res[6], res[7]);
	printf("frame words:");
	for (int i = 20; i < 32; i++) {
		uint32_t w = frame_area[i], base = (uint32_t)(uintptr_t)frame_area;
		if (w - base < sizeof frame_area) printf(" &%u", (w - base) / 4); /* pointer into frame_area */
		else printf(" %08x", w);
		hash_u32(w - base < sizeof frame_area ? w - base : w);
	}
	printf("\n");
	for (int i = 0; i < 8; i++) hash_u32(res[i]);
}

static void test_pusha(void) {
	uint32_t saved[8], after[7];
	uint32_t *sp = saved, *ap = after;
	__asm__ volatile(
		"pushl %%ebp\n\t"
		"pushl %%esi\n\t"                    /* output pointer: saved[] */
		"pushl %%edi\n\t"                    /* output pointer: after[] */
		"movl $0xa0a0a0a0, %%eax\n\tmovl $0xc1c1c1c1, %%ecx\n\tmovl $0xd2d2d2d2, %%edx\n\tmovl $0xb3b3b3b3, %%ebx\n\t"
		"movl $0xb5b5b5b5, %%ebp\n\tmovl $0x51515151, %%esi\n\tmovl $0xd1d1d1d1, %%edi\n\t"
		"pushal\n\t"
		"movl 36(%%esp), %%ebp\n\t"          /* ebp = saved[] */
		"movl 0(%%esp), %%eax\n\tmovl %%eax, 0(%%ebp)\n\t"   /* edi */
		"movl 4(%%esp), %%eax\n\tmovl %%eax, 4(%%ebp)\n\t"   /* esi */
		"movl 8(%%esp), %%eax\n\tmovl %%eax, 8(%%ebp)\n\t"   /* ebp */
		"movl 12(%%esp), %%eax\n\tsubl %%esp, %%eax\n\tmovl %%eax, 12(%%ebp)\n\t" /* esp, relative to esp after pusha */
		"movl 16(%%esp), %%eax\n\tmovl %%eax, 16(%%ebp)\n\t" /* ebx */
		"movl 20(%%esp), %%eax\n\tmovl %%eax, 20(%%ebp)\n\t" /* edx */
		"movl 24(%%esp), %%eax\n\tmovl %%eax, 24(%%ebp)\n\t" /* ecx */
		"movl 28(%%esp), %%eax\n\tmovl %%eax, 28(%%ebp)\n\t" /* eax */
		"movl $0x12345678, 12(%%esp)\n\t"    /* popa must ignore the saved esp */
		"xorl %%eax, %%eax\n\tmovl %%eax, %%ecx\n\tmovl %%eax, %%edx\n\tmovl %%eax, %%ebx\n\t"
		"movl %%eax, %%esi\n\tmovl %%eax, %%edi\n\tmovl %%eax, %%ebp\n\t"
		"popal\n\t"
		"pushl %%eax\n\t"
		"movl 4(%%esp), %%eax\n\t"           /* eax = after[] */
		"popl 0(%%eax)\n\t"                  /* after[0] = restored eax (pop to memory) */
		"movl %%ecx, 4(%%eax)\n\tmovl %%edx, 8(%%eax)\n\tmovl %%ebx, 12(%%eax)\n\t"
		"movl %%esi, 16(%%eax)\n\tmovl %%edi, 20(%%eax)\n\tmovl %%ebp, 24(%%eax)\n\t"
		"popl %%edi\n\tpopl %%esi\n\tpopl %%ebp"
		:
		: "S"(sp), "D"(ap)
		: "eax", "ebx", "ecx", "edx", "memory");
	printf("pusha order edi..eax:");
	for (int i = 0; i < 8; i++) printf(" %08x", saved[i]);
	printf("\npopa restored eax ecx edx ebx esi edi ebp:");
	for (int i = 0; i < 7; i++) printf(" %08x", after[i]);
	printf("\n");
	for (int i = 0; i < 8; i++) hash_u32(saved[i]);
	for (int i = 0; i < 7; i++) hash_u32(after[i]);
}

static void test_flags(void) {
	uint32_t out[6];
	/* pushf/popf round trips of arithmetic flags + DF */
	static const uint32_t fv[] = {0, F_CF, F_ALL, F_OF | F_SF, F_ZF | F_PF | F_AF, F_DF | F_CF};
	for (int i = 0; i < ARRAY_SIZE(fv); i++) {
		uint32_t r;
		__asm__ volatile("pushl %[v]\n\tpopfl\n\tpushfl\n\tpopl %[r]\n\tcld" : [r] "=r"(r) : [v] "r"(fv[i]) : "cc");
		out[i] = r & (F_ALL | F_DF);
	}
	printf("popf/pushf: %03x %03x %03x %03x %03x %03x\n", out[0], out[1], out[2], out[3], out[4], out[5]);
	/* lahf after various flag states; sahf then read back (OF is not touched by sahf) */
	for (int i = 0; i < 4; i++) {
		uint32_t a, r;
		uint32_t fin = i == 0 ? 0 : i == 1 ? F_ALL : i == 2 ? (F_SF | F_CF) : (F_ZF | F_AF | F_OF);
		__asm__ volatile("pushl %[fin]\n\tpopfl\n\tmovl $0x5555aaaa, %%eax\n\tlahf\n\tmovl %%eax, %[a]" : [a] "=r"(a) : [fin] "r"(fin) : "eax", "cc");
		uint32_t ah = (uint32_t)(0xd5 ^ (i * 0x41)) << 8;
		__asm__ volatile("pushl %[o]\n\tpopfl\n\tsahf\n\tpushfl\n\tpopl %[r]" : [r] "=r"(r) : "a"(ah), [o] "r"(i & 1 ? F_OF : 0u) : "cc");
		printf("lahf(%s)=%08x sahf(%02x)->%s\n", flagstr(fin, F_ALL), a, ah >> 8, flagstr(r, F_ALL));
		hash_u32(a ^ r);
	}
	/* clc stc cmc */
	uint32_t c1, c2, c3, c4;
	__asm__ volatile("stc\n\tpushfl\n\tpopl %0\n\tcmc\n\tpushfl\n\tpopl %1\n\tcmc\n\tcmc\n\tpushfl\n\tpopl %2\n\tclc\n\tcmc\n\tpushfl\n\tpopl %3"
			 : "=r"(c1), "=r"(c2), "=r"(c3), "=r"(c4) : : "cc");
	printf("stc=%u cmc=%u cmc2=%u clc+cmc=%u\n", c1 & 1, c2 & 1, c3 & 1, c4 & 1);
	uint32_t d1, d2;
	__asm__ volatile("std\n\tpushfl\n\tpopl %0\n\tcld\n\tpushfl\n\tpopl %1" : "=r"(d1), "=r"(d2) : : "cc");
	printf("std DF=%u cld DF=%u\n", (d1 >> 10) & 1, (d2 >> 10) & 1);
}

static void test_atomics(void) {
	uint32_t m = 100, r = 5;
	__asm__ volatile("xchgl %[r], %[m]" : [r] "+r"(r), [m] "+m"(m));
	printf("xchg mem: r=%u m=%u\n", r, m);
	uint32_t a = 1, b = 2;
	__asm__ volatile("xchgl %[a], %[b]" : [a] "+r"(a), [b] "+r"(b));
	uint16_t wa = 0x1234, wb = 0xabcd;
	__asm__ volatile("xchgw %[a], %[b]" : [a] "+r"(wa), [b] "+r"(wb));
	uint8_t ba = 0x11, bb = 0x22;
	__asm__ volatile("xchgb %[a], %[b]" : [a] "+q"(ba), [b] "+q"(bb));
	printf("xchg regs: %u %u %04x %04x %02x %02x\n", a, b, wa, wb, ba, bb);

	uint32_t counter = 0xfffffff0u, fl;
	uint32_t add = 0x20;
	__asm__ volatile("lock xaddl %[v], %[m]\n\tpushfl\n\tpopl %[fl]" : [v] "+r"(add), [m] "+m"(counter), [fl] "=r"(fl) : : "cc");
	printf("xadd: old=%08x new=%08x flags %s\n", add, counter, flagstr(fl, F_ALL));
	uint16_t c16 = 0x7fff, v16 = 1;
	__asm__ volatile("xaddw %[v], %[m]\n\tpushfl\n\tpopl %[fl]" : [v] "+r"(v16), [m] "+m"(c16), [fl] "=r"(fl) : : "cc");
	printf("xaddw: old=%04x new=%04x flags %s\n", v16, c16, flagstr(fl, F_ALL));
	uint8_t r8a = 0x80, r8b = 0x80;
	__asm__ volatile("xaddb %[v], %[m]\n\tpushfl\n\tpopl %[fl]" : [v] "+q"(r8a), [m] "+q"(r8b), [fl] "=r"(fl) : : "cc");
	printf("xaddb regs: src=%02x dst=%02x flags %s\n", r8a, r8b, flagstr(fl, F_ALL));

	/* cmpxchg: success then failure */
	uint32_t mem = 50, expected = 50, desired = 77;
	__asm__ volatile("lock cmpxchgl %[d], %[m]\n\tpushfl\n\tpopl %[fl]" : "+a"(expected), [m] "+m"(mem), [fl] "=r"(fl) : [d] "r"(desired) : "cc");
	printf("cmpxchg ok: eax=%u mem=%u %s\n", expected, mem, flagstr(fl, F_ALL));
	expected = 50;
	__asm__ volatile("lock cmpxchgl %[d], %[m]\n\tpushfl\n\tpopl %[fl]" : "+a"(expected), [m] "+m"(mem), [fl] "=r"(fl) : [d] "r"(99u) : "cc");
	printf("cmpxchg fail: eax=%u mem=%u %s\n", expected, mem, flagstr(fl, F_ALL));
	uint32_t rega = 0xdead, regd = 0x1234, acc = 0xdead;
	__asm__ volatile("cmpxchgl %[d], %[r]\n\tpushfl\n\tpopl %[fl]" : "+a"(acc), [r] "+r"(rega), [fl] "=r"(fl) : [d] "r"(regd) : "cc");
	printf("cmpxchg reg: eax=%x r=%x %s\n", acc, rega, flagstr(fl, F_ALL));
	uint16_t m16 = 0x8000;
	uint32_t acc16 = 0xffff7fffu;
	__asm__ volatile("cmpxchgw %w[d], %[m]\n\tpushfl\n\tpopl %[fl]" : "+a"(acc16), [m] "+m"(m16), [fl] "=r"(fl) : [d] "r"(0x1111u) : "cc");
	printf("cmpxchgw fail: eax=%08x mem=%04x %s\n", acc16, m16, flagstr(fl, F_ALL));
	uint8_t m8 = 0x42;
	uint32_t acc8 = 0xabcdef42u;
	__asm__ volatile("cmpxchgb %b[d], %[m]\n\tpushfl\n\tpopl %[fl]" : "+a"(acc8), [m] "+m"(m8), [fl] "=r"(fl) : [d] "q"(0x99u) : "cc");
	printf("cmpxchgb ok: eax=%08x mem=%02x %s\n", acc8, m8, flagstr(fl, F_ALL));

	/* cmpxchg8b */
	uint64_t q = 0x1122334455667788ULL;
	uint32_t lo = 0x55667788u, hi = 0x11223344u;
	__asm__ volatile("lock cmpxchg8b %[m]\n\tpushfl\n\tpopl %[fl]"
			 : "+a"(lo), "+d"(hi), [m] "+m"(q), [fl] "=r"(fl) : "b"(0xcafebabeu), "c"(0xdeadbeefu) : "cc");
	printf("cmpxchg8b ok: q=%016llx edx:eax=%08x:%08x ZF=%u\n", q, hi, lo, (fl >> 6) & 1);
	lo = 0; hi = 0;
	__asm__ volatile("cmpxchg8b %[m]\n\tpushfl\n\tpopl %[fl]"
			 : "+a"(lo), "+d"(hi), [m] "+m"(q), [fl] "=r"(fl) : "b"(1u), "c"(2u) : "cc");
	printf("cmpxchg8b fail: q=%016llx edx:eax=%08x:%08x ZF=%u\n", q, hi, lo, (fl >> 6) & 1);
	/* locked read-modify-write ops */
	uint32_t lm = 0x0f0f0f0fu;
	__asm__ volatile("lock addl $3, %0\n\tlock orl $0x100000, %0\n\tlock andl $0xfffffff7, %0\n\tlock xorl $0xff, %0\n\t"
			 "lock incl %0\n\tlock decl %0\n\tlock notl %0\n\tlock negl %0\n\tlock btsl $31, %0\n\tlock subl $1, %0"
			 : "+m"(lm) : : "cc");
	printf("locked ops: %08x\n", lm);
	hash_u32(lm ^ (uint32_t)q ^ counter ^ mem ^ acc8);
}

static void test_loops(void) {
	uint32_t c = 10, n = 0;
	__asm__ volatile("1:\n\tincl %[n]\n\tloop 1b" : "+c"(c), [n] "+r"(n) : : "cc");
	printf("loop: n=%u ecx=%u\n", n, c);
	/* loope: continue while equal (ZF=1) */
	static const uint8_t data[] = {5, 5, 5, 5, 7, 5, 5};
	const uint8_t *p = data;
	c = 7;
	__asm__ volatile("1:\n\tcmpb $5, (%[p])\n\tleal 1(%[p]), %[p]\n\tloope 1b" : "+c"(c), [p] "+r"(p) : : "cc");
	printf("loope: stopped after %d, ecx=%u\n", (int)(p - data), c);
	p = data;
	c = 7;
	__asm__ volatile("1:\n\tcmpb $7, (%[p])\n\tleal 1(%[p]), %[p]\n\tloopne 1b" : "+c"(c), [p] "+r"(p) : : "cc");
	printf("loopne: stopped after %d, ecx=%u\n", (int)(p - data), c);
	uint32_t taken;
	c = 0;
	__asm__ volatile("movl $0, %[t]\n\tjecxz 1f\n\tmovl $1, %[t]\n1:" : [t] "=&r"(taken) : "c"(c));
	uint32_t taken2;
	c = 0x10000; /* cx == 0 but ecx != 0: jecxz must not jump */
	__asm__ volatile("movl $0, %[t]\n\tjecxz 1f\n\tmovl $1, %[t]\n1:" : [t] "=&r"(taken2) : "c"(c));
	printf("jecxz: ecx=0 -> %s, ecx=0x10000 -> %s\n", taken ? "fallthrough" : "jumped", taken2 ? "fallthrough" : "jumped");
	/* loop with ecx=0 runs 2^32 times, so only use ecx=1 */
	c = 1; n = 0;
	__asm__ volatile("1:\n\tincl %[n]\n\tloop 1b" : "+c"(c), [n] "+r"(n) : : "cc");
	printf("loop ecx=1: n=%u\n", n);
	hash_u32(n + c + taken * 2 + taken2);
}

static uint32_t __attribute__((noinline)) callee(uint32_t x) { return x * 3 + 1; }

static void test_stack_misc(void) {
	uint32_t slot = 0, v1, v2, v3;
	uint16_t w;
	/* push imm8 (sign-extended), push imm32, pop to memory, pushw/popw */
	__asm__ volatile("pushl $-5\n\tpushl $0x12345678\n\tpopl %[s]\n\tpopl %[a]\n\t"
			 "pushw $0x7abc\n\tpopw %[w]\n\t"
			 "pushl %[s]\n\tpopl %[b]\n\t"
			 "movl %%esp, %[c]\n\tpushl %%esp\n\tpopl %%eax\n\tsubl %%eax, %[c]"
			 : [s] "+m"(slot), [a] "=r"(v1), [w] "=r"(w), [b] "=r"(v2), [c] "=r"(v3)
			 :
			 : "eax", "memory");
	printf("push/pop: slot=%08x imm8=%08x w=%04x copy=%08x esp-pushed(esp)=%d\n", slot, v1, w, v2, (int)v3);
	/* indirect call through a register and through memory */
	uint32_t (*fp)(uint32_t) = callee;
	uint32_t r1 = fp(13);
	volatile uintptr_t target = (uintptr_t)callee;
	uint32_t r2;
	__asm__ volatile("pushl $21\n\tcall *%[t]\n\taddl $4, %%esp" : "=a"(r2) : [t] "m"(target) : "ecx", "edx", "memory", "cc");
	printf("indirect calls: %u %u\n", r1, r2);
	/* lea arithmetic */
	uint32_t x = 1000, y = 7, l1, l2, l3, l4;
	__asm__("leal (%[x],%[y],8), %[o]" : [o] "=r"(l1) : [x] "r"(x), [y] "r"(y));
	__asm__("leal -3(%[x],%[x],2), %[o]" : [o] "=r"(l2) : [x] "r"(x));
	__asm__("leal 0x7fffffff(,%[y],4), %[o]" : [o] "=r"(l3) : [y] "r"(y));
	__asm__("leaw 5(%[x],%[y]), %w[o]" : [o] "=r"(l4) : [x] "r"(x), [y] "r"(y), "0"(0xffff0000u));
	printf("lea: %u %u %08x %08x\n", l1, l2, l3, l4);
	/* multi-byte nops and xchg eax,eax */
	uint32_t z = 42;
	__asm__ volatile("nop\n\txchgl %%eax, %%eax\n\t.byte 0x66, 0x90\n\t.byte 0x0f, 0x1f, 0x00\n\t.byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n\t"
			 ".byte 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00\n\tincl %[z]" : [z] "+r"(z) : : "cc");
	printf("after nops: %u\n", z);
	hash_u32(slot ^ v1 ^ w ^ v2 ^ v3 ^ r1 ^ r2 ^ l1 ^ l2 ^ l3 ^ l4 ^ z);
}

int main(void) {
	test_enter();
	test_pusha();
	test_flags();
	test_atomics();
	test_loops();
	test_stack_misc();
	printf("hash=%08x\n", g_hash);
	return (int)(g_hash % 97);
}
