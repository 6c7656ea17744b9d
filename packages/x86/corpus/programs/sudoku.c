/* sudoku.c - backtracking sudoku solver with bitmask candidate sets and
 * most-constrained-cell selection; solves several puzzles, validates the
 * solutions and counts search nodes. */
#include "rt.h"

static int board[81];
static uint16_t rowm[9], colm[9], boxm[9];
static unsigned long nodes;

static int box_of(int i) { return (i / 27) * 3 + (i % 9) / 3; }

static void place(int i, int v) {
	board[i] = v;
	uint16_t b = (uint16_t)(1u << v);
	rowm[i / 9] |= b; colm[i % 9] |= b; boxm[box_of(i)] |= b;
}
static void unplace(int i) {
	int v = board[i];
	uint16_t b = (uint16_t)~(1u << v);
	rowm[i / 9] &= b; colm[i % 9] &= b; boxm[box_of(i)] &= b;
	board[i] = 0;
}

static int solve(void) {
	nodes++;
	int best = -1, bestc = 10;
	uint16_t bestm = 0;
	for (int i = 0; i < 81; i++) {
		if (board[i]) continue;
		uint16_t m = (uint16_t)(~(rowm[i / 9] | colm[i % 9] | boxm[box_of(i)]) & 0x3fe);
		int c = __builtin_popcount(m);
		if (c < bestc) { bestc = c; best = i; bestm = m; if (c <= 1) break; }
	}
	if (best < 0) return 1;
	while (bestm) {
		int v = __builtin_ctz(bestm);
		bestm &= (uint16_t)(bestm - 1);
		place(best, v);
		if (solve()) return 1;
		unplace(best);
	}
	return 0;
}

static int load(const char *s) {
	memset(board, 0, sizeof board);
	memset(rowm, 0, sizeof rowm); memset(colm, 0, sizeof colm); memset(boxm, 0, sizeof boxm);
	for (int i = 0; i < 81; i++) {
		int v = s[i] >= '1' && s[i] <= '9' ? s[i] - '0' : 0;
		if (v) {
			if ((rowm[i / 9] | colm[i % 9] | boxm[box_of(i)]) & (1u << v)) return 0;
			place(i, v);
		}
	}
	return 1;
}

static int valid(void) {
	for (int u = 0; u < 9; u++) {
		int r = 0, c = 0, b = 0;
		for (int k = 0; k < 9; k++) {
			r |= 1 << board[u * 9 + k];
			c |= 1 << board[k * 9 + u];
			b |= 1 << board[(u / 3) * 27 + (u % 3) * 3 + (k / 3) * 9 + k % 3];
		}
		if (r != 0x3fe || c != 0x3fe || b != 0x3fe) return 0;
	}
	return 1;
}

int main(void) {
	static const char *puzzles[] = {
		"53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79",
		"4.....8.5.3..........7......2.....6.....8.4......1.......6.3.7.5..2.....1.4......",
		"1....7.9..3..2...8..96..5....53..9...1..8...26....4...3......1..4......7..7...3..",
		"11.......................................................................................",
	};
	int solved = 0;
	for (int p = 0; p < ARRAY_SIZE(puzzles); p++) {
		nodes = 0;
		if (!load(puzzles[p])) { printf("puzzle %d: invalid givens\n", p); continue; }
		int ok = solve() && valid();
		printf("puzzle %d: %s, %lu nodes\n", p, ok ? "solved" : "FAILED", nodes);
		if (ok) {
			solved++;
			for (int r = 0; r < 9; r++) {
				printf("  ");
				for (int c = 0; c < 9; c++) printf("%d%s", board[r * 9 + c], c == 2 || c == 5 ? " | " : c == 8 ? "\n" : " ");
			}
		}
	}
	return solved;
}
