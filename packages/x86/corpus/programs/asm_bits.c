/* asm_bits.c - inline asm for bit instructions: bsf/bsr, bt/bts/btr/btc
 * (register, immediate and memory bit-string forms incl. negative and
 * large offsets), shld/shrd (imm and cl, 16/32-bit), bswap, setcc and
 * cmovcc for all 16 conditions, and 8/16/32-bit movzx/movsx. */
#include "asm_flags.h"

static uint32_t bsf32(uint32_t v, uint32_t *f) {
	uint32_t r = 0xdeadbeef, fl;
	__asm__ volatile("pushl %[fin]\n\tpopfl\n\tbsfl %[v], %[r]\n\tpushfl\n\tpopl %[fl]"
			 : [r] "+r"(r), [fl] "=r"(fl) : [v] "r"(v), [fin] "r"(F_ALL) : "cc");
	*f = fl;
	return r;
}
static uint32_t bsr32(uint32_t v, uint32_t *f) {
	uint32_t r = 0xdeadbeef, fl;
	__asm__ volatile("pushl %[fin]\n\tpopfl\n\tbsrl %[v], %[r]\n\tpushfl\n\tpopl %[fl]"
			 : [r] "+r"(r), [fl] "=r"(fl) : [v] "r"(v), [fin] "r"(0u) : "cc");
	*f = fl;
	return r;
}
static uint16_t bsf16(uint16_t v, uint32_t *f) {
	uint16_t r = 0xbeef;
	uint32_t fl;
	__asm__ volatile("pushl %[fin]\n\tpopfl\n\tbsfw %[v], %[r]\n\tpushfl\n\tpopl %[fl]"
			 : [r] "+r"(r), [fl] "=r"(fl) : [v] "r"(v), [fin] "r"(0u) : "cc");
	*f = fl;
	return r;
}
static uint16_t bsr16(uint16_t v, uint32_t *f) {
	uint16_t r = 0xbeef;
	uint32_t fl;
	__asm__ volatile("pushl %[fin]\n\tpopfl\n\tbsrw %[v], %[r]\n\tpushfl\n\tpopl %[fl]"
			 : [r] "+r"(r), [fl] "=r"(fl) : [v] "r"(v), [fin] "r"(F_ALL) : "cc");
	*f = fl;
	return r;
}

/* bt family on a register with a register bit offset (masked mod 32) */
#define BT_REG(name, insn)                                                                                 \
	static uint32_t name(uint32_t v, uint32_t bit, uint32_t fin, uint32_t *f) {                        \
		uint32_t fl;                                                                               \
		__asm__ volatile("pushl %[fin]\n\tpopfl\n\t" insn " %[b], %[v]\n\tpushfl\n\tpopl %[fl]" \
				 : [v] "+r"(v), [fl] "=r"(fl) : [b] "r"(bit), [fin] "r"(fin) : "cc");      \
		*f = fl;                                                                                   \
		return v;                                                                                  \
	}
BT_REG(bt_r, "btl")
BT_REG(bts_r, "btsl")
BT_REG(btr_r, "btrl")
BT_REG(btc_r, "btcl")

#define BT_REG16(name, insn)                                                                               \
	static uint16_t name(uint16_t v, uint16_t bit, uint32_t fin, uint32_t *f) {                        \
		uint32_t fl;                                                                               \
		__asm__ volatile("pushl %[fin]\n\tpopfl\n\t" insn " %[b], %[v]\n\tpushfl\n\tpopl %[fl]" \
				 : [v] "+r"(v), [fl] "=r"(fl) : [b] "r"(bit), [fin] "r"(fin) : "cc");      \
		*f = fl;                                                                                   \
		return v;                                                                                  \
	}
BT_REG16(btc_r16, "btcw")
BT_REG16(bts_r16, "btsw")

/* immediate forms */
static uint32_t bt_imm_all(uint32_t v, uint32_t *cfs) {
	uint32_t f1, f2, f3, f4;
	__asm__ volatile("btl $5, %[v]\n\tpushfl\n\tpopl %[f1]\n\t"
			 "btsl $31, %[v]\n\tpushfl\n\tpopl %[f2]\n\t"
			 "btrl $0, %[v]\n\tpushfl\n\tpopl %[f3]\n\t"
			 "btcl $40, %[v]\n\tpushfl\n\tpopl %[f4]" /* imm offset is taken mod 32 -> bit 8 */
			 : [v] "+r"(v), [f1] "=&r"(f1), [f2] "=&r"(f2), [f3] "=&r"(f3), [f4] "=&r"(f4)
			 :
			 : "cc");
	*cfs = (f1 & 1) | (f2 & 1) << 1 | (f3 & 1) << 2 | (f4 & 1) << 3;
	return v;
}

/* memory bit-string forms: bit offset in a register addresses beyond the dword */
static uint32_t bitmem[16];
static uint32_t bt_mem(int which, int32_t bit) {
	uint32_t fl;
	uint32_t *base = &bitmem[8]; /* offsets may be negative */
	switch (which) {
	case 0: __asm__ volatile("btl %[b], (%[p])\n\tpushfl\n\tpopl %[fl]" : [fl] "=r"(fl) : [b] "r"(bit), [p] "r"(base) : "cc", "memory"); break;
	case 1: __asm__ volatile("btsl %[b], (%[p])\n\tpushfl\n\tpopl %[fl]" : [fl] "=r"(fl) : [b] "r"(bit), [p] "r"(base) : "cc", "memory"); break;
	case 2: __asm__ volatile("btrl %[b], (%[p])\n\tpushfl\n\tpopl %[fl]" : [fl] "=r"(fl) : [b] "r"(bit), [p] "r"(base) : "cc", "memory"); break;
	default: __asm__ volatile("btcl %[b], (%[p])\n\tpushfl\n\tpopl %[fl]" : [fl] "=r"(fl) : [b] "r"(bit), [p] "r"(base) : "cc", "memory"); break;
	}
	return fl & F_CF;
}
static uint32_t bt_mem16(int32_t bit) {
	uint32_t fl;
	int16_t b16 = (int16_t)bit;
	uint16_t *base = (uint16_t *)&bitmem[8];
	__asm__ volatile("btcw %[b], (%[p])\n\tpushfl\n\tpopl %[fl]" : [fl] "=r"(fl) : [b] "r"(b16), [p] "r"(base) : "cc", "memory");
	return fl & F_CF;
}
static uint32_t bt_mem_imm(void) {
	uint32_t fl;
	uint32_t *base = &bitmem[8];
	/* immediate offsets on memory are taken mod operand size (no bit-string addressing) */
	__asm__ volatile("btsl $33, (%[p])\n\tbtcw $20, 2(%[p])\n\tbtrl $7, 4(%[p])\n\tbtl $3, -4(%[p])\n\tpushfl\n\tpopl %[fl]"
			 : [fl] "=r"(fl) : [p] "r"(base) : "cc", "memory");
	return fl & F_CF;
}

static uint32_t shld32(uint32_t d, uint32_t s, uint8_t c, uint32_t fin, uint32_t *f) {
	uint32_t fl;
	__asm__ volatile("pushl %[fin]\n\tpopfl\n\tshldl %%cl, %[s], %[d]\n\tpushfl\n\tpopl %[fl]"
			 : [d] "+r"(d), [fl] "=r"(fl) : [s] "r"(s), "c"(c), [fin] "r"(fin) : "cc");
	*f = fl;
	return d;
}
static uint32_t shrd32(uint32_t d, uint32_t s, uint8_t c, uint32_t fin, uint32_t *f) {
	uint32_t fl;
	__asm__ volatile("pushl %[fin]\n\tpopfl\n\tshrdl %%cl, %[s], %[d]\n\tpushfl\n\tpopl %[fl]"
			 : [d] "+r"(d), [fl] "=r"(fl) : [s] "r"(s), "c"(c), [fin] "r"(fin) : "cc");
	*f = fl;
	return d;
}
static uint16_t shld16(uint16_t d, uint16_t s, uint8_t c, uint32_t fin, uint32_t *f) {
	uint32_t fl;
	__asm__ volatile("pushl %[fin]\n\tpopfl\n\tshldw %%cl, %[s], %[d]\n\tpushfl\n\tpopl %[fl]"
			 : [d] "+r"(d), [fl] "=r"(fl) : [s] "r"(s), "c"(c), [fin] "r"(fin) : "cc");
	*f = fl;
	return d;
}
static uint16_t shrd16(uint16_t d, uint16_t s, uint8_t c, uint32_t fin, uint32_t *f) {
	uint32_t fl;
	__asm__ volatile("pushl %[fin]\n\tpopfl\n\tshrdw %%cl, %[s], %[d]\n\tpushfl\n\tpopl %[fl]"
			 : [d] "+r"(d), [fl] "=r"(fl) : [s] "r"(s), "c"(c), [fin] "r"(fin) : "cc");
	*f = fl;
	return d;
}
static void shxd_imm(uint32_t *a, uint32_t *b) {
	uint32_t x = *a, y = *b;
	__asm__ volatile("shldl $12, %[y], %[x]\n\tshrdl $20, %[x], %[y]\n\tshldw $3, %w[y], %w[x]\n\tshrdw $15, %w[x], %w[y]"
			 : [x] "+r"(x), [y] "+r"(y) : : "cc");
	*a = x;
	*b = y;
}

/* setcc for all 16 conditions after cmp a, b: returns a 16-bit mask */
static uint32_t setcc_all(uint32_t a, uint32_t b) {
	uint8_t r[16];
	__asm__ volatile("cmpl %[b], %[a]\n\t"
			 "seto 0(%[r])\n\tsetno 1(%[r])\n\tsetb 2(%[r])\n\tsetae 3(%[r])\n\t"
			 "sete 4(%[r])\n\tsetne 5(%[r])\n\tsetbe 6(%[r])\n\tseta 7(%[r])\n\t"
			 "sets 8(%[r])\n\tsetns 9(%[r])\n\tsetp 10(%[r])\n\tsetnp 11(%[r])\n\t"
			 "setl 12(%[r])\n\tsetge 13(%[r])\n\tsetle 14(%[r])\n\tsetg 15(%[r])"
			 :
			 : [a] "r"(a), [b] "r"(b), [r] "r"(r)
			 : "cc", "memory");
	uint32_t m = 0;
	for (int i = 0; i < 16; i++) m |= (uint32_t)(r[i] & 1) << i;
	return m;
}

/* setcc into byte registers, after test (8-bit) */
static uint32_t setcc_reg8(uint8_t a, uint8_t b) {
	uint8_t z, s, p, c;
	__asm__ volatile("testb %[b], %[a]\n\tsetz %[z]\n\tsets %[s]\n\tsetp %[p]\n\tstc\n\tsetc %[c]"
			 : [z] "=q"(z), [s] "=q"(s), [p] "=q"(p), [c] "=q"(c) : [a] "q"(a), [b] "q"(b) : "cc");
	return (uint32_t)z | (uint32_t)s << 1 | (uint32_t)p << 2 | (uint32_t)c << 3;
}

/* cmovcc for all 16 conditions after cmp a, b: returns a hash of the selected values */
#define CMOV(insn)                                                                               \
	__asm__ volatile("cmpl %[b], %[a]\n\t" insn " %[y], %[x]"                               \
			 : [x] "+r"(x) : [a] "r"(a), [b] "r"(b), [y] "r"(x + 1 + (uint32_t)k) : "cc"); \
	h = h * 3 + x;                                                                           \
	k++;
static uint32_t cmov_all(uint32_t a, uint32_t b) {
	uint32_t x = 100, h = 0, k = 0;
	CMOV("cmovo") CMOV("cmovno") CMOV("cmovb") CMOV("cmovae") CMOV("cmove") CMOV("cmovne") CMOV("cmovbe") CMOV("cmova")
	CMOV("cmovs") CMOV("cmovns") CMOV("cmovp") CMOV("cmovnp") CMOV("cmovl") CMOV("cmovge") CMOV("cmovle") CMOV("cmovg")
	/* 16-bit and memory-source forms */
	uint16_t w = 7;
	uint32_t mem = 0x12345678;
	__asm__ volatile("cmpl %[b], %[a]\n\tcmovlw %w[y], %[w]\n\tcmovgel %[m], %[x]"
			 : [w] "+r"(w), [x] "+r"(x) : [a] "r"(a), [b] "r"(b), [y] "r"(0xabcdu), [m] "m"(mem) : "cc");
	return h * 7 + w + x;
}

static uint32_t bswap(uint32_t v) {
	__asm__("bswap %0" : "+r"(v));
	return v;
}

static uint32_t movx(uint32_t v, uint32_t *out) {
	uint32_t a, b, c, d;
	__asm__("movzbl %b[v], %[a]\n\tmovsbl %b[v], %[b]\n\tmovzwl %w[v], %[c]\n\tmovswl %w[v], %[d]"
		: [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [d] "=&r"(d) : [v] "q"(v));
	uint16_t e, g;
	__asm__("movzbw %b[v], %[e]\n\tmovsbw %h[v], %[g]" : [e] "=&r"(e), [g] "=&r"(g) : [v] "Q"(v));
	out[0] = a; out[1] = b; out[2] = c; out[3] = d; out[4] = e; out[5] = g;
	return a ^ b ^ c ^ d ^ e ^ g;
}

int main(void) {
	static const uint32_t vals[] = {1, 2, 0x80000000u, 0xffffffffu, 0x00010000u, 0x12345678u, 0x00f00000u, 0x7ffffffeu, 0};
	uint32_t f;
	printf("== bsf/bsr ==\n");
	for (int i = 0; i < ARRAY_SIZE(vals); i++) {
		uint32_t v = vals[i];
		uint32_t r1 = bsf32(v, &f);
		const char *f1 = flagstr(f, F_ZF);
		uint32_t f2v;
		uint32_t r2 = bsr32(v, &f2v);
		const char *f2 = flagstr(f2v, F_ZF);
		uint32_t f3v, f4v;
		uint16_t r3 = bsf16((uint16_t)(v >> 4), &f3v), r4 = bsr16((uint16_t)(v >> 4), &f4v);
		if (v) {
			printf("%08x bsf=%2u %s bsr=%2u %s", v, r1, f1, r2, f2);
			hash_u32(r1); hash_u32(r2);
		} else {
			printf("%08x bsf=?? %s bsr=?? %s", v, f1, f2); /* destination undefined for 0 */
		}
		if ((uint16_t)(v >> 4)) { printf(" | w %04x bsf=%u %s bsr=%u %s\n", (uint16_t)(v >> 4), r3, flagstr(f3v, F_ZF), r4, flagstr(f4v, F_ZF)); hash_u32(r3 * 65536u + r4); }
		else printf(" | w 0000 %s %s\n", flagstr(f3v, F_ZF), flagstr(f4v, F_ZF));
	}

	printf("== bt/bts/btr/btc reg ==\n");
	static const uint32_t bits[] = {0, 1, 5, 31, 32, 37, 63, 0xffffffe1u};
	for (int i = 0; i < ARRAY_SIZE(bits); i++) {
		uint32_t v = 0x5a5a00ffu, b = bits[i], fa, fb, fc, fd, fe, ff;
		uint32_t r0 = bt_r(v, b, F_ZF, &fa), r1 = bts_r(v, b, 0, &fb), r2 = btr_r(v, b, F_ALL, &fc), r3 = btc_r(v, b, F_ZF | F_CF, &fd);
		uint16_t w1 = btc_r16(0x8421, (uint16_t)b, 0, &fe), w2 = bts_r16(0x0f0f, (uint16_t)(b + 3), F_ZF, &ff);
		printf("bit %08x: bt=%08x %s bts=%08x %s btr=%08x %s btc=%08x %s btcw=%04x %s btsw=%04x %s\n", b, r0, flagstr(fa, F_CF | F_ZF),
		       r1, flagstr(fb, F_CF | F_ZF), r2, flagstr(fc, F_CF | F_ZF), r3, flagstr(fd, F_CF | F_ZF), w1, flagstr(fe, F_CF | F_ZF), w2,
		       flagstr(ff, F_CF | F_ZF));
		hash_u32(r1 ^ r2 ^ r3 ^ w1 ^ ((uint32_t)w2 << 16));
	}
	uint32_t cfs, iv = bt_imm_all(0x00000121u, &cfs);
	printf("imm forms: v=%08x cfs=%x\n", iv, cfs);

	printf("== bt memory bit strings ==\n");
	for (int i = 0; i < 16; i++) bitmem[i] = 0x01010101u * (uint32_t)(i + 1);
	static const int32_t moffs[] = {0, 7, 31, 32, 45, 100, 127, -1, -32, -33, -100, -128};
	uint32_t cfacc = 0;
	for (int i = 0; i < ARRAY_SIZE(moffs); i++)
		for (int w = 0; w < 4; w++) cfacc = cfacc * 2 + bt_mem(w, moffs[i] + w);
	cfacc = cfacc * 2 + bt_mem16(-17);
	cfacc = cfacc * 2 + bt_mem16(40);
	cfacc = cfacc * 2 + bt_mem16(-64);
	cfacc = cfacc * 2 + bt_mem_imm();
	printf("cf bits=%08x mem:", cfacc);
	for (int i = 0; i < 16; i++) { printf(" %08x", bitmem[i]); hash_u32(bitmem[i]); }
	printf("\n");

	printf("== shld/shrd ==\n");
	static const uint8_t counts[] = {0, 1, 4, 15, 16, 31, 32, 33, 63};
	for (int i = 0; i < ARRAY_SIZE(counts); i++) {
		uint8_t c = counts[i];
		uint32_t mc = c & 31, fa, fb, fc, fd;
		uint32_t a = shld32(0x9abcdef0u, 0x12345678u, c, F_AF | F_OF, &fa);
		uint32_t b = shrd32(0x9abcdef0u, 0x12345678u, c, F_ZF, &fb);
		uint32_t m32 = mc == 0 ? F_ALL : mc == 1 ? (F_ALL & ~F_AF) : (F_CF | F_SF | F_ZF | F_PF);
		printf("c=%2u shld=%08x %s shrd=%08x %s", c, a, flagstr(fa, m32), b, flagstr(fb, m32));
		hash_u32(a); hash_u32(b);
		if (mc <= 16) { /* 16-bit: result undefined for count > 16 */
			uint16_t x = shld16(0x9abc, 0x1234, c, 0, &fc), y = shrd16(0x9abc, 0x1234, c, F_ALL, &fd);
			printf(" shldw=%04x %s shrdw=%04x %s", x, flagstr(fc, m32), y, flagstr(fd, m32));
			hash_u32(x * 65536u + y);
		}
		printf("\n");
	}
	uint32_t ia = 0x13579bdfu, ib = 0x2468ace0u;
	shxd_imm(&ia, &ib);
	printf("imm shld/shrd: %08x %08x\n", ia, ib);

	printf("== setcc/cmovcc (o no b ae e ne be a s ns p np l ge le g) ==\n");
	static const uint32_t cv[] = {0, 1, 0x7fffffffu, 0x80000000u, 0xffffffffu, 3};
	for (int i = 0; i < ARRAY_SIZE(cv); i++) {
		for (int j = 0; j < ARRAY_SIZE(cv); j++) {
			uint32_t m = setcc_all(cv[i], cv[j]), h = cmov_all(cv[i], cv[j]);
			hash_u32(m); hash_u32(h);
			printf("%08x ? %08x set=%04x cmov=%08x%s", cv[i], cv[j], m, h, j == ARRAY_SIZE(cv) - 1 ? "\n" : " | ");
			if (j % 2 == 1 && j != ARRAY_SIZE(cv) - 1) printf("\n");
		}
	}
	printf("setcc8: %x %x %x %x\n", setcc_reg8(0x80, 0xff), setcc_reg8(0x0f, 0xf0), setcc_reg8(3, 1), setcc_reg8(0x7f, 0x7f));

	printf("== bswap / movzx / movsx ==\n");
	for (int i = 0; i < ARRAY_SIZE(vals); i++) {
		uint32_t o[6];
		uint32_t v = vals[i] ^ 0x00008080u;
		uint32_t x = movx(v, o);
		printf("%08x bswap=%08x zb=%08x sb=%08x zw=%08x sw=%08x zbw=%04x sbw(ah)=%04x\n", v, bswap(v), o[0], o[1], o[2], o[3], o[4], o[5]);
		hash_u32(x ^ bswap(v));
	}
	printf("hash=%08x\n", g_hash);
	return (int)(g_hash % 100);
}
