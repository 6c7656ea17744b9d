/* asm_arith.c - arithmetic instructions via inline asm, with the flags
 * that the SDM defines printed after each:
 *   add/adc/sub/sbb/cmp/and/or/xor/test/inc/dec/neg/not in 8/16/32-bit,
 *   multi-word adc/sbb chains (128-bit add/sub), mul/imul (1-operand, all
 *   widths), imul 2- and 3-operand (imm8/imm32, 16/32-bit), div/idiv all
 *   widths, cbw/cwde/cwd/cdq, shl/shr/sar/rol/ror/rcl/rcr in 8/16/32-bit
 *   by 1, by imm8 and by cl. */
#include "asm_flags.h"

/* ---- two-operand ALU ops, flags in -> result + flags out ---- */
#define ALU(name, type, insn, cons)                                                                   \
	static type name(type a, type b, uint32_t fin, uint32_t *f) {                                  \
		uint32_t fl;                                                                           \
		__asm__ volatile("pushl %[fin]\n\tpopfl\n\t" insn " %[b], %[a]\n\tpushfl\n\tpopl %[fl]" \
				 : [a] "+" cons(a), [fl] "=r"(fl) : [b] cons(b), [fin] "r"(fin) : "cc");  \
		*f = fl;                                                                               \
		return a;                                                                              \
	}
ALU(add32, uint32_t, "addl", "r") ALU(adc32, uint32_t, "adcl", "r") ALU(sub32, uint32_t, "subl", "r")
ALU(sbb32, uint32_t, "sbbl", "r") ALU(and32, uint32_t, "andl", "r") ALU(or32, uint32_t, "orl", "r")
ALU(xor32, uint32_t, "xorl", "r") ALU(cmp32, uint32_t, "cmpl", "r") ALU(test32, uint32_t, "testl", "r")
ALU(add16, uint16_t, "addw", "r") ALU(adc16, uint16_t, "adcw", "r") ALU(sub16, uint16_t, "subw", "r")
ALU(sbb16, uint16_t, "sbbw", "r") ALU(and16, uint16_t, "andw", "r") ALU(cmp16, uint16_t, "cmpw", "r")
ALU(add8, uint8_t, "addb", "q") ALU(adc8, uint8_t, "adcb", "q") ALU(sub8, uint8_t, "subb", "q")
ALU(sbb8, uint8_t, "sbbb", "q") ALU(xor8, uint8_t, "xorb", "q") ALU(cmp8, uint8_t, "cmpb", "q")

typedef struct { const char *name; int width; uint32_t mask; uint32_t (*f32)(uint32_t, uint32_t, uint32_t, uint32_t *);
		 uint16_t (*f16)(uint16_t, uint16_t, uint32_t, uint32_t *); uint8_t (*f8)(uint8_t, uint8_t, uint32_t, uint32_t *); } aluop;

static const aluop alu_ops[] = {
	{"add", 32, F_ALL, add32, 0, 0}, {"adc", 32, F_ALL, adc32, 0, 0}, {"sub", 32, F_ALL, sub32, 0, 0},
	{"sbb", 32, F_ALL, sbb32, 0, 0}, {"and", 32, F_LOGIC, and32, 0, 0}, {"or", 32, F_LOGIC, or32, 0, 0},
	{"xor", 32, F_LOGIC, xor32, 0, 0}, {"cmp", 32, F_ALL, cmp32, 0, 0}, {"test", 32, F_LOGIC, test32, 0, 0},
	{"add", 16, F_ALL, 0, add16, 0}, {"adc", 16, F_ALL, 0, adc16, 0}, {"sub", 16, F_ALL, 0, sub16, 0},
	{"sbb", 16, F_ALL, 0, sbb16, 0}, {"and", 16, F_LOGIC, 0, and16, 0}, {"cmp", 16, F_ALL, 0, cmp16, 0},
	{"add", 8, F_ALL, 0, 0, add8}, {"adc", 8, F_ALL, 0, 0, adc8}, {"sub", 8, F_ALL, 0, 0, sub8},
	{"sbb", 8, F_ALL, 0, 0, sbb8}, {"xor", 8, F_LOGIC, 0, 0, xor8}, {"cmp", 8, F_ALL, 0, 0, cmp8},
};

/* ---- unary ---- */
static uint32_t unary32(int which, uint32_t a, uint32_t fin, uint32_t *f) {
	uint32_t fl;
	switch (which) {
	case 0: __asm__ volatile("pushl %[fin]\n\tpopfl\n\tincl %[a]\n\tpushfl\n\tpopl %[fl]" : [a] "+r"(a), [fl] "=r"(fl) : [fin] "r"(fin) : "cc"); break;
	case 1: __asm__ volatile("pushl %[fin]\n\tpopfl\n\tdecl %[a]\n\tpushfl\n\tpopl %[fl]" : [a] "+r"(a), [fl] "=r"(fl) : [fin] "r"(fin) : "cc"); break;
	case 2: __asm__ volatile("pushl %[fin]\n\tpopfl\n\tnegl %[a]\n\tpushfl\n\tpopl %[fl]" : [a] "+r"(a), [fl] "=r"(fl) : [fin] "r"(fin) : "cc"); break;
	case 3: __asm__ volatile("pushl %[fin]\n\tpopfl\n\tnotl %[a]\n\tpushfl\n\tpopl %[fl]" : [a] "+r"(a), [fl] "=r"(fl) : [fin] "r"(fin) : "cc"); break;
	case 4: __asm__ volatile("pushl %[fin]\n\tpopfl\n\tincb %b[a]\n\tpushfl\n\tpopl %[fl]" : [a] "+q"(a), [fl] "=r"(fl) : [fin] "r"(fin) : "cc"); break;
	case 5: __asm__ volatile("pushl %[fin]\n\tpopfl\n\tdecw %w[a]\n\tpushfl\n\tpopl %[fl]" : [a] "+r"(a), [fl] "=r"(fl) : [fin] "r"(fin) : "cc"); break;
	case 6: __asm__ volatile("pushl %[fin]\n\tpopfl\n\tnegb %b[a]\n\tpushfl\n\tpopl %[fl]" : [a] "+q"(a), [fl] "=r"(fl) : [fin] "r"(fin) : "cc"); break;
	default: __asm__ volatile("pushl %[fin]\n\tpopfl\n\tnegw %w[a]\n\tpushfl\n\tpopl %[fl]" : [a] "+r"(a), [fl] "=r"(fl) : [fin] "r"(fin) : "cc"); break;
	}
	*f = fl;
	return a;
}

/* ---- shifts and rotates by cl; which: 0 shl 1 shr 2 sar 3 rol 4 ror 5 rcl 6 rcr; width 8/16/32 ---- */
#define SH(insn, reg, cons)                                                                                     \
	__asm__ volatile("pushl %[fin]\n\tpopfl\n\t" insn " %%cl, %" reg "[a]\n\tpushfl\n\tpopl %[fl]"           \
			 : [a] "+" cons(a), [fl] "=r"(fl) : "c"(cnt), [fin] "r"(fin) : "cc")
static uint32_t shift(int which, int width, uint32_t a, uint8_t cnt, uint32_t fin, uint32_t *f) {
	uint32_t fl = 0;
	if (width == 32) {
		switch (which) {
		case 0: SH("shll", "", "r"); break; case 1: SH("shrl", "", "r"); break; case 2: SH("sarl", "", "r"); break;
		case 3: SH("roll", "", "r"); break; case 4: SH("rorl", "", "r"); break; case 5: SH("rcll", "", "r"); break;
		default: SH("rcrl", "", "r"); break;
		}
	} else if (width == 16) {
		switch (which) {
		case 0: SH("shlw", "w", "r"); break; case 1: SH("shrw", "w", "r"); break; case 2: SH("sarw", "w", "r"); break;
		case 3: SH("rolw", "w", "r"); break; case 4: SH("rorw", "w", "r"); break; case 5: SH("rclw", "w", "r"); break;
		default: SH("rcrw", "w", "r"); break;
		}
	} else {
		switch (which) {
		case 0: SH("shlb", "b", "q"); break; case 1: SH("shrb", "b", "q"); break; case 2: SH("sarb", "b", "q"); break;
		case 3: SH("rolb", "b", "q"); break; case 4: SH("rorb", "b", "q"); break; case 5: SH("rclb", "b", "q"); break;
		default: SH("rcrb", "b", "q"); break;
		}
	}
	*f = fl;
	return a;
}

/* architecturally defined flags after a shift/rotate (SDM) */
static uint32_t shift_mask(int which, int width, unsigned cnt) {
	unsigned m = cnt & 31;
	if (m == 0) return F_ALL; /* nothing changes */
	if (which <= 2) {         /* shl shr sar */
		uint32_t r = F_SF | F_ZF | F_PF | F_CF;
		if (m == 1) r |= F_OF;
		if (which < 2 && m >= (unsigned)width) r &= ~F_CF; /* CF undefined for SHL/SHR count >= width */
		return r;
	}
	/* rotates leave SF ZF AF PF alone; OF defined only for count 1 */
	uint32_t r = F_SF | F_ZF | F_AF | F_PF | F_CF;
	if (m == 1) r |= F_OF;
	return r;
}

/* by-1 and by-imm forms */
static uint32_t shift_imm_chain(uint32_t a, uint32_t *fout) {
	uint32_t fl;
	__asm__ volatile("clc\n\t"
			 "shll $1, %[a]\n\trcrl $1, %[a]\n\troll $7, %[a]\n\trorw $3, %w[a]\n\t"
			 "rclb $1, %b[a]\n\tsarl $5, %[a]\n\tshrb $1, %h[a]\n\trcrw $9, %w[a]\n\t"
			 "rolb $1, %h[a]\n\tshlw $4, %w[a]\n\trcll $13, %[a]\n\trorl $1, %[a]\n\t"
			 "pushfl\n\tpopl %[fl]"
			 : [a] "+Q"(a), [fl] "=r"(fl) : : "cc");
	*fout = fl;
	return a;
}

/* ---- multiply / divide ---- */
static void mul32(uint32_t a, uint32_t b, uint32_t *lo, uint32_t *hi, uint32_t *f) {
	uint32_t fl;
	__asm__ volatile("mull %[b]\n\tpushfl\n\tpopl %[fl]" : "+a"(a), "=d"(*hi), [fl] "=r"(fl) : [b] "r"(b) : "cc");
	*lo = a; *f = fl;
}
static void imul32(uint32_t a, uint32_t b, uint32_t *lo, uint32_t *hi, uint32_t *f) {
	uint32_t fl;
	__asm__ volatile("imull %[b]\n\tpushfl\n\tpopl %[fl]" : "+a"(a), "=d"(*hi), [fl] "=r"(fl) : [b] "r"(b) : "cc");
	*lo = a; *f = fl;
}
static uint32_t mul16(uint16_t a, uint16_t b, uint32_t *f) {
	uint32_t fl, ax = a, dx = 0xdead0000u;
	__asm__ volatile("mulw %w[b]\n\tpushfl\n\tpopl %[fl]" : "+a"(ax), "+d"(dx), [fl] "=r"(fl) : [b] "r"(b) : "cc");
	*f = fl;
	return (dx << 16) | (ax & 0xffff);
}
static uint32_t imul16(uint16_t a, uint16_t b, uint32_t *f) {
	uint32_t fl, ax = a, dx = 0xdead0000u;
	__asm__ volatile("imulw %w[b]\n\tpushfl\n\tpopl %[fl]" : "+a"(ax), "+d"(dx), [fl] "=r"(fl) : [b] "r"(b) : "cc");
	*f = fl;
	return (dx << 16) | (ax & 0xffff);
}
static uint32_t mul8(uint8_t a, uint8_t b, int sgn, uint32_t *f) {
	uint32_t fl, ax = 0xabcd0000u | a;
	if (sgn) __asm__ volatile("imulb %b[b]\n\tpushfl\n\tpopl %[fl]" : "+a"(ax), [fl] "=r"(fl) : [b] "q"(b) : "cc");
	else __asm__ volatile("mulb %b[b]\n\tpushfl\n\tpopl %[fl]" : "+a"(ax), [fl] "=r"(fl) : [b] "q"(b) : "cc");
	*f = fl;
	return ax;
}
static uint32_t imul_forms(uint32_t a, uint32_t b, uint32_t *fl3) {
	uint32_t r1 = a, r2, r3, r4, f1, f2, f3;
	uint16_t w = (uint16_t)a, w2;
	__asm__ volatile("imull %[b], %[r1]\n\tpushfl\n\tpopl %[f1]" : [r1] "+r"(r1), [f1] "=r"(f1) : [b] "r"(b) : "cc");
	__asm__ volatile("imull $-7, %[b], %[r2]\n\tpushfl\n\tpopl %[f2]" : [r2] "=&r"(r2), [f2] "=r"(f2) : [b] "r"(b) : "cc");
	__asm__ volatile("imull $100000, %[b], %[r3]\n\tpushfl\n\tpopl %[f3]" : [r3] "=&r"(r3), [f3] "=r"(f3) : [b] "r"(b) : "cc");
	r4 = 0x99990000u;
	__asm__ volatile("imulw $300, %w[b], %w[r4]" : [r4] "+r"(r4) : [b] "r"(b) : "cc");
	w2 = w;
	__asm__ volatile("imulw %w[b], %[w]" : [w] "+r"(w2) : [b] "r"(b) : "cc");
	fl3[0] = f1; fl3[1] = f2; fl3[2] = f3;
	return r1 ^ (r2 * 3) ^ (r3 * 5) ^ (r4 * 7) ^ (uint32_t)w2 << 16;
}
static void div32(uint32_t hi, uint32_t lo, uint32_t d, int sgn, uint32_t *q, uint32_t *r) {
	if (sgn) __asm__ volatile("idivl %[d]" : "+a"(lo), "+d"(hi) : [d] "r"(d) : "cc");
	else __asm__ volatile("divl %[d]" : "+a"(lo), "+d"(hi) : [d] "r"(d) : "cc");
	*q = lo; *r = hi;
}
static uint32_t div16(uint16_t hi, uint16_t lo, uint16_t d, int sgn) {
	uint32_t ax = 0x77770000u | lo, dx = 0x55550000u | hi;
	if (sgn) __asm__ volatile("idivw %w[d]" : "+a"(ax), "+d"(dx) : [d] "r"(d) : "cc");
	else __asm__ volatile("divw %w[d]" : "+a"(ax), "+d"(dx) : [d] "r"(d) : "cc");
	return (dx << 16) | (ax & 0xffff); /* upper halves of EAX/EDX must be preserved */
}
static uint32_t div8(uint16_t ax16, uint8_t d, int sgn) {
	uint32_t ax = 0x12340000u | ax16;
	if (sgn) __asm__ volatile("idivb %b[d]" : "+a"(ax) : [d] "q"(d) : "cc");
	else __asm__ volatile("divb %b[d]" : "+a"(ax) : [d] "q"(d) : "cc");
	return ax;
}

/* ---- sign extension ---- */
static void extend(uint32_t v, uint32_t *out) {
	uint32_t a = v, d = 0x11111111u;
	__asm__("cbw" : "+a"(a));
	out[0] = a;
	a = v;
	__asm__("cwde" : "+a"(a));
	out[1] = a;
	a = v;
	__asm__("cwd" : "+a"(a), "+d"(d));
	out[2] = d;
	a = v;
	__asm__("cltd" : "+a"(a), "=d"(d));
	out[3] = d;
}

/* ---- 128-bit add/sub with adc/sbb chains ---- */
static void add128(uint32_t *r, const uint32_t *a, const uint32_t *b, uint32_t *cf) {
	uint32_t r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3];
	uintptr_t bp = (uintptr_t)b; /* reused for the carry-out after the chain */
	__asm__("addl 0(%[bp]), %[r0]\n\tadcl 4(%[bp]), %[r1]\n\tadcl 8(%[bp]), %[r2]\n\tadcl 12(%[bp]), %[r3]\n\t"
		"sbbl %[bp], %[bp]\n\tnegl %[bp]"
		: [r0] "+r"(r0), [r1] "+r"(r1), [r2] "+r"(r2), [r3] "+r"(r3), [bp] "+r"(bp)
		: "m"(*(const uint32_t(*)[4])b)
		: "cc");
	r[0] = r0; r[1] = r1; r[2] = r2; r[3] = r3; *cf = (uint32_t)bp;
}
static void sub128(uint32_t *r, const uint32_t *a, const uint32_t *b, uint32_t *cf) {
	uint32_t r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3];
	uintptr_t bp = (uintptr_t)b;
	__asm__("subl 0(%[bp]), %[r0]\n\tsbbl 4(%[bp]), %[r1]\n\tsbbl 8(%[bp]), %[r2]\n\tsbbl 12(%[bp]), %[r3]\n\t"
		"sbbl %[bp], %[bp]"
		: [r0] "+r"(r0), [r1] "+r"(r1), [r2] "+r"(r2), [r3] "+r"(r3), [bp] "+r"(bp)
		: "m"(*(const uint32_t(*)[4])b)
		: "cc");
	r[0] = r0; r[1] = r1; r[2] = r2; r[3] = r3; *cf = (uint32_t)bp;
}

int main(void) {
	static const uint32_t v32[] = {0, 1, 0x7fffffffu, 0x80000000u, 0xffffffffu, 0x0000ff80u};
	static const uint32_t fins[] = {0, F_CF, F_ALL};
	uint32_t f;
	printf("== ALU ops (result/flags for CF-in 0, 1, all-flags-in) ==\n");
	for (int o = 0; o < ARRAY_SIZE(alu_ops); o++) {
		const aluop *op = &alu_ops[o];
		printf("%s%d:\n", op->name, op->width);
		for (int i = 0; i < ARRAY_SIZE(v32); i++) {
			printf(" ");
			for (int j = 0; j < ARRAY_SIZE(v32); j++) {
				for (int k = 0; k < ARRAY_SIZE(fins); k++) {
					uint32_t r;
					uint32_t a = v32[i] ^ (uint32_t)(i * 0x01010101), b = v32[j] + (uint32_t)j;
					if (op->width == 32) r = op->f32(a, b, fins[k], &f);
					else if (op->width == 16) r = op->f16((uint16_t)(a >> (i & 1 ? 16 : 0)), (uint16_t)b, fins[k], &f);
					else r = op->f8((uint8_t)(a >> (i & 1 ? 8 : 0)), (uint8_t)b, fins[k], &f);
					hash_u32(r);
					if (k == 1 && op->width == 32) printf(" %x:%s", r, flagstr(f, op->mask));
					else if (k != 1) printf(" %s", flagstr(f, op->mask));
				}
			}
			printf("\n");
		}
	}

	printf("== inc dec neg not (32) / incb decw negb negw ==\n");
	for (int i = 0; i < ARRAY_SIZE(v32); i++) {
		printf("%08x:", v32[i]);
		for (int w = 0; w < 8; w++) {
			uint32_t fin = (w & 1) ? F_CF : F_ALL & ~F_CF;
			uint32_t r = unary32(w, v32[i], fin, &f);
			uint32_t m = w == 3 ? F_ALL : F_ALL; /* not: no flags change -> all defined (= fin) */
			printf(" %08x %s", r, flagstr(f, m));
			hash_u32(r);
		}
		printf("\n");
	}

	printf("== shifts/rotates by cl ==\n");
	static const char *sn[] = {"shl", "shr", "sar", "rol", "ror", "rcl", "rcr"};
	static const uint8_t cnts[] = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 255};
	static const uint32_t sv[] = {0x80000001u, 0x12345678u, 0x7fff00ffu};
	for (int w = 8; w <= 32; w *= 2) {
		for (int which = 0; which < 7; which++) {
			printf("%s%d:", sn[which], w);
			for (int vi = 0; vi < ARRAY_SIZE(sv); vi++) {
				for (int ci = 0; ci < ARRAY_SIZE(cnts); ci++) {
					uint32_t fin = (ci & 1) ? F_CF | F_ZF : F_OF | F_SF | F_AF | F_PF;
					uint32_t r = shift(which, w, sv[vi], cnts[ci], fin, &f);
					uint32_t mask = w == 32 ? 0xffffffffu : w == 16 ? 0xffffu : 0xffu;
					/* upper bits of the register must be untouched for 8/16-bit forms */
					printf(" %x/%s", r & (w == 32 ? mask : 0xffffffffu), flagstr(f, shift_mask(which, w, cnts[ci])));
					hash_u32(r);
				}
				printf("\n     ");
			}
			printf("\n");
		}
	}
	uint32_t chain = shift_imm_chain(0xc3a55a3cu, &f);
	printf("imm chain: %08x CF=%u\n", chain, f & F_CF);

	printf("== mul/imul ==\n");
	static const uint32_t mv[] = {0, 1, 2, 0x7fffffffu, 0x80000000u, 0xffffffffu, 0x10000u, 0xfffeu, 0x12345u};
	for (int i = 0; i < ARRAY_SIZE(mv); i++) {
		for (int j = i; j < ARRAY_SIZE(mv); j += 2) {
			uint32_t lo, hi, lo2, hi2, f2, f3, f4, f5, f6, fl3[3];
			mul32(mv[i], mv[j], &lo, &hi, &f);
			imul32(mv[i], mv[j], &lo2, &hi2, &f2);
			uint32_t m16 = mul16((uint16_t)mv[i], (uint16_t)(mv[j] >> 1), &f3);
			uint32_t i16 = imul16((uint16_t)mv[i], (uint16_t)(mv[j] >> 1), &f4);
			uint32_t m8 = mul8((uint8_t)mv[i], (uint8_t)(mv[j] + 3), 0, &f5);
			uint32_t i8 = mul8((uint8_t)mv[i], (uint8_t)(mv[j] + 3), 1, &f6);
			uint32_t fx = imul_forms(mv[i], mv[j], fl3);
			printf("%x*%x: mul=%08x:%08x %s imul=%08x:%08x %s w:%08x %s %08x %s b:%08x %s %08x %s forms=%08x %s %s %s\n", mv[i], mv[j],
			       hi, lo, flagstr(f, F_CF | F_OF), hi2, lo2, flagstr(f2, F_CF | F_OF), m16, flagstr(f3, F_CF | F_OF), i16,
			       flagstr(f4, F_CF | F_OF), m8, flagstr(f5, F_CF | F_OF), i8, flagstr(f6, F_CF | F_OF), fx, flagstr(fl3[0], F_CF | F_OF),
			       flagstr(fl3[1], F_CF | F_OF), flagstr(fl3[2], F_CF | F_OF));
			hash_u32(hi ^ lo ^ hi2 ^ lo2 ^ m16 ^ i16 ^ m8 ^ i8 ^ fx);
		}
	}

	printf("== div/idiv ==\n");
	static const struct { uint32_t hi, lo, d; } dv[] = {
		{0, 100, 7}, {0, 0xffffffffu, 1}, {0, 0xffffffffu, 0xffffffffu}, {0x7ffffffeu, 0xffffffffu, 0x7fffffffu},
		{1, 0, 2}, {0x12345u, 0x6789abcdu, 0x23456789u}, {0xffffffffu, 0xfffffff9u, 2}, {0xffffffffu, 0x80000000u, 0xffffffffu},
		{0, 0x7fffffffu, 0xfffffffeu}, {0xfffffffau, 0x00000001u, 0x80000000u},
	};
	for (int i = 0; i < ARRAY_SIZE(dv); i++) {
		uint32_t q, r;
		printf("%08x:%08x / %08x:", dv[i].hi, dv[i].lo, dv[i].d);
		if (dv[i].hi < dv[i].d) { div32(dv[i].hi, dv[i].lo, dv[i].d, 0, &q, &r); printf(" div q=%08x r=%08x", q, r); hash_u32(q ^ r); }
		int64_t n = (int64_t)(((uint64_t)dv[i].hi << 32) | dv[i].lo);
		int32_t d = (int32_t)dv[i].d;
		int64_t qq = n / d;
		if (qq >= INT32_MIN && qq <= INT32_MAX) { div32(dv[i].hi, dv[i].lo, dv[i].d, 1, &q, &r); printf(" idiv q=%08x r=%08x", q, r); hash_u32(q ^ r); }
		printf("\n");
	}
	static const uint16_t d16[][3] = {{0, 1000, 7}, {0x7fff, 0xffff, 0xffff}, {0xffff, 0xff00, 0x100}, {0x0001, 0x0000, 0x0003}, {0xfffe, 0x0001, 0x7fff}};
	for (int i = 0; i < ARRAY_SIZE(d16); i++) {
		printf("w %04x:%04x / %04x:", d16[i][0], d16[i][1], d16[i][2]);
		if (d16[i][0] < d16[i][2]) { uint32_t x = div16(d16[i][0], d16[i][1], d16[i][2], 0); printf(" div %08x", x); hash_u32(x); }
		int32_t n = (int32_t)((uint32_t)d16[i][0] << 16 | d16[i][1]), q = n / (int16_t)d16[i][2];
		if (q >= -32768 && q <= 32767) { uint32_t x = div16(d16[i][0], d16[i][1], d16[i][2], 1); printf(" idiv %08x", x); hash_u32(x); }
		printf("\n");
	}
	static const uint16_t d8[][2] = {{1000, 7}, {0x00ff, 0xff}, {0xff00, 0x80}, {0x0100, 3}, {0xff81, 0x7f}, {200, 100}, {0xfff6, 0xfd}};
	for (int i = 0; i < ARRAY_SIZE(d8); i++) {
		printf("b %04x / %02x:", d8[i][0], d8[i][1]);
		if ((d8[i][0] >> 8) < d8[i][1]) { uint32_t x = div8(d8[i][0], (uint8_t)d8[i][1], 0); printf(" div %08x", x); hash_u32(x); }
		int q = (int16_t)d8[i][0] / (int8_t)d8[i][1];
		if (q >= -128 && q <= 127) { uint32_t x = div8(d8[i][0], (uint8_t)d8[i][1], 1); printf(" idiv %08x", x); hash_u32(x); }
		printf("\n");
	}

	printf("== cbw cwde cwd cdq ==\n");
	static const uint32_t ev[] = {0x12345678u, 0x0000ff80u, 0x00008000u, 0x80007fffu, 0xffffffffu, 0x7f7f0000u};
	for (int i = 0; i < ARRAY_SIZE(ev); i++) {
		uint32_t o[4];
		extend(ev[i], o);
		printf("%08x: cbw=%08x cwde=%08x cwd.dx=%08x cdq.edx=%08x\n", ev[i], o[0], o[1], o[2], o[3]);
		hash_u32(o[0] ^ o[1] ^ o[2] ^ o[3]);
	}

	printf("== 128-bit adc/sbb chains ==\n");
	uint32_t a[4] = {0xffffffffu, 0xffffffffu, 0x7fffffffu, 0}, b[4] = {1, 0, 0x80000000u, 0xffffffffu}, r[4], c;
	for (int k = 0; k < 5; k++) {
		add128(r, a, b, &c);
		printf("add: %08x%08x%08x%08x c=%u  ", r[3], r[2], r[1], r[0], c);
		sub128(a, r, a, &c); /* a = r - a (== b unless borrow) */
		printf("sub: %08x%08x%08x%08x borrow=%08x\n", a[3], a[2], a[1], a[0], c);
		hash_u32(r[0] ^ r[1] ^ r[2] ^ r[3] ^ a[0] ^ c);
		for (int i = 0; i < 4; i++) { b[i] = b[i] * 2654435761u + (uint32_t)k; a[i] ^= r[(i + 1) & 3]; }
	}
	printf("hash=%08x\n", g_hash);
	return (int)(g_hash & 0x3f);
}
