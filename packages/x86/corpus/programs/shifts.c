/* shifts.c - shifts by variable (run-time) amounts on 8/16/32/64-bit
 * signed and unsigned values (gcc emits shl/shr/sar %cl and shld/shrd for
 * 64-bit), multiplications by powers of two, and a barrel-shifter
 * style bit stream reader/writer. */
#include "rt.h"

static volatile unsigned counts[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 23, 24, 31};

typedef struct { uint8_t *buf; uint32_t pos; uint64_t acc; int nbits; } bitwriter;
static void put_bits(bitwriter *w, uint32_t v, int n) {
	w->acc |= (uint64_t)(v & ((n == 32) ? 0xffffffffu : ((1u << n) - 1))) << w->nbits;
	w->nbits += n;
	while (w->nbits >= 8) { w->buf[w->pos++] = (uint8_t)w->acc; w->acc >>= 8; w->nbits -= 8; }
}
static void flush_bits(bitwriter *w) { if (w->nbits) { w->buf[w->pos++] = (uint8_t)w->acc; w->acc = 0; w->nbits = 0; } }
typedef struct { const uint8_t *buf; uint32_t pos; uint64_t acc; int nbits; } bitreader;
static uint32_t get_bits(bitreader *r, int n) {
	while (r->nbits < n) { r->acc |= (uint64_t)r->buf[r->pos++] << r->nbits; r->nbits += 8; }
	uint32_t v = (uint32_t)(r->acc & (((uint64_t)1 << n) - 1));
	r->acc >>= n;
	r->nbits -= n;
	return v;
}

int main(void) {
	uint32_t h = 0;
	static const uint32_t v32[] = {0x80000001u, 0x12345678u, 0xffffffffu, 0x7fffffffu, 1u, 0xf0f0f0f0u};
	for (int i = 0; i < ARRAY_SIZE(v32); i++) {
		uint32_t u = v32[i];
		int32_t s = (int32_t)u;
		uint16_t u16 = (uint16_t)u;
		int16_t s16 = (int16_t)u;
		uint8_t u8 = (uint8_t)(u >> 3);
		int8_t s8 = (int8_t)(u >> 3);
		uint64_t u64 = ((uint64_t)u << 32) | (u ^ 0x5a5a5a5au);
		int64_t s64 = (int64_t)u64;
		for (int k = 0; k < ARRAY_SIZE(counts); k++) {
			unsigned c = counts[k];
			h = h * 31 + (u << c); h = h * 31 + (u >> c); h = h * 31 + (uint32_t)(s >> c);
			h = h * 31 + (uint16_t)((unsigned)u16 << (c & 15)); h = h * 31 + (uint16_t)(u16 >> (c & 15));
			h = h * 31 + (uint32_t)(int16_t)(s16 >> (c & 15));
			h = h * 31 + (uint8_t)(u8 << (c & 7)); h = h * 31 + (uint8_t)(u8 >> (c & 7));
			h = h * 31 + (uint32_t)(int8_t)(s8 >> (c & 7));
			uint64_t a = u64 << c, b = u64 >> c, d = (uint64_t)(s64 >> c);
			uint64_t a2 = u64 << (c + 32), b2 = u64 >> (c + 32), d2 = (uint64_t)(s64 >> (c + 32));
			h = h * 31 + (uint32_t)(a ^ (a >> 32)); h = h * 31 + (uint32_t)(b ^ (b >> 32));
			h = h * 31 + (uint32_t)(d ^ (d >> 32)); h = h * 31 + (uint32_t)(a2 >> 32) + (uint32_t)b2 + (uint32_t)(d2 >> 7);
		}
		printf("%08x: <<5=%08x >>5=%08x sar5=%08x 64<<36=%016llx 64>>36=%016llx sar36=%016llx h=%08x\n", u, u << counts[5],
		       u >> counts[5], (uint32_t)(s >> counts[5]), u64 << (counts[5] + 31), u64 >> (counts[5] + 31),
		       (uint64_t)(s64 >> (counts[5] + 31)), h);
	}
	/* bit stream round-trip with field widths 1..32 */
	static uint8_t stream[4096];
	bitwriter w = {stream, 0, 0, 0};
	uint32_t s = 31337, total_bits = 0;
	for (int i = 0; i < 600; i++) {
		int n = 1 + i % 32;
		put_bits(&w, rt_xorshift32(&s), n);
		total_bits += (uint32_t)n;
	}
	flush_bits(&w);
	bitreader r = {stream, 0, 0, 0};
	s = 31337;
	int bad = 0;
	uint32_t rs = 0;
	for (int i = 0; i < 600; i++) {
		int n = 1 + i % 32;
		uint32_t want = rt_xorshift32(&s);
		if (n < 32) want &= (1u << n) - 1;
		uint32_t got = get_bits(&r, n);
		if (got != want) bad++;
		rs = rs * 17 + got;
	}
	printf("bitstream: %u bits in %u bytes, sig=%08x bad=%d\n", total_bits, w.pos, rs, bad);
	/* multiply/divide by powers of two through shifts, signed rounding */
	for (int x = -9; x <= 9; x += 3) {
		int c = (int)counts[2];
		printf("x=%d x/4=%d x>>2=%d x*4=%d (x<0?x+3:x)>>2=%d\n", x, x / 4, x >> c, x * 4, (x < 0 ? x + 3 : x) >> c);
	}
	return bad;
}
