/* fixedpoint.c - fixed-point arithmetic (Q16.16 and Q2.30) instead of
 * floating point: Mandelbrot set as ASCII art, CORDIC sine/cosine, integer
 * square root (Newton), and a fixed-point exponential via series. */
#include "rt.h"

typedef int32_t q16;
#define Q16(x) ((q16)((x) * 65536))
#define QF(num, den) ((q16)((int64_t)(num) * 65536 / (den))) /* num/den without floating point */
static q16 qmul(q16 a, q16 b) { return (q16)(((int64_t)a * b) >> 16); }
static q16 qdiv(q16 a, q16 b) { return (q16)(((int64_t)a << 16) / b); }

static int mandel(q16 cr, q16 ci, int maxit) {
	q16 zr = 0, zi = 0;
	for (int i = 0; i < maxit; i++) {
		q16 zr2 = qmul(zr, zr), zi2 = qmul(zi, zi);
		if (zr2 + zi2 > Q16(4)) return i;
		zi = qmul(2 * zr, zi) + ci;
		zr = zr2 - zi2 + cr;
	}
	return maxit;
}

/* CORDIC in Q2.30, angles in Q2.30 radians */
static const int32_t atan_tab[24] = {
	843314857, 497837829, 263043837, 133525159, 67021687, 33543516, 16775851, 8388437, 4194283, 2097149, 1048576, 524288,
	262144,    131072,    65536,     32768,     16384,    8192,     4096,     2048,    1024,    512,     256,     128};
static void cordic(int32_t theta, int32_t *s, int32_t *c) {
	int32_t x = 652032874, y = 0, z = theta; /* x = K = 0.607252935 in Q2.30 */
	for (int i = 0; i < 24; i++) {
		int32_t dx = y >> i, dy = x >> i;
		if (z >= 0) { x -= dx; y += dy; z -= atan_tab[i]; }
		else { x += dx; y -= dy; z += atan_tab[i]; }
	}
	*c = x; *s = y;
}

static uint32_t isqrt32(uint32_t n) {
	if (n < 2) return n;
	uint32_t x = n / 2 + 1, y = (x + n / x) / 2;
	while (y < x) { x = y; y = (x + n / x) / 2; }
	return x;
}

static q16 qexp(q16 x) { /* e^x for small |x| via Taylor series */
	q16 term = Q16(1), sum = Q16(1);
	for (int n = 1; n < 20; n++) { term = qdiv(qmul(term, x), Q16(n)); sum += term; if (!term) break; }
	return sum;
}

static void print_q16(const char *label, q16 v) {
	int neg = v < 0;
	uint32_t u = neg ? (uint32_t)-v : (uint32_t)v;
	printf("%s%s%u.%05u", label, neg ? "-" : "", u >> 16, (uint32_t)(((uint64_t)(u & 0xffff) * 100000) >> 16));
}

int main(void) {
	static const char shades[] = " .:-=+*#%@";
	uint32_t total = 0;
	for (int row = 0; row < 24; row++) {
		char line[65];
		q16 ci = QF(-12, 10) + row * (QF(24, 10) / 23);
		for (int col = 0; col < 64; col++) {
			q16 cr = QF(-21, 10) + col * (QF(28, 10) / 63);
			int it = mandel(cr, ci, 64);
			total += (uint32_t)it;
			line[col] = shades[it >= 64 ? 9 : it % 9];
		}
		line[64] = 0;
		printf("|%s|\n", line);
	}
	printf("total iterations %u\n", total);
	/* CORDIC table of sin/cos in degrees */
	for (int deg = -90; deg <= 90; deg += 15) {
		int32_t theta = (int32_t)((int64_t)deg * 1686629713 / 90); /* pi/2 = 1686629713 in Q2.30 */
		int32_t s, c;
		cordic(theta, &s, &c);
		printf("deg %4d: sin=%11d cos=%11d (Q2.30)", deg, s, c);
		print_q16("  sin~", s >> 14);
		print_q16(" cos~", c >> 14);
		printf("\n");
	}
	printf("isqrt: %u %u %u %u\n", isqrt32(0), isqrt32(99), isqrt32(1u << 31), isqrt32(0xffffffffu));
	print_q16("e^1 ~ ", qexp(Q16(1))); print_q16("  e^-2 ~ ", qexp(Q16(-2))); print_q16("  e^0.5 ~ ", qexp(QF(1, 2)));
	printf("\n");
	print_q16("22/7 = ", qdiv(Q16(22), Q16(7))); print_q16("  -1/3 = ", qdiv(Q16(-1), Q16(3)));
	printf("\n");
	return (int)(total % 100);
}
