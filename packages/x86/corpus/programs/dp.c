/* dp.c - dynamic programming: longest common subsequence (with
 * reconstruction), edit distance, 0/1 knapsack, longest increasing
 * subsequence (patience), coin change counting in 64-bit, and matrix-chain
 * multiplication order. */
#include "rt.h"

static int lcs(const char *a, const char *b, char *out) {
	int n = (int)strlen(a), m = (int)strlen(b);
	static short t[64][64];
	for (int i = 0; i <= n; i++)
		for (int j = 0; j <= m; j++)
			t[i][j] = (short)(i == 0 || j == 0 ? 0 : a[i - 1] == b[j - 1] ? t[i - 1][j - 1] + 1 : t[i - 1][j] > t[i][j - 1] ? t[i - 1][j] : t[i][j - 1]);
	int k = t[n][m];
	out[k] = 0;
	for (int i = n, j = m; i && j;) {
		if (a[i - 1] == b[j - 1]) { out[--k] = a[i - 1]; i--; j--; }
		else if (t[i - 1][j] >= t[i][j - 1]) i--;
		else j--;
	}
	return t[n][m];
}

static int edit(const char *a, const char *b) {
	int n = (int)strlen(a), m = (int)strlen(b);
	int prev[64], cur[64];
	for (int j = 0; j <= m; j++) prev[j] = j;
	for (int i = 1; i <= n; i++) {
		cur[0] = i;
		for (int j = 1; j <= m; j++) {
			int c = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1 < c) c = prev[j] + 1;
			if (cur[j - 1] + 1 < c) c = cur[j - 1] + 1;
			cur[j] = c;
		}
		memcpy(prev, cur, sizeof(int) * (size_t)(m + 1));
	}
	return prev[m];
}

static int knapsack(const int *w, const int *v, int n, int cap, int *chosen) {
	static int best[32][1001];
	for (int c = 0; c <= cap; c++) best[0][c] = 0;
	for (int i = 1; i <= n; i++)
		for (int c = 0; c <= cap; c++) {
			best[i][c] = best[i - 1][c];
			if (w[i - 1] <= c && best[i - 1][c - w[i - 1]] + v[i - 1] > best[i][c]) best[i][c] = best[i - 1][c - w[i - 1]] + v[i - 1];
		}
	*chosen = 0;
	for (int i = n, c = cap; i > 0; i--)
		if (best[i][c] != best[i - 1][c]) { *chosen |= 1 << (i - 1); c -= w[i - 1]; }
	return best[n][cap];
}

static int lis(const int *a, int n) {
	int tails[512], len = 0;
	for (int i = 0; i < n; i++) {
		int lo = 0, hi = len;
		while (lo < hi) { int mid = (lo + hi) / 2; if (tails[mid] < a[i]) lo = mid + 1; else hi = mid; }
		tails[lo] = a[i];
		if (lo == len) len++;
	}
	return len;
}

int main(void) {
	static const char *pairs[][2] = {{"AGGTAB", "GXTXAYB"}, {"kitten", "sitting"}, {"intention", "execution"},
					 {"the quick brown fox", "a quick brown dog jumps"}, {"", "abc"}, {"abcdefghij", "jihgfedcba"}};
	for (int i = 0; i < ARRAY_SIZE(pairs); i++) {
		char out[64];
		int l = lcs(pairs[i][0], pairs[i][1], out);
		printf("\"%s\" vs \"%s\": lcs=%d \"%s\" edit=%d\n", pairs[i][0], pairs[i][1], l, out, edit(pairs[i][0], pairs[i][1]));
	}
	int w[20], v[20], chosen;
	uint32_t s = 3;
	for (int i = 0; i < 20; i++) { w[i] = 10 + (int)(rt_xorshift32(&s) % 90); v[i] = 5 + (int)(rt_xorshift32(&s) % 100); }
	int kv = knapsack(w, v, 20, 500, &chosen);
	printf("knapsack(20 items, cap 500) = %d, chosen mask=%05x\n", kv, chosen);
	int a[500];
	for (int i = 0; i < 500; i++) a[i] = (int)(rt_xorshift32(&s) % 10000);
	printf("LIS of 500 random = %d\n", lis(a, 500));
	/* ways to make change, 64-bit */
	static const int coins[] = {1, 2, 5, 10, 20, 50, 100, 200};
	static uint64_t ways[10001];
	memset(ways, 0, sizeof ways);
	ways[0] = 1;
	for (int c = 0; c < ARRAY_SIZE(coins); c++)
		for (int x = coins[c]; x <= 10000; x++) ways[x] += ways[x - coins[c]];
	printf("change ways: 200 -> %llu, 10000 -> %llu\n", ways[200], ways[10000]);
	/* matrix chain */
	static const int dims[] = {30, 35, 15, 5, 10, 20, 25, 40, 12};
	int n = ARRAY_SIZE(dims) - 1;
	static long long mc[16][16];
	for (int len = 2; len <= n; len++)
		for (int i = 0; i + len - 1 < n; i++) {
			int j = i + len - 1;
			mc[i][j] = INT64_MAX;
			for (int k = i; k < j; k++) {
				long long c = mc[i][k] + mc[k + 1][j] + (long long)dims[i] * dims[k + 1] * dims[j + 1];
				if (c < mc[i][j]) mc[i][j] = c;
			}
		}
	printf("matrix chain cost = %lld\n", mc[0][n - 1]);
	return kv % 100;
}
