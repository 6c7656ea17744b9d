/* bench-sort.c - CPU-bound benchmark: repeatedly sorts 100k pseudo-random
 * integers with introsort-style quicksort and bottom-up merge sort, and
 * binary-searches the result. Memory- and branch-heavy. */
#include "rt.h"

#define N 100000

static void isort(int *a, int n) {
	for (int i = 1; i < n; i++) { int v = a[i], j = i - 1; while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j--; } a[j + 1] = v; }
}
static void qsort_int(int *a, int n) {
	while (n > 16) {
		int m = n / 2, x = a[0], y = a[m], z = a[n - 1];
		int p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
		int i = 0, j = n - 1;
		for (;;) {
			while (a[i] < p) i++;
			while (a[j] > p) j--;
			if (i >= j) break;
			int t = a[i]; a[i] = a[j]; a[j] = t;
			i++; j--;
		}
		if (j + 1 < n - j - 1) { qsort_int(a, j + 1); a += j + 1; n -= j + 1; }
		else { qsort_int(a + j + 1, n - j - 1); n = j + 1; }
	}
	isort(a, n);
}
static void msort(int *a, int *tmp, int n) {
	for (int w = 1; w < n; w *= 2) {
		for (int lo = 0; lo < n; lo += 2 * w) {
			int mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			int i = lo, j = mid, k = lo;
			while (i < mid && j < hi) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
			while (i < mid) tmp[k++] = a[i++];
			while (j < hi) tmp[k++] = a[j++];
		}
		int *t = a; a = tmp; tmp = t;
		memcpy(tmp, a, sizeof(int) * (size_t)n);
	}
}

int main(void) {
	static int a[N], b[N], tmp[N];
	uint32_t s = 99, sig = 0;
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < N; i++) a[i] = (int)(rt_xorshift32(&s) >> (round * 4));
		memcpy(b, a, sizeof a);
		qsort_int(a, N);
		msort(b, tmp, N);
		int found = 0;
		for (int q = 0; q < 50000; q++) {
			int key = (int)(rt_xorshift32(&s) >> (round * 4)), lo = 0, hi = N;
			while (lo < hi) { int mid = (lo + hi) >> 1; if (a[mid] < key) lo = mid + 1; else hi = mid; }
			found += lo < N && a[lo] == key;
		}
		int same = memcmp(a, b, sizeof a) == 0 || memcmp(a, tmp, sizeof a) == 0;
		sig = sig * 31 + (uint32_t)a[N / 2] + (uint32_t)found;
		printf("round %d: min=%d median=%d max=%d found=%d agree=%d\n", round, a[0], a[N / 2], a[N - 1], found, same);
	}
	printf("sig=%08x\n", sig);
	return 0;
}
