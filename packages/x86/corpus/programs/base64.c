/* base64.c - base64 encode/decode (RFC 4648 vectors), hex encode/decode,
 * and a round trip of all byte values at every length up to 70. */
#include "rt.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int enc(const uint8_t *in, int n, char *out) {
	int o = 0, i = 0;
	for (; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64[v >> 18]; out[o++] = b64[(v >> 12) & 63]; out[o++] = b64[(v >> 6) & 63]; out[o++] = b64[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = b64[v >> 18]; out[o++] = b64[(v >> 12) & 63]; out[o++] = '='; out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64[v >> 18]; out[o++] = b64[(v >> 12) & 63]; out[o++] = b64[(v >> 6) & 63]; out[o++] = '=';
	}
	out[o] = 0;
	return o;
}

static int8_t rev[256];
static void init_rev(void) {
	memset(rev, -1, sizeof rev);
	for (int i = 0; i < 64; i++) rev[(unsigned char)b64[i]] = (int8_t)i;
}

static int dec(const char *in, uint8_t *out) {
	int o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (; *in && *in != '='; in++) {
		int v = rev[(unsigned char)*in];
		if (v < 0) return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) { bits -= 8; out[o++] = (uint8_t)(acc >> bits); }
	}
	return o;
}

static void hexenc(const uint8_t *in, int n, char *out) {
	for (int i = 0; i < n; i++) { out[2 * i] = "0123456789abcdef"[in[i] >> 4]; out[2 * i + 1] = "0123456789abcdef"[in[i] & 15]; }
	out[2 * n] = 0;
}
static int hexval(char c) { return c <= '9' ? c - '0' : (c | 32) - 'a' + 10; }
static int hexdec(const char *in, uint8_t *out) { int n = 0; for (; in[0] && in[1]; in += 2) out[n++] = (uint8_t)(hexval(in[0]) << 4 | hexval(in[1])); return n; }

int main(void) {
	init_rev();
	static const char *vec[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar", "Man is distinguished, not only by his reason"};
	char e[200], h[200];
	uint8_t d[200];
	int bad = 0;
	for (int i = 0; i < ARRAY_SIZE(vec); i++) {
		int n = (int)strlen(vec[i]);
		enc((const uint8_t *)vec[i], n, e);
		int m = dec(e, d);
		d[m < 0 ? 0 : m] = 0;
		if (m != n || memcmp(d, vec[i], (size_t)n)) bad++;
		hexenc((const uint8_t *)vec[i], n > 8 ? 8 : n, h);
		printf("\"%s\" -> \"%s\" (hex prefix %s)\n", vec[i], e, h);
	}
	static uint8_t all[256];
	for (int i = 0; i < 256; i++) all[i] = (uint8_t)(255 - i);
	uint32_t sig = 0;
	for (int len = 0; len <= 70; len++) {
		enc(all + len, len, e);
		int m = dec(e, d);
		if (m != len || memcmp(d, all + len, (size_t)len)) bad++;
		hexenc(all + len, len, h);
		if (hexdec(h, d) != len || memcmp(d, all + len, (size_t)len)) bad++;
		for (char *p = e; *p; p++) sig = sig * 31 + (uint8_t)*p;
	}
	enc(all, 48, e);
	printf("all bytes (48): %s\nsig=%08x bad=%d invalid=%d\n", e, sig, bad, dec("ab$d", d));
	return bad;
}
