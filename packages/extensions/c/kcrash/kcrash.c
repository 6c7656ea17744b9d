/* Kernel crash tests: each variant (variants.json) makes init_module do one thing Linux
 * would crash on, so the simulated kernel's crash semantics can be checked. The plain build
 * loads and unloads cleanly. */
#include <nooks/kernel.h>

static volatile int sink;

static void __attribute__((noinline)) touch(volatile int *p)
{
	sink = *p; /* NULL dereference in the NULL variant */
}

int init_module(void)
{
#if defined(BUG_NULL_DEREF)
	touch((volatile int *)0);
#elif defined(BUG_HEAP_OVERRUN)
	char *b = kmalloc(32, GFP_KERNEL);
	for (int i = 0; i < 40; i++) /* 8 bytes past the end: into the red zone */
		((volatile char *)b)[i] = 'x';
	kfree(b);
#elif defined(BUG_DOUBLE_FREE)
	void *p = kmalloc(64, GFP_KERNEL);
	kfree(p);
	kfree(p);
#elif defined(BUG_USE_AFTER_FREE)
	int *p = kmalloc(64, GFP_KERNEL);
	kfree(p);
	((volatile int *)p)[3] = 1;
	p = kmalloc(64, GFP_KERNEL);
	kfree(p);
#elif defined(BUG_SPIN_CLI)
	__asm__ volatile("cli");
	for (;;)
		sink++;
#elif defined(BUG_UD2)
	__asm__ volatile("ud2");
#elif defined(BUG_WILD_JUMP)
	((void (*)(void))0xdeadbeef)();
#endif
	printk("<6>kcrash: init_module survived\n");
	return 0;
}

void cleanup_module(void)
{
	printk("<6>kcrash: cleanup\n");
}
