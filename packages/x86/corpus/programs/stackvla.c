/* stackvla.c - stack-heavy code: variable-length arrays and alloca
 * (dynamic ESP adjustment), deep recursion (~10000 frames), large local
 * arrays, struct arguments and returns passed by value on the stack,
 * and variadic functions. */
#include "rt.h"

typedef struct { int a, b, c, d, e, f, g, h; } eight;

static eight combine(eight x, eight y, int k) {
	eight r = {x.a + y.h * k, x.b - y.g, x.c ^ y.f, x.d | y.e, x.e & y.d, x.f + y.c, x.g * 3 + y.b, x.h - y.a};
	return r;
}

static uint32_t vla_sum(int n) {
	uint32_t v[n];
	for (int i = 0; i < n; i++) v[i] = (uint32_t)(i * i) ^ (uint32_t)n;
	uint32_t s = 0;
	for (int i = n - 1; i >= 0; i--) s = s * 3 + v[i];
	return s;
}

static uint32_t alloca_mix(int n) {
	char *p = __builtin_alloca((size_t)n);
	for (int i = 0; i < n; i++) p[i] = (char)(i * 7);
	int m = n / 2 + 1;
	short *q = __builtin_alloca(sizeof(short) * (size_t)m);
	for (int i = 0; i < m; i++) q[i] = (short)(p[i] * p[n - 1 - i]);
	uint32_t s = 0;
	for (int i = 0; i < m; i++) s += (uint32_t)(q[i] & 0xffff) * (uint32_t)(i + 1);
	return s;
}

static unsigned depth_max;
static uint32_t deep(unsigned d, uint32_t acc) {
	volatile char pad[24];
	pad[d % 24] = (char)d;
	if (d > depth_max) depth_max = d;
	if (d == 4000) return acc;
	uint32_t r = deep(d + 1, acc * 31 + d + (uint32_t)pad[d % 24]);
	return r ^ (d & 0xff);
}

static int64_t vsum(int count, ...) {
	va_list ap;
	va_start(ap, count);
	int64_t s = 0;
	for (int i = 0; i < count; i++) {
		int kind = va_arg(ap, int);
		if (kind == 0) s += va_arg(ap, int);
		else if (kind == 1) s += va_arg(ap, long long);
		else s += (int64_t)strlen(va_arg(ap, const char *));
	}
	va_end(ap);
	return s;
}

static uint32_t big_locals(int seed) {
	uint32_t a[2048], b[1024];
	for (int i = 0; i < 2048; i++) a[i] = (uint32_t)(i * seed);
	for (int i = 0; i < 1024; i++) b[i] = a[2047 - i] ^ a[i];
	uint32_t s = 0;
	for (int i = 0; i < 1024; i++) s += b[i] >> (i & 7);
	return s;
}

int main(void) {
	for (int n = 1; n <= 1000; n *= 3) printf("vla_sum(%d)=%08x alloca_mix(%d)=%u\n", n, vla_sum(n), n, alloca_mix(n));
	uint32_t r = deep(0, 1);
	printf("deep recursion: depth=%u result=%08x\n", depth_max, r);
	eight x = {1, 2, 3, 4, 5, 6, 7, 8}, y = {-8, -7, -6, -5, -4, -3, -2, -1};
	for (int k = 0; k < 5; k++) x = combine(x, y, k);
	printf("struct by value: %d %d %d %d %d %d %d %d\n", x.a, x.b, x.c, x.d, x.e, x.f, x.g, x.h);
	printf("varargs: %lld\n", vsum(6, 0, 5, 1, 10000000000LL, 2, "hello", 0, -7, 1, -3LL, 2, ""));
	printf("big locals: %u %u\n", big_locals(3), big_locals(12345));
	return (int)(r % 100);
}
