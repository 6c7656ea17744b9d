/* Interrupt, tasklet and timer tests. The device is IRQ 5, raised by the test. */
#include <nooks/kernel.h>

#define KIRQ_IRQ 5

static struct timer_list timer;
static struct tasklet_struct tasklet;
static int dev_cookie;
int kirq_irqs, kirq_tasklets, kirq_timers, kirq_last_data;
int kirq_stop;

static void kirq_tasklet(unsigned long data)
{
	kirq_tasklets++;
	kirq_last_data = (int)data;
}

static void kirq_handler(int irq, void *dev_id, struct pt_regs *regs)
{
	(void)regs;
	if (irq != KIRQ_IRQ || dev_id != &dev_cookie)
		return;
	kirq_irqs++;
#if defined(BUG_WILD_WRITE_IN_IRQ)
	*(volatile int *)0xdead0000 = 1;
#endif
	tasklet_schedule(&tasklet);
}

static void kirq_timer(unsigned long data)
{
	kirq_timers++;
	kirq_last_data = (int)data;
	if (!kirq_stop)
		mod_timer(&timer, jiffies + 10);
}

int init_module(void)
{
	int rc;
	init_timer(&timer);
	timer.function = kirq_timer;
	timer.data = 7;
	timer.expires = jiffies + 10;
	add_timer(&timer);
	tasklet_init(&tasklet, kirq_tasklet, 3);
	rc = request_irq(KIRQ_IRQ, kirq_handler, SA_SHIRQ, "kirq", &dev_cookie);
	if (rc) {
		del_timer(&timer);
		return rc;
	}
#if defined(BUG_CORRUPT_TIMER_LIST)
	/* A wild write into the kernel's timer list, through our pending timer's links. */
	timer.list.next = (struct list_head *)&dev_cookie;
#endif
	printk("<6>kirq: irq %d, timer every 10 ticks\n", KIRQ_IRQ);
	return 0;
}

void cleanup_module(void)
{
	kirq_stop = 1;
	del_timer_sync(&timer);
	free_irq(KIRQ_IRQ, &dev_cookie);
	tasklet_kill(&tasklet);
}
