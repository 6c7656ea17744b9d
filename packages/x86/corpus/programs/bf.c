/* bf.c - a Brainf*ck interpreter with precomputed bracket jumps and
 * run-length folding of + - < >, running several programs that print
 * text and compute numbers. Output is produced through putchar. */
#include "rt.h"

typedef struct { char op; int arg; } ins;

static int compile(const char *src, ins *out, int max) {
	int n = 0, stack[256], sp = 0;
	for (const char *p = src; *p; p++) {
		char c = *p;
		if (c == '+' || c == '-' || c == '<' || c == '>') {
			int k = 1;
			while (p[1] == c) { k++; p++; }
			out[n].op = c; out[n].arg = k; n++;
		} else if (c == '.' || c == ',') {
			out[n].op = c; out[n].arg = 0; n++;
		} else if (c == '[') {
			if (p[1] == '-' && p[2] == ']') { out[n].op = 'z'; out[n].arg = 0; n++; p += 2; continue; }
			stack[sp++] = n; out[n].op = '['; n++;
		} else if (c == ']') {
			int open = stack[--sp];
			out[open].arg = n; out[n].op = ']'; out[n].arg = open; n++;
		}
		if (n >= max) return -1;
	}
	return sp ? -1 : n;
}

static unsigned long long executed;

static int run(const ins *code, int n, const char *input, uint32_t *out_hash) {
	static uint8_t tape[30000];
	memset(tape, 0, sizeof tape);
	int dp = 0, outc = 0;
	uint32_t h = 0;
	for (int pc = 0; pc < n; pc++) {
		executed++;
		const ins *i = &code[pc];
		switch (i->op) {
		case '+': tape[dp] = (uint8_t)(tape[dp] + i->arg); break;
		case '-': tape[dp] = (uint8_t)(tape[dp] - i->arg); break;
		case '>': dp += i->arg; break;
		case '<': dp -= i->arg; break;
		case '.': putchar(tape[dp]); h = h * 31 + tape[dp]; outc++; break;
		case ',': tape[dp] = (uint8_t)(*input ? *input++ : 0); break;
		case 'z': tape[dp] = 0; break;
		case '[': if (!tape[dp]) pc = i->arg; break;
		case ']': if (tape[dp]) pc = i->arg; break;
		}
	}
	*out_hash = h;
	return outc;
}


/* generate a BF program that prints `text` using a multiplication loop per
 * character delta; exercises the generator as well as the interpreter */
static void gen_print(const char *text, char *out) {
	int cur = 0;
	char *o = out;
	for (const char *p = text; *p; p++) {
		int target = (unsigned char)*p, d = target - cur;
		char c = d > 0 ? '+' : '-';
		int ad = d > 0 ? d : -d;
		int f = ad / 8, r = ad % 8;
		if (f) {
			*o++ = '>';
			for (int i = 0; i < 8; i++) *o++ = '+';
			*o++ = '[';
			*o++ = '<';
			for (int i = 0; i < f; i++) *o++ = c;
			*o++ = '>';
			*o++ = '-';
			*o++ = ']';
			*o++ = '<';
		}
		for (int i = 0; i < r; i++) *o++ = c;
		*o++ = '.';
		cur = target;
	}
	*o = 0;
}

int main(void) {
	static const char *progs[] = {
		/* hello world */
		"++++++++[>++++[>++>+++>+++>+<<<<-]>+>+>->>+[<]<-]>>.>---.+++++++..+++.>>.<-.<.+++.------.--------.>>+.",
		/* cell-size test: prints "8 bit cells" */
		"++++++++[>++++++++<-]>[<++++>-]+<[>-<[>++++<-]>[<++++++++>-]<[>++++++++<-]+>[>++++++++++[>+++++<-]>+.-.[-]<<[-]<->] <[>>+++++++[>+++++++<-]>.+++++.[-]<<<-]] >[>++++++++[>+++++++<-]>.[-]<<-]<+++++++++++[>+++>+++++++++>+++++++++>+<<<<-]>-.>-.+++++++.+++++++++++.<.>>.++.+++++++..<-.>>-[[-]<]",
		/* reverse input */
		">,[>,]<[.<]",
		/* add two digits from input: prints the sum digit */
		",>,[<+>-]<------------------------------------------------.",
	};
	static const char *inputs[] = {"", "", "!dlrow ,olleh", "34"};
	static ins code[4096];
	uint32_t total = 0;
	for (int i = 0; i < ARRAY_SIZE(progs); i++) {
		int n = compile(progs[i], code, 4096);
		uint32_t h;
		printf("--- program %d (%d ops) ---\n", i, n);
		int outc = run(code, n, inputs[i], &h);
		printf("\n--- %d chars, hash %08x\n", outc, h);
		total += h;
	}
	static char generated[8192];
	gen_print("Generated BF says: The quick brown fox jumps over the lazy dog. 0123456789 ~!@#$%^&*()", generated);
	int n = compile(generated, code, 4096);
	uint32_t h;
	printf("--- generated program: %u source chars, %d ops ---\n", (unsigned)strlen(generated), n);
	int outc = run(code, n, "", &h);
	printf("\n--- %d chars, hash %08x\n", outc, h);
	total += h;
	printf("executed %llu ops, total hash %08x\n", executed, total);
	return (int)(total % 100);
}
