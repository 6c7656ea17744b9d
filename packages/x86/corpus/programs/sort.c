/* sort.c - quicksort, merge sort, heap sort, radix sort, insertion sort,
 * shell sort and the runtime's qsort on the same pseudo-random data;
 * each result is verified and checksummed. */
#include "rt.h"

#define N 800

static uint32_t seed = 12345;

static void fill(int *a, int n, int mode) {
	for (int i = 0; i < n; i++) {
		uint32_t r = rt_xorshift32(&seed);
		switch (mode) {
		case 0: a[i] = (int)r; break;                 /* full range, signed */
		case 1: a[i] = (int)(r % 100); break;         /* many duplicates */
		case 2: a[i] = n - i; break;                  /* reversed */
		default: a[i] = i ^ (int)(r & 3); break;      /* nearly sorted */
		}
	}
}

static void quicksort(int *a, int lo, int hi) {
	while (lo < hi) {
		int p = a[lo + (hi - lo) / 2];
		int i = lo, j = hi;
		while (i <= j) {
			while (a[i] < p) i++;
			while (a[j] > p) j--;
			if (i <= j) {
				int t = a[i]; a[i] = a[j]; a[j] = t;
				i++; j--;
			}
		}
		/* recurse into the smaller half */
		if (j - lo < hi - i) {
			quicksort(a, lo, j);
			lo = i;
		} else {
			quicksort(a, i, hi);
			hi = j;
		}
	}
}

static void merge_sort(int *a, int *tmp, int n) {
	if (n < 2) return;
	int h = n / 2;
	merge_sort(a, tmp, h);
	merge_sort(a + h, tmp, n - h);
	int i = 0, j = h, k = 0;
	while (i < h && j < n) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
	while (i < h) tmp[k++] = a[i++];
	while (j < n) tmp[k++] = a[j++];
	memcpy(a, tmp, (size_t)n * sizeof(int));
}

static void sift(int *a, int root, int end) {
	for (;;) {
		int c = 2 * root + 1;
		if (c >= end) return;
		if (c + 1 < end && a[c] < a[c + 1]) c++;
		if (a[root] >= a[c]) return;
		int t = a[root]; a[root] = a[c]; a[c] = t;
		root = c;
	}
}

static void heap_sort(int *a, int n) {
	for (int i = n / 2 - 1; i >= 0; i--) sift(a, i, n);
	for (int e = n - 1; e > 0; e--) {
		int t = a[0]; a[0] = a[e]; a[e] = t;
		sift(a, 0, e);
	}
}

/* LSD radix sort on signed ints: flip the sign bit to sort as unsigned */
static void radix_sort(int *a, int *tmp, int n) {
	uint32_t *u = (uint32_t *)a, *t = (uint32_t *)tmp;
	for (int i = 0; i < n; i++) u[i] ^= 0x80000000u;
	for (int shift = 0; shift < 32; shift += 8) {
		int count[257];
		memset(count, 0, sizeof count);
		for (int i = 0; i < n; i++) count[((u[i] >> shift) & 0xff) + 1]++;
		for (int i = 0; i < 256; i++) count[i + 1] += count[i];
		for (int i = 0; i < n; i++) t[count[(u[i] >> shift) & 0xff]++] = u[i];
		uint32_t *s = u; u = t; t = s;
	}
	/* 4 passes: data is back in a */
	for (int i = 0; i < n; i++) ((uint32_t *)a)[i] ^= 0x80000000u;
}

static void insertion_sort(int *a, int n) {
	for (int i = 1; i < n; i++) {
		int v = a[i], j = i - 1;
		while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j--; }
		a[j + 1] = v;
	}
}

static void shell_sort(int *a, int n) {
	static const int gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
	for (int g = 0; g < ARRAY_SIZE(gaps); g++) {
		int gap = gaps[g];
		for (int i = gap; i < n; i++) {
			int v = a[i], j = i;
			while (j >= gap && a[j - gap] > v) { a[j] = a[j - gap]; j -= gap; }
			a[j] = v;
		}
	}
}

static int cmp_int(const void *x, const void *y) {
	int a = *(const int *)x, b = *(const int *)y;
	return (a > b) - (a < b);
}

static uint32_t checksum(const int *a, int n) {
	uint32_t h = 2166136261u;
	for (int i = 0; i < n; i++) { h ^= (uint32_t)a[i]; h *= 16777619u; }
	return h;
}

static int is_sorted(const int *a, int n) {
	for (int i = 1; i < n; i++) if (a[i - 1] > a[i]) return 0;
	return 1;
}

int main(void) {
	static int orig[N], a[N], tmp[N];
	static const char *names[] = {"quick", "merge", "heap", "radix", "insertion", "shell", "qsort"};
	int failures = 0;
	for (int mode = 0; mode < 4; mode++) {
		int n = mode == 0 ? N : N / 3;
		fill(orig, n, mode);
		uint32_t ref = 0;
		for (int alg = 0; alg < 7; alg++) {
			memcpy(a, orig, sizeof(int) * (size_t)n);
			switch (alg) {
			case 0: quicksort(a, 0, n - 1); break;
			case 1: merge_sort(a, tmp, n); break;
			case 2: heap_sort(a, n); break;
			case 3: radix_sort(a, tmp, n); break;
			case 4: insertion_sort(a, n); break;
			case 5: shell_sort(a, n); break;
			case 6: qsort(a, (size_t)n, sizeof(int), cmp_int); break;
			}
			uint32_t h = checksum(a, n);
			int ok = is_sorted(a, n);
			if (alg == 0) ref = h;
			if (!ok || h != ref) failures++;
			printf("mode %d %-9s n=%4d sorted=%d min=%d max=%d median=%d hash=%08x\n",
			       mode, names[alg], n, ok, a[0], a[n - 1], a[n / 2], h);
		}
	}
	printf("failures: %d\n", failures);
	return failures ? 1 : 0;
}
