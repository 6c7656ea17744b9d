/* matrix.c - integer matrix code: multiplication (naive, transposed,
 * blocked), exact determinant by the Bareiss algorithm in 64-bit,
 * matrix power (Fibonacci via 2x2 matrices mod p), and transposition of
 * a non-square matrix. */
#include "rt.h"

#define N 40
static int32_t A[N][N], B[N][N], C1[N][N], C2[N][N], C3[N][N], BT[N][N];

static uint32_t mhash(int32_t m[N][N]) {
	uint32_t h = 0;
	for (int i = 0; i < N; i++) for (int j = 0; j < N; j++) h = h * 16777619u ^ (uint32_t)m[i][j];
	return h;
}

static int64_t det_bareiss(int64_t *m, int n) {
	int64_t prev = 1;
	int sign = 1;
	for (int k = 0; k < n - 1; k++) {
		if (m[k * n + k] == 0) {
			int sw = -1;
			for (int r = k + 1; r < n; r++) if (m[r * n + k]) { sw = r; break; }
			if (sw < 0) return 0;
			for (int c = 0; c < n; c++) { int64_t t = m[k * n + c]; m[k * n + c] = m[sw * n + c]; m[sw * n + c] = t; }
			sign = -sign;
		}
		for (int i = k + 1; i < n; i++)
			for (int j = k + 1; j < n; j++)
				m[i * n + j] = (m[i * n + j] * m[k * n + k] - m[i * n + k] * m[k * n + j]) / prev;
		prev = m[k * n + k];
	}
	return sign * m[(n - 1) * n + n - 1];
}

typedef struct { uint64_t a, b, c, d; } m2;
static m2 m2mul(m2 x, m2 y, uint64_t p) {
	m2 r = {(x.a * y.a + x.b * y.c) % p, (x.a * y.b + x.b * y.d) % p, (x.c * y.a + x.d * y.c) % p, (x.c * y.b + x.d * y.d) % p};
	return r;
}
static uint64_t fib_mod(uint64_t n, uint64_t p) {
	m2 r = {1, 0, 0, 1}, base = {1, 1, 1, 0};
	while (n) { if (n & 1) r = m2mul(r, base, p); base = m2mul(base, base, p); n >>= 1; }
	return r.b;
}

int main(void) {
	uint32_t s = 17;
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) { A[i][j] = (int32_t)(rt_xorshift32(&s) % 201) - 100; B[i][j] = (int32_t)(rt_xorshift32(&s) % 21) - 10; }
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			int32_t acc = 0;
			for (int k = 0; k < N; k++) acc += A[i][k] * B[k][j];
			C1[i][j] = acc;
		}
	for (int i = 0; i < N; i++) for (int j = 0; j < N; j++) BT[j][i] = B[i][j];
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			int32_t acc = 0;
			for (int k = 0; k < N; k++) acc += A[i][k] * BT[j][k];
			C2[i][j] = acc;
		}
	memset(C3, 0, sizeof C3);
	for (int ii = 0; ii < N; ii += 8)
		for (int kk = 0; kk < N; kk += 8)
			for (int jj = 0; jj < N; jj += 8)
				for (int i = ii; i < ii + 8; i++)
					for (int k = kk; k < kk + 8; k++) {
						int32_t a = A[i][k];
						for (int j = jj; j < jj + 8; j++) C3[i][j] += a * B[k][j];
					}
	printf("product hashes: %08x %08x %08x  C[0][0]=%d C[%d][%d]=%d\n", mhash(C1), mhash(C2), mhash(C3), C1[0][0], N - 1, N - 1, C1[N - 1][N - 1]);
	int ok = mhash(C1) == mhash(C2) && mhash(C2) == mhash(C3);
	/* determinants of small matrices */
	for (int n = 2; n <= 8; n++) {
		int64_t m[64];
		for (int i = 0; i < n * n; i++) m[i] = (int64_t)(rt_xorshift32(&s) % 19) - 9;
		int64_t d = det_bareiss(m, n);
		printf("det %dx%d = %lld\n", n, n, d);
	}
	int64_t hilb[16] = {12, 6, 4, 3, 6, 4, 3, 12 / 5, 4, 3, 12 / 5, 2, 3, 12 / 5, 2, 12 / 7};
	printf("det(int-hilbert-ish 4x4) = %lld\n", det_bareiss(hilb, 4));
	int64_t sing[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	printf("det(singular) = %lld\n", det_bareiss(sing, 3));
	printf("fib(10^15) mod 1e9+7 = %llu, fib(90) = %llu\n", fib_mod(1000000000000000ULL, 1000000007ULL), fib_mod(90, 0xffffffffffffffffULL));
	return ok ? 0 : 1;
}
