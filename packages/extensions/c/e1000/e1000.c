/*
 * e1000: a driver for the Intel 82540EM gigabit Ethernet controller, structured like Linux
 * 2.4's drivers/net/e1000 (e1000_main.c, e1000_hw.c): PCI probe, MAC address from the EEPROM
 * with its checksum, legacy descriptor rings in DMA-consistent memory, open and stop, transmit,
 * an interrupt handler that cleans the transmit ring and hands received frames to the stack in
 * a batch, and a watchdog timer for the link. It imports only the kernel interface.
 *
 * The BUG_* blocks are the hand-made bug variants (variants.json): each compiles one mistake
 * that manifests only once traffic flows. The plain build has none of them.
 */
#include <nooks/io.h>

#define E1000_VENDOR 0x8086
#define E1000_DEV_82540EM 0x100E

/* Registers (8254x Software Developer's Manual, section 13). */
#define E1000_CTRL 0x0000
#define E1000_STATUS 0x0008
#define E1000_EERD 0x0014
#define E1000_ICR 0x00C0
#define E1000_ITR 0x00C4
#define E1000_IMS 0x00D0
#define E1000_IMC 0x00D8
#define E1000_RCTL 0x0100
#define E1000_TCTL 0x0400
#define E1000_TIPG 0x0410
#define E1000_RDBAL 0x2800
#define E1000_RDBAH 0x2804
#define E1000_RDLEN 0x2808
#define E1000_RDH 0x2810
#define E1000_RDT 0x2818
#define E1000_RDTR 0x2820
#define E1000_TDBAL 0x3800
#define E1000_TDBAH 0x3804
#define E1000_TDLEN 0x3808
#define E1000_TDH 0x3810
#define E1000_TDT 0x3818
#define E1000_TIDV 0x3820
#define E1000_MTA 0x5200
#define E1000_RAL0 0x5400
#define E1000_RAH0 0x5404

#define E1000_CTRL_SLU 0x00000040
#define E1000_CTRL_ASDE 0x00000020
#define E1000_CTRL_RST 0x04000000
#define E1000_STATUS_LU 0x00000002
#define E1000_EERD_START 0x00000001
#define E1000_EERD_DONE 0x00000010
#define E1000_ICR_TXDW 0x00000001
#define E1000_ICR_TXQE 0x00000002
#define E1000_ICR_LSC 0x00000004
#define E1000_ICR_RXDMT0 0x00000010
#define E1000_ICR_RXO 0x00000040
#define E1000_ICR_RXT0 0x00000080
#define E1000_IMS_ENABLE (E1000_ICR_TXDW | E1000_ICR_LSC | E1000_ICR_RXDMT0 | E1000_ICR_RXO | E1000_ICR_RXT0)
#define E1000_RCTL_EN 0x00000002
#define E1000_RCTL_BAM 0x00008000
#define E1000_RCTL_SZ_2048 0x00000000
#define E1000_RCTL_SECRC 0x04000000
#define E1000_TCTL_EN 0x00000002
#define E1000_TCTL_PSP 0x00000008
#define E1000_TCTL_CT (0x0F << 4)
#define E1000_TCTL_COLD (0x40 << 12)
#define E1000_TIPG_COPPER (8 | (8 << 10) | (6 << 20))
#define E1000_RAH_AV 0x80000000

#define E1000_TXD_CMD_EOP 0x01
#define E1000_TXD_CMD_IFCS 0x02
#define E1000_TXD_CMD_RS 0x08
#define E1000_TXD_STAT_DD 0x01
#define E1000_RXD_STAT_DD 0x01
#define E1000_RXD_STAT_EOP 0x02

#define E1000_TX_RING 256
#define E1000_RX_RING 256
#define E1000_RX_BUFFER 2048
#define E1000_EEPROM_CHECKSUM 0xBABA
#define E1000_WATCHDOG_TICKS (2 * HZ)

/* Module parameter (insmod e1000 InterruptThrottleRate=N), as in Linux's e1000: the most
 * interrupts a second the card may raise (0: no throttling). */
int InterruptThrottleRate = 8000;
#if defined(BUG_UNINIT_STACK) || defined(BUG_UNINIT_HEAP)
/* Interrupts that find more frames than this hand them up as one burst, after the ring is
 * refilled; smaller batches go up one by one. */
#define E1000_RX_BURST_MIN 4
#define E1000_RX_BURST_MAX 32
#endif

struct e1000_tx_desc {
	u32 addr_lo, addr_hi;
	u16 length;
	u8 cso, cmd, status, css;
	u16 special;
};

struct e1000_rx_desc {
	u32 addr_lo, addr_hi;
	u16 length, csum;
	u8 status, errors;
	u16 special;
};

struct e1000_buffer {
	struct sk_buff *skb;
};

struct e1000_adapter {
	struct net_device *netdev;
	struct pci_dev *pdev;
	volatile u8 *hw_addr;
	unsigned long mmio_start, mmio_len;
	struct net_device_stats stats;
#ifdef BUG_WILD_WRITE
	/* Received frames by size, 256 bytes a bucket. BUG: 1514-byte frames need a sixth bucket
	 * (1280-1535); their count lands one past the array, in the watchdog timer's list links,
	 * which the kernel's timer list runs through. */
#define E1000_RX_SIZE_BUCKETS 5
	unsigned long rx_size[E1000_RX_SIZE_BUCKETS];
#endif
	struct timer_list watchdog;
	spinlock_t tx_lock;
	int link_up;

	struct e1000_tx_desc *tx_desc;
	dma_addr_t tx_dma;
	struct e1000_buffer tx_buf[E1000_TX_RING];
	unsigned int tx_next_to_use, tx_next_to_clean;

	struct e1000_rx_desc *rx_desc;
	dma_addr_t rx_dma;
	struct e1000_buffer rx_buf[E1000_RX_RING];
	unsigned int rx_next_to_use, rx_next_to_clean;

	u16 eeprom[64];
#ifdef BUG_UNINIT_HEAP
	struct sk_buff **rx_burst; /* kmalloc'd at open: a burst of frames on its way up */
#endif
};

#define E1000_READ_REG(a, reg) readl((a)->hw_addr + (reg))
#define E1000_WRITE_REG(a, reg, v) writel((v), (a)->hw_addr + (reg))

/* ---- hardware: EEPROM, reset, MAC ------------------------------------------------------ */

static int e1000_read_eeprom(struct e1000_adapter *a, int word, u16 *data)
{
	int i;
	E1000_WRITE_REG(a, E1000_EERD, (word << 8) | E1000_EERD_START);
	for (i = 0; i < 100; i++) {
		u32 v = E1000_READ_REG(a, E1000_EERD);
		if (v & E1000_EERD_DONE) {
			*data = (u16)(v >> 16);
			return 0;
		}
		udelay(5);
	}
	return -EIO;
}

static int e1000_validate_eeprom(struct e1000_adapter *a)
{
	u16 sum = 0;
	int i;
	for (i = 0; i < 64; i++) {
		if (e1000_read_eeprom(a, i, &a->eeprom[i]))
			return -EIO;
		sum += a->eeprom[i];
	}
	return sum == E1000_EEPROM_CHECKSUM ? 0 : -EIO;
}

static void e1000_reset_hw(struct e1000_adapter *a)
{
	E1000_WRITE_REG(a, E1000_IMC, 0xffffffff);
	E1000_WRITE_REG(a, E1000_RCTL, 0);
	E1000_WRITE_REG(a, E1000_TCTL, E1000_TCTL_PSP);
	E1000_WRITE_REG(a, E1000_CTRL, E1000_READ_REG(a, E1000_CTRL) | E1000_CTRL_RST);
	mdelay(5);
	E1000_WRITE_REG(a, E1000_IMC, 0xffffffff);
	E1000_READ_REG(a, E1000_ICR);
	E1000_WRITE_REG(a, E1000_CTRL, E1000_READ_REG(a, E1000_CTRL) | E1000_CTRL_SLU | E1000_CTRL_ASDE);
}

static void e1000_set_mac(struct e1000_adapter *a)
{
	u8 *mac = a->netdev->dev_addr;
	int i;
	E1000_WRITE_REG(a, E1000_RAL0, mac[0] | (mac[1] << 8) | (mac[2] << 16) | ((u32)mac[3] << 24));
	E1000_WRITE_REG(a, E1000_RAH0, mac[4] | (mac[5] << 8) | E1000_RAH_AV);
	for (i = 0; i < 128; i++)
		E1000_WRITE_REG(a, E1000_MTA + 4 * i, 0);
}

/* ---- rings ---------------------------------------------------------------------------------- */

static int e1000_alloc_rx_buffers(struct e1000_adapter *a)
{
	unsigned int i = a->rx_next_to_use;
	int added = 0;
	while (!a->rx_buf[i].skb) {
		struct sk_buff *skb = dev_alloc_skb(E1000_RX_BUFFER + 2);
#ifdef BUG_NULL_CHECK
		/* BUG: the allocation is assumed to succeed (GFP_ATOMIC, in interrupt context). */
		skb->dev = a->netdev;
		skb_reserve(skb, 2); /* align the IP header */
#else
		if (!skb)
			break;
		skb_reserve(skb, 2); /* align the IP header */
		skb->dev = a->netdev;
#endif
		a->rx_buf[i].skb = skb;
		a->rx_desc[i].addr_lo = virt_to_bus(skb->data);
		a->rx_desc[i].addr_hi = 0;
		a->rx_desc[i].status = 0;
		i = (i + 1) % E1000_RX_RING;
		added++;
	}
	if (added) {
		a->rx_next_to_use = i;
		wmb();
		/* RDT points at the last descriptor that belongs to the hardware. */
		E1000_WRITE_REG(a, E1000_RDT, (i + E1000_RX_RING - 1) % E1000_RX_RING);
	}
	return added;
}

static int e1000_setup_rings(struct e1000_adapter *a)
{
	a->tx_desc = pci_alloc_consistent(a->pdev, E1000_TX_RING * sizeof(struct e1000_tx_desc), &a->tx_dma);
	if (!a->tx_desc)
		return -ENOMEM;
	a->rx_desc = pci_alloc_consistent(a->pdev, E1000_RX_RING * sizeof(struct e1000_rx_desc), &a->rx_dma);
	if (!a->rx_desc) {
		pci_free_consistent(a->pdev, E1000_TX_RING * sizeof(struct e1000_tx_desc), a->tx_desc, a->tx_dma);
		return -ENOMEM;
	}
	memset(a->tx_desc, 0, E1000_TX_RING * sizeof(struct e1000_tx_desc));
	memset(a->rx_desc, 0, E1000_RX_RING * sizeof(struct e1000_rx_desc));
	memset(a->tx_buf, 0, sizeof a->tx_buf);
	memset(a->rx_buf, 0, sizeof a->rx_buf);
	a->tx_next_to_use = a->tx_next_to_clean = 0;
	a->rx_next_to_use = a->rx_next_to_clean = 0;
	return 0;
}

static void e1000_free_rings(struct e1000_adapter *a)
{
	int i;
	for (i = 0; i < E1000_TX_RING; i++)
		if (a->tx_buf[i].skb) {
			dev_kfree_skb(a->tx_buf[i].skb);
			a->tx_buf[i].skb = 0;
		}
	for (i = 0; i < E1000_RX_RING; i++)
		if (a->rx_buf[i].skb) {
			dev_kfree_skb(a->rx_buf[i].skb);
			a->rx_buf[i].skb = 0;
		}
	pci_free_consistent(a->pdev, E1000_TX_RING * sizeof(struct e1000_tx_desc), a->tx_desc, a->tx_dma);
	pci_free_consistent(a->pdev, E1000_RX_RING * sizeof(struct e1000_rx_desc), a->rx_desc, a->rx_dma);
}

static void e1000_configure(struct e1000_adapter *a)
{
	E1000_WRITE_REG(a, E1000_TDBAL, a->tx_dma);
	E1000_WRITE_REG(a, E1000_TDBAH, 0);
	E1000_WRITE_REG(a, E1000_TDLEN, E1000_TX_RING * sizeof(struct e1000_tx_desc));
	E1000_WRITE_REG(a, E1000_TDH, 0);
	E1000_WRITE_REG(a, E1000_TDT, 0);
	E1000_WRITE_REG(a, E1000_TIPG, E1000_TIPG_COPPER);
	E1000_WRITE_REG(a, E1000_TIDV, 64);
	E1000_WRITE_REG(a, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_CT | E1000_TCTL_COLD);

	E1000_WRITE_REG(a, E1000_RDBAL, a->rx_dma);
	E1000_WRITE_REG(a, E1000_RDBAH, 0);
	E1000_WRITE_REG(a, E1000_RDLEN, E1000_RX_RING * sizeof(struct e1000_rx_desc));
	E1000_WRITE_REG(a, E1000_RDH, 0);
	E1000_WRITE_REG(a, E1000_RDT, 0);
	E1000_WRITE_REG(a, E1000_RDTR, 0);
	/* Interrupt moderation: at most InterruptThrottleRate interrupts a second (ITR counts 256 ns). */
	E1000_WRITE_REG(a, E1000_ITR, InterruptThrottleRate > 0 ? 1000000000u / ((unsigned)InterruptThrottleRate * 256u) : 0);
	E1000_WRITE_REG(a, E1000_RCTL, E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SZ_2048 | E1000_RCTL_SECRC);
}

/* ---- interrupt: clean tx, receive a batch --------------------------------------------------- */

static void e1000_clean_tx_irq(struct e1000_adapter *a)
{
	unsigned int i = a->tx_next_to_clean;
	int cleaned = 0;
	while (i != a->tx_next_to_use && (a->tx_desc[i].status & E1000_TXD_STAT_DD)) {
		if (a->tx_buf[i].skb) {
			dev_kfree_skb_irq(a->tx_buf[i].skb);
#ifndef BUG_DOUBLE_FREE
			a->tx_buf[i].skb = 0;
#endif
			/* BUG_DOUBLE_FREE: the slot keeps the freed skb (see e1000_xmit_frame). */
		}
		a->tx_desc[i].status = 0;
		i = (i + 1) % E1000_TX_RING;
		cleaned++;
	}
	a->tx_next_to_clean = i;
	if (cleaned && netif_queue_stopped(a->netdev) && netif_carrier_ok(a->netdev))
		netif_wake_queue(a->netdev);
}

#if defined(BUG_UNINIT_STACK) || defined(BUG_UNINIT_HEAP)
/* Hands a burst of received frames up the stack. The list ends at the first NULL entry.
 * BUG (both variants): nobody writes that NULL; the burst array is never cleared. */
static void e1000_rx_burst(struct sk_buff **burst)
{
	int j;
	for (j = 0; j < E1000_RX_RING && burst[j]; j++) {
		burst[j]->dev->last_rx = jiffies;
		netif_rx(burst[j]);
	}
}
#endif

#ifdef BUG_IRQ_LOOP
/* At each wrap of the receive ring: counts the descriptors the hardware has not written back
 * (the ring's fill level, for rx_fifo_errors when it runs low). BUG: a u8 index never reaches
 * E1000_RX_RING (256), so this loops forever, in the interrupt handler, interrupts off. */
static void __attribute__((noinline)) e1000_rx_ring_check(struct e1000_adapter *a)
{
	unsigned int pending = 0;
	u8 j;
	for (j = 0; j < E1000_RX_RING; j++)
		if (a->rx_buf[j].skb && !(a->rx_desc[j].status & E1000_RXD_STAT_DD))
			pending++;
	if (pending < E1000_RX_RING / 8)
		a->stats.rx_fifo_errors++;
}
#endif

static int e1000_clean_rx_irq(struct e1000_adapter *a)
{
	unsigned int i = a->rx_next_to_clean;
	int received = 0;
#if defined(BUG_UNINIT_STACK)
	struct sk_buff *burst[E1000_RX_RING]; /* BUG: uninitialised; e1000_rx_burst wants a NULL end */
	int j;
#elif defined(BUG_UNINIT_HEAP)
	struct sk_buff **burst = a->rx_burst; /* BUG: kmalloc'd at open and never initialised */
	int j;
#endif
	while (a->rx_desc[i].status & E1000_RXD_STAT_DD) {
		struct sk_buff *skb = a->rx_buf[i].skb;
		u16 length = a->rx_desc[i].length;
		u8 status = a->rx_desc[i].status;
		u8 errors = a->rx_desc[i].errors;
		a->rx_buf[i].skb = 0;
		a->rx_desc[i].status = 0;
		i = (i + 1) % E1000_RX_RING;
#ifdef BUG_IRQ_LOOP
		if (i == 0)
			e1000_rx_ring_check(a);
#endif
		if (!skb)
			continue;
		if (!(status & E1000_RXD_STAT_EOP) || errors) {
			a->stats.rx_errors++;
			dev_kfree_skb_irq(skb);
			continue;
		}
		skb_put(skb, length);
		skb->protocol = eth_type_trans(skb, a->netdev);
		a->stats.rx_packets++;
		a->stats.rx_bytes += length;
#ifdef BUG_WILD_WRITE
		a->rx_size[length >> 8]++;
#endif
#if defined(BUG_UNINIT_STACK) || defined(BUG_UNINIT_HEAP)
		burst[received++] = skb; /* at most E1000_RX_RING frames in one pass */
		continue;
#endif
		netif_rx(skb);
		received++;
	}
	a->rx_next_to_clean = i;
	e1000_alloc_rx_buffers(a);
#if defined(BUG_UNINIT_STACK) || defined(BUG_UNINIT_HEAP)
	if (received > E1000_RX_BURST_MIN)
		e1000_rx_burst(burst);
	else
		for (j = 0; j < received; j++) {
			burst[j]->dev->last_rx = jiffies;
			netif_rx(burst[j]);
		}
#endif
	return received;
}

static void e1000_update_link(struct e1000_adapter *a)
{
	int up = (E1000_READ_REG(a, E1000_STATUS) & E1000_STATUS_LU) != 0;
	if (up == a->link_up)
		return;
	a->link_up = up;
	if (up) {
		printk("<6>%s: e1000 NIC Link is Up 1000 Mbps Full Duplex\n", a->netdev->name);
		netif_carrier_on(a->netdev);
		netif_wake_queue(a->netdev);
	} else {
		printk("<6>%s: e1000 NIC Link is Down\n", a->netdev->name);
		netif_carrier_off(a->netdev);
		netif_stop_queue(a->netdev);
	}
}

static void e1000_intr(int irq, void *data, struct pt_regs *regs)
{
	struct net_device *netdev = data;
	struct e1000_adapter *a = netdev->priv;
	u32 icr = E1000_READ_REG(a, E1000_ICR);
	(void)irq;
	(void)regs;
	if (!icr)
		return; /* shared interrupt, not ours */
	if (icr & E1000_ICR_LSC)
		e1000_update_link(a);
	if (icr & E1000_ICR_RXO)
		a->stats.rx_over_errors++;
	e1000_clean_rx_irq(a);
	e1000_clean_tx_irq(a);
}

static void e1000_watchdog(unsigned long data)
{
	struct e1000_adapter *a = (struct e1000_adapter *)data;
	e1000_update_link(a);
	mod_timer(&a->watchdog, jiffies + E1000_WATCHDOG_TICKS);
}

/* ---- net_device methods ---------------------------------------------------------------------- */

static int e1000_xmit_frame(struct sk_buff *skb, struct net_device *netdev)
{
	struct e1000_adapter *a = netdev->priv;
	unsigned long flags;
	unsigned int i, next;

	if (!a->link_up) {
		dev_kfree_skb(skb);
		a->stats.tx_dropped++;
		return 0;
	}
	flags = spin_lock_irqsave(&a->tx_lock);
	i = a->tx_next_to_use;
	next = (i + 1) % E1000_TX_RING;
	if (next == a->tx_next_to_clean) {
		/* Ring full: the stack keeps the packet until we wake the queue. */
		netif_stop_queue(netdev);
		spin_unlock_irqrestore(&a->tx_lock, flags);
		return 1;
	}
#ifdef BUG_DOUBLE_FREE
	/* A buffer the cleaner has not reclaimed yet: free it before reusing the slot. BUG: the
	 * cleaner frees it without clearing the slot, so this frees it a second time. */
	if (a->tx_buf[i].skb)
		dev_kfree_skb_any(a->tx_buf[i].skb);
#endif
	a->tx_buf[i].skb = skb;
	a->tx_desc[i].addr_lo = virt_to_bus(skb->data);
	a->tx_desc[i].addr_hi = 0;
	a->tx_desc[i].length = skb->len;
	a->tx_desc[i].cso = 0;
	a->tx_desc[i].cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
	a->tx_desc[i].status = 0;
	a->tx_next_to_use = next;
	a->stats.tx_packets++;
	a->stats.tx_bytes += skb->len;
	wmb();
	E1000_WRITE_REG(a, E1000_TDT, next);
	if ((next + 1) % E1000_TX_RING == a->tx_next_to_clean)
		netif_stop_queue(netdev);
	spin_unlock_irqrestore(&a->tx_lock, flags);
	return 0;
}

static int e1000_open(struct net_device *netdev)
{
	struct e1000_adapter *a = netdev->priv;
	int err;
#ifdef BUG_UNINIT_HEAP
	a->rx_burst = kmalloc(E1000_RX_RING * sizeof(struct sk_buff *), GFP_KERNEL);
	if (!a->rx_burst)
		return -ENOMEM;
	/* BUG: no memset; e1000_rx_burst relies on NULL entries after the last frame. */
#endif
	err = e1000_setup_rings(a);
	if (err) {
#ifdef BUG_UNINIT_HEAP
		kfree(a->rx_burst);
#endif
		return err;
	}
	e1000_configure(a);
	e1000_alloc_rx_buffers(a);
	err = request_irq(netdev->irq, e1000_intr, SA_SHIRQ, netdev->name, netdev);
	if (err) {
		e1000_reset_hw(a);
		e1000_free_rings(a);
#ifdef BUG_UNINIT_HEAP
		kfree(a->rx_burst);
#endif
		return err;
	}
	a->link_up = 0;
	netif_carrier_off(netdev);
	netif_stop_queue(netdev);
	E1000_WRITE_REG(a, E1000_IMS, E1000_IMS_ENABLE);
	e1000_update_link(a);
	mod_timer(&a->watchdog, jiffies + 1);
	return 0;
}

static int e1000_close(struct net_device *netdev)
{
	struct e1000_adapter *a = netdev->priv;
	netif_stop_queue(netdev);
	E1000_WRITE_REG(a, E1000_IMC, 0xffffffff);
	del_timer_sync(&a->watchdog);
	free_irq(netdev->irq, netdev);
	e1000_reset_hw(a);
	e1000_free_rings(a);
#ifdef BUG_UNINIT_HEAP
	kfree(a->rx_burst);
#endif
	a->link_up = 0;
	return 0;
}

static struct net_device_stats *e1000_get_stats(struct net_device *netdev)
{
	return &((struct e1000_adapter *)netdev->priv)->stats;
}

#ifdef BUG_USER_POINTER
#define SIOCGMIIPHY 0x8947
#define SIOCGMIIREG 0x8948

struct mii_ioctl_data {
	u16 phy_id, reg_num, val_in, val_out;
};

/* The MII ioctls of mii-tool: the PHY's address and its registers. ifr is the caller's
 * struct ifreq in user space, the MII data after its IFNAMSIZ-byte name. BUG: the handler
 * reads and writes it directly instead of copy_from_user/copy_to_user, so a bad pointer from
 * user space is a kernel paging fault instead of -EFAULT. */
static int e1000_ioctl(struct net_device *netdev, void *ifr, int cmd)
{
	struct e1000_adapter *a = netdev->priv;
	struct mii_ioctl_data *data = (struct mii_ioctl_data *)((char *)ifr + IFNAMSIZ);
	switch (cmd) {
	case SIOCGMIIPHY:
		data->phy_id = 1;
		/* fall through */
	case SIOCGMIIREG:
		switch (data->reg_num & 0x1f) {
		case 0: /* BMCR: autonegotiation, full duplex, 1000 Mb/s */
			data->val_out = 0x1140;
			break;
		case 1: /* BMSR: link status from the MAC */
			data->val_out = (E1000_READ_REG(a, E1000_STATUS) & E1000_STATUS_LU) ? 0x796d : 0x7949;
			break;
		case 2: /* PHY identifier: Marvell 88E1011 */
			data->val_out = 0x0141;
			break;
		case 3:
			data->val_out = 0x0c20;
			break;
		default:
			data->val_out = 0;
		}
		return 0;
	}
	return -EINVAL;
}
#endif

/* ---- PCI ------------------------------------------------------------------------------------- */

static int e1000_probe(struct pci_dev *pdev, const struct pci_device_id *ent)
{
	struct net_device *netdev;
	struct e1000_adapter *a;
	int err, i;
	(void)ent;

	if ((err = pci_enable_device(pdev)))
		return err;
	pci_set_master(pdev);
	netdev = alloc_etherdev(sizeof(struct e1000_adapter));
	if (!netdev)
		return -ENOMEM;
	a = netdev->priv;
	memset(a, 0, sizeof *a);
	a->netdev = netdev;
	a->pdev = pdev;
	a->mmio_start = pci_resource_start(pdev, 0);
	a->mmio_len = pci_resource_len(pdev, 0);
	if (!request_mem_region(a->mmio_start, a->mmio_len, "e1000")) {
		err = -EBUSY;
		goto err_region;
	}
	a->hw_addr = ioremap(a->mmio_start, a->mmio_len);
	if (!a->hw_addr) {
		err = -EIO;
		goto err_ioremap;
	}
	spin_lock_init(&a->tx_lock);
	e1000_reset_hw(a);
	if (e1000_validate_eeprom(a)) {
		printk("<3>e1000: The EEPROM Checksum Is Not Valid\n");
		err = -EIO;
		goto err_eeprom;
	}
	for (i = 0; i < 3; i++) {
		netdev->dev_addr[2 * i] = a->eeprom[i] & 0xff;
		netdev->dev_addr[2 * i + 1] = a->eeprom[i] >> 8;
	}
	e1000_set_mac(a);
	netdev->base_addr = a->mmio_start;
	netdev->irq = pdev->irq;
	netdev->open = e1000_open;
	netdev->stop = e1000_close;
	netdev->hard_start_xmit = e1000_xmit_frame;
	netdev->get_stats = e1000_get_stats;
#ifdef BUG_USER_POINTER
	netdev->do_ioctl = e1000_ioctl;
#endif
	netdev->watchdog_timeo = 5 * HZ;
	init_timer(&a->watchdog);
	a->watchdog.function = e1000_watchdog;
	a->watchdog.data = (unsigned long)a;
	if ((err = register_netdev(netdev)))
		goto err_eeprom;
	pci_set_drvdata(pdev, netdev);
	printk("<6>%s: Intel(R) PRO/1000 Network Connection, %02x:%02x:%02x:%02x:%02x:%02x\n", netdev->name,
	       netdev->dev_addr[0], netdev->dev_addr[1], netdev->dev_addr[2], netdev->dev_addr[3], netdev->dev_addr[4],
	       netdev->dev_addr[5]);
	return 0;

err_eeprom:
	iounmap((void *)a->hw_addr);
err_ioremap:
	release_mem_region(a->mmio_start, a->mmio_len);
err_region:
	kfree(netdev);
	return err;
}

static void e1000_remove(struct pci_dev *pdev)
{
	struct net_device *netdev = pci_get_drvdata(pdev);
	struct e1000_adapter *a = netdev->priv;
	unregister_netdev(netdev);
	iounmap((void *)a->hw_addr);
	release_mem_region(a->mmio_start, a->mmio_len);
	kfree(netdev);
}

static struct pci_device_id e1000_pci_tbl[] = {
	{ E1000_VENDOR, E1000_DEV_82540EM, PCI_ANY_ID, PCI_ANY_ID, 0, 0, 0 },
	{ 0, 0, 0, 0, 0, 0, 0 },
};

static struct pci_driver e1000_driver = {
	.name = "e1000",
	.id_table = e1000_pci_tbl,
	.probe = e1000_probe,
	.remove = e1000_remove,
};

int init_module(void)
{
	printk("<6>Intel(R) PRO/1000 Network Driver - version 4.2.x-nooks\n");
	return pci_register_driver(&e1000_driver) > 0 ? 0 : -ENODEV;
}

void cleanup_module(void)
{
	pci_unregister_driver(&e1000_driver);
}
