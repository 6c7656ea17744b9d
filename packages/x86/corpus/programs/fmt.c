/* fmt.c - exercises the runtime's printf/snprintf implementation (which
 * itself relies on 64-bit division helpers): widths, precision, flags,
 * all length modifiers, extreme values, and string truncation. */
#include "rt.h"

int main(void) {
	static const int iv[] = {0, 1, -1, 42, -42, 2147483647, -2147483647 - 1, 100000, -99999};
	for (int i = 0; i < ARRAY_SIZE(iv); i++)
		printf("[%d] [%5d] [%-5d] [%05d] [%+d] [% d] [%.3d] [%8.4d] [%x] [%X] [%#x] [%o] [%#o] [%u]\n", iv[i], iv[i], iv[i], iv[i],
		       iv[i], iv[i], iv[i], iv[i], (unsigned)iv[i], (unsigned)iv[i], (unsigned)iv[i], (unsigned)iv[i], (unsigned)iv[i],
		       (unsigned)iv[i]);
	static const long long lv[] = {0, 1, -1, 9223372036854775807LL, -9223372036854775807LL - 1, 1000000000000LL, -123456789012345LL, 4294967296LL};
	for (int i = 0; i < ARRAY_SIZE(lv); i++)
		printf("[%lld] [%25lld] [%-22lld|] [%llu] [%llx] [%016llX] [%llo]\n", lv[i], lv[i], lv[i], (unsigned long long)lv[i],
		       (unsigned long long)lv[i], (unsigned long long)lv[i], (unsigned long long)lv[i]);
	printf("[%hd] [%hu] [%hhd] [%hhu] [%hx] [%hhx]\n", 70000, 70000, 300, 300, 0x12345, 0x1ff);
	printf("[%ld] [%lu] [%zu] [%lx]\n", -5L, 4000000000UL, (size_t)12345, 0xdeadbeefUL);
	printf("[%s] [%10s] [%-10s] [%.2s] [%10.3s] [%-*s] [%*d] [%.*d]\n", "abc", "abc", "abc", "abc", "abcdef", 6, "xy", 7, 33, 5, 9);
	printf("[%c%c%c] [%%] [%5c] [%-3c]\n", 'a', 'b', 'c', 'z', 'q');
	const char *volatile nullstr = NULL;
	printf("[%s]\n", nullstr);
	char buf[16];
	int n = snprintf(buf, sizeof buf, "%s-%d-%s", "truncate", 123456, "me please");
	printf("snprintf returned %d, buf=\"%s\"\n", n, buf);
	n = snprintf(buf, 1, "xyz");
	printf("snprintf size 1: %d \"%s\"\n", n, buf);
	/* powers of ten and two in decimal through the 64-bit path */
	unsigned long long p = 1;
	for (int i = 0; i < 20; i++, p *= 10) printf("%llu%c", p, i % 5 == 4 ? '\n' : ' ');
	for (int i = 0; i < 64; i += 7) printf("2^%d=%llu ", i, 1ULL << i);
	printf("\n");
	print_str("print_*: "); print_int(-7); putchar(' '); print_uint(7); putchar(' '); print_hex(0xabc); putchar(' ');
	print_i64(-(1LL << 40)); putchar(' '); print_u64(~0ULL); putchar(' '); print_hex64(0x123); print_nl();
	hexdump("hexdump test 0123456789", 23);
	puts("puts adds a newline");
	eprintf("this line goes to stderr (%d)\n", 2);
	return 0;
}
