/* Scheduler tests: functions that tasks call, which sleep inside the kernel, compute, or
 * crash, so the kernel's task model (suspending a task inside extension code and resuming it)
 * can be checked. */
#include <nooks/kernel.h>


static int naps;

int ksched_nap(int ticks)
{
	int before = naps++;
	long left = schedule_timeout(ticks);
	printk("<6>ksched: nap %d of %d ticks done (%ld left)\n", before, ticks, left);
	return before * 1000 + ticks;
}

int ksched_work(int n)
{
	volatile unsigned int x = 1;
	for (int i = 0; i < n; i++)
		x = x * 1103515245u + 12345u;
	return (int)(x & 0x7fffffff);
}

int ksched_crash(int *p)
{
	return *p;
}

int init_module(void)
{
	return 0;
}
