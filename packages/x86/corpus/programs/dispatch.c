/* dispatch.c - function pointers: operation tables, callbacks, a tiny
 * "vtable" object system, a state machine driven by a table of handlers,
 * and indirect calls through struct members and arrays. */
#include "rt.h"

typedef int (*binop)(int, int);
static int op_add(int a, int b) { return (int)((unsigned)a + (unsigned)b); }
static int op_sub(int a, int b) { return (int)((unsigned)a - (unsigned)b); }
static int op_mul(int a, int b) { return (int)((unsigned)a * (unsigned)b); }
static int op_div(int a, int b) { return b ? a / b : 0; }
static int op_mod(int a, int b) { return b ? a % b : 0; }
static int op_and(int a, int b) { return a & b; }
static int op_or(int a, int b) { return a | b; }
static int op_xor(int a, int b) { return a ^ b; }
static int op_shl(int a, int b) { return (int)((unsigned)a << (b & 31)); }
static int op_sar(int a, int b) { return a >> (b & 31); }
static int op_min(int a, int b) { return a < b ? a : b; }
static int op_max(int a, int b) { return a > b ? a : b; }

static const struct { char sym; binop fn; } ops[] = {
	{'+', op_add}, {'-', op_sub}, {'*', op_mul}, {'/', op_div}, {'%', op_mod}, {'&', op_and},
	{'|', op_or}, {'^', op_xor}, {'<', op_shl}, {'>', op_sar}, {'m', op_min}, {'M', op_max},
};

/* objects with vtables */
struct shape;
typedef struct { const char *name; int (*area2)(const struct shape *); int (*perim)(const struct shape *); } vtable;
typedef struct shape { const vtable *vt; int a, b, c; } shape;
static int rect_area2(const shape *s) { return 2 * s->a * s->b; }
static int rect_perim(const shape *s) { return 2 * (s->a + s->b); }
static int tri_area2(const shape *s) { return s->a * s->b; } /* right triangle legs a,b */
static int tri_perim(const shape *s) { return s->a + s->b + s->c; }
static int sq_area2(const shape *s) { return 2 * s->a * s->a; }
static int sq_perim(const shape *s) { return 4 * s->a; }
static const vtable rect_vt = {"rect", rect_area2, rect_perim};
static const vtable tri_vt = {"tri", tri_area2, tri_perim};
static const vtable sq_vt = {"square", sq_area2, sq_perim};

/* higher-order helpers */
static int fold(const int *a, int n, int init, binop f) { for (int i = 0; i < n; i++) init = f(init, a[i]); return init; }
static void map(int *a, int n, int (*f)(int)) { for (int i = 0; i < n; i++) a[i] = f(a[i]); }
static int sq(int x) { return x * x; }
static int neg(int x) { return -x; }
static int collatz_len(int x) { int n = 0; while (x != 1) { x = x & 1 ? 3 * x + 1 : x / 2; n++; } return n; }

/* table-driven state machine: parse signed integers and identifiers */
enum { S_START, S_NUM, S_IDENT, S_SIGN, NSTATES };
typedef int (*handler)(char c, int *acc);
static int tokens_num, tokens_ident, errors;
static int h_start(char c, int *acc) {
	if (isdigit(c)) { *acc = c - '0'; return S_NUM; }
	if (isalpha(c) || c == '_') { *acc = 1; return S_IDENT; }
	if (c == '-') { *acc = 0; return S_SIGN; }
	if (c != ' ') errors++;
	return S_START;
}
static int h_num(char c, int *acc) {
	if (isdigit(c)) { *acc = *acc * 10 + (c - '0'); return S_NUM; }
	tokens_num++;
	printf("num(%d) ", *acc);
	return h_start(c, acc);
}
static int h_ident(char c, int *acc) {
	if (isalnum(c) || c == '_') { (*acc)++; return S_IDENT; }
	tokens_ident++;
	printf("ident(len %d) ", *acc);
	return h_start(c, acc);
}
static int h_sign(char c, int *acc) {
	if (isdigit(c)) { int v = c - '0'; int st = S_NUM; *acc = -v;
		/* negative numbers accumulate downwards */
		return st; }
	errors++;
	return h_start(c, acc);
}
static const handler machine[NSTATES] = {h_start, h_num, h_ident, h_sign};

int main(void) {
	unsigned checksum = 0;
	static const int xs[] = {7, -13, 100, 0x7fffffff, -2147483647 - 1, 3, 31};
	for (int i = 0; i < ARRAY_SIZE(ops); i++) {
		printf("%c:", ops[i].sym);
		for (int j = 0; j + 1 < ARRAY_SIZE(xs); j++) {
			int r = ops[i].fn(xs[j], xs[j + 1] == -2147483647 - 1 && (ops[i].sym == '/' || ops[i].sym == '%') ? 5 : xs[j + 1]);
			printf(" %d", r);
			checksum = checksum * 31 + (unsigned)r;
		}
		printf("\n");
	}
	shape shapes[] = {{&rect_vt, 3, 4, 0}, {&tri_vt, 3, 4, 5}, {&sq_vt, 7, 0, 0}, {&rect_vt, 10, 1, 0}, {&tri_vt, 5, 12, 13}};
	for (int i = 0; i < ARRAY_SIZE(shapes); i++) {
		const shape *s = &shapes[i];
		printf("%-6s area*2=%d perimeter=%d\n", s->vt->name, s->vt->area2(s), s->vt->perim(s));
	}
	int arr[10];
	for (int i = 0; i < 10; i++) arr[i] = i - 4;
	map(arr, 10, sq);
	printf("sum of squares=%d product-ish=%d max=%d\n", fold(arr, 10, 0, op_add), fold(arr, 10, 1, op_xor), fold(arr, 10, -999, op_max));
	map(arr, 10, neg);
	printf("after neg min=%d\n", fold(arr, 10, 999, op_min));
	int (*pick[2])(int) = {collatz_len, sq};
	int best = 0, arg = 0;
	for (int i = 1; i < 3000; i++) { int l = pick[0](i) + pick[1](0); if (l > best) { best = l; arg = i; } }
	printf("longest collatz below 3000: %d (%d steps)\n", arg, best);

	const char *input = "foo 123 bar_9 -42 x 7 -y 99999 end";
	int state = S_START, acc = 0;
	for (const char *p = input;; p++) {
		char c = *p ? *p : ' ';
		if (state == S_NUM && acc < 0 && isdigit(c)) { acc = acc * 10 - (c - '0'); }
		else state = machine[state](c, &acc);
		if (!*p) break;
	}
	printf("\nnums=%d idents=%d errors=%d checksum=%u\n", tokens_num, tokens_ident, errors, checksum);
	return tokens_num + tokens_ident;
}
