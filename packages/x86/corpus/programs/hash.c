/* hash.c - CRC32 (bitwise and table-driven), CRC16-CCITT, Adler-32,
 * FNV-1a 32/64, djb2, MurmurHash3 x86_32, Jenkins one-at-a-time. */
#include "rt.h"

static uint32_t crc32_bitwise(const uint8_t *p, size_t n) {
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static uint32_t crc_table[256];
static void crc32_init(void) {
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}
static uint32_t crc32_table(const uint8_t *p, size_t n) {
	uint32_t c = 0xffffffffu;
	while (n--) c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return ~c;
}

static uint16_t crc16_ccitt(const uint8_t *p, size_t n) {
	uint16_t crc = 0xffff;
	for (size_t i = 0; i < n; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (int k = 0; k < 8; k++)
			crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
	}
	return crc;
}

static uint32_t adler32(const uint8_t *p, size_t n) {
	uint32_t a = 1, b = 0;
	for (size_t i = 0; i < n; i++) {
		a = (a + p[i]) % 65521;
		b = (b + a) % 65521;
	}
	return (b << 16) | a;
}

static uint32_t fnv1a32(const uint8_t *p, size_t n) {
	uint32_t h = 0x811c9dc5u;
	for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 0x01000193u; }
	return h;
}

static uint64_t fnv1a64(const uint8_t *p, size_t n) {
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 0x100000001b3ULL; }
	return h;
}

static uint32_t djb2(const uint8_t *p, size_t n) {
	uint32_t h = 5381;
	for (size_t i = 0; i < n; i++) h = h * 33 + p[i];
	return h;
}

static inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

static uint32_t murmur3_32(const uint8_t *data, size_t len, uint32_t seed) {
	const uint32_t c1 = 0xcc9e2d51, c2 = 0x1b873593;
	uint32_t h = seed;
	size_t nblocks = len / 4;
	for (size_t i = 0; i < nblocks; i++) {
		uint32_t k;
		memcpy(&k, data + i * 4, 4);
		k *= c1; k = rotl32(k, 15); k *= c2;
		h ^= k; h = rotl32(h, 13); h = h * 5 + 0xe6546b64;
	}
	const uint8_t *tail = data + nblocks * 4;
	uint32_t k1 = 0;
	switch (len & 3) {
	case 3: k1 ^= (uint32_t)tail[2] << 16; /* fall through */
	case 2: k1 ^= (uint32_t)tail[1] << 8;  /* fall through */
	case 1: k1 ^= tail[0];
		k1 *= c1; k1 = rotl32(k1, 15); k1 *= c2; h ^= k1;
	}
	h ^= (uint32_t)len;
	h ^= h >> 16; h *= 0x85ebca6b; h ^= h >> 13; h *= 0xc2b2ae35; h ^= h >> 16;
	return h;
}

static uint32_t one_at_a_time(const uint8_t *p, size_t n) {
	uint32_t h = 0;
	for (size_t i = 0; i < n; i++) { h += p[i]; h += h << 10; h ^= h >> 6; }
	h += h << 3; h ^= h >> 11; h += h << 15;
	return h;
}

int main(void) {
	static const char *inputs[] = {
		"", "a", "abc", "message digest", "123456789",
		"The quick brown fox jumps over the lazy dog",
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
	};
	crc32_init();
	int bad = 0;
	for (int i = 0; i < ARRAY_SIZE(inputs); i++) {
		const uint8_t *p = (const uint8_t *)inputs[i];
		size_t n = strlen(inputs[i]);
		uint32_t c1 = crc32_bitwise(p, n), c2 = crc32_table(p, n);
		if (c1 != c2) bad++;
		printf("\"%s\"\n  crc32=%08x crc16=%04x adler=%08x fnv32=%08x fnv64=%016llx\n"
		       "  djb2=%08x murmur3=%08x oaat=%08x\n",
		       inputs[i], c1, crc16_ccitt(p, n), adler32(p, n), fnv1a32(p, n),
		       fnv1a64(p, n), djb2(p, n), murmur3_32(p, n, 0x9747b28c), one_at_a_time(p, n));
	}
	/* known answers */
	if (crc32_table((const uint8_t *)"123456789", 9) != 0xcbf43926u) bad++;
	if (crc16_ccitt((const uint8_t *)"123456789", 9) != 0x29b1) bad++;
	if (adler32((const uint8_t *)"Wikipedia", 9) != 0x11e60398u) bad++;
	/* a bigger buffer */
	static uint8_t buf[20000];
	uint32_t s = 7;
	for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)rt_xorshift32(&s);
	printf("buffer crc32=%08x adler=%08x fnv64=%016llx murmur=%08x\n",
	       crc32_table(buf, sizeof buf), adler32(buf, sizeof buf), fnv1a64(buf, sizeof buf),
	       murmur3_32(buf, sizeof buf, 1));
	printf("bad=%d\n", bad);
	return bad ? 2 : 0;
}
