/* regex.c - a small backtracking regular-expression matcher supporting
 * literals, '.', character classes [a-z] and [^...], anchors ^ $, and the
 * quantifiers * + ? (greedy), in the style of Kernighan & Pike. */
#include "rt.h"

static unsigned long steps;

/* length of the single-char atom at re (literal, '.', '\x' or class) */
static int atom_len(const char *re) {
	if (re[0] == '\\' && re[1]) return 2;
	if (re[0] == '[') {
		int i = 1;
		if (re[i] == '^') i++;
		if (re[i] == ']') i++;
		while (re[i] && re[i] != ']') i++;
		return re[i] ? i + 1 : i;
	}
	return 1;
}

static int atom_match(const char *re, char c) {
	steps++;
	if (!c) return 0;
	if (re[0] == '.') return 1;
	if (re[0] == '\\') {
		switch (re[1]) {
		case 'd': return isdigit(c);
		case 'w': return isalnum(c) || c == '_';
		case 's': return isspace(c);
		default: return c == re[1];
		}
	}
	if (re[0] == '[') {
		int i = 1, neg = 0, hit = 0;
		if (re[i] == '^') { neg = 1; i++; }
		int first = 1;
		while (re[i] && (re[i] != ']' || first)) {
			first = 0;
			if (re[i + 1] == '-' && re[i + 2] && re[i + 2] != ']') {
				if (c >= re[i] && c <= re[i + 2]) hit = 1;
				i += 3;
			} else {
				if (c == re[i]) hit = 1;
				i++;
			}
		}
		return hit ^ neg;
	}
	return re[0] == c;
}

static int match_here(const char *re, const char *text);

static int match_quant(const char *atom, char q, const char *rest, const char *text) {
	const char *t = text;
	int min = q == '+' ? 1 : 0, max = q == '?' ? 1 : 1 << 30, n = 0;
	while (n < max && atom_match(atom, *t)) { t++; n++; }
	for (; n >= min; n--, t--) /* greedy, backtrack */
		if (match_here(rest, t)) return 1;
	return 0;
}

static int match_here(const char *re, const char *text) {
	if (!re[0]) return 1;
	if (re[0] == '$' && !re[1]) return !*text;
	int al = atom_len(re);
	char q = re[al];
	if (q == '*' || q == '+' || q == '?') return match_quant(re, q, re + al + 1, text);
	if (atom_match(re, *text)) return match_here(re + al, text + 1);
	return 0;
}

/* returns offset of first match or -1 */
static int search(const char *re, const char *text) {
	if (re[0] == '^') return match_here(re + 1, text) ? 0 : -1;
	const char *t = text;
	do {
		if (match_here(re, t)) return (int)(t - text);
	} while (*t++);
	return -1;
}

int main(void) {
	static const struct { const char *re, *text; int expect; } tests[] = {
		{"abc", "xxabcxx", 2}, {"^abc", "abcdef", 0}, {"^abc", "xabc", -1}, {"abc$", "xxabc", 2},
		{"a.c", "zzabcaxc", 2}, {"ab*c", "ac", 0}, {"ab*c", "abbbbc", 0}, {"ab+c", "ac", -1},
		{"ab+c", "xabbc", 1}, {"colou?r", "my color", 3}, {"colou?r", "colour!", 0}, {"[0-9]+", "abc123def", 3},
		{"[^a-z]", "abcD", 3}, {"^[a-z]+$", "hello", 0}, {"^[a-z]+$", "hello!", -1}, {"\\d\\d:\\d\\d", "at 12:34pm", 3},
		{"\\w+@\\w+\\.com", "mail bob@example.com now", 5}, {"a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaab", 0},
		{"a*a*a*a*b", "aaaaaaaaaaaaaaaa", -1}, {".*x", "abcdefx", 0}, {"[]a]", "x]y", 1}, {"x?y?z?$", "abc", 3},
		{"(", "a(b", 1}, {"^$", "", 0}, {"[a-cx-z]+", "mmmbyam", 3}, {"\\s+", "no_space here", 8},
	};
	int pass = 0;
	for (int i = 0; i < ARRAY_SIZE(tests); i++) {
		int r = search(tests[i].re, tests[i].text);
		int ok = r == tests[i].expect;
		pass += ok;
		printf("%-20s %-28s -> %2d %s\n", tests[i].re, tests[i].text, r, ok ? "ok" : "FAIL");
	}
	printf("%d/%d passed, %lu atom tests\n", pass, ARRAY_SIZE(tests), steps);
	return ARRAY_SIZE(tests) - pass;
}
