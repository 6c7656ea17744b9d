/* asm_string.c - string instructions via inline asm: rep movsb/movsw/movsl,
 * rep stosb/stosw/stosl, lodsb/lodsw/lodsl, single movs/stos/scas/cmps,
 * repe cmpsb / repne cmpsb, repne scasb / repe scasb, scasw/scasl,
 * all with DF=0 and DF=1 (std/cld), rep with ECX=0, and xlat.
 * Final ESI/EDI/ECX values are reported relative to the buffers. */
#include "asm_flags.h"

static uint8_t src[256], dst[256];

static void fill(void) {
	for (int i = 0; i < 256; i++) { src[i] = (uint8_t)(i * 7 + 3); dst[i] = 0xee; }
}

static uint32_t sig(const uint8_t *p, int n) {
	uint32_t h = 0;
	for (int i = 0; i < n; i++) h = h * 31 + p[i];
	hash_u32(h);
	return h;
}

int main(void) {
	uint8_t *s, *d;
	uint32_t c;

	printf("== rep movs ==\n");
	fill();
	s = src + 3; d = dst + 5; c = 37;
	__asm__ volatile("rep movsb" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
	printf("movsb fwd: dS=%d dD=%d ecx=%u sig=%08x\n", (int)(s - src), (int)(d - dst), c, sig(dst, 64));
	fill();
	s = src + 2; d = dst + 8; c = 9;
	__asm__ volatile("rep movsw" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
	printf("movsw fwd: dS=%d dD=%d ecx=%u sig=%08x\n", (int)(s - src), (int)(d - dst), c, sig(dst, 64));
	fill();
	s = src + 4; d = dst + 1; c = 11;
	__asm__ volatile("rep movsl" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
	printf("movsl fwd: dS=%d dD=%d ecx=%u sig=%08x\n", (int)(s - src), (int)(d - dst), c, sig(dst, 64));
	fill();
	s = src + 60; d = dst + 70; c = 20;
	__asm__ volatile("std\n\trep movsb\n\tcld" : "+S"(s), "+D"(d), "+c"(c) : : "memory", "cc");
	printf("movsb bwd: dS=%d dD=%d ecx=%u sig=%08x\n", (int)(s - src), (int)(d - dst), c, sig(dst, 96));
	fill();
	s = src + 60; d = dst + 70; c = 7;
	__asm__ volatile("std\n\trep movsl\n\tcld" : "+S"(s), "+D"(d), "+c"(c) : : "memory", "cc");
	printf("movsl bwd: dS=%d dD=%d ecx=%u sig=%08x\n", (int)(s - src), (int)(d - dst), c, sig(dst, 96));
	fill();
	s = src + 60; d = dst + 70; c = 5;
	__asm__ volatile("std\n\trep movsw\n\tcld" : "+S"(s), "+D"(d), "+c"(c) : : "memory", "cc");
	printf("movsw bwd: dS=%d dD=%d ecx=%u sig=%08x\n", (int)(s - src), (int)(d - dst), c, sig(dst, 96));
	fill();
	s = src; d = dst; c = 0;
	__asm__ volatile("rep movsb" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
	printf("movsb ecx=0: dS=%d dD=%d ecx=%u dst0=%02x\n", (int)(s - src), (int)(d - dst), c, dst[0]);
	/* overlapping forward copy (propagates a pattern) */
	fill();
	memcpy(dst, "abc", 3);
	s = dst; d = dst + 3; c = 20;
	__asm__ volatile("rep movsb" : "+S"(s), "+D"(d), "+c"(c) : : "memory");
	printf("overlap: %.23s\n", (char *)dst);
	/* single movs without rep */
	fill();
	s = src + 10; d = dst + 10;
	__asm__ volatile("movsb\n\tmovsw\n\tmovsl" : "+S"(s), "+D"(d) : : "memory");
	printf("single movs: dS=%d dD=%d sig=%08x\n", (int)(s - src), (int)(d - dst), sig(dst + 8, 12));

	printf("== rep stos ==\n");
	fill();
	d = dst + 1; c = 13;
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(c) : "a"(0x11223344u) : "memory");
	printf("stosb: dD=%d sig=%08x\n", (int)(d - dst), sig(dst, 32));
	d = dst + 3; c = 6;
	__asm__ volatile("rep stosw" : "+D"(d), "+c"(c) : "a"(0x11223344u) : "memory");
	printf("stosw: dD=%d sig=%08x\n", (int)(d - dst), sig(dst, 32));
	d = dst + 2; c = 5;
	__asm__ volatile("rep stosl" : "+D"(d), "+c"(c) : "a"(0xa1b2c3d4u) : "memory");
	printf("stosl: dD=%d sig=%08x\n", (int)(d - dst), sig(dst, 32));
	d = dst + 40; c = 9;
	__asm__ volatile("std\n\trep stosl\n\tcld" : "+D"(d), "+c"(c) : "a"(0x55667788u) : "memory", "cc");
	printf("stosl bwd: dD=%d sig=%08x\n", (int)(d - dst), sig(dst, 48));
	hexdump(dst, 48);

	printf("== lods ==\n");
	fill();
	{
		uint32_t a = 0xffffffffu, acc = 0;
		s = src + 5;
		for (int i = 0; i < 4; i++) {
			__asm__ volatile("lodsb" : "+a"(a), "+S"(s) : : "memory");
			acc = acc * 33 + a;
			__asm__ volatile("lodsw" : "+a"(a), "+S"(s) : : "memory");
			acc = acc * 33 + a;
			__asm__ volatile("lodsl" : "+a"(a), "+S"(s) : : "memory");
			acc = acc * 33 + a;
		}
		printf("lods fwd: a=%08x acc=%08x dS=%d\n", a, acc, (int)(s - src));
		__asm__ volatile("std\n\tlodsl\n\tlodsw\n\tlodsb\n\tcld" : "+a"(a), "+S"(s) : : "memory", "cc");
		printf("lods bwd: a=%08x dS=%d\n", a, (int)(s - src));
		hash_u32(acc ^ a);
	}

	printf("== cmps / scas ==\n");
	{
		static const char a1[] = "hello world, this is a test of cmps";
		static const char a2[] = "hello world, this is a tEst of cmps";
		uint32_t fl;
		const char *p = a1, *q = a2;
		c = sizeof a1;
		__asm__ volatile("cld\n\trepe cmpsb\n\tpushfl\n\tpopl %[fl]" : "+S"(p), "+D"(q), "+c"(c), [fl] "=r"(fl) : : "memory", "cc");
		printf("repe cmpsb: stop at %d ecx=%u flags %s\n", (int)(p - a1), c, flagstr(fl, F_ALL));
		p = a1; q = a1; c = sizeof a1;
		__asm__ volatile("repe cmpsb\n\tpushfl\n\tpopl %[fl]" : "+S"(p), "+D"(q), "+c"(c), [fl] "=r"(fl) : : "memory", "cc");
		printf("repe cmpsb equal: at %d ecx=%u flags %s\n", (int)(p - a1), c, flagstr(fl, F_ALL));
		p = "aaaaXbbb"; q = "zzzzXccc"; c = 8;
		const char *p0 = p;
		__asm__ volatile("repne cmpsb\n\tpushfl\n\tpopl %[fl]" : "+S"(p), "+D"(q), "+c"(c), [fl] "=r"(fl) : : "memory", "cc");
		printf("repne cmpsb: first equal at %d ecx=%u flags %s\n", (int)(p - p0) - 1, c, flagstr(fl, F_ALL));
		/* cmpsw/cmpsl single */
		static const uint32_t w1[2] = {0x12345678u, 0x80000000u}, w2[2] = {0x12345679u, 0x7fffffffu};
		const uint32_t *x = w1, *y = w2;
		uint32_t f1, f2;
		__asm__ volatile("cmpsw\n\tpushfl\n\tpopl %[f1]\n\tcmpsw\n\tcmpsl\n\tpushfl\n\tpopl %[f2]"
				 : "+S"(x), "+D"(y), [f1] "=&r"(f1), [f2] "=&r"(f2) : : "memory", "cc");
		printf("cmpsw flags %s, cmpsl flags %s, dS=%d\n", flagstr(f1, F_ALL), flagstr(f2, F_ALL), (int)((const char *)x - (const char *)w1));

		/* repne scasb as strlen, repe scasb to skip a run */
		const char *str = "the length of this string is 39 chars!!";
		const char *e = str;
		c = 0xffffffffu;
		__asm__ volatile("repne scasb" : "+D"(e), "+c"(c) : "a"(0) : "memory", "cc");
		printf("repne scasb strlen=%u (ecx=%08x)\n", ~c - 1, c);
		const char *run = "xxxxxxxxxyz";
		e = run; c = 11;
		__asm__ volatile("repe scasb\n\tpushfl\n\tpopl %[fl]" : "+D"(e), "+c"(c), [fl] "=r"(fl) : "a"('x') : "memory", "cc");
		printf("repe scasb: stop after %d ecx=%u flags %s\n", (int)(e - run), c, flagstr(fl, F_ALL));
		static const uint16_t ws[] = {1, 2, 3, 0x8000, 5};
		const uint16_t *wp = ws;
		c = 5;
		__asm__ volatile("repne scasw\n\tpushfl\n\tpopl %[fl]" : "+D"(wp), "+c"(c), [fl] "=r"(fl) : "a"(0x8000) : "memory", "cc");
		printf("repne scasw: found at %d ecx=%u flags %s\n", (int)(wp - ws) - 1, c, flagstr(fl, F_ALL));
		static const uint32_t ls[] = {10, 20, 30, 40};
		const uint32_t *lp = ls + 3;
		c = 4;
		__asm__ volatile("std\n\trepne scasl\n\tpushfl\n\tpopl %[fl]\n\tcld" : "+D"(lp), "+c"(c), [fl] "=r"(fl) : "a"(20) : "memory", "cc");
		printf("std repne scasl: found at %d ecx=%u flags %s\n", (int)(lp - ls) + 1, c, flagstr(fl, F_ALL));
		/* rep cmps with ecx=0 leaves flags unchanged */
		p = a1; q = a2; c = 0;
		__asm__ volatile("stc\n\trepe cmpsb\n\tpushfl\n\tpopl %[fl]" : "+S"(p), "+D"(q), "+c"(c), [fl] "=r"(fl) : : "memory", "cc");
		printf("repe cmpsb ecx=0: CF=%u moved=%d\n", fl & F_CF, (int)(p - a1));
	}

	printf("== xlat ==\n");
	{
		static const char table[256] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
		char out[17];
		for (int i = 0; i < 16; i++) {
			uint32_t a = (uint32_t)(i * 4 + 0x1200);
			__asm__("xlat" : "+a"(a) : "b"(table), "m"(*(const char(*)[256])table));
			out[i] = (char)a;
			if ((a & 0xffffff00u) != 0x1200) out[i] = '!';
		}
		out[16] = 0;
		printf("xlat: %s\n", out);
		hash_u32(sig((const uint8_t *)out, 16));
	}
	printf("hash=%08x\n", g_hash);
	return (int)(g_hash % 100);
}
