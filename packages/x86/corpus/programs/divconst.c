/* divconst.c - division and modulo by constants (gcc turns these into
 * multiply-high + shift sequences, and uses `lea`/shift tricks), compared
 * against division by the same values through a volatile (real div/idiv).
 * Covers signed/unsigned 8/16/32/64-bit. */
#include "rt.h"

static volatile uint32_t vd[] = {1, 2, 3, 5, 7, 10, 13, 60, 100, 641, 1000, 65537, 1000000007u, 0x80000000u};

#define UDIV_CHECK(d) do { uint32_t q = x / (d), r = x % (d); if (q != x / vd_##d || r != x % vd_##d) bad++; h = h * 31 + q + r * 7; } while (0)

int main(void) {
	uint32_t h = 0;
	int bad = 0;
	uint32_t s = 555;
	volatile uint32_t vd_3 = 3, vd_5 = 5, vd_7 = 7, vd_10 = 10, vd_13 = 13, vd_60 = 60, vd_100 = 100, vd_641 = 641, vd_1000 = 1000;
	volatile int32_t sd_3 = 3, sd_7 = 7, sd_10 = 10, sd_m10 = -10, sd_100 = 100;
	for (int i = 0; i < 4000; i++) {
		uint32_t x = rt_xorshift32(&s);
		if (i < 10) x = (uint32_t)i * 0x1999999au;
		if (i >= 10 && i < 20) x = 0xffffffffu - (uint32_t)(i - 10);
		UDIV_CHECK(3); UDIV_CHECK(5); UDIV_CHECK(7); UDIV_CHECK(10); UDIV_CHECK(13);
		UDIV_CHECK(60); UDIV_CHECK(100); UDIV_CHECK(641); UDIV_CHECK(1000);
		int32_t y = (int32_t)x;
		int32_t q3 = y / 3, r3 = y % 3, q7 = y / 7, q10 = y / 10, r10 = y % 10, qm = y / -10, q100 = y / 100;
		if (q3 != y / sd_3 || r3 != y % sd_3 || q7 != y / sd_7 || q10 != y / sd_10 || r10 != y % sd_10 ||
		    qm != y / sd_m10 || q100 != y / sd_100)
			bad++;
		h = h * 31 + (uint32_t)(q3 + r3 + q7 + q10 + r10 + qm + q100);
		/* powers of two, signed (needs rounding fixup) */
		h = h * 31 + (uint32_t)(y / 8) + (uint32_t)(y % 16) + (uint32_t)(y / 1024);
		/* 16-bit and 8-bit */
		uint16_t w = (uint16_t)x;
		int16_t sw = (int16_t)x;
		uint8_t b = (uint8_t)x;
		int8_t sb = (int8_t)x;
		h = h * 31 + (uint32_t)(w / 3) + (uint32_t)(w % 10) + (uint32_t)(sw / 7) + (uint32_t)(sw % 5);
		h = h * 31 + (uint32_t)(b / 3) + (uint32_t)(b % 10) + (uint32_t)(sb / 7) + (uint32_t)(sb % 5);
		/* 64-bit by constant (libgcc helpers) */
		uint64_t z = ((uint64_t)x << 20) ^ (uint64_t)i;
		h = h * 31 + (uint32_t)(z / 10) + (uint32_t)(z % 1000) + (uint32_t)((int64_t)z / -7);
	}
	printf("random sweep: h=%08x bad=%d\n", h, bad);
	/* print tables so the output shows values */
	static const int32_t xs[] = {0, 1, -1, 7, -7, 99, -99, 2147483647, -2147483647 - 1, 123456789, -987654321};
	for (int i = 0; i < ARRAY_SIZE(xs); i++) {
		int32_t y = xs[i];
		printf("%11d: /3=%d %%3=%d /7=%d /10=%d %%10=%d /-10=%d /16=%d %%16=%d u/10=%u u%%7=%u\n", y, y / 3, y % 3, y / 7, y / 10,
		       y % 10, y / -10, y / 16, y % 16, (uint32_t)y / 10, (uint32_t)y % 7);
	}
	for (int i = 0; i < ARRAY_SIZE(vd); i++) {
		uint32_t d = vd[i];
		printf("0xfffffffe/%u=%u r%u\n", d, 0xfffffffeu / d, 0xfffffffeu % d);
	}
	return bad ? 1 : (int)(h % 100);
}
