/* life.c - Conway's Game of Life on a 32x32 torus, two implementations
 * (byte grid with neighbour counting, and bit-packed rows with 32-bit
 * word operations) run side by side; prints snapshots and population. */
#include "rt.h"

#define W 32
#define H 32

static uint8_t grid[H][W], next_g[H][W];
static uint32_t rows[H], next_r[H];

static void step_bytes(void) {
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			int n = 0;
			for (int dy = -1; dy <= 1; dy++)
				for (int dx = -1; dx <= 1; dx++)
					if (dx || dy) n += grid[(y + dy + H) % H][(x + dx + W) % W];
			next_g[y][x] = (uint8_t)(n == 3 || (n == 2 && grid[y][x]));
		}
	memcpy(grid, next_g, sizeof grid);
}

static inline uint32_t rol1(uint32_t v) { return (v << 1) | (v >> 31); }
static inline uint32_t ror1(uint32_t v) { return (v >> 1) | (v << 31); }

/* bit-parallel: bit x of rows[y] is cell (x,y); full adders over 8 neighbours */
static void step_bits(void) {
	for (int y = 0; y < H; y++) {
		uint32_t up = rows[(y + H - 1) % H], mid = rows[y], dn = rows[(y + 1) % H];
		uint32_t n[8] = {rol1(up), up, ror1(up), rol1(mid), ror1(mid), rol1(dn), dn, ror1(dn)};
		uint32_t s0 = 0, s1 = 0, s2 = 0; /* 3-bit counter per cell (saturating at >=4 via s2) */
		for (int i = 0; i < 8; i++) {
			uint32_t c0 = s0 & n[i];
			s0 ^= n[i];
			uint32_t c1 = s1 & c0;
			s1 ^= c0;
			s2 |= c1;
		}
		/* alive next iff count==3 or (count==2 and alive) */
		next_r[y] = ~s2 & s1 & (s0 | mid);
	}
	memcpy(rows, next_r, sizeof rows);
}

static int population(void) { int p = 0; for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) p += grid[y][x]; return p; }

static int same(void) {
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			if (grid[y][x] != ((rows[y] >> x) & 1)) return 0;
	return 1;
}

static void show(void) {
	for (int y = 0; y < H; y += 2) {
		char line[W + 1];
		for (int x = 0; x < W; x++) {
			int a = grid[y][x], b = grid[y + 1][x];
			line[x] = a && b ? '#' : a ? '"' : b ? ',' : '.';
		}
		line[W] = 0;
		printf("  %s\n", line);
	}
}

int main(void) {
	uint32_t s = 0xC0FFEE;
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) grid[y][x] = (rt_xorshift32(&s) % 3) == 0;
	/* a glider and an R-pentomino */
	static const int pat[][2] = {{1, 0}, {2, 1}, {0, 2}, {1, 2}, {2, 2}};
	for (int i = 0; i < 5; i++) grid[2 + pat[i][1]][2 + pat[i][0]] = 1;
	for (int y = 0; y < H; y++) {
		rows[y] = 0;
		for (int x = 0; x < W; x++) rows[y] |= (uint32_t)grid[y][x] << x;
	}
	int mism = 0;
	for (int gen = 0; gen <= 30; gen++) {
		if (gen % 15 == 0) {
			printf("generation %d population %d\n", gen, population());
			show();
		}
		if (!same()) mism++;
		step_bytes();
		step_bits();
	}
	uint32_t h = 0;
	for (int y = 0; y < H; y++) h = h * 131 + rows[y];
	printf("final hash %08x, mismatching generations %d\n", h, mism);
	return mism ? 1 : population() % 100;
}
