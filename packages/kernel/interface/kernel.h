/*
 * The kernel interface of Nooks Lab: every type, structure and function an extension may use.
 * This file is the single source of truth. @nooks/wrapgen turns it into the C header the
 * extensions compile against (<nooks/kernel.h>), the TypeScript layouts the kernel reads and
 * writes emulated memory with, and the export table; the __nk(...) annotations say what each
 * parameter and field means to isolation (see packages/wrapgen/README.md).
 *
 * Linux 2.4.18 (i386) is the model: names, layouts and semantics follow it where the
 * simulated kernel implements them. A declaration here must be implemented by the kernel
 * (a test checks that every function below is exported).
 */

// ---- constants ----------------------------------------------------------------------------
#define HZ              100
#define PAGE_SHIFT      12
#define PAGE_SIZE       (1 << PAGE_SHIFT)
#define GFP_ATOMIC      0x20
#define GFP_KERNEL      0x1f0
#define GFP_DMA         0x01

#define EPERM           1
#define ENOENT          2
#define EINTR           4
#define EIO             5
#define ENXIO           6
#define E2BIG           7
#define EAGAIN          11
#define ENOMEM          12
#define EFAULT          14
#define EBUSY           16
#define EEXIST          17
#define ENODEV          19
#define EINVAL          22
#define ENOSPC          28
#define ETIMEDOUT       110

#define TASK_RUNNING            0
#define TASK_INTERRUPTIBLE      1
#define TASK_UNINTERRUPTIBLE    2

// ---- basic types ----------------------------------------------------------------------------
typedef unsigned int size_t;
typedef int ssize_t;
typedef unsigned int dma_addr_t;

struct list_head {
	struct list_head *next, *prev;
};

typedef struct {
	volatile unsigned int lock;
} spinlock_t;

typedef struct {
	volatile int counter;
} atomic_t;

struct wait_queue_head {
	spinlock_t lock;
	struct list_head task_list;
};
typedef struct wait_queue_head wait_queue_head_t;

struct semaphore {
	atomic_t count;
	int sleepers;
	wait_queue_head_t wait;
};

struct timer_list {
	struct list_head list;
	unsigned long expires;
	unsigned long data;
	void (*function)(unsigned long) __nk(callback, irq_safe);
};

struct tasklet_struct {
	struct tasklet_struct *next;
	unsigned long state;
	atomic_t count;
	void (*func)(unsigned long) __nk(callback, irq_safe);
	unsigned long data;
};

/* Interrupt handlers get the IRQ, their dev_id and (here always NULL) the registers. */
struct pt_regs;
typedef __nk(callback, irq_safe) void (*irq_handler_t)(int irq, void *dev_id, struct pt_regs *regs);

#define SA_INTERRUPT    0x20000000
#define SA_SHIRQ        0x04000000

// ---- PCI (include/linux/pci.h, ioport.h) -----------------------------------------------------
#define PCI_ANY_ID              0xffffffff
#define DEVICE_COUNT_RESOURCE   12
#define PCI_ROM_RESOURCE        6
#define IORESOURCE_IO           0x00000100
#define IORESOURCE_MEM          0x00000200
#define IORESOURCE_PREFETCH     0x00001000
#define PCI_COMMAND             0x04
#define PCI_COMMAND_IO          0x1
#define PCI_COMMAND_MEMORY      0x2
#define PCI_COMMAND_MASTER      0x4
#define PCI_REVISION_ID         0x08
#define PCI_LATENCY_TIMER       0x0d
#define PCI_BASE_ADDRESS_0      0x10
#define PCI_INTERRUPT_LINE      0x3c

struct resource {
	const char *name;
	unsigned long start, end;
	unsigned long flags;
	struct resource *parent, *sibling, *child;
};

struct pci_device_id {
	unsigned int vendor, device;
	unsigned int subvendor, subdevice;
	unsigned int class, class_mask;
	unsigned long driver_data;
};

struct pci_driver;

struct __nk(kernel_private) pci_dev {
	struct list_head global_list;
	struct list_head bus_list;
	void *bus;
	void *subordinate;
	void *sysdata;
	void *procent;
	unsigned int devfn __nk(readonly);
	unsigned short vendor __nk(readonly);
	unsigned short device __nk(readonly);
	unsigned short subsystem_vendor __nk(readonly);
	unsigned short subsystem_device __nk(readonly);
	unsigned int class __nk(readonly);
	u8 hdr_type;
	u8 rom_base_reg;
	struct pci_driver *driver __nk(readonly);
	void *driver_data __nk(nullable);
	u64 dma_mask;
	u32 current_state;
	unsigned short vendor_compatible[4];
	unsigned short device_compatible[4];
	unsigned int irq __nk(readonly);
	struct resource resource[DEVICE_COUNT_RESOURCE] __nk(readonly);
	struct resource dma_resource[2];
	struct resource irq_resource[2];
	char name[90];
	char slot_name[8];
	int active;
	int ro;
	unsigned short regs;
};

struct pci_driver {
	struct list_head node;
	char *name;
	const struct pci_device_id *id_table;
	int (*probe)(struct pci_dev *dev __nk(object(pci_dev)), const struct pci_device_id *id __nk(readonly)) __nk(callback, may_sleep);
	void (*remove)(struct pci_dev *dev __nk(object(pci_dev))) __nk(callback, may_sleep, nullable);
	int (*suspend)(struct pci_dev *dev, u32 state) __nk(callback, nullable);
	int (*resume)(struct pci_dev *dev) __nk(callback, nullable);
};

// ---- networking (include/linux/skbuff.h, netdevice.h) --------------------------------------
#define IFNAMSIZ                16
#define MAX_ADDR_LEN            8
#define ETH_ALEN                6
#define ETH_HLEN                14
#define ETH_DATA_LEN            1500
#define ETH_FRAME_LEN           1514
#define ETH_P_IP                0x0800
#define ETH_P_ARP               0x0806
#define IFF_UP                  0x1
#define IFF_BROADCAST           0x2
#define IFF_RUNNING             0x40
#define IFF_PROMISC             0x100
#define IFF_MULTICAST           0x1000
#define NETIF_F_SG              1
#define NETIF_F_IP_CSUM         2
#define PACKET_HOST             0
#define PACKET_BROADCAST        1
#define PACKET_MULTICAST        2
#define PACKET_OTHERHOST        3
#define CHECKSUM_NONE           0
#define CHECKSUM_HW             1
#define CHECKSUM_UNNECESSARY    2

struct net_device;

struct net_device_stats {
	unsigned long rx_packets, tx_packets, rx_bytes, tx_bytes;
	unsigned long rx_errors, tx_errors, rx_dropped, tx_dropped;
	unsigned long multicast, collisions;
	unsigned long rx_length_errors, rx_over_errors, rx_crc_errors, rx_frame_errors, rx_fifo_errors, rx_missed_errors;
	unsigned long tx_aborted_errors, tx_carrier_errors, tx_fifo_errors, tx_heartbeat_errors, tx_window_errors;
	unsigned long rx_compressed, tx_compressed;
};

struct __nk(shadow) sk_buff {
	struct sk_buff *next __nk(nullable);
	struct sk_buff *prev __nk(nullable);
	void *list __nk(nullable);
	void *sk __nk(nullable);
	long stamp_sec;
	long stamp_usec;
	struct net_device *dev __nk(nullable);
	unsigned char *h_raw;
	unsigned char *nh_raw;
	unsigned char *mac_raw;
	void *dst;
	char cb[48];
	unsigned int len;
	unsigned int data_len;
	unsigned int csum;
	unsigned char __unused, cloned, pkt_type, ip_summed;
	u32 priority;
	atomic_t users;
	unsigned short protocol;
	unsigned short security;
	unsigned int truesize;
	unsigned char *head __nk(readonly);
	unsigned char *data;
	unsigned char *tail;
	unsigned char *end __nk(readonly);
	void (*destructor)(struct sk_buff *skb) __nk(callback, nullable);
};

struct __nk(shadow) net_device {
	char name[IFNAMSIZ];
	unsigned long rmem_end, rmem_start, mem_end, mem_start;
	unsigned long base_addr;
	unsigned int irq;
	unsigned char if_port;
	unsigned char dma;
	unsigned long state __nk(readonly);
	struct net_device *next __nk(readonly, nullable);
	int (*init)(struct net_device *dev) __nk(callback, nullable, may_sleep);
	struct net_device_stats *(*get_stats)(struct net_device *dev) __nk(callback, nullable);
	unsigned long trans_start;
	unsigned long last_rx;
	unsigned short flags;
	unsigned short gflags;
	unsigned int mtu;
	unsigned short type;
	unsigned short hard_header_len;
	void *priv __nk(nullable);
	unsigned char broadcast[MAX_ADDR_LEN];
	unsigned char dev_addr[MAX_ADDR_LEN];
	unsigned char addr_len;
	int mc_count;
	int promiscuity;
	int watchdog_timeo;
	unsigned long features;
	int ifindex __nk(readonly);
	int (*open)(struct net_device *dev) __nk(callback, may_sleep);
	int (*stop)(struct net_device *dev) __nk(callback, may_sleep);
	int (*hard_start_xmit)(struct sk_buff *skb __nk(object(sk_buff)), struct net_device *dev) __nk(callback, irq_safe);
	void (*set_multicast_list)(struct net_device *dev) __nk(callback, nullable);
	int (*set_mac_address)(struct net_device *dev, void *addr) __nk(callback, nullable);
	int (*do_ioctl)(struct net_device *dev, void *ifr __nk(user), int cmd) __nk(callback, nullable, may_sleep);
	void (*tx_timeout)(struct net_device *dev) __nk(callback, nullable, irq_safe);
	int (*change_mtu)(struct net_device *dev, int new_mtu) __nk(callback, nullable);
};

// ---- exported variables --------------------------------------------------------------------
extern volatile unsigned long jiffies __nk(readonly);

// ---- printing and strings --------------------------------------------------------------------
int printk(const char *fmt __nk(readonly), ...) __nk(irq_safe, noncritical);
int sprintf(char *buf __nk(out), const char *fmt __nk(readonly), ...) __nk(irq_safe);
int snprintf(char *buf __nk(out, len(size)), size_t size, const char *fmt __nk(readonly), ...) __nk(irq_safe);
void *memcpy(void *to __nk(out, len(n)), const void *from __nk(in, len(n)), size_t n) __nk(irq_safe);
void *memmove(void *to __nk(out, len(n)), const void *from __nk(in, len(n)), size_t n) __nk(irq_safe);
void *memset(void *s __nk(out, len(n)), int c, size_t n) __nk(irq_safe);
int memcmp(const void *a __nk(in, len(n)), const void *b __nk(in, len(n)), size_t n) __nk(irq_safe);
size_t strlen(const char *s __nk(readonly)) __nk(irq_safe);
int strcmp(const char *a __nk(readonly), const char *b __nk(readonly)) __nk(irq_safe);
int strncmp(const char *a __nk(readonly), const char *b __nk(readonly), size_t n) __nk(irq_safe);
char *strcpy(char *dst __nk(out), const char *src __nk(readonly)) __nk(irq_safe);
char *strncpy(char *dst __nk(out, len(n)), const char *src __nk(readonly), size_t n) __nk(irq_safe);

// ---- memory --------------------------------------------------------------------------------
void *kmalloc(size_t size, int flags) __nk(acquire, nullable, irq_safe);
void kfree(const void *objp __nk(nullable)) __nk(release(0), irq_safe);
void *vmalloc(unsigned long size) __nk(acquire, nullable, may_sleep);
void vfree(void *addr __nk(nullable)) __nk(release(0), may_sleep);

// ---- user memory ---------------------------------------------------------------------------
/* Both return the number of bytes that could not be copied (0 on success). */
unsigned long copy_from_user(void *to __nk(out, len(n)), const void *from __nk(user, len(n)), unsigned long n) __nk(may_sleep);
unsigned long copy_to_user(void *to __nk(user, len(n)), const void *from __nk(in, len(n)), unsigned long n) __nk(may_sleep);

// ---- time and sleeping ----------------------------------------------------------------------
void udelay(unsigned long usecs) __nk(irq_safe);
void mdelay(unsigned long msecs) __nk(irq_safe);
void schedule(void) __nk(may_sleep);
long schedule_timeout(long timeout) __nk(may_sleep);

// ---- interrupts, tasklets, timers ------------------------------------------------------------
int request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags, const char *devname __nk(readonly), void *dev_id __nk(nullable)) __nk(may_sleep);
void free_irq(unsigned int irq, void *dev_id __nk(nullable)) __nk(may_sleep);
void disable_irq(unsigned int irq);
void disable_irq_nosync(unsigned int irq) __nk(irq_safe);
void enable_irq(unsigned int irq) __nk(irq_safe);
void tasklet_init(struct tasklet_struct *t __nk(out), void (*func)(unsigned long) __nk(callback, irq_safe), unsigned long data);
void tasklet_schedule(struct tasklet_struct *t __nk(inout)) __nk(irq_safe);
void tasklet_hi_schedule(struct tasklet_struct *t __nk(inout)) __nk(irq_safe);
void tasklet_kill(struct tasklet_struct *t __nk(inout)) __nk(may_sleep);
void init_timer(struct timer_list *timer __nk(out)) __nk(irq_safe);
void add_timer(struct timer_list *timer __nk(inout)) __nk(irq_safe);
int mod_timer(struct timer_list *timer __nk(inout), unsigned long expires) __nk(irq_safe);
int del_timer(struct timer_list *timer __nk(inout)) __nk(irq_safe);
int del_timer_sync(struct timer_list *timer __nk(inout));
int timer_pending(const struct timer_list *timer __nk(readonly)) __nk(irq_safe);

// ---- PCI and device resources --------------------------------------------------------------
int pci_register_driver(struct pci_driver *drv __nk(in)) __nk(may_sleep);
void pci_unregister_driver(struct pci_driver *drv __nk(in)) __nk(may_sleep);
int pci_enable_device(struct pci_dev *dev __nk(object(pci_dev))) __nk(may_sleep);
void pci_disable_device(struct pci_dev *dev __nk(object(pci_dev)));
void pci_set_master(struct pci_dev *dev __nk(object(pci_dev)));
int pci_read_config_byte(struct pci_dev *dev __nk(object(pci_dev)), int where, u8 *val __nk(out)) __nk(irq_safe);
int pci_read_config_word(struct pci_dev *dev __nk(object(pci_dev)), int where, u16 *val __nk(out)) __nk(irq_safe);
int pci_read_config_dword(struct pci_dev *dev __nk(object(pci_dev)), int where, u32 *val __nk(out)) __nk(irq_safe);
int pci_write_config_byte(struct pci_dev *dev __nk(object(pci_dev)), int where, u8 val) __nk(irq_safe);
int pci_write_config_word(struct pci_dev *dev __nk(object(pci_dev)), int where, u16 val) __nk(irq_safe);
int pci_write_config_dword(struct pci_dev *dev __nk(object(pci_dev)), int where, u32 val) __nk(irq_safe);
void *pci_alloc_consistent(struct pci_dev *dev __nk(object(pci_dev), nullable), size_t size, dma_addr_t *dma_handle __nk(out)) __nk(acquire, nullable);
void pci_free_consistent(struct pci_dev *dev __nk(object(pci_dev), nullable), size_t size, void *vaddr, dma_addr_t dma_handle) __nk(release(2));
struct resource *request_region(unsigned long start, unsigned long n, const char *name __nk(readonly)) __nk(nullable);
void release_region(unsigned long start, unsigned long n);
int check_region(unsigned long start, unsigned long n);
struct resource *request_mem_region(unsigned long start, unsigned long n, const char *name __nk(readonly)) __nk(nullable);
void release_mem_region(unsigned long start, unsigned long n);
void *ioremap(unsigned long offset, unsigned long size) __nk(acquire, nullable);
void iounmap(void *addr) __nk(release(0));

// ---- sk_buffs and network devices --------------------------------------------------------------
struct sk_buff *alloc_skb(unsigned int size, int priority) __nk(acquire, nullable, object(sk_buff), irq_safe);
struct sk_buff *dev_alloc_skb(unsigned int length) __nk(acquire, nullable, object(sk_buff), irq_safe);
void kfree_skb(struct sk_buff *skb __nk(object(sk_buff))) __nk(release(0), irq_safe);
void dev_kfree_skb(struct sk_buff *skb __nk(object(sk_buff))) __nk(release(0), irq_safe);
void dev_kfree_skb_irq(struct sk_buff *skb __nk(object(sk_buff))) __nk(release(0), irq_safe);
void dev_kfree_skb_any(struct sk_buff *skb __nk(object(sk_buff))) __nk(release(0), irq_safe);
unsigned char *skb_put(struct sk_buff *skb __nk(inout, object(sk_buff)), unsigned int len) __nk(irq_safe);
unsigned char *skb_push(struct sk_buff *skb __nk(inout, object(sk_buff)), unsigned int len) __nk(irq_safe);
unsigned char *skb_pull(struct sk_buff *skb __nk(inout, object(sk_buff)), unsigned int len) __nk(irq_safe, nullable);
void skb_reserve(struct sk_buff *skb __nk(inout, object(sk_buff)), unsigned int len) __nk(irq_safe);
unsigned short eth_type_trans(struct sk_buff *skb __nk(inout, object(sk_buff)), struct net_device *dev __nk(object(net_device))) __nk(irq_safe);
struct net_device *alloc_etherdev(int sizeof_priv) __nk(acquire, nullable, object(net_device), may_sleep);
int register_netdev(struct net_device *dev __nk(in, object(net_device))) __nk(may_sleep);
void unregister_netdev(struct net_device *dev __nk(object(net_device))) __nk(may_sleep);
int netif_rx(struct sk_buff *skb __nk(in, object(sk_buff))) __nk(release(0), irq_safe);
void netif_start_queue(struct net_device *dev __nk(object(net_device))) __nk(irq_safe);
void netif_stop_queue(struct net_device *dev __nk(object(net_device))) __nk(irq_safe);
void netif_wake_queue(struct net_device *dev __nk(object(net_device))) __nk(irq_safe);
int netif_queue_stopped(struct net_device *dev __nk(object(net_device))) __nk(irq_safe);
void netif_carrier_on(struct net_device *dev __nk(object(net_device))) __nk(irq_safe);
void netif_carrier_off(struct net_device *dev __nk(object(net_device))) __nk(irq_safe);
int netif_carrier_ok(struct net_device *dev __nk(object(net_device))) __nk(irq_safe);

// ---- wait queues, semaphores, spinlocks ------------------------------------------------------
void init_waitqueue_head(wait_queue_head_t *q __nk(out));
void __wake_up(wait_queue_head_t *q) __nk(irq_safe);
void wake_up(wait_queue_head_t *q) __nk(irq_safe);
void wake_up_interruptible(wait_queue_head_t *q) __nk(irq_safe);
void sleep_on(wait_queue_head_t *q) __nk(may_sleep);
void interruptible_sleep_on(wait_queue_head_t *q) __nk(may_sleep);
long interruptible_sleep_on_timeout(wait_queue_head_t *q, long timeout) __nk(may_sleep);
void sema_init(struct semaphore *sem __nk(out), int val);
void down(struct semaphore *sem __nk(inout)) __nk(may_sleep);
int down_interruptible(struct semaphore *sem __nk(inout)) __nk(may_sleep);
int down_trylock(struct semaphore *sem __nk(inout)) __nk(irq_safe);
void up(struct semaphore *sem __nk(inout)) __nk(irq_safe);
void spin_lock_init(spinlock_t *lock __nk(out)) __nk(irq_safe);
void spin_lock(spinlock_t *lock __nk(inout)) __nk(irq_safe);
void spin_unlock(spinlock_t *lock __nk(inout)) __nk(irq_safe);
/* Linux's spin_lock_irqsave(lock, flags) macro, as a function returning the saved flags. */
unsigned long spin_lock_irqsave(spinlock_t *lock __nk(inout)) __nk(irq_safe);
void spin_unlock_irqrestore(spinlock_t *lock __nk(inout), unsigned long flags) __nk(irq_safe);

// ---- errors --------------------------------------------------------------------------------
void panic(const char *fmt __nk(readonly), ...) __nk(critical);
