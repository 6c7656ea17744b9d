/*
 * rt.h - tiny freestanding runtime for the @nooks/x86 differential corpus.
 *
 * Programs are built with gcc -m32 -ffreestanding -nostdlib and linked with
 * runtime/start.S, runtime/rt.c and runtime/libgcc.c. No libc, no floating
 * point. The only system calls used are exit (1), write (4) and brk (45),
 * issued with `int $0x80`.
 *
 * stdout is buffered (4 KiB) and flushed on exit / when full / before any
 * write to stderr, so the byte stream a program produces is identical no
 * matter how the emulator splits write() calls.
 *
 * Rules for corpus programs (so native and emulated runs are comparable):
 *   - deterministic: no addresses printed or hashed (the native stack and
 *     brk base are randomised by ASLR), no uninitialised reads;
 *   - no floating point, no cpuid, no rdtsc;
 *   - exit status chosen by the program (via main's return or exit()),
 *     kept below 100 so it never collides with x86run's own statuses;
 *   - a few tens of millions of instructions at most (bench-*.c excepted),
 *     heap (brk) below 4 MiB, stack below 512 KiB.
 */
#ifndef NOOKS_RT_H
#define NOOKS_RT_H

typedef unsigned char uint8_t;
typedef signed char int8_t;
typedef unsigned short uint16_t;
typedef short int16_t;
typedef unsigned int uint32_t;
typedef int int32_t;
typedef unsigned long long uint64_t;
typedef long long int64_t;
typedef unsigned int size_t;
typedef int ssize_t;
typedef int ptrdiff_t;
typedef unsigned int uintptr_t;
typedef int intptr_t;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

#define INT32_MAX 0x7fffffff
#define INT32_MIN (-INT32_MAX - 1)
#define UINT32_MAX 0xffffffffu
#define INT64_MAX 0x7fffffffffffffffLL
#define INT64_MIN (-INT64_MAX - 1)
#define UINT64_MAX 0xffffffffffffffffULL

#define ARRAY_SIZE(a) ((int)(sizeof(a) / sizeof((a)[0])))

typedef __builtin_va_list va_list;
#define va_start(ap, last) __builtin_va_start(ap, last)
#define va_arg(ap, type) __builtin_va_arg(ap, type)
#define va_end(ap) __builtin_va_end(ap)
#define va_copy(d, s) __builtin_va_copy(d, s)

/* --- system calls (int $0x80) --- */
int sys_write(int fd, const void *buf, size_t len);
void sys_exit(int status) __attribute__((noreturn));
void *sys_brk(void *addr);

/* --- process --- */
void exit(int status) __attribute__((noreturn));
void rt_exit(int status) __attribute__((noreturn));
void abort(void) __attribute__((noreturn)); /* prints "abort", exit status 134 */

/* --- memory and strings (real functions: gcc may call them itself) --- */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *dst, const char *src);
char *strncpy(char *dst, const char *src, size_t n);
char *strcat(char *dst, const char *src);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *hay, const char *needle);
char *strdup(const char *s);

/* --- character classes / conversions --- */
int isdigit(int c);
int isspace(int c);
int isalpha(int c);
int isalnum(int c);
int isupper(int c);
int islower(int c);
int isxdigit(int c);
int toupper(int c);
int tolower(int c);
int atoi(const char *s);
long long atoll(const char *s);
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
int abs(int x);
long long llabs(long long x);

/* --- output --- */
/* printf supports: flags '-' '0' '+' ' ' '#', width (number or *),
 * precision (number or *; for s, d, u, x), length hh h l ll z,
 * conversions d i u x X o c s p %. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int eprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* stderr */
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int putchar(int c);
int puts(const char *s); /* appends '\n' */
void fflush_stdout(void);
void print_str(const char *s);
void print_int(int v);
void print_uint(unsigned v);
void print_hex(unsigned v); /* 8 digits */
void print_i64(long long v);
void print_u64(unsigned long long v);
void print_hex64(unsigned long long v); /* 16 digits */
void print_nl(void);
void hexdump(const void *p, size_t n); /* "xx xx ..." lines of 16 */

/* --- heap (power-of-two free lists on top of brk) --- */
void *malloc(size_t n);
void free(void *p);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
size_t rt_heap_bytes_in_use(void);

/* --- misc helpers --- */
void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

/* deterministic PRNG (xorshift32); state passed explicitly */
static inline uint32_t rt_xorshift32(uint32_t *s) {
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

#define CHECK(cond)                                                             \
	do {                                                                    \
		if (!(cond)) {                                                  \
			printf("CHECK failed: %s (line %d)\n", #cond, __LINE__); \
			exit(99);                                               \
		}                                                               \
	} while (0)

#endif
