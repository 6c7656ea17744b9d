/* switch.c - large dense switch statements (jump tables), sparse switches
 * (compare trees), switches on char/short/negative ranges, fall-through,
 * and a switch-driven opcode decoder. */
#include "rt.h"

static int dense(int x) {
	switch (x) {
	case 0: return 11; case 1: return 23; case 2: return 5; case 3: return 77;
	case 4: return 31; case 5: return 64; case 6: return 2; case 7: return 90;
	case 8: return 13; case 9: return 44; case 10: return 55; case 11: return 66;
	case 12: return 8; case 13: return 19; case 14: return 27; case 15: return 36;
	case 16: return 41; case 17: return 52; case 18: return 63; case 19: return 74;
	case 20: return 85; case 21: return 96; case 22: return 7; case 23: return 18;
	case 24: return 29; case 25: return 30; case 26: return 1; case 27: return 12;
	case 28: return 123; case 29: return 234; case 30: return 345; case 31: return 456;
	default: return -1;
	}
}

static const char *month(int m) {
	switch (m) {
	case 1: return "Jan"; case 2: return "Feb"; case 3: return "Mar"; case 4: return "Apr";
	case 5: return "May"; case 6: return "Jun"; case 7: return "Jul"; case 8: return "Aug";
	case 9: return "Sep"; case 10: return "Oct"; case 11: return "Nov"; case 12: return "Dec";
	}
	return "???";
}

static int sparse(unsigned x) {
	switch (x) {
	case 1: return 1; case 10: return 2; case 100: return 3; case 1000: return 4;
	case 10000: return 5; case 100000: return 6; case 1000000: return 7;
	case 0xdeadbeef: return 8; case 0x80000000u: return 9; case 0xffffffffu: return 10;
	case 4096: return 11; case 65536: return 12; case 12345: return 13;
	default: return 0;
	}
}

static int negrange(int x) {
	switch (x) {
	case -8: case -7: return 1;
	case -6: return 2;
	case -5: case -4: case -3: return 3;
	case -2: return 4;
	case -1: return 5;
	case 0: return 6;
	case 1: case 2: return 7;
	case 3: return 8;
	case 4: case 5: case 6: case 7: return 9;
	default: return 0;
	}
}

static int charclass(unsigned char c) {
	int r = 0;
	switch (c) {
	case 'a': case 'e': case 'i': case 'o': case 'u': r += 100; /* fall through */
	case 'b': case 'c': case 'd': case 'f': case 'g': case 'h': r += 10; break;
	case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
		r = c - '0';
		break;
	case ' ': case '\t': case '\n': r = -1; break;
	case 0x80: case 0xff: r = -2; break;
	default: r = 1000;
	}
	return r;
}

static int shortswitch(short s) {
	switch (s) {
	case -32768: return 1;
	case -1: return 2;
	case 0: return 3;
	case 32767: return 4;
	case 255: return 5;
	case 256: return 6;
	case 257: return 7;
	case 258: return 8;
	case 259: return 9;
	case 260: return 10;
	case 261: return 11;
	default: return 0;
	}
}

/* Duff's device */
static void duff_copy(char *to, const char *from, int count) {
	int n = (count + 7) / 8;
	if (!count) return;
	switch (count % 8) {
	case 0: do { *to++ = *from++; /* fall through */
	case 7: *to++ = *from++; /* fall through */
	case 6: *to++ = *from++; /* fall through */
	case 5: *to++ = *from++; /* fall through */
	case 4: *to++ = *from++; /* fall through */
	case 3: *to++ = *from++; /* fall through */
	case 2: *to++ = *from++; /* fall through */
	case 1: *to++ = *from++;
		} while (--n > 0);
	}
}

/* a switch-based interpreter for a register machine with 16 opcodes */
static int run(const uint8_t *code, int n) {
	int r[4] = {0, 0, 0, 0}, pc = 0, steps = 0;
	while (pc < n && steps < 100000) {
		uint8_t ins = code[pc++];
		int op = ins >> 4, a = (ins >> 2) & 3, b = ins & 3;
		steps++;
		switch (op) {
		case 0x0: r[a] = r[b]; break;
		case 0x1: r[a] += r[b]; break;
		case 0x2: r[a] -= r[b]; break;
		case 0x3: r[a] *= r[b]; break;
		case 0x4: r[a] = (int8_t)code[pc++]; break;
		case 0x5: r[a] = r[a] << (r[b] & 15); break;
		case 0x6: r[a] ^= r[b]; break;
		case 0x7: r[a] &= r[b]; break;
		case 0x8: r[a]++; break;
		case 0x9: r[a]--; break;
		case 0xa: if (r[a]) pc += (int8_t)code[pc]; else pc++; break;
		case 0xb: if (!r[a]) pc += (int8_t)code[pc]; else pc++; break;
		case 0xc: r[a] = r[a] < r[b]; break;
		case 0xd: r[a] = -r[a]; break;
		case 0xe: r[a] = r[a] >> 1; break;
		case 0xf: return r[a];
		}
	}
	return -999;
}

int main(void) {
	unsigned sum = 0;
	for (int i = -3; i < 36; i++) sum = sum * 3 + (unsigned)dense(i);
	printf("dense sum=%u\n", sum);
	for (int m = 0; m <= 13; m++) printf("%s%c", month(m), m == 13 ? '\n' : ' ');
	static const unsigned sp[] = {0, 1, 10, 11, 100, 1000, 10000, 100000, 1000000, 0xdeadbeef, 0x80000000u, 0xffffffffu, 4096, 65536, 12345, 77};
	for (int i = 0; i < ARRAY_SIZE(sp); i++) printf("%d", sparse(sp[i]));
	printf("\n");
	for (int i = -10; i <= 10; i++) printf("%d", negrange(i));
	printf("\n");
	const char *txt = "hello world 42\tabc\x80\xff!";
	unsigned cs = 0;
	for (const char *p = txt; *p; p++) cs = cs * 7 + (unsigned)charclass((unsigned char)*p);
	printf("charclass cs=%u\n", cs);
	static const short ss[] = {-32768, -1, 0, 32767, 255, 256, 257, 258, 259, 260, 261, 262, 1000};
	for (int i = 0; i < ARRAY_SIZE(ss); i++) printf("%d ", shortswitch(ss[i]));
	printf("\n");
	char dst[40];
	for (int len = 0; len <= 17; len += 1) {
		memset(dst, '.', sizeof dst);
		duff_copy(dst, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", len);
		dst[20] = 0;
		if (len % 4 == 1) printf("duff %2d: %s\n", len, dst);
	}
	/* program: r0 = 10; r1 = 1; r2 = 0; loop: r2 += r1; r1 *= 2... computes sum of powers */
	static const uint8_t prog[] = {
		0x40, 10,        /* r0 = 10 */
		0x44, 1,         /* r1 = 1 */
		0x48, 0,         /* r2 = 0 */
		0x19,            /* r2 += r1   (op1 a=2 b=1) */
		0x15,            /* r1 += r1 */
		0x90,            /* r0-- */
		0xa0, (uint8_t)-4, /* if r0 jump back to r2 += r1 */
		0xf8,            /* return r2 */
	};
	int res = run(prog, sizeof prog);
	printf("vm result=%d\n", res);
	return res % 100;
}
