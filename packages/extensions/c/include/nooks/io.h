/*
 * Inline helpers every driver uses, as Linux 2.4's <asm/io.h>, <linux/list.h> and friends
 * provide them: port and memory-mapped I/O (real in/out and mov instructions, so the device
 * models see the driver's own accesses), address conversions for DMA, and list primitives.
 * They are inline code in the extension, not kernel calls, exactly as in Linux.
 */
#ifndef NOOKS_IO_H
#define NOOKS_IO_H

#include <nooks/kernel.h>

#define PAGE_OFFSET 0xC0000000UL

static inline unsigned char inb(unsigned short port)
{
	unsigned char v;
	__asm__ volatile("inb %w1, %b0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline unsigned short inw(unsigned short port)
{
	unsigned short v;
	__asm__ volatile("inw %w1, %w0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline unsigned int inl(unsigned short port)
{
	unsigned int v;
	__asm__ volatile("inl %w1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline void outb(unsigned char v, unsigned short port)
{
	__asm__ volatile("outb %b0, %w1" : : "a"(v), "Nd"(port));
}
static inline void outw(unsigned short v, unsigned short port)
{
	__asm__ volatile("outw %w0, %w1" : : "a"(v), "Nd"(port));
}
static inline void outl(unsigned int v, unsigned short port)
{
	__asm__ volatile("outl %0, %w1" : : "a"(v), "Nd"(port));
}

#define readb(addr) (*(volatile unsigned char *)(addr))
#define readw(addr) (*(volatile unsigned short *)(addr))
#define readl(addr) (*(volatile unsigned int *)(addr))
#define writeb(v, addr) (*(volatile unsigned char *)(addr) = (v))
#define writew(v, addr) (*(volatile unsigned short *)(addr) = (v))
#define writel(v, addr) (*(volatile unsigned int *)(addr) = (v))

static inline unsigned long virt_to_bus(volatile void *address)
{
	return (unsigned long)address - PAGE_OFFSET;
}
static inline void *bus_to_virt(unsigned long address)
{
	return (void *)(address + PAGE_OFFSET);
}

#define pci_resource_start(dev, bar) ((dev)->resource[(bar)].start)
#define pci_resource_end(dev, bar) ((dev)->resource[(bar)].end)
#define pci_resource_flags(dev, bar) ((dev)->resource[(bar)].flags)
#define pci_resource_len(dev, bar) \
	((pci_resource_start((dev), (bar)) == 0 && pci_resource_end((dev), (bar)) == pci_resource_start((dev), (bar))) ? 0 : \
	 (pci_resource_end((dev), (bar)) - pci_resource_start((dev), (bar)) + 1))
#define pci_set_drvdata(dev, data) ((dev)->driver_data = (data))
#define pci_get_drvdata(dev) ((dev)->driver_data)

/* <linux/list.h> */
#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define INIT_LIST_HEAD(ptr) do { (ptr)->next = (ptr); (ptr)->prev = (ptr); } while (0)
static inline void __list_add(struct list_head *n, struct list_head *prev, struct list_head *next)
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	prev->next = n;
}
static inline void list_add(struct list_head *n, struct list_head *head) { __list_add(n, head, head->next); }
static inline void list_add_tail(struct list_head *n, struct list_head *head) { __list_add(n, head->prev, head); }
static inline void list_del(struct list_head *entry)
{
	entry->next->prev = entry->prev;
	entry->prev->next = entry->next;
	entry->next = 0;
	entry->prev = 0;
}
static inline int list_empty(const struct list_head *head) { return head->next == head; }
#define list_entry(ptr, type, member) ((type *)((char *)(ptr) - (unsigned long)(&((type *)0)->member)))
#define list_for_each(pos, head) for (pos = (head)->next; pos != (head); pos = pos->next)

#define mb() __asm__ volatile("lock; addl $0,0(%%esp)" : : : "memory")
#define wmb() __asm__ volatile("" : : : "memory")
#define rmb() mb()

#endif
