/* malloc_stress.c - exercises the runtime heap (brk-backed free lists):
 * random allocation/free/realloc patterns with content verification,
 * calloc zeroing, many small objects, a few large ones (forcing brk
 * growth), and a final leak check. */
#include "rt.h"

#define SLOTS 512

int main(void) {
	static uint8_t *ptr[SLOTS];
	static uint32_t len[SLOTS], tag[SLOTS];
	uint32_t s = 0x1234567;
	int allocs = 0, frees = 0, reallocs = 0, bad = 0;
	size_t peak = 0;
	for (int round = 0; round < 2500; round++) {
		int i = (int)(rt_xorshift32(&s) % SLOTS);
		uint32_t r = rt_xorshift32(&s);
		if (ptr[i]) {
			/* verify contents */
			for (uint32_t k = 0; k < len[i]; k += 1 + len[i] / 16)
				if (ptr[i][k] != (uint8_t)(tag[i] + k)) bad++;
			if (r % 3 == 0) {
				uint32_t nl = 1 + (r >> 8) % (r % 7 == 0 ? 2000 : 300);
				uint8_t *np = realloc(ptr[i], nl);
				if (!np) { bad++; continue; }
				for (uint32_t k = 0; k < nl; k++) np[k] = (uint8_t)(tag[i] + k);
				ptr[i] = np; len[i] = nl; reallocs++;
			} else {
				free(ptr[i]); ptr[i] = NULL; frees++;
			}
		} else {
			uint32_t nl = 1 + (r >> 8) % (r % 13 == 0 ? 4000 : 200);
			if (r % 5 == 0) {
				ptr[i] = calloc(nl, 1);
				for (uint32_t k = 0; k < nl; k++) if (ptr[i][k]) { bad++; break; }
			} else {
				ptr[i] = malloc(nl);
			}
			if (!ptr[i]) { bad++; continue; }
			len[i] = nl; tag[i] = r;
			for (uint32_t k = 0; k < nl; k++) ptr[i][k] = (uint8_t)(tag[i] + k);
			allocs++;
		}
		if (rt_heap_bytes_in_use() > peak) peak = rt_heap_bytes_in_use();
	}
	size_t live = 0;
	int nlive = 0;
	for (int i = 0; i < SLOTS; i++) if (ptr[i]) { live += len[i]; nlive++; }
	printf("allocs=%d frees=%d reallocs=%d live=%d (%u bytes requested, %u in use) peak=%u bad=%d\n", allocs, frees, reallocs,
	       nlive, (unsigned)live, (unsigned)rt_heap_bytes_in_use(), (unsigned)peak, bad);
	for (int i = 0; i < SLOTS; i++) { free(ptr[i]); ptr[i] = NULL; }
	printf("after freeing everything: %u bytes in use\n", (unsigned)rt_heap_bytes_in_use());
	/* a linked structure of many tiny nodes */
	typedef struct n { struct n *next; uint32_t v; } n;
	n *head = NULL;
	for (uint32_t k = 0; k < 5000; k++) { n *x = malloc(sizeof *x); x->v = k * k; x->next = head; head = x; }
	uint32_t sum = 0;
	while (head) { n *x = head; head = x->next; sum += x->v; free(x); }
	printf("tiny nodes sum=%u in use=%u\n", sum, (unsigned)rt_heap_bytes_in_use());
	/* big blocks grow the break */
	void *big1 = malloc(3 << 18), *big2 = malloc(1 << 18);
	memset(big1, 0x5a, 3 << 18);
	memset(big2, 0xa5, 1 << 18);
	uint32_t chk = 0;
	for (int k = 0; k < (3 << 18); k += 4099) chk += ((uint8_t *)big1)[k];
	for (int k = 0; k < (1 << 18); k += 4099) chk += ((uint8_t *)big2)[k];
	free(big1); free(big2);
	printf("big blocks checksum=%u, malloc(2GB)=%s\n", chk, malloc(0x7ffffff0u) ? "non-null" : "null");
	return bad ? 1 : 0;
}
