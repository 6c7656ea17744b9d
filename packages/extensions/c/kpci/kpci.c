/* A PCI driver for the kernel's tests: a card with an I/O BAR (register 0: writing nonzero
 * raises the card's interrupt, 0 lowers it) and a 4 KiB MMIO BAR. */
#include <nooks/io.h>

static struct pci_device_id kpci_ids[] = {
	{ 0x1af4, 0x1234, PCI_ANY_ID, PCI_ANY_ID, 0, 0, 0 },
	{ 0, 0, 0, 0, 0, 0, 0 },
};

struct kpci_priv {
	unsigned long io;
	volatile unsigned int *mmio;
	unsigned int irq;
	int interrupts;
};

static struct kpci_priv *the_card;
int kpci_probed, kpci_removed, kpci_interrupts;

static void kpci_interrupt(int irq, void *dev_id, struct pt_regs *regs)
{
	struct kpci_priv *p = dev_id;
	(void)irq;
	(void)regs;
	p->interrupts++;
	kpci_interrupts++;
	outb(0, p->io); /* acknowledge: lower the line */
}

static int kpci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct kpci_priv *p;
	int rc;
	(void)id;
	if (pci_enable_device(pdev))
		return -EIO;
	p = kmalloc(sizeof *p, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->io = pci_resource_start(pdev, 0);
	p->irq = pdev->irq;
	p->interrupts = 0;
	if (!request_region(p->io, pci_resource_len(pdev, 0), "kpci")) {
		kfree(p);
		return -EBUSY;
	}
	if (!request_mem_region(pci_resource_start(pdev, 1), pci_resource_len(pdev, 1), "kpci")) {
		release_region(p->io, pci_resource_len(pdev, 0));
		kfree(p);
		return -EBUSY;
	}
	p->mmio = ioremap(pci_resource_start(pdev, 1), pci_resource_len(pdev, 1));
	writel(0xcafe0000 | pdev->device, p->mmio + 4);
	rc = request_irq(p->irq, kpci_interrupt, SA_SHIRQ, "kpci", p);
	if (rc) {
		iounmap((void *)p->mmio);
		release_mem_region(pci_resource_start(pdev, 1), pci_resource_len(pdev, 1));
		release_region(p->io, pci_resource_len(pdev, 0));
		kfree(p);
		return rc;
	}
	pci_set_master(pdev);
	pci_set_drvdata(pdev, p);
	the_card = p;
	kpci_probed++;
	printk("<6>kpci: %s io %lx irq %d\n", pdev->slot_name, p->io, p->irq);
	return 0;
}

static void kpci_remove(struct pci_dev *pdev)
{
	struct kpci_priv *p = pci_get_drvdata(pdev);
	free_irq(p->irq, p);
	iounmap((void *)p->mmio);
	release_mem_region(pci_resource_start(pdev, 1), pci_resource_len(pdev, 1));
	release_region(p->io, pci_resource_len(pdev, 0));
	kfree(p);
	kpci_removed++;
}

static struct pci_driver kpci_driver = {
	.name = "kpci",
	.id_table = kpci_ids,
	.probe = kpci_probe,
	.remove = kpci_remove,
};

int init_module(void)
{
	return pci_register_driver(&kpci_driver) > 0 ? 0 : -ENODEV;
}

void cleanup_module(void)
{
	pci_unregister_driver(&kpci_driver);
}
