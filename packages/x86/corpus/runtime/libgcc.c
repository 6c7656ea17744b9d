/*
 * libgcc.c - the libgcc helper routines gcc -m32 may call, implemented in
 * freestanding C (there is no 32-bit libgcc on the build machine).
 *
 * 64-bit division is done with 32-bit `divl` steps (inline asm) where the
 * divisor fits in 32 bits and with a normalised shift-subtract loop
 * otherwise; none of these functions may use 64/64 division themselves.
 */
#include "rt.h"

typedef unsigned long long u64;
typedef long long s64;
typedef unsigned u32;

/* 64-bit by 32-bit divide, requires hi < d (quotient fits in 32 bits). */
static inline u32 divl(u32 hi, u32 lo, u32 d, u32 *rem) {
	u32 q, r;
	__asm__("divl %4" : "=a"(q), "=d"(r) : "0"(lo), "1"(hi), "rm"(d) : "cc");
	*rem = r;
	return q;
}

static u32 clz32(u32 x) {
	/* x != 0 */
	u32 n = 0;
	if (!(x & 0xffff0000u)) {
		n += 16;
		x <<= 16;
	}
	if (!(x & 0xff000000u)) {
		n += 8;
		x <<= 8;
	}
	if (!(x & 0xf0000000u)) {
		n += 4;
		x <<= 4;
	}
	if (!(x & 0xc0000000u)) {
		n += 2;
		x <<= 2;
	}
	if (!(x & 0x80000000u))
		n += 1;
	return n;
}

static void div_by_zero(void) {
	/* match the behaviour of a real divide error as closely as a
	 * freestanding program can: report and exit with SIGFPE-like status */
	static const char msg[] = "libgcc: 64-bit division by zero\n";
	fflush_stdout();
	sys_write(2, msg, sizeof msg - 1);
	sys_exit(136);
}

u64 __udivmoddi4(u64 n, u64 d, u64 *rp) {
	u32 nh = (u32)(n >> 32), nl = (u32)n;
	u32 dh = (u32)(d >> 32), dl = (u32)d;
	u64 q;
	u64 r;
	if (dh == 0) {
		if (dl == 0)
			div_by_zero();
		u32 rem;
		if (nh < dl) {
			q = divl(nh, nl, dl, &rem);
		} else {
			u32 qh = divl(0, nh, dl, &rem);
			u32 ql = divl(rem, nl, dl, &rem);
			q = ((u64)qh << 32) | ql;
		}
		r = rem;
	} else if (dh > nh || (dh == nh && dl > nl)) {
		q = 0;
		r = n;
	} else {
		/* divisor >= 2^32: quotient < 2^32; shift-subtract */
		u32 s = clz32(dh) - clz32(nh); /* 0..31 */
		u64 dd = d << s;
		u32 qq = 0;
		r = n;
		for (;;) {
			qq <<= 1;
			if (r >= dd) {
				r -= dd;
				qq |= 1;
			}
			if (s == 0)
				break;
			s--;
			dd >>= 1;
		}
		q = qq;
	}
	if (rp)
		*rp = r;
	return q;
}

u64 __udivdi3(u64 n, u64 d) { return __udivmoddi4(n, d, NULL); }

u64 __umoddi3(u64 n, u64 d) {
	u64 r;
	__udivmoddi4(n, d, &r);
	return r;
}

s64 __divmoddi4(s64 a, s64 b, s64 *rp) {
	int qneg = 0, rneg = 0;
	u64 ua = (u64)a, ub = (u64)b, r;
	if (a < 0) {
		ua = 0 - ua;
		qneg = 1;
		rneg = 1;
	}
	if (b < 0) {
		ub = 0 - ub;
		qneg ^= 1;
	}
	u64 q = __udivmoddi4(ua, ub, &r);
	if (rp)
		*rp = rneg ? (s64)(0 - r) : (s64)r;
	return qneg ? (s64)(0 - q) : (s64)q;
}

s64 __divdi3(s64 a, s64 b) { return __divmoddi4(a, b, NULL); }

s64 __moddi3(s64 a, s64 b) {
	s64 r;
	__divmoddi4(a, b, &r);
	return r;
}

/* shifts and multiply: gcc normally inlines these on i386, but keep them
 * available for -O0 corner cases */
s64 __ashldi3(s64 a, int b) {
	u64 x = (u64)a;
	u32 lo = (u32)x, hi = (u32)(x >> 32);
	if (b & 32) {
		hi = lo << (b & 31);
		lo = 0;
	} else if (b) {
		hi = (hi << b) | (lo >> (32 - b));
		lo <<= b;
	}
	return (s64)(((u64)hi << 32) | lo);
}

u64 __lshrdi3(u64 a, int b) {
	u32 lo = (u32)a, hi = (u32)(a >> 32);
	if (b & 32) {
		lo = hi >> (b & 31);
		hi = 0;
	} else if (b) {
		lo = (lo >> b) | (hi << (32 - b));
		hi >>= b;
	}
	return ((u64)hi << 32) | lo;
}

s64 __ashrdi3(s64 a, int b) {
	u64 x = (u64)a;
	u32 lo = (u32)x;
	int hi = (int)(x >> 32);
	if (b & 32) {
		lo = (u32)(hi >> (b & 31));
		hi = hi >> 31;
	} else if (b) {
		lo = (lo >> b) | ((u32)hi << (32 - b));
		hi >>= b;
	}
	return (s64)(((u64)(u32)hi << 32) | lo);
}

s64 __muldi3(s64 a, s64 b) {
	u64 x = (u64)a, y = (u64)b;
	u32 xl = (u32)x, xh = (u32)(x >> 32), yl = (u32)y, yh = (u32)(y >> 32);
	u64 r = (u64)xl * yl; /* mull */
	r += (u64)(xl * yh + xh * yl) << 32;
	return (s64)r;
}

s64 __negdi2(s64 a) { return (s64)(0 - (u64)a); }

int __cmpdi2(s64 a, s64 b) { return a < b ? 0 : a > b ? 2 : 1; }
int __ucmpdi2(u64 a, u64 b) { return a < b ? 0 : a > b ? 2 : 1; }

/* bit-counting helpers (used by __builtin_popcount/parity/clz/ctz/ffs) */
int __popcountsi2(u32 x) {
	x = x - ((x >> 1) & 0x55555555u);
	x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
	x = (x + (x >> 4)) & 0x0f0f0f0fu;
	return (int)((x * 0x01010101u) >> 24);
}

int __popcountdi2(u64 x) { return __popcountsi2((u32)x) + __popcountsi2((u32)(x >> 32)); }

int __paritysi2(u32 x) { return __popcountsi2(x) & 1; }
int __paritydi2(u64 x) { return __paritysi2((u32)x ^ (u32)(x >> 32)); }

int __clzsi2(u32 x) { return x ? (int)clz32(x) : 32; }

int __ctzsi2(u32 x) {
	int n = 0;
	if (!x)
		return 32;
	while (!(x & 1)) {
		x >>= 1;
		n++;
	}
	return n;
}

int __clzdi2(u64 x) {
	u32 hi = (u32)(x >> 32);
	return hi ? __clzsi2(hi) : 32 + __clzsi2((u32)x);
}

int __ctzdi2(u64 x) {
	u32 lo = (u32)x;
	return lo ? __ctzsi2(lo) : 32 + __ctzsi2((u32)(x >> 32));
}

int __ffssi2(u32 x) { return x ? __ctzsi2(x) + 1 : 0; }
int __ffsdi2(u64 x) { return x ? __ctzdi2(x) + 1 : 0; }

u32 __bswapsi2(u32 x) {
	return (x >> 24) | ((x >> 8) & 0xff00u) | ((x << 8) & 0xff0000u) | (x << 24);
}

u64 __bswapdi2(u64 x) {
	return ((u64)__bswapsi2((u32)x) << 32) | __bswapsi2((u32)(x >> 32));
}
