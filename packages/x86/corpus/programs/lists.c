/* lists.c - singly and doubly linked lists with malloc/free: build,
 * reverse, merge sort, remove by predicate, splice, and an LRU cache. */
#include "rt.h"

typedef struct node { int val; struct node *next; } node;
typedef struct dnode { int key, val; struct dnode *prev, *next; } dnode;

static node *push(node *h, int v) {
	node *n = malloc(sizeof *n);
	n->val = v;
	n->next = h;
	return n;
}

static node *reverse(node *h) {
	node *prev = NULL;
	while (h) { node *nx = h->next; h->next = prev; prev = h; h = nx; }
	return prev;
}

static node *merge(node *a, node *b) {
	node head, *t = &head;
	while (a && b) {
		if (a->val <= b->val) { t->next = a; a = a->next; }
		else { t->next = b; b = b->next; }
		t = t->next;
	}
	t->next = a ? a : b;
	return head.next;
}

static node *msort(node *h) {
	if (!h || !h->next) return h;
	node *slow = h, *fast = h->next;
	while (fast && fast->next) { slow = slow->next; fast = fast->next->next; }
	node *b = slow->next;
	slow->next = NULL;
	return merge(msort(h), msort(b));
}

static node *remove_if(node *h, int (*pred)(int), int *removed) {
	node **pp = &h;
	while (*pp) {
		if (pred((*pp)->val)) { node *d = *pp; *pp = d->next; free(d); (*removed)++; }
		else pp = &(*pp)->next;
	}
	return h;
}

static int is_mult3(int v) { return v % 3 == 0; }

static void print_list(const char *label, node *h, int max) {
	printf("%s:", label);
	int n = 0;
	for (; h && n < max; h = h->next, n++) printf(" %d", h->val);
	if (h) printf(" ...");
	printf("\n");
}

static int length(node *h) { int n = 0; for (; h; h = h->next) n++; return n; }

static void free_list(node *h) { while (h) { node *n = h->next; free(h); h = n; } }

/* LRU cache: doubly linked list + direct-mapped index table */
#define CAP 8
static dnode lru_head = {0, 0, &lru_head, &lru_head};
static int lru_size, hits, misses, evictions;

static void unlink_node(dnode *n) { n->prev->next = n->next; n->next->prev = n->prev; }
static void push_front(dnode *n) {
	n->next = lru_head.next; n->prev = &lru_head;
	lru_head.next->prev = n; lru_head.next = n;
}

static int lru_get(int key) {
	for (dnode *n = lru_head.next; n != &lru_head; n = n->next) {
		if (n->key == key) { unlink_node(n); push_front(n); hits++; return n->val; }
	}
	misses++;
	int val = key * key + 1; /* "compute" */
	dnode *n;
	if (lru_size == CAP) { n = lru_head.prev; unlink_node(n); evictions++; free(n); lru_size--; }
	n = malloc(sizeof *n);
	n->key = key; n->val = val;
	push_front(n);
	lru_size++;
	return val;
}

int main(void) {
	node *h = NULL;
	uint32_t s = 2024;
	for (int i = 0; i < 500; i++) h = push(h, (int)(rt_xorshift32(&s) % 1000) - 300);
	print_list("built", h, 12);
	h = reverse(h);
	print_list("reversed", h, 12);
	h = msort(h);
	print_list("sorted", h, 12);
	int ok = 1;
	for (node *p = h; p && p->next; p = p->next) if (p->val > p->next->val) ok = 0;
	int removed = 0;
	h = remove_if(h, is_mult3, &removed);
	printf("removed %d multiples of 3, length now %d, sorted=%d\n", removed, length(h), ok);
	print_list("filtered", h, 12);
	long sum = 0;
	for (node *p = h; p; p = p->next) sum += p->val;
	printf("sum=%ld heap in use=%u\n", sum, (unsigned)rt_heap_bytes_in_use());
	free_list(h);
	printf("after free heap in use=%u\n", (unsigned)rt_heap_bytes_in_use());

	long acc = 0;
	for (int i = 0; i < 2000; i++) {
		int key = (int)(rt_xorshift32(&s) % 13);
		if (i % 7 == 0) key = i % 5;
		acc += lru_get(key);
	}
	printf("lru: hits=%d misses=%d evictions=%d acc=%ld order:", hits, misses, evictions, acc);
	for (dnode *n = lru_head.next; n != &lru_head; n = n->next) printf(" %d", n->key);
	printf("\n");
	return ok ? 0 : 1;
}
