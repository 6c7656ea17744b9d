/* lz.c - an LZ77/LZSS compressor (hash-chain match finder, 4 KiB window,
 * flag bytes) and decompressor; round-trips several inputs and reports
 * sizes and checksums. Also a simple RLE codec. */
#include "rt.h"

#define WBITS 12
#define WSIZE (1 << WBITS)
#define MINM 3
#define MAXM 18
#define HBITS 12

static int lz_compress(const uint8_t *in, int n, uint8_t *out) {
	static int head[1 << HBITS], prev[WSIZE];
	for (int i = 0; i < (1 << HBITS); i++) head[i] = -1;
	int o = 0, i = 0;
	while (i < n) {
		int flagpos = o++;
		uint8_t flags = 0;
		for (int bit = 0; bit < 8 && i < n; bit++) {
			int best = 0, bestd = 0;
			if (i + MINM <= n) {
				unsigned h = ((unsigned)in[i] << 8 ^ (unsigned)in[i + 1] << 4 ^ in[i + 2]) & ((1 << HBITS) - 1);
				int cand = head[h], chain = 0;
				while (cand >= 0 && i - cand < WSIZE && chain++ < 32) {
					int l = 0;
					while (l < MAXM && i + l < n && in[cand + l] == in[i + l]) l++;
					if (l > best) { best = l; bestd = i - cand; }
					cand = prev[cand & (WSIZE - 1)];
				}
				prev[i & (WSIZE - 1)] = head[h];
				head[h] = i;
			}
			if (best >= MINM) {
				flags |= (uint8_t)(1 << bit);
				int d = bestd - 1;
				out[o++] = (uint8_t)(d & 0xff);
				out[o++] = (uint8_t)(((d >> 8) << 4) | (best - MINM));
				/* insert skipped positions into the hash chains */
				for (int k = 1; k < best; k++) {
					int j = i + k;
					if (j + MINM <= n) {
						unsigned h = ((unsigned)in[j] << 8 ^ (unsigned)in[j + 1] << 4 ^ in[j + 2]) & ((1 << HBITS) - 1);
						prev[j & (WSIZE - 1)] = head[h];
						head[h] = j;
					}
				}
				i += best;
			} else {
				out[o++] = in[i++];
			}
		}
		out[flagpos] = flags;
	}
	return o;
}

static int lz_decompress(const uint8_t *in, int n, uint8_t *out) {
	int i = 0, o = 0;
	while (i < n) {
		uint8_t flags = in[i++];
		for (int bit = 0; bit < 8 && i < n; bit++) {
			if (flags & (1 << bit)) {
				int d = (in[i] | ((in[i + 1] >> 4) << 8)) + 1;
				int len = (in[i + 1] & 15) + MINM;
				i += 2;
				for (int k = 0; k < len; k++, o++) out[o] = out[o - d]; /* may overlap */
			} else {
				out[o++] = in[i++];
			}
		}
	}
	return o;
}

static int rle_enc(const uint8_t *in, int n, uint8_t *out) {
	int o = 0;
	for (int i = 0; i < n;) {
		int j = i;
		while (j < n && in[j] == in[i] && j - i < 255) j++;
		out[o++] = (uint8_t)(j - i);
		out[o++] = in[i];
		i = j;
	}
	return o;
}
static int rle_dec(const uint8_t *in, int n, uint8_t *out) {
	int o = 0;
	for (int i = 0; i < n; i += 2) { memset(out + o, in[i + 1], in[i]); o += in[i]; }
	return o;
}

static uint32_t adler(const uint8_t *p, int n) {
	uint32_t a = 1, b = 0;
	for (int i = 0; i < n; i++) { a = (a + p[i]) % 65521; b = (b + a) % 65521; }
	return b << 16 | a;
}

int main(void) {
	static uint8_t input[12000], comp[24000], dec[12000];
	static const char *words[] = {"the ", "quick ", "brown ", "fox ", "jumps ", "over ", "lazy ", "dog ", "and ", "then ", "some\n"};
	int bad = 0;
	for (int kind = 0; kind < 4; kind++) {
		int n = 0;
		uint32_t s = 1234 + (uint32_t)kind;
		while (n < 5000) {
			if (kind == 0) { const char *w = words[rt_xorshift32(&s) % 11]; while (*w && n < 5000) input[n++] = (uint8_t)*w++; }
			else if (kind == 1) input[n++] = (uint8_t)rt_xorshift32(&s);                   /* incompressible */
			else if (kind == 2) { input[n] = (uint8_t)((n / 100) & 1 ? 'x' : 'y'); n++; }       /* long runs */
			else { input[n] = (uint8_t)("abcabcabd"[n % 9] + (n % 1000 == 0)); n++; }          /* periodic */
		}
		int c = lz_compress(input, n, comp);
		int d = lz_decompress(comp, c, dec);
		int ok = d == n && memcmp(input, dec, (size_t)n) == 0;
		int r = rle_enc(input, n, comp);
		int rd = rle_dec(comp, r, dec);
		int rok = rd == n && memcmp(input, dec, (size_t)n) == 0;
		if (!ok || !rok) bad++;
		printf("kind %d: %d bytes -> lz %d (%d.%d%%) %s, rle %d %s, adler %08x\n", kind, n, c, c * 100 / n, c * 1000 / n % 10,
		       ok ? "ok" : "FAIL", r, rok ? "ok" : "FAIL", adler(input, n));
	}
	return bad ? 1 : 0;
}
