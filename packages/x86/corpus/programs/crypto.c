/* crypto.c - symmetric primitives that stress rotates, xors and 32-bit
 * adds: TEA, XTEA, RC4 (byte permutation), ChaCha20 block function
 * (RFC 7539 test vector), and a Salsa20 quarter-round table. */
#include "rt.h"

#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

static void tea_enc(uint32_t v[2], const uint32_t k[4]) {
	uint32_t v0 = v[0], v1 = v[1], sum = 0;
	for (int i = 0; i < 32; i++) {
		sum += 0x9e3779b9u;
		v0 += ((v1 << 4) + k[0]) ^ (v1 + sum) ^ ((v1 >> 5) + k[1]);
		v1 += ((v0 << 4) + k[2]) ^ (v0 + sum) ^ ((v0 >> 5) + k[3]);
	}
	v[0] = v0; v[1] = v1;
}
static void tea_dec(uint32_t v[2], const uint32_t k[4]) {
	uint32_t v0 = v[0], v1 = v[1], sum = 0xc6ef3720u;
	for (int i = 0; i < 32; i++) {
		v1 -= ((v0 << 4) + k[2]) ^ (v0 + sum) ^ ((v0 >> 5) + k[3]);
		v0 -= ((v1 << 4) + k[0]) ^ (v1 + sum) ^ ((v1 >> 5) + k[1]);
		sum -= 0x9e3779b9u;
	}
	v[0] = v0; v[1] = v1;
}
static void xtea_enc(uint32_t v[2], const uint32_t k[4]) {
	uint32_t v0 = v[0], v1 = v[1], sum = 0;
	for (int i = 0; i < 32; i++) {
		v0 += (((v1 << 4) ^ (v1 >> 5)) + v1) ^ (sum + k[sum & 3]);
		sum += 0x9e3779b9u;
		v1 += (((v0 << 4) ^ (v0 >> 5)) + v0) ^ (sum + k[(sum >> 11) & 3]);
	}
	v[0] = v0; v[1] = v1;
}
static void xtea_dec(uint32_t v[2], const uint32_t k[4]) {
	uint32_t v0 = v[0], v1 = v[1], sum = 0x9e3779b9u * 32;
	for (int i = 0; i < 32; i++) {
		v1 -= (((v0 << 4) ^ (v0 >> 5)) + v0) ^ (sum + k[(sum >> 11) & 3]);
		sum -= 0x9e3779b9u;
		v0 -= (((v1 << 4) ^ (v1 >> 5)) + v1) ^ (sum + k[sum & 3]);
	}
	v[0] = v0; v[1] = v1;
}

typedef struct { uint8_t S[256]; uint8_t i, j; } rc4;
static void rc4_init(rc4 *c, const uint8_t *key, int n) {
	for (int i = 0; i < 256; i++) c->S[i] = (uint8_t)i;
	uint8_t j = 0;
	for (int i = 0; i < 256; i++) {
		j = (uint8_t)(j + c->S[i] + key[i % n]);
		uint8_t t = c->S[i]; c->S[i] = c->S[j]; c->S[j] = t;
	}
	c->i = c->j = 0;
}
static uint8_t rc4_byte(rc4 *c) {
	c->i++;
	c->j = (uint8_t)(c->j + c->S[c->i]);
	uint8_t t = c->S[c->i]; c->S[c->i] = c->S[c->j]; c->S[c->j] = t;
	return c->S[(uint8_t)(c->S[c->i] + c->S[c->j])];
}

#define QR(a, b, c, d) \
	a += b; d ^= a; d = ROTL(d, 16); c += d; b ^= c; b = ROTL(b, 12); \
	a += b; d ^= a; d = ROTL(d, 8); c += d; b ^= c; b = ROTL(b, 7);
static void chacha20_block(uint32_t out[16], const uint32_t in[16]) {
	uint32_t x[16];
	memcpy(x, in, 64);
	for (int i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]) QR(x[1], x[5], x[9], x[13]) QR(x[2], x[6], x[10], x[14]) QR(x[3], x[7], x[11], x[15])
		QR(x[0], x[5], x[10], x[15]) QR(x[1], x[6], x[11], x[12]) QR(x[2], x[7], x[8], x[13]) QR(x[3], x[4], x[9], x[14])
	}
	for (int i = 0; i < 16; i++) out[i] = x[i] + in[i];
}

int main(void) {
	static const uint32_t key[4] = {0x01234567u, 0x89abcdefu, 0xfedcba98u, 0x76543210u};
	int bad = 0;
	for (int t = 0; t < 4; t++) {
		uint32_t v[2] = {0x11111111u * (uint32_t)t, 0xdeadbeefu ^ (uint32_t)t}, w[2] = {v[0], v[1]}, o0 = v[0], o1 = v[1];
		tea_enc(v, key);
		xtea_enc(w, key);
		printf("block %d: tea=%08x%08x xtea=%08x%08x", t, v[0], v[1], w[0], w[1]);
		tea_dec(v, key);
		xtea_dec(w, key);
		if (v[0] != o0 || v[1] != o1 || w[0] != o0 || w[1] != o1) { bad++; printf(" ROUNDTRIP FAIL"); }
		printf("\n");
	}
	/* RC4 test vector: key "Key", plaintext "Plaintext" -> BBF316E8D940AF0AD3 */
	rc4 c;
	rc4_init(&c, (const uint8_t *)"Key", 3);
	const char *pt = "Plaintext";
	printf("rc4: ");
	uint8_t expect[] = {0xbb, 0xf3, 0x16, 0xe8, 0xd9, 0x40, 0xaf, 0x0a, 0xd3};
	for (int i = 0; pt[i]; i++) { uint8_t b = (uint8_t)(pt[i] ^ rc4_byte(&c)); printf("%02X", b); if (b != expect[i]) bad++; }
	printf("\n");
	rc4_init(&c, (const uint8_t *)"Secret", 6);
	uint32_t ks = 0;
	for (int i = 0; i < 10000; i++) ks = ks * 31 + rc4_byte(&c);
	printf("rc4 keystream hash %08x\n", ks);
	/* ChaCha20 RFC 7539 2.3.2 */
	uint32_t in[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574, 0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c,
			   0x13121110, 0x17161514, 0x1b1a1918, 0x1f1e1d1c, 0x00000001, 0x09000000, 0x4a000000, 0x00000000};
	uint32_t out[16];
	chacha20_block(out, in);
	printf("chacha20:");
	for (int i = 0; i < 16; i++) printf(" %08x", out[i]);
	printf("\n");
	if (out[0] != 0xe4e7f110u || out[15] != 0x4e3c50a2u) bad++;
	uint32_t acc = 0;
	for (int blk = 0; blk < 100; blk++) { in[12] = (uint32_t)blk; chacha20_block(out, in); for (int i = 0; i < 16; i++) acc ^= ROTL(out[i], i + 1); }
	printf("chacha20 100 blocks: %08x\nbad=%d\n", acc, bad);
	return bad;
}
