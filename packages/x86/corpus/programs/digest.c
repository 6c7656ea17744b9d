/* digest.c - MD5, SHA-1 and SHA-256 on the standard test vectors and on a
 * million 'a's (chunked), checked against known answers. */
#include "rt.h"

static inline uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }
static inline uint32_t ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

/* ---------------- MD5 ---------------- */
typedef struct { uint32_t h[4]; uint64_t len; uint8_t buf[64]; unsigned fill; } md5_t;

static const uint32_t md5_k[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
	0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
	0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
	0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
static const uint8_t md5_r[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
				  5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
				  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
				  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

static void md5_block(md5_t *c, const uint8_t *p) {
	uint32_t w[16];
	for (int i = 0; i < 16; i++)
		w[i] = p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
	uint32_t a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3];
	for (int i = 0; i < 64; i++) {
		uint32_t f;
		int g;
		if (i < 16) { f = (b & cc) | (~b & d); g = i; }
		else if (i < 32) { f = (d & b) | (~d & cc); g = (5 * i + 1) & 15; }
		else if (i < 48) { f = b ^ cc ^ d; g = (3 * i + 5) & 15; }
		else { f = cc ^ (b | ~d); g = (7 * i) & 15; }
		uint32_t t = d;
		d = cc;
		cc = b;
		b = b + rol(a + f + md5_k[i] + w[g], md5_r[i]);
		a = t;
	}
	c->h[0] += a; c->h[1] += b; c->h[2] += cc; c->h[3] += d;
}

static void md5_init(md5_t *c) {
	c->h[0] = 0x67452301; c->h[1] = 0xefcdab89; c->h[2] = 0x98badcfe; c->h[3] = 0x10325476;
	c->len = 0; c->fill = 0;
}
static void md5_update(md5_t *c, const void *data, size_t n) {
	const uint8_t *p = data;
	c->len += n;
	while (n--) {
		c->buf[c->fill++] = *p++;
		if (c->fill == 64) { md5_block(c, c->buf); c->fill = 0; }
	}
}
static void md5_final(md5_t *c, uint8_t out[16]) {
	uint64_t bits = c->len * 8;
	uint8_t pad = 0x80;
	md5_update(c, &pad, 1);
	pad = 0;
	while (c->fill != 56) md5_update(c, &pad, 1);
	uint8_t l[8];
	for (int i = 0; i < 8; i++) l[i] = (uint8_t)(bits >> (8 * i));
	md5_update(c, l, 8);
	for (int i = 0; i < 16; i++) out[i] = (uint8_t)(c->h[i / 4] >> (8 * (i % 4)));
}

/* ---------------- SHA-1 / SHA-256 (shared big-endian framing) ---------------- */
typedef struct { uint32_t h[8]; uint64_t len; uint8_t buf[64]; unsigned fill; int is256; } sha_t;

static const uint32_t k256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static void sha_block(sha_t *c, const uint8_t *p) {
	uint32_t w[80];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	if (!c->is256) {
		for (int i = 16; i < 80; i++) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
		uint32_t a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3], e = c->h[4];
		for (int i = 0; i < 80; i++) {
			uint32_t f, k;
			if (i < 20) { f = (b & cc) | (~b & d); k = 0x5a827999; }
			else if (i < 40) { f = b ^ cc ^ d; k = 0x6ed9eba1; }
			else if (i < 60) { f = (b & cc) | (b & d) | (cc & d); k = 0x8f1bbcdc; }
			else { f = b ^ cc ^ d; k = 0xca62c1d6; }
			uint32_t t = rol(a, 5) + f + e + k + w[i];
			e = d; d = cc; cc = rol(b, 30); b = a; a = t;
		}
		c->h[0] += a; c->h[1] += b; c->h[2] += cc; c->h[3] += d; c->h[4] += e;
	} else {
		for (int i = 16; i < 64; i++) {
			uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
			uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
			w[i] = w[i - 16] + s0 + w[i - 7] + s1;
		}
		uint32_t v[8];
		for (int i = 0; i < 8; i++) v[i] = c->h[i];
		for (int i = 0; i < 64; i++) {
			uint32_t S1 = ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25);
			uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
			uint32_t t1 = v[7] + S1 + ch + k256[i] + w[i];
			uint32_t S0 = ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22);
			uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
			uint32_t t2 = S0 + maj;
			v[7] = v[6]; v[6] = v[5]; v[5] = v[4]; v[4] = v[3] + t1;
			v[3] = v[2]; v[2] = v[1]; v[1] = v[0]; v[0] = t1 + t2;
		}
		for (int i = 0; i < 8; i++) c->h[i] += v[i];
	}
}

static void sha_init(sha_t *c, int is256) {
	static const uint32_t i1[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
	static const uint32_t i256[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memset(c, 0, sizeof *c);
	c->is256 = is256;
	memcpy(c->h, is256 ? i256 : i1, is256 ? 32 : 20);
}
static void sha_update(sha_t *c, const void *data, size_t n) {
	const uint8_t *p = data;
	c->len += n;
	while (n) {
		if (c->fill == 0 && n >= 64) { sha_block(c, p); p += 64; n -= 64; continue; }
		c->buf[c->fill++] = *p++; n--;
		if (c->fill == 64) { sha_block(c, c->buf); c->fill = 0; }
	}
}
static int sha_final(sha_t *c, uint8_t *out) {
	uint64_t bits = c->len << 3;
	uint8_t pad = 0x80;
	sha_update(c, &pad, 1);
	pad = 0;
	while (c->fill != 56) sha_update(c, &pad, 1);
	uint8_t l[8];
	for (int i = 0; i < 8; i++) l[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha_update(c, l, 8);
	int words = c->is256 ? 8 : 5;
	for (int i = 0; i < words * 4; i++) out[i] = (uint8_t)(c->h[i / 4] >> (24 - 8 * (i % 4)));
	return words * 4;
}

static void hex(char *dst, const uint8_t *p, int n) {
	static const char d[] = "0123456789abcdef";
	for (int i = 0; i < n; i++) { dst[2 * i] = d[p[i] >> 4]; dst[2 * i + 1] = d[p[i] & 15]; }
	dst[2 * n] = 0;
}

int main(void) {
	static const char *vec[] = {"", "abc", "message digest", "abcdefghijklmnopqrstuvwxyz",
				    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
				    "12345678901234567890123456789012345678901234567890123456789012345678901234567890"};
	char h[65];
	uint8_t out[32];
	int bad = 0;
	for (int i = 0; i < ARRAY_SIZE(vec); i++) {
		md5_t m;
		md5_init(&m);
		md5_update(&m, vec[i], strlen(vec[i]));
		md5_final(&m, out);
		hex(h, out, 16);
		printf("md5(\"%s\") = %s\n", vec[i], h);
		if (i == 1 && strcmp(h, "900150983cd24fb0d6963f7d28e17f72")) bad++;
		for (int t = 0; t < 2; t++) {
			sha_t s;
			sha_init(&s, t);
			sha_update(&s, vec[i], strlen(vec[i]));
			int n = sha_final(&s, out);
			hex(h, out, n);
			printf("%s(\"%s\") = %s\n", t ? "sha256" : "sha1", vec[i], h);
			if (i == 1 && t == 0 && strcmp(h, "a9993e364706816aba3e25717850c26c9cd0d89d")) bad++;
			if (i == 1 && t == 1 && strcmp(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")) bad++;
		}
	}
	/* 20000 'a's in uneven chunks */
	static char chunk[997];
	memset(chunk, 'a', sizeof chunk);
	sha_t s1, s2;
	md5_t m;
	sha_init(&s1, 0); sha_init(&s2, 1); md5_init(&m);
	size_t left = 20000;
	while (left) {
		size_t k = left < sizeof chunk ? left : sizeof chunk;
		sha_update(&s1, chunk, k); sha_update(&s2, chunk, k); md5_update(&m, chunk, k);
		left -= k;
	}
	md5_final(&m, out); hex(h, out, 16); printf("md5(20000 x a) = %s\n", h);
	sha_final(&s1, out); hex(h, out, 20); printf("sha1(20000 x a) = %s\n", h);
	sha_final(&s2, out); hex(h, out, 32); printf("sha256(20000 x a) = %s\n", h);
	printf("bad=%d\n", bad);
	return bad ? 1 : 0;
}
