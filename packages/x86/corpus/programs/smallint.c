/* smallint.c - 8- and 16-bit arithmetic: signed/unsigned char and short
 * add/sub/mul/div/mod, wraparound, integer promotions, sign/zero extension,
 * comparisons of mixed signedness, narrowing conversions, and byte/word
 * arrays updated in place (gcc uses 8/16-bit instruction forms). */
#include "rt.h"

static volatile int8_t vs8[8] = {-128, -1, 0, 1, 127, -100, 55, -7};
static volatile uint8_t vu8[8] = {0, 1, 127, 128, 200, 255, 16, 3};
static volatile int16_t vs16[8] = {-32768, -1, 0, 1, 32767, -1000, 12345, -300};
static volatile uint16_t vu16[8] = {0, 1, 32767, 32768, 50000, 65535, 256, 999};

int main(void) {
	uint32_t h = 0;
#define MIX(v) (h = (h ^ (uint32_t)(v)) * 0x01000193u)
	for (int i = 0; i < 8; i++) {
		for (int j = 0; j < 8; j++) {
			int8_t a = vs8[i], b = vs8[j];
			uint8_t ua = vu8[i], ub = vu8[j];
			int8_t s_add = (int8_t)(a + b), s_sub = (int8_t)(a - b), s_mul = (int8_t)(a * b);
			uint8_t u_add = (uint8_t)(ua + ub), u_sub = (uint8_t)(ua - ub), u_mul = (uint8_t)(ua * ub);
			MIX(s_add); MIX(s_sub); MIX(s_mul); MIX(u_add); MIX(u_sub); MIX(u_mul);
			if (b) { MIX((int8_t)(a / b)); MIX((int8_t)(a % b)); }
			if (ub) { MIX((uint8_t)(ua / ub)); MIX((uint8_t)(ua % ub)); }
			MIX(a < b); MIX(ua < ub); MIX(a < ua); MIX((uint8_t)a < ub);
			int16_t c = vs16[i], d = vs16[j];
			uint16_t uc = vu16[i], ud = vu16[j];
			MIX((int16_t)(c + d)); MIX((int16_t)(c - d)); MIX((int16_t)(c * d));
			MIX((uint16_t)(uc + ud)); MIX((uint16_t)(uc - ud)); MIX((uint16_t)((unsigned)uc * ud));
			if (d) { MIX((int16_t)(c / d)); MIX((int16_t)(c % d)); }
			if (ud) { MIX((uint16_t)(uc / ud)); MIX((uint16_t)(uc % ud)); }
			MIX(c < d); MIX(uc > ud); MIX((int16_t)uc < c);
			MIX((int16_t)(c >> (j & 15))); MIX((uint16_t)(uc >> (i & 15))); MIX((uint16_t)((unsigned)uc << (j & 15)));
			MIX((int8_t)(a >> (j & 7))); MIX((uint8_t)(ua >> (i & 7))); MIX((uint8_t)(ua << (j & 7)));
		}
	}
	printf("pairwise hash=%08x\n", h);
	for (int i = 0; i < 8; i++) {
		int8_t a = vs8[i];
		uint8_t ua = vu8[i];
		int16_t c = vs16[i];
		uint16_t uc = vu16[i];
		printf("s8=%4d u8=%3u s16=%6d u16=%5u | sx8=%08x zx8=%08x sx16=%08x zx16=%08x | s8->u16=%u u8->s8=%d s16->s8=%d u16->s16=%d\n",
		       a, ua, c, uc, (uint32_t)(int32_t)a, (uint32_t)ua, (uint32_t)(int32_t)c, (uint32_t)uc,
		       (uint16_t)a, (int8_t)ua, (int8_t)c, (int16_t)uc);
	}
	/* in-place byte and word array updates */
	uint8_t bytes[64];
	uint16_t words[64];
	for (int i = 0; i < 64; i++) { bytes[i] = (uint8_t)(i * 37); words[i] = (uint16_t)(i * 4099); }
	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < 64; i++) {
			bytes[i] += bytes[(i + 1) & 63] ^ (uint8_t)round;
			bytes[i] = (uint8_t)((bytes[i] << 1) | (bytes[i] >> 7));
			words[i] -= words[(i + 7) & 63] * 3;
			words[i] ^= (uint16_t)(words[i] >> 5);
			if ((int8_t)bytes[i] < 0) words[i]++;
			if ((int16_t)words[i] > 1000) bytes[i]--;
		}
	}
	uint32_t bs = 0, ws = 0;
	for (int i = 0; i < 64; i++) { bs = bs * 31 + bytes[i]; ws = ws * 31 + words[i]; }
	printf("bytes sig=%08x words sig=%08x\n", bs, ws);
	/* character arithmetic */
	char msg[] = "Hello, World! 0123456789";
	for (char *p = msg; *p; p++) {
		if (*p >= 'a' && *p <= 'z') *p = (char)('a' + (*p - 'a' + 13) % 26);
		else if (*p >= 'A' && *p <= 'Z') *p = (char)('A' + (*p - 'A' + 13) % 26);
		else if (*p >= '0' && *p <= '9') *p = (char)('9' - (*p - '0'));
	}
	printf("rot13: %s\n", msg);
	signed char sc = 100;
	unsigned char uc = 100;
	short ss = 30000;
	unsigned short us = 60000;
	for (int i = 0; i < 5; i++) { sc = (signed char)(sc + 20); uc = (unsigned char)(uc + 60); ss = (short)(ss + 1500); us = (unsigned short)(us + 2000); }
	printf("wrapped: sc=%d uc=%u ss=%d us=%u\n", sc, uc, ss, us);
	return (int)(h % 100);
}
