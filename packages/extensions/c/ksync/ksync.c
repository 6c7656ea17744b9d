/* Synchronisation tests: a semaphore, a wait queue and a spinlock used by tasks. */
#include <nooks/kernel.h>

static struct semaphore sem;
static wait_queue_head_t wq;
static spinlock_t lock;
static int shared;

int ksync_wait(void)
{
	down(&sem);
	return 42 + shared;
}

int ksync_post(int v)
{
	shared = v;
	up(&sem);
	return 0;
}

int ksync_sleep(void)
{
	interruptible_sleep_on(&wq);
	return shared;
}

int ksync_wake(int v)
{
	shared = v;
	wake_up(&wq);
	return 0;
}

int ksync_locked_add(int v)
{
	unsigned long flags = spin_lock_irqsave(&lock);
	shared += v;
	spin_unlock_irqrestore(&lock, flags);
	return shared;
}

int ksync_double_lock(void)
{
	spin_lock(&lock);
	spin_lock(&lock);
	return 0;
}

int init_module(void)
{
	sema_init(&sem, 0);
	init_waitqueue_head(&wq);
	spin_lock_init(&lock);
	return 0;
}
