/* A loopback network driver for the kernel's network-core tests: every frame it is given is
 * copied into a fresh skb and received back. Its "ring" holds 4 frames: it stops the queue
 * when full and a timer drains it and wakes the queue, as a real driver does on TX-done. */
#include <nooks/io.h>

struct knet_priv {
	struct net_device_stats stats;
	struct timer_list drain;
	int in_ring;
	int xmits;
};

static struct net_device *knet_dev;
int knet_xmits, knet_stops, knet_wakes;

static void knet_drain(unsigned long data)
{
	struct net_device *dev = (struct net_device *)data;
	struct knet_priv *p = dev->priv;
	p->in_ring = 0;
	knet_wakes++;
	netif_wake_queue(dev);
}

static int knet_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct knet_priv *p = dev->priv;
	struct sk_buff *rx = dev_alloc_skb(skb->len);
	if (rx) {
		memcpy(skb_put(rx, skb->len), skb->data, skb->len);
		rx->dev = dev;
		rx->protocol = eth_type_trans(rx, dev);
		netif_rx(rx);
		p->stats.rx_packets++;
	}
	p->stats.tx_packets++;
	p->stats.tx_bytes += skb->len;
	dev_kfree_skb(skb);
	knet_xmits++;
	if (++p->in_ring == 4) {
		netif_stop_queue(dev);
		knet_stops++;
		mod_timer(&p->drain, jiffies + 1);
	}
	return 0;
}

static int knet_open(struct net_device *dev)
{
	netif_start_queue(dev);
	return 0;
}

static int knet_stop(struct net_device *dev)
{
	struct knet_priv *p = dev->priv;
	netif_stop_queue(dev);
	del_timer_sync(&p->drain);
	return 0;
}

static struct net_device_stats *knet_stats(struct net_device *dev)
{
	return &((struct knet_priv *)dev->priv)->stats;
}

int init_module(void)
{
	struct knet_priv *p;
	knet_dev = alloc_etherdev(sizeof(struct knet_priv));
	if (!knet_dev)
		return -ENOMEM;
	p = knet_dev->priv;
	init_timer(&p->drain);
	p->drain.function = knet_drain;
	p->drain.data = (unsigned long)knet_dev;
	knet_dev->open = knet_open;
	knet_dev->stop = knet_stop;
	knet_dev->hard_start_xmit = knet_xmit;
	knet_dev->get_stats = knet_stats;
	memcpy(knet_dev->dev_addr, "\x02\x00\x00\x00\x00\x01", 6);
	if (register_netdev(knet_dev)) {
		kfree(knet_dev);
		return -EIO;
	}
	return 0;
}

void cleanup_module(void)
{
	unregister_netdev(knet_dev);
	kfree(knet_dev);
}
