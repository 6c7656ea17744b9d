/* hashtable.c - separate-chaining hash table with string keys, growth by
 * rehashing, deletion, and an open-addressing integer set (linear probing
 * with tombstones). */
#include "rt.h"

typedef struct entry { char *key; int value; struct entry *next; } entry;
typedef struct { entry **buckets; unsigned nb, count, resizes; } table;

static unsigned hash_str(const char *s) {
	unsigned h = 2166136261u;
	while (*s) { h ^= (unsigned char)*s++; h *= 16777619u; }
	return h;
}

static void tinit(table *t, unsigned nb) {
	t->nb = nb; t->count = 0; t->resizes = 0;
	t->buckets = calloc(nb, sizeof(entry *));
}

static void tgrow(table *t) {
	unsigned nb = t->nb * 2;
	entry **nbk = calloc(nb, sizeof(entry *));
	for (unsigned i = 0; i < t->nb; i++) {
		entry *e = t->buckets[i];
		while (e) {
			entry *nx = e->next;
			unsigned b = hash_str(e->key) & (nb - 1);
			e->next = nbk[b]; nbk[b] = e;
			e = nx;
		}
	}
	free(t->buckets);
	t->buckets = nbk; t->nb = nb; t->resizes++;
}

static int *tget(table *t, const char *key, int create) {
	unsigned b = hash_str(key) & (t->nb - 1);
	for (entry *e = t->buckets[b]; e; e = e->next)
		if (strcmp(e->key, key) == 0) return &e->value;
	if (!create) return NULL;
	if (t->count * 4 >= t->nb * 3) { tgrow(t); b = hash_str(key) & (t->nb - 1); }
	entry *e = malloc(sizeof *e);
	e->key = strdup(key); e->value = 0; e->next = t->buckets[b];
	t->buckets[b] = e; t->count++;
	return &e->value;
}

static int tdel(table *t, const char *key) {
	unsigned b = hash_str(key) & (t->nb - 1);
	for (entry **pp = &t->buckets[b]; *pp; pp = &(*pp)->next) {
		if (strcmp((*pp)->key, key) == 0) {
			entry *e = *pp; *pp = e->next;
			free(e->key); free(e); t->count--;
			return 1;
		}
	}
	return 0;
}

static void tfree(table *t) {
	for (unsigned i = 0; i < t->nb; i++) {
		entry *e = t->buckets[i];
		while (e) { entry *nx = e->next; free(e->key); free(e); e = nx; }
	}
	free(t->buckets);
}

/* open addressing int set */
#define EMPTY 0
#define TOMB -1
typedef struct { int *slots; unsigned cap, used, probes; } iset;
static unsigned ih(int k) { unsigned x = (unsigned)k; x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; return x ^ (x >> 16); }
static int iset_add(iset *s, int k) { /* k > 0 */
	unsigned i = ih(k) & (s->cap - 1);
	int tomb = -1;
	for (;; i = (i + 1) & (s->cap - 1)) {
		s->probes++;
		if (s->slots[i] == k) return 0;
		if (s->slots[i] == TOMB && tomb < 0) tomb = (int)i;
		if (s->slots[i] == EMPTY) break;
	}
	s->slots[tomb >= 0 ? (unsigned)tomb : i] = k;
	s->used++;
	return 1;
}
static int iset_has(iset *s, int k) {
	for (unsigned i = ih(k) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		s->probes++;
		if (s->slots[i] == k) return 1;
		if (s->slots[i] == EMPTY) return 0;
	}
}
static int iset_del(iset *s, int k) {
	for (unsigned i = ih(k) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (s->slots[i] == k) { s->slots[i] = TOMB; s->used--; return 1; }
		if (s->slots[i] == EMPTY) return 0;
	}
}

static const char *syll[] = {"ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "zu", "he"};

int main(void) {
	table t;
	tinit(&t, 8);
	uint32_t s = 4242;
	char word[32];
	for (int i = 0; i < 4000; i++) {
		int len = 1 + (int)(rt_xorshift32(&s) % 3);
		word[0] = 0;
		for (int k = 0; k < len; k++) strcat(word, syll[rt_xorshift32(&s) % 10]);
		(*tget(&t, word, 1))++;
	}
	printf("distinct=%u buckets=%u resizes=%u\n", t.count, t.nb, t.resizes);
	static const char *probe[] = {"ka", "kalo", "sutazu", "hehehe", "mi", "nope", "ponere"};
	for (int i = 0; i < ARRAY_SIZE(probe); i++) {
		int *v = tget(&t, probe[i], 0);
		printf("  %-8s -> %d\n", probe[i], v ? *v : -1);
	}
	/* delete every key with an 'a' in it */
	int deleted = 0;
	for (int a = 0; a < 10; a++)
		for (int b = 0; b < 10; b++) {
			snprintf(word, sizeof word, "%s%s", syll[a], syll[b]);
			if (strchr(word, 'a')) deleted += tdel(&t, word);
		}
	unsigned maxchain = 0, total = 0;
	for (unsigned i = 0; i < t.nb; i++) {
		unsigned c = 0;
		for (entry *e = t.buckets[i]; e; e = e->next) { c++; total += (unsigned)e->value; }
		if (c > maxchain) maxchain = c;
	}
	printf("deleted=%d remaining=%u total_count=%u max_chain=%u\n", deleted, t.count, total, maxchain);
	tfree(&t);

	iset is = {calloc(1024, sizeof(int)), 1024, 0, 0};
	int added = 0, found = 0, dels = 0;
	for (int i = 0; i < 600; i++) added += iset_add(&is, 1 + (int)(rt_xorshift32(&s) % 2000));
	for (int k = 1; k <= 2000; k += 2) dels += iset_del(&is, k);
	for (int i = 0; i < 300; i++) added += iset_add(&is, 1 + (int)(rt_xorshift32(&s) % 2000));
	for (int k = 1; k <= 2000; k++) found += iset_has(&is, k);
	printf("iset: added=%d deleted=%d found=%d used=%u probes=%u\n", added, dels, found, is.used, is.probes);
	free(is.slots);
	return found == (int)is.used ? 0 : 1;
}
