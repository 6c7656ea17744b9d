/* asm_flags.h - shared helpers for the inline-asm corpus programs.
 *
 * Every helper loads a chosen EFLAGS value (only CF PF AF ZF SF OF) with
 * popfl, executes one instruction and captures EFLAGS with pushfl.
 * The printed flags are always masked to the flags that the Intel SDM
 * defines for that instruction, so output is comparable between CPUs
 * (and with an emulator) even where vendors differ on undefined flags.
 *
 * Operands are registers only (no "m" operands in blocks that push), so
 * the code is correct both at -O0 (EBP frames) and -O2 (ESP-relative).
 */
#ifndef ASM_FLAGS_H
#define ASM_FLAGS_H
#include "rt.h"

#define F_CF 0x001u
#define F_PF 0x004u
#define F_AF 0x010u
#define F_ZF 0x040u
#define F_SF 0x080u
#define F_DF 0x400u
#define F_OF 0x800u
#define F_ALL (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)
#define F_LOGIC (F_CF | F_PF | F_ZF | F_SF | F_OF) /* AF undefined after logical ops */

/* running hash of checked values, used for the exit status; order
 * independent (a sum of mixed values) so it does not depend on the
 * evaluation order of function arguments */
static uint32_t g_hash = 2166136261u;
static inline void hash_u32(uint32_t v) {
	v ^= v >> 16;
	v *= 0x7feb352du;
	v ^= v >> 15;
	v *= 0x846ca68bu;
	v ^= v >> 16;
	g_hash += v;
}

/* flags as letters, e.g. "O-SZ-A-P-C" style: "oDszaPc" upper = set */
static inline const char *flagstr(uint32_t f, uint32_t mask) {
	static char buf[16][8];
	static int idx;
	char *b = buf[idx++ & 15];
	static const struct { uint32_t bit; char ch; } t[] = {
		{F_OF, 'o'}, {F_SF, 's'}, {F_ZF, 'z'}, {F_AF, 'a'}, {F_PF, 'p'}, {F_CF, 'c'}};
	for (int i = 0; i < 6; i++) {
		if (!(mask & t[i].bit)) b[i] = '.';
		else b[i] = (f & t[i].bit) ? (char)(t[i].ch - 32) : t[i].ch;
	}
	b[6] = 0;
	hash_u32(f & mask);
	return b;
}

#endif
