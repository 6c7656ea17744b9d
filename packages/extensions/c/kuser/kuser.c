/* User-memory tests: what a driver's ioctl/read/write does with user pointers. */
#include <nooks/kernel.h>

/* Sums n bytes of a user buffer through copy_from_user; -EFAULT if it cannot. */
int kuser_sum(const unsigned char *ubuf, int n)
{
	unsigned char *k = kmalloc(n, GFP_KERNEL);
	int sum = 0;
	if (!k)
		return -ENOMEM;
	if (copy_from_user(k, ubuf, n)) {
		kfree(k);
		return -EFAULT;
	}
	for (int i = 0; i < n; i++)
		sum += k[i];
	kfree(k);
	return sum;
}

/* Writes a greeting into a user buffer through copy_to_user. */
int kuser_hello(char *ubuf, int n)
{
	static const char msg[] = "hello from the kernel";
	int len = sizeof msg < (unsigned)n ? (int)sizeof msg : n;
	return copy_to_user(ubuf, msg, len) ? -EFAULT : len;
}

/* Dereferences a user pointer directly (a driver bug: it works only by luck). */
int kuser_direct(const int *uptr)
{
	return *uptr;
}

int init_module(void)
{
	return 0;
}
