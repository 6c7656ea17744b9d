/*
 * harness.c - native single-instruction harness for the @nooks/x86
 * randomized differential test. Built as a static freestanding i386 ELF
 * (gcc -m32 -nostdlib) together with harness.S; see test/harness.ts.
 *
 * The harness reads a batch of test cases from stdin, executes each
 * case's instruction on the real CPU and writes one result per case to
 * stdout. All integers are little-endian.
 *
 * INPUT
 *   header, 8 bytes:
 *     u32 magic   = 0x31464458 ("XDF1")
 *     u32 count   = number of case records that follow
 *   case record, 128 bytes each:
 *     off   0  u8  codeLen     1..15
 *     off   1  u8  memReg      0..7 except 4 (ESP): register that holds
 *                              the scratch-memory pointer; 0xFF = none
 *     off   2  u16 reserved    0
 *     off   4  u8  code[16]    instruction bytes (codeLen used, rest 0)
 *     off  20  u32 regs[8]     EAX ECX EDX EBX ESP EBP ESI EDI
 *                              regs[4] (ESP) is ignored.
 *                              regs[memReg] is an OFFSET: the harness loads
 *                              scratchBase + regs[memReg] into that register.
 *     off  52  u32 eflags      only CF PF AF ZF SF OF DF (mask 0x0CD5) are
 *                              used; other bits are ignored
 *     off  56  u8  mem[64]     initial contents of the scratch area
 *     off 120  u32 reserved[2] 0
 *
 * OUTPUT, 104 bytes per case, in input order:
 *     off   0  u32 regs[8]     EAX ECX EDX EBX ESP EBP ESI EDI after the
 *                              instruction; regs[4] is always 0;
 *                              regs[memReg] is reported minus scratchBase
 *     off  32  u32 eflags      EFLAGS & 0x0CD5 (OF DF SF ZF AF PF CF)
 *     off  36  u8  mem[64]     scratch area after the instruction
 *     off 100  u32 status      0 = ok; bit 0: ESP was changed by the
 *                              instruction; bit 1: bytes outside the 64-byte
 *                              scratch area (guard zone) were modified
 *
 * CONVENTIONS
 *   - The instruction runs on the harness's own stack: it must not read or
 *     write ESP, explicitly or implicitly (no push/pop/call/ret/enter/
 *     leave/pusha/pushf, no [esp] addressing).
 *   - It must not fault (no #DE, no bad memory accesses) and must not
 *     transfer control: execution has to fall through to the next byte.
 *   - Memory operands may only address the 64-byte scratch area, through
 *     the memReg register (plus displacement/index); the scratch area sits
 *     inside a 256-byte guard zone which is checked after every case.
 *   - If a case faults anyway, the harness reports the case index and the
 *     signal on stderr and exits with status 3.
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;

#define MAGIC 0x31464458u
#define IN_SIZE 128
#define OUT_SIZE 104
#define FLAG_MASK 0x0CD5u
#define GUARD 96

int sys_read(int fd, void *buf, u32 len);
int sys_write(int fd, const void *buf, u32 len);
void sys_exit(int status) __attribute__((noreturn));
long sys_signal(int sig, void (*handler)(int));
void *sys_mmap2(u32 len);
void run_case(void);
extern u32 ret_ptr;

/* shared with harness.S */
u32 g_in_regs[8], g_in_flags, g_out_regs[8], g_out_flags, g_out_esp;
void *g_code_ptr;
extern u32 saved_esp;

/* gcc may emit calls to these for the byte loops below */
void *memset(void *d, int c, unsigned n) __attribute__((optimize("no-tree-loop-distribute-patterns")));
void *memset(void *d, int c, unsigned n) {
	u8 *p = d;
	while (n--) *p++ = (u8)c;
	return d;
}
void *memcpy(void *d, const void *s, unsigned n) __attribute__((optimize("no-tree-loop-distribute-patterns")));
void *memcpy(void *d, const void *s, unsigned n) {
	u8 *p = d;
	const u8 *q = s;
	while (n--) *p++ = *q++;
	return d;
}

static u8 scratch_zone[GUARD + 64 + GUARD] __attribute__((aligned(64)));
static u32 current_case;

static void write_all(int fd, const void *p, u32 n) {
	const u8 *b = p;
	while (n) {
		int r = sys_write(fd, b, n);
		if (r <= 0) sys_exit(4);
		b += r;
		n -= (u32)r;
	}
}

static void fail(const char *msg) {
	u32 n = 0;
	while (msg[n]) n++;
	write_all(2, msg, n);
	sys_exit(2);
}

static u32 read_full(void *buf, u32 n) {
	u8 *b = buf;
	u32 got = 0;
	while (got < n) {
		int r = sys_read(0, b + got, n - got);
		if (r < 0) fail("harness: read error\n");
		if (r == 0) break;
		got += (u32)r;
	}
	return got;
}

static char *fmt_u32(char *p, u32 v) {
	char tmp[12];
	int i = 0;
	do { tmp[i++] = (char)('0' + v % 10); v /= 10; } while (v);
	while (i) *p++ = tmp[--i];
	return p;
}

static void on_fault(int sig) {
	char msg[96], *p = msg;
	const char *a = "harness: case ";
	while (*a) *p++ = *a++;
	p = fmt_u32(p, current_case);
	a = " raised signal ";
	while (*a) *p++ = *a++;
	p = fmt_u32(p, (u32)sig);
	*p++ = '\n';
	write_all(2, msg, (u32)(p - msg));
	sys_exit(3);
}

static u32 rd32(const u8 *p) { return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24; }
static void wr32(u8 *p, u32 v) { p[0] = (u8)v; p[1] = (u8)(v >> 8); p[2] = (u8)(v >> 16); p[3] = (u8)(v >> 24); }

static u8 out_buf[OUT_SIZE * 512];

int harness_main(void) {
	static const int sigs[] = {4 /*ILL*/, 5 /*TRAP*/, 7 /*BUS*/, 8 /*FPE*/, 11 /*SEGV*/};
	for (u32 i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sys_signal(sigs[i], on_fault);

	u8 hdr[8];
	if (read_full(hdr, 8) != 8 || rd32(hdr) != MAGIC) fail("harness: bad header\n");
	u32 count = rd32(hdr + 4);

	u8 *page = sys_mmap2(4096);
	if ((u32)page > 0xfffff000u) fail("harness: mmap2 failed\n");
	g_code_ptr = page;
	u8 *scratch = scratch_zone + GUARD;
	u32 base = (u32)scratch;

	u32 out_len = 0;
	u8 rec[IN_SIZE];
	for (current_case = 0; current_case < count; current_case++) {
		if (read_full(rec, IN_SIZE) != IN_SIZE) fail("harness: truncated input\n");
		u32 len = rec[0], mem_reg = rec[1];
		if (len < 1 || len > 15) fail("harness: bad code length\n");
		if (mem_reg != 0xff && (mem_reg > 7 || mem_reg == 4)) fail("harness: bad memReg\n");

		/* code page: instruction, jmp *ret_ptr, then int3 filler */
		for (u32 i = 0; i < 64; i++) page[i] = 0xcc;
		for (u32 i = 0; i < len; i++) page[i] = rec[4 + i];
		page[len] = 0xff;
		page[len + 1] = 0x25;
		wr32(page + len + 2, (u32)&ret_ptr);

		for (u32 i = 0; i < 8; i++) g_in_regs[i] = rd32(rec + 20 + 4 * i);
		g_in_regs[4] = 0;
		if (mem_reg != 0xff) g_in_regs[mem_reg] += base;
		g_in_flags = rd32(rec + 52) & FLAG_MASK;
		for (u32 i = 0; i < sizeof scratch_zone; i++) scratch_zone[i] = 0xa5;
		for (u32 i = 0; i < 64; i++) scratch[i] = rec[56 + i];

		run_case();

		u32 status = 0;
		if (g_out_esp != saved_esp) status |= 1;
		for (u32 i = 0; i < GUARD; i++)
			if (scratch_zone[i] != 0xa5 || scratch_zone[GUARD + 64 + i] != 0xa5) status |= 2;
		g_out_regs[4] = 0;
		if (mem_reg != 0xff) g_out_regs[mem_reg] -= base;

		u8 *o = out_buf + out_len;
		for (u32 i = 0; i < 8; i++) wr32(o + 4 * i, g_out_regs[i]);
		wr32(o + 32, g_out_flags & FLAG_MASK);
		for (u32 i = 0; i < 64; i++) o[36 + i] = scratch[i];
		wr32(o + 100, status);
		out_len += OUT_SIZE;
		if (out_len == sizeof out_buf) {
			write_all(1, out_buf, out_len);
			out_len = 0;
		}
	}
	write_all(1, out_buf, out_len);
	return 0;
}
