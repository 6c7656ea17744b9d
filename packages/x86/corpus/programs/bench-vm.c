/* bench-vm.c - CPU-bound benchmark: a register-based bytecode interpreter
 * (switch dispatch) running nested loops that compute a checksum of
 * integer operations. Indirect-branch heavy. */
#include "rt.h"

enum { LI, ADD, SUB, MUL, XOR, SHR, ANDI, ADDI, BLT, BNE, JMP, HALT, MOV, LOAD, STORE };
typedef struct { uint8_t op, a, b, c; int32_t imm; } ins;

static uint32_t run(const ins *code, uint32_t *mem) {
	uint32_t r[16] = {0};
	int pc = 0;
	for (;;) {
		const ins *i = &code[pc++];
		switch (i->op) {
		case LI: r[i->a] = (uint32_t)i->imm; break;
		case ADD: r[i->a] = r[i->b] + r[i->c]; break;
		case SUB: r[i->a] = r[i->b] - r[i->c]; break;
		case MUL: r[i->a] = r[i->b] * r[i->c]; break;
		case XOR: r[i->a] = r[i->b] ^ r[i->c]; break;
		case SHR: r[i->a] = r[i->b] >> (r[i->c] & 31); break;
		case ANDI: r[i->a] = r[i->b] & (uint32_t)i->imm; break;
		case ADDI: r[i->a] = r[i->b] + (uint32_t)i->imm; break;
		case BLT: if (r[i->a] < r[i->b]) pc = i->imm; break;
		case BNE: if (r[i->a] != r[i->b]) pc = i->imm; break;
		case JMP: pc = i->imm; break;
		case MOV: r[i->a] = r[i->b]; break;
		case LOAD: r[i->a] = mem[r[i->b] & 1023]; break;
		case STORE: mem[r[i->b] & 1023] = r[i->a]; break;
		case HALT: return r[1];
		}
	}
}

int main(void) {
	/* r1 = acc, r2 = i, r3 = j, r4 = N, r5 = M, r6 = tmp, r7 = const 5, r8 = tmp2 */
	static const ins prog[] = {
		{LI, 1, 0, 0, 1},        /* 0 acc = 1 */
		{LI, 2, 0, 0, 0},        /* 1 i = 0 */
		{LI, 4, 0, 0, 1800},     /* 2 N */
		{LI, 5, 0, 0, 400},      /* 3 M */
		{LI, 7, 0, 0, 5},        /* 4 */
		{LI, 3, 0, 0, 0},        /* 5 outer: j = 0 */
		{MUL, 6, 2, 3, 0},       /* 6 inner: tmp = i*j */
		{XOR, 1, 1, 6, 0},       /* 7 acc ^= tmp */
		{SHR, 8, 1, 7, 0},       /* 8 tmp2 = acc >> 5 */
		{ADD, 1, 1, 8, 0},       /* 9 acc += tmp2 */
		{LOAD, 6, 3, 0, 0},      /* 10 tmp = mem[j] */
		{ADD, 6, 6, 1, 0},       /* 11 tmp += acc */
		{STORE, 6, 3, 0, 0},     /* 12 mem[j] = tmp */
		{ADDI, 3, 3, 0, 1},      /* 13 j++ */
		{BLT, 3, 5, 0, 6},       /* 14 if j < M goto inner */
		{ADDI, 2, 2, 0, 1},      /* 15 i++ */
		{BLT, 2, 4, 0, 5},       /* 16 if i < N goto outer */
		{HALT, 0, 0, 0, 0},
	};
	static uint32_t mem[1024];
	uint32_t r = run(prog, mem);
	uint32_t h = 0;
	for (int i = 0; i < 1024; i++) h = h * 31 + mem[i];
	printf("vm result=%08x mem hash=%08x\n", r, h);
	return 0;
}
