/* int64.c - signed/unsigned 64-bit arithmetic: mul/div/mod on edge values,
 * shifts by variable amounts, comparisons, factorials, Fibonacci mod m,
 * modular exponentiation, gcd, integer square root. Exit status is derived
 * from a checksum. */
#include "rt.h"

static const uint64_t uvals[] = {
	0, 1, 2, 3, 7, 10, 255, 0x7fffffffULL, 0x80000000ULL, 0xffffffffULL, 0x100000000ULL,
	0x123456789ULL, 0xfedcba9876543210ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
	0xffffffffffffffffULL, 1000000007ULL, 0xdeadbeefcafebabeULL, 12345678901234567ULL,
};

static uint64_t mix;
static void acc(uint64_t v) { mix = (mix ^ v) * 0x100000001b3ULL; }

static uint64_t powmod(uint64_t b, uint64_t e, uint64_t m) {
	/* m < 2^32 so products fit */
	uint64_t r = 1 % m;
	b %= m;
	while (e) {
		if (e & 1) r = r * b % m;
		b = b * b % m;
		e >>= 1;
	}
	return r;
}

/* 64x64->64 mod m for m up to 2^63 using add-and-double */
static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m) {
	uint64_t r = 0;
	a %= m;
	while (b) {
		if (b & 1) { r += a; if (r >= m) r -= m; }
		a <<= 1; if (a >= m) a -= m;
		b >>= 1;
	}
	return r;
}

static uint64_t gcd(uint64_t a, uint64_t b) {
	while (b) { uint64_t t = a % b; a = b; b = t; }
	return a;
}

static uint64_t isqrt(uint64_t n) {
	uint64_t r = 0, bit = 1ULL << 62;
	while (bit > n) bit >>= 2;
	while (bit) {
		if (n >= r + bit) { n -= r + bit; r = (r >> 1) + bit; }
		else r >>= 1;
		bit >>= 2;
	}
	return r;
}

int main(void) {
	int n = ARRAY_SIZE(uvals);
	/* unsigned ops on all pairs */
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < n; j++) {
			uint64_t a = uvals[i], b = uvals[j];
			acc(a + b); acc(a - b); acc(a * b);
			if (b) { acc(a / b); acc(a % b); }
			acc(a < b); acc(a <= b); acc(a == b);
			int64_t sa = (int64_t)a, sb = (int64_t)b;
			if (sb && !(sa == INT64_MIN && sb == -1)) { acc((uint64_t)(sa / sb)); acc((uint64_t)(sa % sb)); }
			acc(sa < sb); acc(sa >= sb);
		}
	}
	printf("pairs mix=%016llx\n", mix);
	/* a few printed examples */
	for (int i = 10; i < n; i++) {
		uint64_t a = uvals[i], b = uvals[(i * 7) % n] | 1;
		int64_t sa = (int64_t)a, sb = -(int64_t)b;
		printf("%llu / %llu = %llu r %llu; %lld / %lld = %lld r %lld\n", a, b, a / b, a % b, sa, sb,
		       sb == -1 && sa == INT64_MIN ? 0 : sa / sb, sb == -1 ? 0 : sa % sb);
	}
	/* shifts by variable amounts */
	uint64_t x = 0x8123456789abcdefULL;
	int64_t sx = (int64_t)x;
	for (int s = 0; s < 64; s += 5) {
		printf("s=%2d shl=%016llx shr=%016llx sar=%016llx\n", s, x << s, x >> s, (uint64_t)(sx >> s));
		acc(x << s); acc(x >> s); acc((uint64_t)(sx >> s));
	}
	/* factorials: exact up to 20!, then mod 2^64 */
	uint64_t f = 1;
	for (unsigned k = 1; k <= 25; k++) {
		f *= k;
		if (k >= 15) printf("%u! = %llu (mod 2^64)\n", k, f);
	}
	/* fibonacci mod 1e9+7 and unbounded mod 2^64 */
	uint64_t fa = 0, fb = 1, ga = 0, gb = 1;
	for (int k = 0; k < 10000; k++) {
		uint64_t t = (fa + fb) % 1000000007ULL; fa = fb; fb = t;
		uint64_t u = ga + gb; ga = gb; gb = u;
	}
	printf("fib(10000) mod 1e9+7 = %llu, mod 2^64 = %llu\n", fa, ga);
	/* powmod and Fermat checks */
	printf("3^1000000 mod 1e9+7 = %llu\n", powmod(3, 1000000, 1000000007ULL));
	printf("2^(p-1) mod p = %llu (p=4294967291)\n", powmod(2, 4294967290ULL, 4294967291ULL));
	printf("mulmod big = %llu\n", mulmod(0xfedcba9876543210ULL, 0x123456789abcdefULL, 0x7fffffffffffffe7ULL));
	printf("gcd = %llu %llu %llu\n", gcd(1071, 462), gcd(0xfedcba9876543210ULL, 0x123456789abcdef0ULL),
	       gcd(832040, 514229));
	for (int i = 0; i < n; i++) {
		uint64_t r = isqrt(uvals[i]);
		CHECK(r * r <= uvals[i]);
		printf("isqrt(%llu) = %llu\n", uvals[i], r);
	}
	/* 32x32->64 multiplies, signed and unsigned */
	int32_t m1 = -123456789, m2 = 987654321;
	uint32_t u1 = 4000000000u, u2 = 3999999999u;
	printf("smul=%lld umul=%llu mixed=%lld\n", (int64_t)m1 * m2, (uint64_t)u1 * u2, (int64_t)m1 * u2);
	acc(mix >> 7);
	printf("final mix=%016llx\n", mix);
	return (int)(mix & 0x3f) + 1;
}
