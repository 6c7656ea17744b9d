/* bits.c - bit manipulation: popcount (loop, Kernighan, SWAR, builtin),
 * clz/ctz (loops vs __builtin_clz/ctz -> bsr/bsf), bswap (shifts vs
 * __builtin_bswap32/64), rotates (gcc emits rol/ror), parity, bit reversal,
 * Gray code, next permutation of bits, isolating/clearing lowest bit. */
#include "rt.h"

static int pop_loop(uint32_t x) { int n = 0; for (int i = 0; i < 32; i++) n += (x >> i) & 1; return n; }
static int pop_kern(uint32_t x) { int n = 0; while (x) { x &= x - 1; n++; } return n; }
static int pop_swar(uint32_t x) {
	x = x - ((x >> 1) & 0x55555555u);
	x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
	return (int)((((x + (x >> 4)) & 0x0f0f0f0fu) * 0x01010101u) >> 24);
}
static int clz_loop(uint32_t x) { int n = 0; if (!x) return 32; while (!(x & 0x80000000u)) { x <<= 1; n++; } return n; }
static int ctz_loop(uint32_t x) { int n = 0; if (!x) return 32; while (!(x & 1)) { x >>= 1; n++; } return n; }
static uint32_t bswap_shift(uint32_t x) { return (x >> 24) | ((x >> 8) & 0xff00) | ((x << 8) & 0xff0000) | (x << 24); }
static uint32_t rotl(uint32_t x, unsigned r) { return (x << (r & 31)) | (x >> ((32 - r) & 31)); }
static uint32_t rotr(uint32_t x, unsigned r) { return (x >> (r & 31)) | (x << ((32 - r) & 31)); }
static uint16_t rotl16(uint16_t x, unsigned r) { r &= 15; return (uint16_t)((x << r) | (x >> ((16 - r) & 15))); }
static uint8_t rotr8(uint8_t x, unsigned r) { r &= 7; return (uint8_t)((x >> r) | (x << ((8 - r) & 7))); }
static uint64_t rotl64(uint64_t x, unsigned r) { r &= 63; return r ? (x << r) | (x >> (64 - r)) : x; }
static int parity(uint32_t x) { x ^= x >> 16; x ^= x >> 8; x ^= x >> 4; x ^= x >> 2; x ^= x >> 1; return (int)(x & 1); }
static uint32_t bitrev(uint32_t x) {
	x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
	x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
	x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
	return bswap_shift(x);
}
static uint32_t next_perm(uint32_t v) { /* next higher number with same popcount */
	uint32_t t = v | (v - 1);
	return (t + 1) | (((~t & (0u - ~t)) - 1) >> (__builtin_ctz(v) + 1));
}

int main(void) {
	static const uint32_t vals[] = {0, 1, 2, 3, 0x80000000u, 0xffffffffu, 0x12345678u, 0xdeadbeefu, 0x00f0f000u, 0x7fffffffu, 0x10000u, 0x55aa55aau};
	int bad = 0;
	uint32_t mix = 0;
	for (int i = 0; i < ARRAY_SIZE(vals); i++) {
		uint32_t x = vals[i];
		int p1 = pop_loop(x), p2 = pop_kern(x), p3 = pop_swar(x), p4 = __builtin_popcount(x);
		if (p1 != p2 || p1 != p3 || p1 != p4) bad++;
		int c1 = clz_loop(x), t1 = ctz_loop(x);
		if (x && (c1 != __builtin_clz(x) || t1 != __builtin_ctz(x))) bad++;
		if (bswap_shift(x) != __builtin_bswap32(x)) bad++;
		if (parity(x) != __builtin_parity(x)) bad++;
		printf("%08x pop=%2d clz=%2d ctz=%2d ffs=%2d bswap=%08x rev=%08x par=%d gray=%08x rotl7=%08x rotr13=%08x\n",
		       x, p1, c1, t1, __builtin_ffs((int)x), bswap_shift(x), bitrev(x), parity(x), x ^ (x >> 1), rotl(x, 7), rotr(x, 13));
		mix = rotl(mix ^ x, 5) + (x & (0u - x)) + (x & (x - 1));
	}
	/* variable rotates of all widths */
	uint32_t acc32 = 0x9e3779b9u;
	uint16_t acc16 = 0xbeef;
	uint8_t acc8 = 0xa5;
	uint64_t acc64 = 0x0123456789abcdefULL;
	for (unsigned r = 0; r < 70; r++) {
		acc32 = rotl(acc32, r) ^ rotr(acc32, r + 3) ^ r;
		acc16 = (uint16_t)(rotl16(acc16, r) + r);
		acc8 = (uint8_t)(rotr8(acc8, r) ^ (uint8_t)r);
		acc64 = rotl64(acc64, r) + r;
	}
	printf("rot acc32=%08x acc16=%04x acc8=%02x acc64=%016llx\n", acc32, acc16, acc8, acc64);
	printf("64-bit: clzll=%d ctzll=%d popll=%d bswap64=%016llx\n", __builtin_clzll(0x0000100000000000ULL),
	       __builtin_ctzll(0x0000100000000000ULL), __builtin_popcountll(0xf0f0f0f0f0f0f0f0ULL),
	       __builtin_bswap64(0x0102030405060708ULL));
	/* enumerate 5-bit subsets of 12 bits in increasing order */
	uint32_t v = 0x1f, count = 0, sig = 0;
	while (v < (1u << 12)) { count++; sig = sig * 33 + v; v = next_perm(v); }
	printf("C(12,5)=%u sig=%08x mix=%08x\n", count, sig, mix);
	/* bit-field extraction and insertion */
	uint32_t reg = 0;
	for (int f = 0; f < 8; f++) reg = (reg & ~(0xfu << (4 * f))) | ((uint32_t)(f * 3 & 0xf) << (4 * f));
	printf("packed=%08x field5=%u\n", reg, (reg >> 20) & 0xf);
	printf("bad=%d\n", bad);
	return bad;
}
