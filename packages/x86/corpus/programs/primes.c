/* primes.c - sieve of Eratosthenes (byte and bit versions), segmented
 * counting, deterministic Miller-Rabin for 32-bit numbers using 64-bit
 * mulmod, prime factorisation by trial division, Euler's totient. */
#include "rt.h"

static uint32_t mulmod(uint32_t a, uint32_t b, uint32_t m) { return (uint32_t)((uint64_t)a * b % m); }
static uint32_t powmod(uint32_t b, uint32_t e, uint32_t m) {
	uint32_t r = 1;
	while (e) { if (e & 1) r = mulmod(r, b, m); b = mulmod(b, b, m); e >>= 1; }
	return r;
}
static int miller_rabin(uint32_t n) {
	if (n < 2) return 0;
	static const uint32_t small[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
	for (int i = 0; i < ARRAY_SIZE(small); i++) { if (n == small[i]) return 1; if (n % small[i] == 0) return 0; }
	uint32_t d = n - 1;
	int s = 0;
	while (!(d & 1)) { d >>= 1; s++; }
	static const uint32_t bases[] = {2, 7, 61};
	for (int i = 0; i < 3; i++) {
		if (bases[i] % n == 0) continue;
		uint32_t x = powmod(bases[i], d, n);
		if (x == 1 || x == n - 1) continue;
		int comp = 1;
		for (int r = 1; r < s; r++) { x = mulmod(x, x, n); if (x == n - 1) { comp = 0; break; } }
		if (comp) return 0;
	}
	return 1;
}

#define LIMIT 100000
static uint8_t sieve[LIMIT];
static uint32_t bits[LIMIT / 64 + 1]; /* odd numbers only */

int main(void) {
	memset(sieve, 1, sizeof sieve);
	sieve[0] = sieve[1] = 0;
	for (int i = 2; i * i < LIMIT; i++)
		if (sieve[i]) for (int j = i * i; j < LIMIT; j += i) sieve[j] = 0;
	int count = 0;
	uint32_t sum = 0, last = 0;
	for (int i = 0; i < LIMIT; i++) if (sieve[i]) { count++; sum += (uint32_t)i; last = (uint32_t)i; }
	printf("byte sieve: %d primes below %d, sum=%u, largest=%u\n", count, LIMIT, sum, last);
	/* bit sieve over odd numbers */
	for (int i = 3; i * i < LIMIT; i += 2)
		if (!(bits[i >> 6] & (1u << ((i >> 1) & 31))))
			for (int j = i * i; j < LIMIT; j += 2 * i) bits[j >> 6] |= 1u << ((j >> 1) & 31);
	int count2 = 1;
	for (int i = 3; i < LIMIT; i += 2) if (!(bits[i >> 6] & (1u << ((i >> 1) & 31)))) count2++;
	printf("bit sieve: %d primes\n", count2);
	/* twin primes and gaps */
	int twins = 0, maxgap = 0, gapat = 0, prev = 2;
	for (int i = 3; i < LIMIT; i++) if (sieve[i]) { if (i - prev == 2) twins++; if (i - prev > maxgap) { maxgap = i - prev; gapat = prev; } prev = i; }
	printf("twin pairs=%d max gap=%d after %d\n", twins, maxgap, gapat);
	/* Miller-Rabin agrees with the sieve, then test big numbers */
	int mism = 0;
	for (uint32_t n = 0; n < 5000; n++) if (miller_rabin(n) != sieve[n]) mism++;
	printf("miller-rabin mismatches below 5000: %d\n", mism);
	static const uint32_t big[] = {4294967291u, 4294967295u, 2147483647u, 2147483649u, 1000000007u, 3215031751u, 999999937u, 4294967279u, 3825123056u};
	for (int i = 0; i < ARRAY_SIZE(big); i++) printf("  %u is %s\n", big[i], miller_rabin(big[i]) ? "prime" : "composite");
	/* factorisations */
	static const uint32_t fz[] = {360, 9699690, 4294967295u, 2147483646u, 600851475u, 1234567890u, 97 * 89 * 83};
	for (int i = 0; i < ARRAY_SIZE(fz); i++) {
		uint32_t n = fz[i], phi = n;
		printf("  %u =", n);
		for (uint32_t p = 2; (uint64_t)p * p <= n; p += p == 2 ? 1 : 2) {
			if (n % p) continue;
			int e = 0;
			while (n % p == 0) { n /= p; e++; }
			phi -= phi / p;
			printf(" %u^%d", p, e);
		}
		if (n > 1) { printf(" %u", n); phi -= phi / n; }
		printf("  phi=%u\n", phi);
	}
	return mism ? 1 : count % 100;
}
