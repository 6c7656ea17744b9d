/* Demonstration extension: exercises the extension build (one ELF32 relocatable object with
 * imports, exports, data, bss and relocations) before the real drivers arrive. */
#include <nooks/kernel.h>

static int loads;              /* .bss */
static const char banner[] = "demo: loaded";  /* .rodata */
int demo_table[4] = { 1, 2, 3, 4 };           /* .data, exported */
static int *buffer;

static int sum(const int *v, int n)
{
	int s = 0;
	for (int i = 0; i < n; i++)
		s += v[i];
	return s;
}

int init_module(void)
{
	buffer = kmalloc(64, GFP_KERNEL);
	if (!buffer)
		return -12; /* -ENOMEM */
	loads++;
	printk("<6>%s (%d), sum=%d\n", banner, loads, sum(demo_table, 4));
	return 0;
}

void cleanup_module(void)
{
	kfree(buffer);
	printk("<6>demo: unloaded\n");
}
