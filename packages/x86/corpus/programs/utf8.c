/* utf8.c - UTF-8 encoding/decoding with validation (overlongs,
 * surrogates, truncation), UTF-16 conversion with surrogate pairs, code
 * point counting and simple case folding for ASCII/Latin-1. */
#include "rt.h"

static int utf8_encode(uint32_t cp, uint8_t *o) {
	if (cp < 0x80) { o[0] = (uint8_t)cp; return 1; }
	if (cp < 0x800) { o[0] = (uint8_t)(0xc0 | cp >> 6); o[1] = (uint8_t)(0x80 | (cp & 63)); return 2; }
	if (cp < 0x10000) { o[0] = (uint8_t)(0xe0 | cp >> 12); o[1] = (uint8_t)(0x80 | ((cp >> 6) & 63)); o[2] = (uint8_t)(0x80 | (cp & 63)); return 3; }
	o[0] = (uint8_t)(0xf0 | cp >> 18); o[1] = (uint8_t)(0x80 | ((cp >> 12) & 63)); o[2] = (uint8_t)(0x80 | ((cp >> 6) & 63)); o[3] = (uint8_t)(0x80 | (cp & 63));
	return 4;
}

/* returns bytes consumed, or -1 on invalid; *cp receives the code point */
static int utf8_decode(const uint8_t *s, int n, uint32_t *cp) {
	if (n < 1) return -1;
	uint8_t b = s[0];
	int len;
	uint32_t c, min;
	if (b < 0x80) { *cp = b; return 1; }
	else if ((b & 0xe0) == 0xc0) { len = 2; c = b & 0x1f; min = 0x80; }
	else if ((b & 0xf0) == 0xe0) { len = 3; c = b & 0x0f; min = 0x800; }
	else if ((b & 0xf8) == 0xf0) { len = 4; c = b & 0x07; min = 0x10000; }
	else return -1;
	if (n < len) return -1;
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) return -1;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return -1;
	*cp = c;
	return len;
}

static int to_utf16(const uint32_t *cps, int n, uint16_t *out) {
	int o = 0;
	for (int i = 0; i < n; i++) {
		uint32_t c = cps[i];
		if (c >= 0x10000) { c -= 0x10000; out[o++] = (uint16_t)(0xd800 | (c >> 10)); out[o++] = (uint16_t)(0xdc00 | (c & 0x3ff)); }
		else out[o++] = (uint16_t)c;
	}
	return o;
}

int main(void) {
	static const uint32_t cps[] = {'A', 0x7f, 0x80, 0xe9, 0x7ff, 0x800, 0x20ac, 0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff};
	uint8_t buf[64];
	int n = 0, bad = 0;
	for (int i = 0; i < ARRAY_SIZE(cps); i++) {
		int l = utf8_encode(cps[i], buf + n);
		printf("U+%04X ->", cps[i]);
		for (int k = 0; k < l; k++) printf(" %02X", buf[n + k]);
		printf("\n");
		n += l;
	}
	uint32_t dec[32];
	int nd = 0;
	for (int i = 0; i < n;) {
		uint32_t c;
		int l = utf8_decode(buf + i, n - i, &c);
		if (l < 0) { bad++; break; }
		dec[nd++] = c;
		i += l;
	}
	for (int i = 0; i < nd; i++) if (dec[i] != cps[i]) bad++;
	uint16_t u16[64];
	int n16 = to_utf16(dec, nd, u16);
	printf("decoded %d code points from %d bytes; utf-16 units=%d:", nd, n, n16);
	for (int i = 0; i < n16; i++) printf(" %04x", u16[i]);
	printf("\n");
	static const struct { const char *name; uint8_t b[5]; int n; } invalid[] = {
		{"overlong /", {0xc0, 0xaf}, 2}, {"overlong 3-byte", {0xe0, 0x80, 0xaf}, 3}, {"surrogate", {0xed, 0xa0, 0x80}, 3},
		{"too large", {0xf4, 0x90, 0x80, 0x80}, 4}, {"truncated", {0xe2, 0x82}, 2}, {"bad continuation", {0xc3, 0x28}, 2},
		{"lone continuation", {0x80}, 1}, {"0xff", {0xff}, 1}, {"valid euro", {0xe2, 0x82, 0xac}, 3},
	};
	for (int i = 0; i < ARRAY_SIZE(invalid); i++) {
		uint32_t c = 0;
		int r = utf8_decode(invalid[i].b, invalid[i].n, &c);
		printf("%-18s -> %d", invalid[i].name, r);
		if (r > 0) printf(" U+%04X", c);
		printf("\n");
	}
	const char *text = "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln \xe2\x80\x94 na\xc3\xafve caf\xc3\xa9 \xf0\x9f\x98\x80!";
	int count = 0, bytes = (int)strlen(text), upper = 0;
	for (int i = 0; i < bytes;) {
		uint32_t c;
		int l = utf8_decode((const uint8_t *)text + i, bytes - i, &c);
		if (l < 0) { bad++; break; }
		if ((c >= 'a' && c <= 'z') || (c >= 0xe0 && c <= 0xfe && c != 0xf7)) upper++;
		count++;
		i += l;
	}
	printf("text: %d bytes, %d code points, %d lowercase letters\n", bytes, count, upper);
	printf("bad=%d\n", bad);
	return bad ? 1 : count;
}
