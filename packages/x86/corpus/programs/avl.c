/* avl.c - AVL tree with insert, delete, lookup, in-order traversal,
 * height checks, and a plain unbalanced BST for comparison. */
#include "rt.h"

typedef struct avl { int key, height, count; struct avl *l, *r; } avl;

static int h(avl *n) { return n ? n->height : 0; }
static int max(int a, int b) { return a > b ? a : b; }
static void upd(avl *n) { n->height = 1 + max(h(n->l), h(n->r)); }

static avl *rot_r(avl *y) { avl *x = y->l; y->l = x->r; x->r = y; upd(y); upd(x); return x; }
static avl *rot_l(avl *x) { avl *y = x->r; x->r = y->l; y->l = x; upd(x); upd(y); return y; }

static avl *balance(avl *n) {
	upd(n);
	int b = h(n->l) - h(n->r);
	if (b > 1) { if (h(n->l->l) < h(n->l->r)) n->l = rot_l(n->l); return rot_r(n); }
	if (b < -1) { if (h(n->r->r) < h(n->r->l)) n->r = rot_r(n->r); return rot_l(n); }
	return n;
}

static int rotations_total;

static avl *insert(avl *n, int key) {
	if (!n) {
		n = calloc(1, sizeof *n);
		n->key = key; n->height = 1; n->count = 1;
		return n;
	}
	if (key == n->key) { n->count++; return n; }
	if (key < n->key) n->l = insert(n->l, key); else n->r = insert(n->r, key);
	avl *b = balance(n);
	if (b != n) rotations_total++;
	return b;
}

static avl *remove_min(avl *n, avl **min) {
	if (!n->l) { *min = n; return n->r; }
	n->l = remove_min(n->l, min);
	return balance(n);
}

static avl *erase(avl *n, int key, int *found) {
	if (!n) return NULL;
	if (key < n->key) n->l = erase(n->l, key, found);
	else if (key > n->key) n->r = erase(n->r, key, found);
	else {
		*found = 1;
		avl *l = n->l, *r = n->r;
		free(n);
		if (!r) return l;
		avl *m;
		r = remove_min(r, &m);
		m->l = l; m->r = r;
		return balance(m);
	}
	return balance(n);
}

static int check(avl *n, int lo, int hi) {
	if (!n) return 1;
	if (n->key < lo || n->key > hi) return 0;
	int b = h(n->l) - h(n->r);
	if (b < -1 || b > 1 || n->height != 1 + max(h(n->l), h(n->r))) return 0;
	return check(n->l, lo, n->key - 1) && check(n->r, n->key + 1, hi);
}

static int size(avl *n) { return n ? 1 + size(n->l) + size(n->r) : 0; }

static uint32_t walk_hash;
static int walk_n;
static void inorder(avl *n, void (*visit)(avl *)) { if (n) { inorder(n->l, visit); visit(n); inorder(n->r, visit); } }
static void visit_hash(avl *n) { walk_hash = walk_hash * 31 + (uint32_t)n->key * (uint32_t)n->count; walk_n++; }
static void visit_print(avl *n) { if (walk_n++ < 20) printf(" %d%s", n->key, n->count > 1 ? "*" : ""); }

static void destroy(avl *n) { if (n) { destroy(n->l); destroy(n->r); free(n); } }

/* unbalanced BST, for depth comparison */
typedef struct bst { int key; struct bst *l, *r; } bst;
static bst *bst_insert(bst *t, int k) {
	bst **pp = &t;
	while (*pp) pp = k < (*pp)->key ? &(*pp)->l : &(*pp)->r;
	*pp = calloc(1, sizeof(bst));
	(*pp)->key = k;
	return t;
}
static int bst_depth(bst *t) { if (!t) return 0; int a = bst_depth(t->l), b = bst_depth(t->r); return 1 + (a > b ? a : b); }
static void bst_free(bst *t) { if (t) { bst_free(t->l); bst_free(t->r); free(t); } }

int main(void) {
	avl *root = NULL;
	uint32_t s = 777;
	for (int i = 0; i < 3000; i++) root = insert(root, (int)(rt_xorshift32(&s) % 5000));
	printf("after inserts: size=%d height=%d valid=%d rotations=%d\n", size(root), h(root),
	       check(root, -1000000, 1000000), rotations_total);
	walk_n = 0;
	printf("first keys:");
	inorder(root, visit_print);
	printf("\n");
	int removed = 0;
	for (int k = 0; k < 5000; k += 3) { int f = 0; root = erase(root, k, &f); removed += f; }
	walk_hash = 0; walk_n = 0;
	inorder(root, visit_hash);
	printf("after erasing multiples of 3: removed=%d size=%d height=%d valid=%d hash=%08x\n", removed, walk_n, h(root),
	       check(root, -1000000, 1000000), walk_hash);
	/* sequential inserts would degenerate a BST but not an AVL tree */
	avl *seq = NULL;
	bst *b = NULL;
	for (int i = 0; i < 1000; i++) { seq = insert(seq, i); if (i < 300) b = bst_insert(b, i); }
	printf("sequential: avl height=%d (n=1000), bst depth=%d (n=300)\n", h(seq), bst_depth(b));
	int valid = check(root, -1000000, 1000000) && check(seq, -1, 1000);
	destroy(root); destroy(seq); bst_free(b);
	printf("heap in use after destroy: %u\n", (unsigned)rt_heap_bytes_in_use());
	return valid ? 0 : 1;
}
