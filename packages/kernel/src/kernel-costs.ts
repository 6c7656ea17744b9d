// What kernel work costs, in Pentium 4 cycles: the one table the simulated kernel charges from.
// Instructions the extensions execute are charged by the CPU's own cycle model; this table is
// for the kernel's TypeScript, which does the work of kernel code that is not emulated.
//
// Calibration: Linux 2.4 paths on a 1.7 GHz Pentium 4, from the instruction counts of the C
// code they stand for (lmbench-era measurements of 2.4 on P4-class machines put a null
// syscall near 0.5 us, a context switch near 2-3 us, an interrupt entry/exit near 1 us).
// Issue 5 calibrates the networking paths against the paper's CPU utilisation.

export const KERNEL_COSTS = {
  /** Any exported function without its own entry: argument checks, a little bookkeeping. */
  default: 60,
  /** kmalloc/kfree fast path (cache lookup, free list pop/push, debug checks off in the estimate). */
  kmalloc: 150,
  kfree: 120,
  /** vmalloc/vfree per page: page allocation and a PTE write, plus the area bookkeeping. */
  vmallocPerPage: 400,
  vmalloc: 1_500,
  /** printk into the log buffer (no console). */
  printk: 2_000,
  /** Copying memory: per byte (rep movsl, L1/L2 bandwidth of the P4). */
  copyPerByte: 0.25,
  /** Interrupt entry (do_IRQ, ack) and exit (ret_from_intr) around the handlers. */
  irqEntryExit: 1_200,
  /** A task switch (schedule: pick next, switch_to, CR3 write charged by the CPU). */
  contextSwitch: 2_500,
  /** Running one softirq action or tasklet (dispatch only). */
  softirq: 300,
  /** Timer list maintenance per add/mod/del. */
  timer: 120,
  /** request_irq/free_irq, request_region & co. (allocation, list insertion, /proc bookkeeping). */
  resource: 1_000,
  /** pci_register_driver per device matched (id table walk, probe call setup). */
  pciMatch: 800,
  /** Wait queue / semaphore operations that do not block. */
  sync: 80,
  /**
   * Protocol processing of one received packet that carries TCP data: eth_type_trans, ip_rcv,
   * tcp_v4_rcv, the established fast path (header prediction), queueing to the socket, the
   * reader's wake-up.
   */
  protocolRxData: 850,
  /** A received packet without data (a pure ACK: tcp_ack, clean_rtx_queue freeing the acked skbs, cwnd; or ARP/ICMP). */
  protocolRxControl: 1_000,
  /**
   * Building and sending one data segment: tcp_sendmsg's skb allocation and segmentation,
   * tcp_transmit_skb, ip_queue_xmit, the qdisc and dev_queue_xmit, the clone kept for
   * retransmission. (The copy from the user is charged by write() as copyPerByte.)
   */
  protocolTxData: 1_900,
  /** Sending a packet without data (tcp_send_ack's small skb; ARP/ICMP replies). */
  protocolTxControl: 500,
  /** Internet checksum (csum_partial over the frame, ~5 bytes/cycle on the P4 with the data in cache). */
  checksumPerByte: 0.2,
  /** A system call's entry and exit (int 0x80 path, argument checks). */
  syscall: 800,
  /**
   * Nooks: one cross-domain call (XPC) without its page-table switch: save the caller's
   * context, find a stack in the target domain, the wrapper's dispatch, restore on return
   * (~150 instructions of nooks_driver_call/nooks_kernel_call). The CR3 writes and the TLB
   * refills that follow them are charged by the CPU's own model.
   */
  xpc: 400,
  /** Nooks: a wrapper's checks and object-tracker lookups for one call. */
  wrapperCheck: 60,
} as const;

export type KernelCostName = keyof typeof KERNEL_COSTS;
