/* strings.c - tokenizing, reversing, itoa/atoi round trips, case
 * conversion, palindromes, word frequency, run-length encoding,
 * and snprintf formatting. */
#include "rt.h"

static char *my_itoa(int v, char *buf, int base) {
	char tmp[40];
	int i = 0, neg = v < 0 && base == 10;
	unsigned u = neg ? 0u - (unsigned)v : (unsigned)v;
	do { tmp[i++] = "0123456789abcdefghijklmnopqrstuvwxyz"[u % (unsigned)base]; u /= (unsigned)base; } while (u);
	int j = 0;
	if (neg) buf[j++] = '-';
	while (i) buf[j++] = tmp[--i];
	buf[j] = 0;
	return buf;
}

static int my_atoi(const char *s) {
	int neg = 0;
	unsigned v = 0;
	while (*s == ' ') s++;
	if (*s == '-' || *s == '+') neg = *s++ == '-';
	while (*s >= '0' && *s <= '9') v = v * 10 + (unsigned)(*s++ - '0');
	return neg ? (int)(0u - v) : (int)v;
}

static void reverse(char *s, int n) {
	for (int i = 0, j = n - 1; i < j; i++, j--) { char t = s[i]; s[i] = s[j]; s[j] = t; }
}

static void reverse_words(char *s) {
	int n = (int)strlen(s);
	reverse(s, n);
	int start = 0;
	for (int i = 0; i <= n; i++) {
		if (s[i] == ' ' || s[i] == 0) { reverse(s + start, i - start); start = i + 1; }
	}
}

static int is_palindrome(const char *s) {
	int i = 0, j = (int)strlen(s) - 1;
	while (i < j) {
		while (i < j && !isalnum(s[i])) i++;
		while (i < j && !isalnum(s[j])) j--;
		if (tolower(s[i]) != tolower(s[j])) return 0;
		i++; j--;
	}
	return 1;
}

/* strtok-like tokenizer with explicit state */
static char *tokenize(char **state, const char *delims) {
	char *s = *state;
	while (*s && strchr(delims, *s)) s++;
	if (!*s) { *state = s; return NULL; }
	char *tok = s;
	while (*s && !strchr(delims, *s)) s++;
	if (*s) *s++ = 0;
	*state = s;
	return tok;
}

static int rle(const char *in, char *out) {
	int o = 0;
	for (int i = 0; in[i];) {
		int j = i;
		while (in[j] == in[i] && j - i < 9) j++;
		out[o++] = (char)('0' + (j - i));
		out[o++] = in[i];
		i = j;
	}
	out[o] = 0;
	return o;
}

int main(void) {
	char buf[256], b2[64];
	static const int nums[] = {0, 1, -1, 42, -42, 2147483647, -2147483647 - 1, 1000000, -999999, 65535};
	int bad = 0;
	for (int i = 0; i < ARRAY_SIZE(nums); i++) {
		my_itoa(nums[i], buf, 10);
		int back = my_atoi(buf);
		if (back != nums[i]) bad++;
		printf("%s hex=%s oct=%s b36=%s bin=%s\n", buf, my_itoa(nums[i], b2, 16), my_itoa(nums[i], b2 + 16, 8),
		       my_itoa(nums[i], b2 + 32, 36), nums[i] >= 0 && nums[i] < 70000 ? my_itoa(nums[i], buf + 100, 2) : "-");
	}
	strcpy(buf, "the quick brown fox jumps over the lazy dog");
	reverse_words(buf);
	printf("reversed words: %s\n", buf);
	reverse(buf, (int)strlen(buf));
	printf("reversed chars: %s\n", buf);
	for (char *p = buf; *p; p++) *p = (char)toupper(*p);
	printf("upper: %s\n", buf);

	static const char *pals[] = {"A man, a plan, a canal: Panama", "racecar", "hello", "Was it a car or a cat I saw?", "ab"};
	for (int i = 0; i < ARRAY_SIZE(pals); i++) printf("palindrome(\"%s\") = %d\n", pals[i], is_palindrome(pals[i]));

	char text[] = "alpha,beta;;gamma delta,,epsilon;zeta eta theta alpha beta alpha";
	char *st = text, *tok;
	const char *words[32];
	int counts[32], nw = 0, ntok = 0;
	while ((tok = tokenize(&st, ",; ")) != NULL) {
		ntok++;
		int k;
		for (k = 0; k < nw; k++) if (strcmp(words[k], tok) == 0) break;
		if (k == nw) { words[nw] = tok; counts[nw++] = 0; }
		counts[k]++;
	}
	printf("%d tokens, %d distinct:", ntok, nw);
	for (int k = 0; k < nw; k++) printf(" %s=%d", words[k], counts[k]);
	printf("\n");

	rle("aaabccddddddddddddeffffg", buf);
	printf("rle: %s\n", buf);

	/* strstr/strrchr/strncmp/strcat */
	strcpy(buf, "hello");
	strcat(buf, ", ");
	strcat(buf, "world");
	printf("%s len=%u find=%d last_o=%d cmp=%d ncmp=%d\n", buf, (unsigned)strlen(buf),
	       (int)(strstr(buf, "wor") - buf), (int)(strrchr(buf, 'o') - buf), strcmp(buf, "hello") > 0,
	       strncmp(buf, "help", 3));
	snprintf(buf, sizeof buf, "[%-8s|%8s|%.3s|%c%c]", "left", "right", "truncate", 'o', 'k');
	printf("%s\n", buf);
	printf("strtol: %ld %ld %ld %lu\n", strtol("  -0x1f", NULL, 0), strtol("0777", NULL, 0), strtol("zz", NULL, 36),
	       strtoul("4294967295", NULL, 10));
	printf("bad=%d\n", bad);
	return bad;
}
