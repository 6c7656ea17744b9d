/*
 * rt.c - freestanding runtime for the @nooks/x86 corpus (see rt.h).
 *
 * System calls used: exit (eax=1), write (eax=4), brk (eax=45), via int $0x80.
 * memcpy/memset/memmove use rep movs / rep stos (so the string instructions
 * are exercised by every program that copies structs).
 */
#include "rt.h"

/* ------------------------------------------------------------------ */
/* system calls                                                        */
/* ------------------------------------------------------------------ */

int sys_write(int fd, const void *buf, size_t len) {
	int ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "0"(4), "b"(fd), "c"(buf), "d"(len)
			 : "memory");
	return ret;
}

void sys_exit(int status) {
	for (;;)
		__asm__ volatile("int $0x80" : : "a"(1), "b"(status) : "memory");
}

void *sys_brk(void *addr) {
	void *ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "0"(45), "b"(addr) : "memory");
	return ret;
}

/* ------------------------------------------------------------------ */
/* buffered stdout                                                     */
/* ------------------------------------------------------------------ */

static char out_buf[4096];
static size_t out_len;

static void write_all(int fd, const char *p, size_t n) {
	while (n > 0) {
		int r = sys_write(fd, p, n);
		if (r <= 0)
			sys_exit(120);
		p += r;
		n -= (size_t)r;
	}
}

void fflush_stdout(void) {
	if (out_len) {
		write_all(1, out_buf, out_len);
		out_len = 0;
	}
}

static void out_bytes(const char *p, size_t n) {
	while (n > 0) {
		size_t room = sizeof(out_buf) - out_len;
		size_t k = n < room ? n : room;
		memcpy(out_buf + out_len, p, k);
		out_len += k;
		p += k;
		n -= k;
		if (out_len == sizeof(out_buf))
			fflush_stdout();
	}
}

int putchar(int c) {
	char ch = (char)c;
	out_bytes(&ch, 1);
	return (unsigned char)c;
}

int puts(const char *s) {
	out_bytes(s, strlen(s));
	putchar('\n');
	return 0;
}

void rt_exit(int status) {
	fflush_stdout();
	sys_exit(status);
}

void exit(int status) { rt_exit(status); }

void abort(void) {
	fflush_stdout();
	write_all(2, "abort\n", 6);
	sys_exit(134);
}

/* ------------------------------------------------------------------ */
/* memory / strings                                                    */
/* ------------------------------------------------------------------ */

void *memcpy(void *dst, const void *src, size_t n) {
	void *d = dst;
	size_t words = n >> 2, bytes = n & 3;
	__asm__ volatile("rep movsl\n\t"
			 "movl %[b], %%ecx\n\t"
			 "rep movsb"
			 : "+D"(d), "+S"(src), "+c"(words)
			 : [b] "r"(bytes)
			 : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
	if ((uintptr_t)dst - (uintptr_t)src >= n) {
		/* no harmful overlap: forward copy */
		return memcpy(dst, src, n);
	}
	if (n == 0)
		return dst;
	/* overlapping with dst above src: copy backwards with DF=1 */
	{
		char *d = (char *)dst + n - 1;
		const char *s = (const char *)src + n - 1;
		size_t cnt = n;
		__asm__ volatile("std\n\t"
				 "rep movsb\n\t"
				 "cld"
				 : "+D"(d), "+S"(s), "+c"(cnt)
				 :
				 : "memory", "cc");
	}
	return dst;
}

void *memset(void *dst, int c, size_t n) {
	void *d = dst;
	unsigned v = (unsigned char)c;
	size_t words = n >> 2, bytes = n & 3;
	v |= v << 8;
	v |= v << 16;
	__asm__ volatile("rep stosl\n\t"
			 "movl %[b], %%ecx\n\t"
			 "rep stosb"
			 : "+D"(d), "+c"(words)
			 : "a"(v), [b] "r"(bytes)
			 : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
	const unsigned char *p = a, *q = b;
	for (size_t i = 0; i < n; i++)
		if (p[i] != q[i])
			return p[i] < q[i] ? -1 : 1;
	return 0;
}

void *memchr(const void *s, int c, size_t n) {
	const unsigned char *p = s;
	for (size_t i = 0; i < n; i++)
		if (p[i] == (unsigned char)c)
			return (void *)(p + i);
	return NULL;
}

size_t strlen(const char *s) {
	const char *p = s;
	while (*p)
		p++;
	return (size_t)(p - s);
}

int strcmp(const char *a, const char *b) {
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (int)(unsigned char)*a - (int)(unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n) {
	for (; n > 0; n--, a++, b++) {
		if (*a != *b)
			return (int)(unsigned char)*a - (int)(unsigned char)*b;
		if (!*a)
			break;
	}
	return 0;
}

char *strcpy(char *dst, const char *src) {
	char *d = dst;
	while ((*d++ = *src++) != 0)
		;
	return dst;
}

char *strncpy(char *dst, const char *src, size_t n) {
	size_t i = 0;
	for (; i < n && src[i]; i++)
		dst[i] = src[i];
	for (; i < n; i++)
		dst[i] = 0;
	return dst;
}

char *strcat(char *dst, const char *src) {
	strcpy(dst + strlen(dst), src);
	return dst;
}

char *strchr(const char *s, int c) {
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c) {
	const char *r = NULL;
	for (;; s++) {
		if (*s == (char)c)
			r = s;
		if (!*s)
			return (char *)r;
	}
}

char *strstr(const char *hay, const char *needle) {
	size_t n = strlen(needle);
	if (n == 0)
		return (char *)hay;
	for (; *hay; hay++)
		if (*hay == *needle && strncmp(hay, needle, n) == 0)
			return (char *)hay;
	return NULL;
}

char *strdup(const char *s) {
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

int isdigit(int c) { return c >= '0' && c <= '9'; }
int isspace(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
int isupper(int c) { return c >= 'A' && c <= 'Z'; }
int islower(int c) { return c >= 'a' && c <= 'z'; }
int isalpha(int c) { return isupper(c) || islower(c); }
int isalnum(int c) { return isalpha(c) || isdigit(c); }
int isxdigit(int c) { return isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int toupper(int c) { return islower(c) ? c - 32 : c; }
int tolower(int c) { return isupper(c) ? c + 32 : c; }
int abs(int x) { return x < 0 ? -x : x; }
long long llabs(long long x) { return x < 0 ? -x : x; }

unsigned long strtoul(const char *s, char **end, int base) {
	unsigned long v = 0;
	while (isspace(*s))
		s++;
	if (*s == '+')
		s++;
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}
	for (;; s++) {
		int d;
		if (isdigit(*s))
			d = *s - '0';
		else if (islower(*s))
			d = *s - 'a' + 10;
		else if (isupper(*s))
			d = *s - 'A' + 10;
		else
			break;
		if (d >= base)
			break;
		v = v * (unsigned)base + (unsigned)d;
	}
	if (end)
		*end = (char *)s;
	return v;
}

long strtol(const char *s, char **end, int base) {
	int neg = 0;
	while (isspace(*s))
		s++;
	if (*s == '-') {
		neg = 1;
		s++;
	}
	unsigned long v = strtoul(s, end, base);
	return neg ? -(long)v : (long)v;
}

long long atoll(const char *s) {
	long long v = 0;
	int neg = 0;
	while (isspace(*s))
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	while (isdigit(*s))
		v = v * 10 + (*s++ - '0');
	return neg ? -v : v;
}

int atoi(const char *s) { return (int)atoll(s); }

/* ------------------------------------------------------------------ */
/* formatted output                                                    */
/* ------------------------------------------------------------------ */

typedef struct {
	void (*put)(void *ctx, const char *p, size_t n);
	void *ctx;
	int count;
} sink_t;

static void emit(sink_t *s, const char *p, size_t n) {
	s->put(s->ctx, p, n);
	s->count += (int)n;
}

static void emit_pad(sink_t *s, char c, int n) {
	char buf[16];
	memset(buf, c, sizeof buf);
	while (n > 0) {
		int k = n > 16 ? 16 : n;
		emit(s, buf, (size_t)k);
		n -= k;
	}
}

static int vformat(sink_t *s, const char *fmt, va_list ap) {
	static const char lower[] = "0123456789abcdef";
	static const char upper[] = "0123456789ABCDEF";
	while (*fmt) {
		const char *start = fmt;
		while (*fmt && *fmt != '%')
			fmt++;
		if (fmt != start)
			emit(s, start, (size_t)(fmt - start));
		if (!*fmt)
			break;
		fmt++; /* skip '%' */
		int left = 0, zero = 0, plus = 0, space = 0, alt = 0;
		for (;; fmt++) {
			if (*fmt == '-')
				left = 1;
			else if (*fmt == '0')
				zero = 1;
			else if (*fmt == '+')
				plus = 1;
			else if (*fmt == ' ')
				space = 1;
			else if (*fmt == '#')
				alt = 1;
			else
				break;
		}
		int width = 0, prec = -1;
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				left = 1;
				width = -width;
			}
			fmt++;
		} else {
			while (isdigit(*fmt))
				width = width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			} else {
				while (isdigit(*fmt))
					prec = prec * 10 + (*fmt++ - '0');
			}
		}
		int lng = 0; /* -2 hh, -1 h, 0 int, 1 l, 2 ll */
		for (;; fmt++) {
			if (*fmt == 'l')
				lng++;
			else if (*fmt == 'h')
				lng--;
			else if (*fmt == 'z')
				lng = 1;
			else
				break;
		}
		char conv = *fmt;
		if (conv)
			fmt++;
		char buf[72];
		int len = 0;
		const char *prefix = "";
		const char *body = buf;
		switch (conv) {
		case 'c': {
			buf[0] = (char)va_arg(ap, int);
			len = 1;
			break;
		}
		case 's': {
			body = va_arg(ap, const char *);
			if (!body)
				body = "(null)";
			len = (int)strlen(body);
			if (prec >= 0 && prec < len)
				len = prec;
			prec = -1;
			zero = 0;
			break;
		}
		case '%':
			buf[0] = '%';
			len = 1;
			break;
		case 'd':
		case 'i':
		case 'u':
		case 'x':
		case 'X':
		case 'o':
		case 'p': {
			unsigned long long v;
			int neg = 0;
			unsigned base = 10;
			const char *digits = lower;
			if (conv == 'p') {
				v = (uintptr_t)va_arg(ap, void *);
				base = 16;
				alt = 1;
			} else if (conv == 'd' || conv == 'i') {
				long long sv;
				if (lng >= 2)
					sv = va_arg(ap, long long);
				else
					sv = va_arg(ap, int);
				if (lng == -1)
					sv = (short)sv;
				else if (lng == -2)
					sv = (signed char)sv;
				if (sv < 0) {
					neg = 1;
					v = 0ULL - (unsigned long long)sv;
				} else {
					v = (unsigned long long)sv;
				}
			} else {
				if (lng >= 2)
					v = va_arg(ap, unsigned long long);
				else
					v = va_arg(ap, unsigned);
				if (lng == -1)
					v = (unsigned short)v;
				else if (lng == -2)
					v = (unsigned char)v;
				if (conv == 'x')
					base = 16;
				else if (conv == 'X') {
					base = 16;
					digits = upper;
				} else if (conv == 'o')
					base = 8;
			}
			/* digits, written backwards into buf */
			char *e = buf + sizeof buf;
			char *p = e;
			if (base == 10) {
				while (v > 0xffffffffULL) { /* 64-bit path: __udivdi3/__umoddi3 */
					*--p = digits[v % 10];
					v /= 10;
				}
				unsigned w = (unsigned)v;
				while (w) {
					*--p = digits[w % 10];
					w /= 10;
				}
			} else {
				unsigned shift = base == 16 ? 4 : 3;
				while (v) {
					*--p = digits[(unsigned)v & (base - 1)];
					v >>= shift;
				}
			}
			int nd = (int)(e - p);
			int want = prec >= 0 ? prec : 1;
			while (nd < want) {
				*--p = '0';
				nd++;
			}
			if (prec >= 0)
				zero = 0;
			if (neg)
				prefix = "-";
			else if ((conv == 'd' || conv == 'i') && plus)
				prefix = "+";
			else if ((conv == 'd' || conv == 'i') && space)
				prefix = " ";
			else if (alt && base == 16 && (conv == 'p' || !(nd == 1 && *p == '0')))
				prefix = conv == 'X' ? "0X" : "0x";
			else if (alt && base == 8 && *p != '0')
				prefix = "0";
			body = p;
			len = nd;
			break;
		}
		default:
			/* unknown conversion: print it verbatim */
			buf[0] = '%';
			buf[1] = conv;
			len = conv ? 2 : 1;
			break;
		}
		int plen = (int)strlen(prefix);
		int pad = width - len - plen;
		if (pad < 0)
			pad = 0;
		if (!left && !zero)
			emit_pad(s, ' ', pad);
		if (plen)
			emit(s, prefix, (size_t)plen);
		if (!left && zero)
			emit_pad(s, '0', pad);
		emit(s, body, (size_t)len);
		if (left)
			emit_pad(s, ' ', pad);
	}
	return s->count;
}

static void put_stdout(void *ctx, const char *p, size_t n) {
	(void)ctx;
	out_bytes(p, n);
}

static void put_stderr(void *ctx, const char *p, size_t n) {
	(void)ctx;
	write_all(2, p, n);
}

typedef struct {
	char *buf;
	size_t size;
	size_t pos;
} strbuf_t;

static void put_str(void *ctx, const char *p, size_t n) {
	strbuf_t *sb = ctx;
	for (size_t i = 0; i < n; i++, sb->pos++)
		if (sb->pos + 1 < sb->size)
			sb->buf[sb->pos] = p[i];
}

int vprintf(const char *fmt, va_list ap) {
	sink_t s = {put_stdout, NULL, 0};
	return vformat(&s, fmt, ap);
}

int printf(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	int r = vprintf(fmt, ap);
	va_end(ap);
	return r;
}

int eprintf(const char *fmt, ...) {
	fflush_stdout();
	va_list ap;
	va_start(ap, fmt);
	sink_t s = {put_stderr, NULL, 0};
	int r = vformat(&s, fmt, ap);
	va_end(ap);
	return r;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) {
	strbuf_t sb = {buf, size, 0};
	sink_t s = {put_str, &sb, 0};
	int r = vformat(&s, fmt, ap);
	if (size)
		buf[sb.pos < size ? sb.pos : size - 1] = 0;
	return r;
}

int snprintf(char *buf, size_t size, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return r;
}

void print_str(const char *s) { out_bytes(s, strlen(s)); }
void print_nl(void) { putchar('\n'); }
void print_int(int v) { printf("%d", v); }
void print_uint(unsigned v) { printf("%u", v); }
void print_hex(unsigned v) { printf("%08x", v); }
void print_i64(long long v) { printf("%lld", v); }
void print_u64(unsigned long long v) { printf("%llu", v); }
void print_hex64(unsigned long long v) { printf("%016llx", v); }

void hexdump(const void *p, size_t n) {
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		printf("%02x%c", b[i], (i % 16 == 15 || i + 1 == n) ? '\n' : ' ');
}

/* ------------------------------------------------------------------ */
/* heap: power-of-two size classes, free lists, bump allocation on brk */
/* ------------------------------------------------------------------ */

#define HEAP_MIN_CLASS 4 /* 16 bytes */
#define HEAP_MAX_CLASS 28
#define HEAP_MAGIC 0x4b4f4f4eu /* "NOOK" */

typedef struct block {
	unsigned cls;   /* size class: block is (1 << cls) bytes including header */
	unsigned magic; /* HEAP_MAGIC while allocated, ~HEAP_MAGIC while free */
	struct block *next; /* free-list link (overlaps user data) */
} block_t;

static block_t *free_lists[HEAP_MAX_CLASS + 1];
static char *heap_cur, *heap_end;
static size_t heap_in_use;

static void *heap_grow(size_t need) {
	if (!heap_cur) {
		heap_cur = heap_end = sys_brk(0);
		/* align to 16 */
		uintptr_t a = ((uintptr_t)heap_cur + 15) & ~(uintptr_t)15;
		heap_cur = (char *)a;
	}
	if ((size_t)(heap_end - heap_cur) < need) {
		size_t grow = need - (size_t)(heap_end - heap_cur);
		grow = (grow + 0xffff) & ~(size_t)0xffff; /* 64 KiB steps */
		char *want = heap_end + grow;
		char *got = sys_brk(want);
		if (got != want)
			return NULL;
		heap_end = got;
	}
	void *p = heap_cur;
	heap_cur += need;
	return p;
}

void *malloc(size_t n) {
	unsigned cls = HEAP_MIN_CLASS;
	size_t total = n + 8;
	if (n > ((size_t)1 << HEAP_MAX_CLASS) - 8)
		return NULL;
	while (((size_t)1 << cls) < total)
		cls++;
	block_t *b = free_lists[cls];
	if (b) {
		if (b->magic != ~HEAP_MAGIC)
			abort();
		free_lists[cls] = b->next;
	} else {
		b = heap_grow((size_t)1 << cls);
		if (!b)
			return NULL;
		b->cls = cls;
	}
	b->magic = HEAP_MAGIC;
	heap_in_use += (size_t)1 << cls;
	return (char *)b + 8;
}

void free(void *p) {
	if (!p)
		return;
	block_t *b = (block_t *)((char *)p - 8);
	if (b->magic != HEAP_MAGIC || b->cls < HEAP_MIN_CLASS || b->cls > HEAP_MAX_CLASS)
		abort(); /* double free or corruption */
	b->magic = ~HEAP_MAGIC;
	heap_in_use -= (size_t)1 << b->cls;
	b->next = free_lists[b->cls];
	free_lists[b->cls] = b;
}

void *calloc(size_t n, size_t size) {
	unsigned long long total = (unsigned long long)n * size;
	if (total > 0x7fffffffULL)
		return NULL;
	void *p = malloc((size_t)total);
	if (p)
		memset(p, 0, (size_t)total);
	return p;
}

void *realloc(void *p, size_t n) {
	if (!p)
		return malloc(n);
	if (n == 0) {
		free(p);
		return NULL;
	}
	block_t *b = (block_t *)((char *)p - 8);
	size_t cap = ((size_t)1 << b->cls) - 8;
	if (n <= cap)
		return p;
	void *q = malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, cap);
	free(p);
	return q;
}

size_t rt_heap_bytes_in_use(void) { return heap_in_use; }

/* ------------------------------------------------------------------ */
/* qsort (heapsort: deterministic, no recursion, O(n log n))           */
/* ------------------------------------------------------------------ */

static void swap_bytes(char *a, char *b, size_t size) {
	while (size--) {
		char t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

static void sift_down(char *base, size_t size, size_t start, size_t end,
		      int (*cmp)(const void *, const void *)) {
	size_t root = start;
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= end)
			return;
		if (child + 1 < end && cmp(base + child * size, base + (child + 1) * size) < 0)
			child++;
		if (cmp(base + root * size, base + child * size) >= 0)
			return;
		swap_bytes(base + root * size, base + child * size, size);
		root = child;
	}
}

void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *)) {
	char *b = base;
	if (n < 2)
		return;
	for (size_t i = n / 2; i-- > 0;)
		sift_down(b, size, i, n, cmp);
	for (size_t end = n - 1; end > 0; end--) {
		swap_bytes(b, b + end * size, size);
		sift_down(b, size, 0, end, cmp);
	}
}
