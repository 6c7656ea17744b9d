/* memops.c - struct assignment (gcc emits rep movsl / inline moves or
 * memcpy calls), struct return by value, memset/memcpy/memmove patterns
 * including overlapping moves in both directions, memcmp ordering, arrays
 * of structs, unions, packed structs with unaligned fields, and bitfields. */
#include "rt.h"

typedef struct { int a, b, c, d; char name[20]; short s[6]; } rec;
typedef struct { rec r[4]; int tag; } big;
typedef struct __attribute__((packed)) { uint8_t kind; uint32_t value; uint16_t len; uint64_t wide; } packed_t;
typedef struct { unsigned lo : 5, mid : 11, hi : 16; int sgn : 7; unsigned flag : 1; } bits_t;
typedef union { uint32_t u; int16_t h[2]; uint8_t b[4]; } pun;

static rec make_rec(int k) {
	rec r;
	memset(&r, 0, sizeof r);
	r.a = k; r.b = k * 2; r.c = -k; r.d = k ^ 0x55;
	snprintf(r.name, sizeof r.name, "rec-%d", k);
	for (int i = 0; i < 6; i++) r.s[i] = (short)(k * 100 + i);
	return r;
}

static big make_big(int k) {
	big b;
	for (int i = 0; i < 4; i++) b.r[i] = make_rec(k + i);
	b.tag = k;
	return b;
}

static uint32_t hash_bytes(const void *p, size_t n) {
	const uint8_t *b = p;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= 16777619u; }
	return h;
}

int main(void) {
	big x = make_big(5), y;
	y = x;                  /* large struct copy */
	y.r[2] = make_rec(99);  /* element copy */
	big arr[3];
	for (int i = 0; i < 3; i++) arr[i] = (i & 1) ? y : x;
	printf("x.r[1].name=%s y.r[2].name=%s arr[1].r[2].d=%d sizeof(big)=%u\n", x.r[1].name, y.r[2].name, arr[1].r[2].d,
	       (unsigned)sizeof(big));
	printf("hash x=%08x y=%08x arr=%08x cmp(x,y)=%d cmp(x,arr0)=%d\n", hash_bytes(&x, sizeof x), hash_bytes(&y, sizeof y),
	       hash_bytes(arr, sizeof arr), memcmp(&x, &y, sizeof x) < 0 ? -1 : 1, memcmp(&x, &arr[0], sizeof x));

	/* memset / memcpy of every length and alignment in a small window */
	static uint8_t buf[256], ref[256];
	uint32_t sig = 0;
	for (int off = 0; off < 8; off++) {
		for (int len = 0; len < 40; len++) {
			for (int i = 0; i < 256; i++) buf[i] = ref[i] = (uint8_t)i;
			memset(buf + off, 0xa0 + len, (size_t)len);
			for (int i = 0; i < len; i++) ref[off + i] = (uint8_t)(0xa0 + len);
			if (memcmp(buf, ref, 256)) { printf("memset mismatch off=%d len=%d\n", off, len); return 1; }
			memcpy(buf + 100 + (len & 3), buf + off, (size_t)len);
			memcpy(ref + 100 + (len & 3), ref + off, (size_t)len);
			if (memcmp(buf, ref, 256)) { printf("memcpy mismatch off=%d len=%d\n", off, len); return 1; }
			sig = sig * 3 + hash_bytes(buf, 256);
		}
	}
	printf("memset/memcpy sweep sig=%08x\n", sig);

	/* overlapping memmove both directions */
	char s[64];
	strcpy(s, "0123456789abcdefghijklmnopqrstuvwxyz");
	memmove(s + 4, s, 20);
	printf("memmove up:   %s\n", s);
	strcpy(s, "0123456789abcdefghijklmnopqrstuvwxyz");
	memmove(s, s + 5, 20);
	printf("memmove down: %s\n", s);

	/* packed struct with unaligned fields */
	packed_t pk[5];
	for (int i = 0; i < 5; i++) {
		pk[i].kind = (uint8_t)i;
		pk[i].value = 0x01020304u * (uint32_t)(i + 1);
		pk[i].len = (uint16_t)(0xfff0 + i);
		pk[i].wide = 0x1122334455667788ULL + (uint64_t)i * 0x0101010101010101ULL;
	}
	uint32_t psum = 0;
	for (int i = 0; i < 5; i++) psum += pk[i].value + pk[i].len + (uint32_t)(pk[i].wide >> 8) + pk[i].kind;
	printf("packed sizeof=%u psum=%08x bytes:", (unsigned)sizeof(packed_t), psum);
	for (int i = 0; i < 15; i++) printf(" %02x", ((uint8_t *)&pk[1])[i]);
	printf("\n");

	/* bitfields */
	bits_t bf;
	memset(&bf, 0, sizeof bf);
	uint32_t bsig = 0;
	for (int i = 0; i < 50; i++) {
		bf.lo += 7; bf.mid = (unsigned)(bf.mid * 3 + (unsigned)i); bf.hi ^= (unsigned)i * 1234; bf.sgn -= 5; bf.flag = !bf.flag;
		bsig = bsig * 31 + bf.lo + bf.mid + bf.hi + (uint32_t)bf.sgn + bf.flag;
	}
	printf("bitfields lo=%u mid=%u hi=%u sgn=%d flag=%u sig=%08x\n", bf.lo, bf.mid, bf.hi, bf.sgn, bf.flag, bsig);

	/* unions */
	pun p;
	p.u = 0x8001fffe;
	printf("union u=%08x h0=%d h1=%d b=%02x%02x%02x%02x\n", p.u, p.h[0], p.h[1], p.b[0], p.b[1], p.b[2], p.b[3]);
	return (int)(psum & 0xf);
}
