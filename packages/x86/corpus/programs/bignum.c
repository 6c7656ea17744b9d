/* bignum.c - arbitrary precision unsigned integers in base 10^9 (uint32
 * limbs, 64-bit intermediate products): factorials, powers of two,
 * Fibonacci numbers, and long division by small numbers. */
#include "rt.h"

#define BASE 1000000000u
#define MAXL 400

typedef struct { int n; uint32_t d[MAXL]; } big;

static void big_set(big *a, uint32_t v) {
	a->n = 0;
	while (v) { a->d[a->n++] = v % BASE; v /= BASE; }
}

static void big_mul_small(big *a, uint32_t m) {
	uint64_t carry = 0;
	for (int i = 0; i < a->n; i++) {
		uint64_t t = (uint64_t)a->d[i] * m + carry;
		a->d[i] = (uint32_t)(t % BASE);
		carry = t / BASE;
	}
	while (carry) { a->d[a->n++] = (uint32_t)(carry % BASE); carry /= BASE; }
}

static void big_add(big *r, const big *a, const big *b) {
	uint32_t carry = 0;
	int n = a->n > b->n ? a->n : b->n;
	for (int i = 0; i < n; i++) {
		uint32_t s = carry + (i < a->n ? a->d[i] : 0) + (i < b->n ? b->d[i] : 0);
		carry = s >= BASE;
		r->d[i] = carry ? s - BASE : s;
	}
	r->n = n;
	if (carry) r->d[r->n++] = 1;
}

static void big_mul(big *r, const big *a, const big *b) {
	static uint64_t tmp[2 * MAXL];
	memset(tmp, 0, sizeof(uint64_t) * (size_t)(a->n + b->n + 1));
	for (int i = 0; i < a->n; i++) {
		uint64_t carry = 0;
		for (int j = 0; j < b->n; j++) {
			uint64_t t = tmp[i + j] + (uint64_t)a->d[i] * b->d[j] + carry;
			tmp[i + j] = t % BASE;
			carry = t / BASE;
		}
		int k = i + b->n;
		while (carry) { uint64_t t = tmp[k] + carry; tmp[k] = t % BASE; carry = t / BASE; k++; }
	}
	int n = a->n + b->n;
	while (n > 0 && tmp[n - 1] == 0) n--;
	for (int i = 0; i < n; i++) r->d[i] = (uint32_t)tmp[i];
	r->n = n;
}

static uint32_t big_div_small(big *a, uint32_t m) {
	uint64_t rem = 0;
	for (int i = a->n - 1; i >= 0; i--) {
		uint64_t cur = a->d[i] + rem * BASE;
		a->d[i] = (uint32_t)(cur / m);
		rem = cur % m;
	}
	while (a->n > 0 && a->d[a->n - 1] == 0) a->n--;
	return (uint32_t)rem;
}

static int big_digits(const big *a) {
	if (!a->n) return 1;
	int d = 9 * (a->n - 1);
	for (uint32_t t = a->d[a->n - 1]; t; t /= 10) d++;
	return d;
}

static void big_print(const char *label, const big *a) {
	printf("%s (%d digits) = ", label, big_digits(a));
	if (!a->n) { printf("0\n"); return; }
	printf("%u", a->d[a->n - 1]);
	for (int i = a->n - 2; i >= 0; i--) printf("%09u", a->d[i]);
	printf("\n");
}

static uint32_t digit_sum(const big *a) {
	uint32_t s = 0;
	for (int i = 0; i < a->n; i++)
		for (uint32_t t = a->d[i]; t; t /= 10) s += t % 10;
	return s;
}

int main(void) {
	static big a, b, c;
	big_set(&a, 1);
	for (uint32_t k = 2; k <= 100; k++) big_mul_small(&a, k);
	big_print("100!", &a);
	printf("digit sum of 100! = %u\n", digit_sum(&a));
	/* divide back down */
	for (uint32_t k = 100; k >= 2; k--) {
		uint32_t r = big_div_small(&a, k);
		CHECK(r == 0);
	}
	big_print("100!/100!", &a);

	big_set(&a, 1);
	for (int k = 0; k < 1000; k++) big_mul_small(&a, 2);
	big_print("2^1000", &a);
	printf("digit sum of 2^1000 = %u\n", digit_sum(&a));

	big_set(&a, 0); big_set(&b, 1);
	for (int k = 0; k < 1000; k++) { big_add(&c, &a, &b); a = b; b = c; }
	big_print("fib(1000)", &a);

	/* 3^200 by squaring, checked against repeated multiplication */
	big_set(&a, 3);
	big_set(&b, 1);
	for (int e = 200; e; e >>= 1) {
		if (e & 1) { big_mul(&c, &b, &a); b = c; }
		big_mul(&c, &a, &a); a = c;
	}
	big_print("3^200", &b);
	big_set(&a, 1);
	for (int k = 0; k < 200; k++) big_mul_small(&a, 3);
	int same = a.n == b.n && memcmp(a.d, b.d, sizeof(uint32_t) * (size_t)a.n) == 0;
	printf("3^200 cross-check: %s\n", same ? "ok" : "MISMATCH");
	uint32_t r7 = big_div_small(&a, 7);
	printf("3^200 mod 7 = %u\n", r7);
	return same ? 0 : 3;
}
