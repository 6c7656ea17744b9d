/* Exercises the kernel API that the other test modules do not: strings and formatting,
 * vmalloc, delays, more of the wait and semaphore calls, IRQ enable/disable, HI tasklets,
 * timer queries, port regions, PCI config access and DMA memory. kapi_selftest() returns 0,
 * or the number of the first check that failed (printed too). Run it from a task. */
#include <nooks/io.h>

#define CHECK(n, cond) do { if (!(cond)) { printk("<3>kapi: check %d failed: %s\n", n, #cond); return n; } } while (0)

static struct semaphore sem;
static wait_queue_head_t wq;
static struct tasklet_struct hi;
static struct timer_list timer;
static int hi_runs, bridge_vendor, bridge_probed;
static unsigned int bridge_class;

static void hi_func(unsigned long data) { hi_runs += (int)data; }
static void timer_func(unsigned long data) { (void)data; }
static void kapi_irq(int irq, void *dev_id, struct pt_regs *regs) { (void)irq; (void)dev_id; (void)regs; }

static struct pci_device_id bridge_ids[] = {
	{ PCI_ANY_ID, PCI_ANY_ID, PCI_ANY_ID, PCI_ANY_ID, 0x060000, 0xffff00, 0 },
	{ 0, 0, 0, 0, 0, 0, 0 },
};

static int bridge_probe(struct pci_dev *dev, const struct pci_device_id *id)
{
	u16 vendor;
	u32 class_rev;
	(void)id;
	pci_read_config_word(dev, 0, &vendor);
	pci_read_config_dword(dev, PCI_REVISION_ID, &class_rev);
	bridge_vendor = vendor;
	bridge_class = class_rev >> 8;
	bridge_probed++;
	return 0;
}

static struct pci_driver bridge_driver = { .name = "kapi-bridge", .id_table = bridge_ids, .probe = bridge_probe };

int kapi_selftest(void)
{
	char buf[64];
	int n;
	unsigned long t0;

	/* strings and formatting */
	n = sprintf(buf, "%s-%d-%04x-%c-%lu", "nooks", -42, 0xbeef, 'z', 7ul);
	CHECK(1, n == 18 && strcmp(buf, "nooks--42-beef-z-7") == 0);
	n = snprintf(buf, 8, "%d%d%d", 123, 456, 789);
	CHECK(2, n == 9 && strlen(buf) == 7 && strncmp(buf, "1234567", 7) == 0);
	strcpy(buf, "abc");
	strncpy(buf + 3, "defgh", 3);
	buf[6] = 0;
	CHECK(3, strcmp(buf, "abcdef") == 0);
	memset(buf, 'x', 10);
	memmove(buf + 2, buf, 4);
	CHECK(4, memcmp(buf, "xxxxxxxxxx", 10) == 0);

	/* vmalloc */
	{
		int *v = vmalloc(3 * PAGE_SIZE);
		CHECK(5, v != 0);
		v[0] = 1;
		v[3 * PAGE_SIZE / 4 - 1] = 2;
		CHECK(6, v[0] + v[3 * PAGE_SIZE / 4 - 1] == 3);
		vfree(v);
	}

	/* semaphores and wait queues */
	sema_init(&sem, 1);
	CHECK(7, down_trylock(&sem) == 0);
	CHECK(8, down_trylock(&sem) == 1);
	up(&sem);
	CHECK(9, down_interruptible(&sem) == 0);
	up(&sem);
	init_waitqueue_head(&wq);
	t0 = jiffies;
	CHECK(10, interruptible_sleep_on_timeout(&wq, 3) == 0);
	CHECK(11, jiffies - t0 >= 3);
	wake_up_interruptible(&wq); /* nobody sleeping: harmless */
	t0 = jiffies;
	schedule();
	CHECK(12, jiffies - t0 <= 2);

	/* delays: busy-wait, time goes on */
	udelay(50);
	mdelay(1);

	/* tasklets and timers */
	tasklet_init(&hi, hi_func, 5);
	tasklet_hi_schedule(&hi);
	schedule_timeout(2);
	CHECK(13, hi_runs == 5);
	tasklet_kill(&hi);
	init_timer(&timer);
	timer.function = timer_func;
	timer.expires = jiffies + 100;
	CHECK(14, timer_pending(&timer) == 0);
	add_timer(&timer);
	CHECK(15, timer_pending(&timer) == 1);
	CHECK(16, del_timer(&timer) == 1 && timer_pending(&timer) == 0);
	CHECK(17, del_timer(&timer) == 0);

	/* IRQ enable/disable */
	CHECK(18, request_irq(6, kapi_irq, 0, "kapi", &hi) == 0);
	CHECK(19, request_irq(6, kapi_irq, 0, "kapi2", &timer) == -EBUSY);
	disable_irq(6);
	disable_irq_nosync(6);
	enable_irq(6);
	enable_irq(6);
	free_irq(6, &hi);

	/* port regions */
	CHECK(20, check_region(0x300, 8) == 0);
	CHECK(21, request_region(0x300, 8, "kapi") != 0);
	CHECK(22, check_region(0x304, 2) != 0);
	CHECK(23, request_region(0x302, 8, "kapi") == 0);
	release_region(0x300, 8);

	/* PCI: bind the host bridge by class, read its config space; DMA memory */
	CHECK(24, pci_register_driver(&bridge_driver) == 1);
	CHECK(25, bridge_probed == 1 && bridge_vendor == 0x8086 && bridge_class == 0x060000);
	pci_unregister_driver(&bridge_driver);
	{
		dma_addr_t dma;
		unsigned int *p = pci_alloc_consistent(0, 8192, &dma);
		CHECK(26, p != 0 && dma == virt_to_bus(p));
		p[2047] = 0x12345678;
		CHECK(27, *(unsigned int *)bus_to_virt(dma + 8188) == 0x12345678);
		pci_free_consistent(0, 8192, p, dma);
	}
	printk("<6>kapi: all checks passed\n");
	return 0;
}

int init_module(void)
{
	return 0;
}
