/* search.c - substring search: naive, KMP, Boyer-Moore-Horspool,
 * Rabin-Karp and Z-algorithm, all counting occurrences in a generated
 * text; results must agree. */
#include "rt.h"

static int naive(const char *t, int n, const char *p, int m) {
	int c = 0;
	for (int i = 0; i + m <= n; i++) {
		int j = 0;
		while (j < m && t[i + j] == p[j]) j++;
		if (j == m) c++;
	}
	return c;
}

static int kmp(const char *t, int n, const char *p, int m) {
	int fail[64];
	fail[0] = -1;
	for (int i = 1, k = -1; i < m; i++) {
		while (k >= 0 && p[k + 1] != p[i]) k = fail[k];
		if (p[k + 1] == p[i]) k++;
		fail[i] = k;
	}
	int c = 0;
	for (int i = 0, k = -1; i < n; i++) {
		while (k >= 0 && p[k + 1] != t[i]) k = fail[k];
		if (p[k + 1] == t[i]) k++;
		if (k == m - 1) { c++; k = fail[k]; }
	}
	return c;
}

static int horspool(const char *t, int n, const char *p, int m) {
	int shift[256];
	for (int i = 0; i < 256; i++) shift[i] = m;
	for (int i = 0; i < m - 1; i++) shift[(unsigned char)p[i]] = m - 1 - i;
	int c = 0;
	for (int i = 0; i + m <= n; i += shift[(unsigned char)t[i + m - 1]]) {
		int j = m - 1;
		while (j >= 0 && t[i + j] == p[j]) j--;
		if (j < 0) c++;
	}
	return c;
}

static int rabin_karp(const char *t, int n, const char *p, int m) {
	const uint32_t B = 257, M = 1000000007u;
	uint32_t hp = 0, ht = 0, pw = 1;
	if (m > n) return 0;
	for (int i = 0; i < m; i++) {
		hp = (uint32_t)(((uint64_t)hp * B + (unsigned char)p[i]) % M);
		ht = (uint32_t)(((uint64_t)ht * B + (unsigned char)t[i]) % M);
		if (i) pw = (uint32_t)((uint64_t)pw * B % M);
	}
	int c = 0;
	for (int i = 0;; i++) {
		if (hp == ht && memcmp(t + i, p, (size_t)m) == 0) c++;
		if (i + m >= n) break;
		/* roll: drop t[i], append t[i+m] */
		uint32_t drop = (uint32_t)((uint64_t)(unsigned char)t[i] * pw % M);
		ht = (ht + M - drop) % M;
		ht = (uint32_t)(((uint64_t)ht * B + (unsigned char)t[i + m]) % M);
	}
	return c;
}

static int zsearch(const char *t, int n, const char *p, int m) {
	int len = n + m + 1;
	char *s = malloc((size_t)len);
	int *z = malloc(sizeof(int) * (size_t)len);
	memcpy(s, p, (size_t)m);
	s[m] = 0;
	memcpy(s + m + 1, t, (size_t)n);
	z[0] = len;
	int l = 0, r = 0, c = 0;
	for (int i = 1; i < len; i++) {
		z[i] = 0;
		if (i < r) z[i] = r - i < z[i - l] ? r - i : z[i - l];
		while (i + z[i] < len && s[z[i]] == s[i + z[i]]) z[i]++;
		if (i + z[i] > r) { l = i; r = i + z[i]; }
		if (i > m && z[i] >= m) c++;
	}
	free(z);
	free(s);
	return c;
}

int main(void) {
	static char text[2500];
	uint32_t s = 99;
	int n = (int)sizeof text - 1;
	for (int i = 0; i < n; i++) {
		uint32_t r = rt_xorshift32(&s);
		text[i] = (char)("abcab"[r % 5]);
		if (r % 97 == 0) text[i] = 'x';
	}
	text[n] = 0;
	static const char *pats[] = {"a", "ab", "abc", "abca", "bcab", "aaaa", "abcabcab", "xa", "cabcabca", "zzz", "bbbbbb"};
	int bad = 0;
	for (int i = 0; i < ARRAY_SIZE(pats); i++) {
		const char *p = pats[i];
		int m = (int)strlen(p);
		int c0 = naive(text, n, p, m), c1 = kmp(text, n, p, m), c2 = horspool(text, n, p, m);
		int c3 = rabin_karp(text, n, p, m), c4 = zsearch(text, n, p, m);
		printf("%-9s naive=%4d kmp=%4d bmh=%4d rk=%4d z=%4d\n", p, c0, c1, c2, c3, c4);
		if (c0 != c1 || c0 != c2 || c0 != c3 || c0 != c4) bad++;
	}
	printf("mismatches: %d\n", bad);
	return bad ? 1 : 0;
}
