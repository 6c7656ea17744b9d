/* bench-mandel.c - CPU-bound benchmark: fixed-point (Q4.28 with 64-bit
 * products) Mandelbrot set over a 320x200 grid, up to 256 iterations per
 * point; multiply- and shift-heavy (imul/mul, shrd). */
#include "rt.h"

typedef int32_t fx;
#define FRAC 24
static inline fx fxmul(fx a, fx b) { return (fx)(((int64_t)a * b) >> FRAC); }

int main(void) {
	const int W = 320, H = 200, MAXIT = 256;
	const fx x0 = -(2 << FRAC) - (1 << FRAC) / 2, y0 = -(1 << FRAC) - (1 << FRAC) / 4;
	const fx dx = (fx)(((int64_t)7 << FRAC) / 2 / W), dy = (fx)(((int64_t)5 << FRAC) / 2 / H);
	uint32_t total = 0, hist[8] = {0};
	for (int py = 0; py < H; py++) {
		fx ci = y0 + py * dy;
		for (int px = 0; px < W; px++) {
			fx cr = x0 + px * dx, zr = 0, zi = 0;
			int it = 0;
			while (it < MAXIT) {
				fx zr2 = fxmul(zr, zr), zi2 = fxmul(zi, zi);
				if (zr2 + zi2 > (4 << FRAC)) break;
				zi = fxmul(zr, zi) * 2 + ci;
				zr = zr2 - zi2 + cr;
				it++;
			}
			total += (uint32_t)it;
			hist[it * 8 / (MAXIT + 1)]++;
		}
	}
	printf("total iterations=%u histogram:", total);
	for (int i = 0; i < 8; i++) printf(" %u", hist[i]);
	printf("\n");
	return 0;
}
