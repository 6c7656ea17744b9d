/* recursion.c - Ackermann (small), N-queens (all solutions for n=1..9),
 * Towers of Hanoi, permutations (Heap's algorithm), integer partitions,
 * mutual recursion and a recursive-descent expression evaluator. */
#include "rt.h"

static unsigned long ack_calls;
static unsigned ack(unsigned m, unsigned n) {
	ack_calls++;
	if (m == 0) return n + 1;
	if (n == 0) return ack(m - 1, 1);
	return ack(m - 1, ack(m, n - 1));
}

static int queens(int n, int row, unsigned cols, unsigned d1, unsigned d2) {
	if (row == n) return 1;
	int count = 0;
	unsigned avail = ~(cols | d1 | d2) & ((1u << n) - 1);
	while (avail) {
		unsigned bit = avail & (0u - avail);
		avail ^= bit;
		count += queens(n, row + 1, cols | bit, (d1 | bit) << 1, (d2 | bit) >> 1);
	}
	return count;
}

static unsigned hanoi_moves, hanoi_sig;
static void hanoi(int n, int from, int to, int via) {
	if (!n) return;
	hanoi(n - 1, from, via, to);
	hanoi_moves++;
	hanoi_sig = hanoi_sig * 7 + (unsigned)(from * 3 + to);
	hanoi(n - 1, via, to, from);
}

static unsigned perm_count, perm_sig;
static void heap_perm(int *a, int k, int n) {
	if (k == 1) {
		perm_count++;
		unsigned v = 0;
		for (int i = 0; i < n; i++) v = v * 10 + (unsigned)a[i];
		perm_sig ^= v * 2654435761u;
		if (perm_count <= 6) printf(" %u", v);
		return;
	}
	for (int i = 0; i < k; i++) {
		heap_perm(a, k - 1, n);
		int j = (k & 1) ? 0 : i;
		int t = a[j]; a[j] = a[k - 1]; a[k - 1] = t;
	}
}

static unsigned long long partitions(int n, int max) {
	if (n == 0) return 1;
	if (max == 0) return 0;
	unsigned long long r = partitions(n, max - 1);
	if (max <= n) r += partitions(n - max, max);
	return r;
}

static int is_even(unsigned n);
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }

/* recursive descent: expr := term (('+'|'-') term)*, term := factor (('*'|'/'|'%') factor)*,
 * factor := number | '-' factor | '(' expr ')' */
static const char *pp;
static long expr(void);
static long factor(void) {
	while (*pp == ' ') pp++;
	if (*pp == '-') { pp++; return -factor(); }
	if (*pp == '(') { pp++; long v = expr(); while (*pp == ' ') pp++; if (*pp == ')') pp++; return v; }
	long v = 0;
	while (isdigit(*pp)) v = v * 10 + (*pp++ - '0');
	return v;
}
static long term(void) {
	long v = factor();
	for (;;) {
		while (*pp == ' ') pp++;
		char op = *pp;
		if (op != '*' && op != '/' && op != '%') return v;
		pp++;
		long r = factor();
		v = op == '*' ? v * r : (r == 0 ? 0 : op == '/' ? v / r : v % r);
	}
}
static long expr(void) {
	long v = term();
	for (;;) {
		while (*pp == ' ') pp++;
		char op = *pp;
		if (op != '+' && op != '-') return v;
		pp++;
		long r = term();
		v = op == '+' ? v + r : v - r;
	}
}

int main(void) {
	for (unsigned m = 0; m <= 3; m++)
		for (unsigned n = 0; n <= (m < 3 ? 5u : 4u); n++) {
			ack_calls = 0;
			unsigned r = ack(m, n);
			printf("ack(%u,%u)=%u calls=%lu\n", m, n, r, ack_calls);
		}
	for (int n = 1; n <= 8; n++) printf("queens(%d)=%d\n", n, queens(n, 0, 0, 0, 0));
	hanoi(12, 0, 2, 1);
	printf("hanoi(12): moves=%u sig=%08x\n", hanoi_moves, hanoi_sig);
	int a[7] = {1, 2, 3, 4, 5, 6, 7};
	printf("perms:");
	heap_perm(a, 7, 7);
	printf(" ... count=%u sig=%08x\n", perm_count, perm_sig);
	for (int n = 5; n <= 30; n += 5) printf("p(%d)=%llu\n", n, partitions(n, n));
	printf("is_even(1001)=%d is_odd(777)=%d\n", is_even(1001), is_odd(777));
	static const char *exprs[] = {"1+2*3", "(1+2)*3", "-(4-10)*(3+-2)", "100/7%4+2*(3-(8/2))", "((((((7))))))*6", "2*3*4*5*6*7*8*9 - 1"};
	long total = 0;
	for (int i = 0; i < ARRAY_SIZE(exprs); i++) {
		pp = exprs[i];
		long v = expr();
		total += v;
		printf("%s = %ld\n", exprs[i], v);
	}
	return (int)(total % 100);
}
