/* volatile.c - volatile-heavy code: every access goes to memory, so gcc
 * emits plain loads/stores and read-modify-write sequences even at -O2.
 * Simulated memory-mapped "device registers", a ring buffer, and
 * counters updated through volatile pointers. */
#include "rt.h"

typedef struct {
	volatile uint32_t ctrl;
	volatile uint32_t status;
	volatile uint32_t data;
	volatile uint16_t count16;
	volatile uint8_t flags8;
	volatile int8_t delta8;
} device;

static device dev;
static volatile uint32_t ring[16];
static volatile unsigned head, tail;
static volatile int ticks;

static void dev_write(device *d, uint32_t v) {
	d->data = v;
	d->ctrl |= 1;
	d->status = (d->status << 1) ^ v;
	d->count16++;
	d->flags8 ^= (uint8_t)(v >> 3);
	d->delta8 -= (int8_t)(v & 7);
	d->ctrl &= ~1u;
}

static int ring_put(uint32_t v) {
	unsigned h = head;
	if (((h + 1) & 15) == tail) return 0;
	ring[h] = v;
	head = (h + 1) & 15;
	return 1;
}
static int ring_get(uint32_t *v) {
	unsigned t = tail;
	if (t == head) return 0;
	*v = ring[t];
	tail = (t + 1) & 15;
	return 1;
}

int main(void) {
	volatile int i;
	volatile uint32_t sum = 0;
	for (i = 0; i < 5000; i++) {
		sum += (uint32_t)i * 3;
		if (i % 7 == 0) sum ^= sum >> 3;
		ticks++;
	}
	printf("sum=%u ticks=%d\n", sum, ticks);
	for (uint32_t v = 1; v < 3000; v += 7) dev_write(&dev, v * 2654435761u);
	printf("dev ctrl=%u status=%08x data=%08x count=%u flags=%02x delta=%d\n", dev.ctrl, dev.status, dev.data,
	       dev.count16, dev.flags8, dev.delta8);
	uint32_t got, acc = 0;
	int puts_ok = 0, gets_ok = 0;
	for (uint32_t k = 0; k < 1000; k++) {
		puts_ok += ring_put(k * k);
		if (k % 3 == 0) puts_ok += ring_put(k);
		if (k % 2 == 0 && ring_get(&got)) { acc = acc * 7 + got; gets_ok++; }
	}
	while (ring_get(&got)) { acc = acc * 7 + got; gets_ok++; }
	printf("ring puts=%d gets=%d acc=%08x\n", puts_ok, gets_ok, acc);
	/* volatile array reductions with mixed widths */
	static volatile uint8_t b[256];
	static volatile uint16_t w[256];
	for (int k = 0; k < 256; k++) { b[k] = (uint8_t)(k * 7); w[k] = (uint16_t)(k * 263); }
	volatile uint32_t bsum = 0, wsum = 0, cnt = 0;
	for (int k = 0; k < 256; k++) { bsum += b[k]; wsum += w[k]; if (b[k] > w[k] % 256) cnt++; }
	printf("bsum=%u wsum=%u cnt=%u\n", bsum, wsum, cnt);
	volatile int *p = &ticks;
	*p = *p * 2 + 1;
	return *p % 100;
}
