/* graph.c - graph algorithms on a generated sparse graph stored as
 * adjacency lists (malloc'd arrays): BFS, iterative DFS with topological
 * order on a DAG, Dijkstra with a binary heap, Kruskal MST with
 * union-find (path compression + union by rank), connected components. */
#include "rt.h"

typedef struct { int to, w; } edge;
typedef struct { edge *e; int n, cap; } adj;

#define V 400
static adj g[V];

static void add_edge(int a, int b, int w) {
	adj *x = &g[a];
	if (x->n == x->cap) { x->cap = x->cap ? x->cap * 2 : 4; x->e = realloc(x->e, sizeof(edge) * (size_t)x->cap); }
	x->e[x->n].to = b; x->e[x->n].w = w; x->n++;
}

typedef struct { int d, v; } hitem;
static hitem heap[V * 16];
static int hn;
static void hpush(int d, int v) {
	int i = hn++;
	while (i && heap[(i - 1) / 2].d > d) { heap[i] = heap[(i - 1) / 2]; i = (i - 1) / 2; }
	heap[i].d = d; heap[i].v = v;
}
static hitem hpop(void) {
	hitem top = heap[0], last = heap[--hn];
	int i = 0;
	for (;;) {
		int c = 2 * i + 1;
		if (c >= hn) break;
		if (c + 1 < hn && heap[c + 1].d < heap[c].d) c++;
		if (heap[c].d >= last.d) break;
		heap[i] = heap[c]; i = c;
	}
	heap[i] = last;
	return top;
}

static int parent[V], rnk[V];
static int find(int x) { while (parent[x] != x) { parent[x] = parent[parent[x]]; x = parent[x]; } return x; }
static int unite(int a, int b) {
	a = find(a); b = find(b);
	if (a == b) return 0;
	if (rnk[a] < rnk[b]) { int t = a; a = b; b = t; }
	parent[b] = a;
	if (rnk[a] == rnk[b]) rnk[a]++;
	return 1;
}

typedef struct { int a, b, w; } wedge;
static int cmp_wedge(const void *x, const void *y) {
	const wedge *p = x, *q = y;
	if (p->w != q->w) return p->w < q->w ? -1 : 1;
	if (p->a != q->a) return p->a < q->a ? -1 : 1;
	return p->b - q->b;
}

int main(void) {
	uint32_t s = 8086;
	static wedge edges[V * 4];
	int ne = 0;
	for (int i = 0; i < V; i++) {
		int deg = 1 + (int)(rt_xorshift32(&s) % 3);
		for (int k = 0; k < deg; k++) {
			int j = (int)(rt_xorshift32(&s) % V), w = 1 + (int)(rt_xorshift32(&s) % 50);
			if (i == j || (i % 97 == 0 && j < i)) continue;
			add_edge(i, j, w); add_edge(j, i, w);
			edges[ne].a = i; edges[ne].b = j; edges[ne].w = w; ne++;
		}
	}
	/* BFS from 0 */
	static int dist[V], queue[V];
	for (int i = 0; i < V; i++) dist[i] = -1;
	int qh = 0, qt = 0, maxd = 0;
	dist[0] = 0; queue[qt++] = 0;
	while (qh < qt) {
		int u = queue[qh++];
		for (int k = 0; k < g[u].n; k++) {
			int v = g[u].e[k].to;
			if (dist[v] < 0) { dist[v] = dist[u] + 1; if (dist[v] > maxd) maxd = dist[v]; queue[qt++] = v; }
		}
	}
	printf("BFS: reached %d of %d, eccentricity of 0 = %d\n", qt, V, maxd);
	/* Dijkstra */
	static int sd[V];
	for (int i = 0; i < V; i++) sd[i] = INT32_MAX;
	sd[0] = 0; hn = 0; hpush(0, 0);
	int pops = 0;
	while (hn) {
		hitem it = hpop();
		pops++;
		if (it.d > sd[it.v]) continue;
		for (int k = 0; k < g[it.v].n; k++) {
			edge *e = &g[it.v].e[k];
			if (it.d + e->w < sd[e->to]) { sd[e->to] = it.d + e->w; hpush(sd[e->to], e->to); }
		}
	}
	long long tot = 0;
	int far = 0;
	for (int i = 0; i < V; i++) if (sd[i] != INT32_MAX) { tot += sd[i]; if (sd[i] > sd[far]) far = i; }
	printf("Dijkstra: pops=%d sum=%lld farthest=%d at %d\n", pops, tot, far, sd[far]);
	/* Kruskal */
	qsort(edges, (size_t)ne, sizeof(wedge), cmp_wedge);
	for (int i = 0; i < V; i++) { parent[i] = i; rnk[i] = 0; }
	long long mst = 0;
	int used = 0;
	for (int i = 0; i < ne; i++) if (unite(edges[i].a, edges[i].b)) { mst += edges[i].w; used++; }
	int comps = 0;
	for (int i = 0; i < V; i++) if (find(i) == i) comps++;
	printf("Kruskal: %d edges sorted, MST weight=%lld using %d edges, components=%d\n", ne, mst, used, comps);
	/* DAG: edges i->j for i<j, topological order by iterative DFS */
	static int state[V], order[V], stk[V], idx[V];
	int on = 0;
	for (int r = 0; r < V; r++) {
		if (state[r]) continue;
		int sp = 0;
		stk[sp++] = r; state[r] = 1; idx[r] = 0;
		while (sp) {
			int u = stk[sp - 1];
			int advanced = 0;
			while (idx[u] < g[u].n) {
				int v = g[u].e[idx[u]++].to;
				if (v > u && !state[v]) { state[v] = 1; idx[v] = 0; stk[sp++] = v; advanced = 1; break; }
			}
			if (!advanced) { state[u] = 2; order[on++] = u; sp--; }
		}
	}
	int pos[V], valid = 1;
	for (int i = 0; i < V; i++) pos[order[i]] = V - 1 - i;
	for (int u = 0; u < V; u++) for (int k = 0; k < g[u].n; k++) { int v = g[u].e[k].to; if (v > u && pos[u] > pos[v]) valid = 0; }
	printf("topological order valid=%d first=%d last=%d\n", valid, order[V - 1], order[0]);
	for (int i = 0; i < V; i++) free(g[i].e);
	return valid ? comps : 100;
}
