// The fault types, named as in the Rio/Nooks injector, and the kernel functions the
// call-based types recognise (by the relocation of a `call rel32`).

export const FAULT_TYPES = [
  'text-bitflip',
  'source-register',
  'destination-register',
  'delete-branch',
  'invert-branch',
  'delete-instruction',
  'init',
  'pointer',
  'loop',
  'copy-overrun',
  'sync',
  'alloc',
  'interface',
  'memory-leak',
] as const;

export type FaultType = (typeof FAULT_TYPES)[number];

/** Types of the paper that this injector does not make, with the reason (see README). */
export const UNSUPPORTED_FAULT_TYPES: Readonly<Record<string, string>> = {
  'free-early':
    'moving a kfree earlier needs its argument to be computable at the earlier point; in gcc output the pointer is usually in a register or stack slot that is not yet (or no longer) live there, so it cannot be done safely in binary',
};

export function isFaultType(name: unknown): name is FaultType {
  return typeof name === 'string' && (FAULT_TYPES as readonly string[]).includes(name);
}

/** One line per type, for the README and the CLI. */
export const FAULT_TYPE_SUMMARY: Readonly<Record<FaultType, string>> = {
  'text-bitflip': 'flip one random bit of an instruction',
  'source-register': 'change a register the instruction reads (ModRM.reg/rm or opcode register field)',
  'destination-register': 'change the register the instruction writes',
  'delete-branch': 'replace a jcc/jmp by NOPs of the same length',
  'invert-branch': "invert a jcc's condition (flip the low bit of the condition code)",
  'delete-instruction': 'replace a random instruction by NOPs',
  init: 'drop the first store to a stack local (uninitialised variable)',
  pointer: "corrupt a memory operand's address: change its base register or its displacement",
  loop: 'invert the jcc that closes a backward loop, or swap repe/repne',
  'copy-overrun': 'make a memcpy-style copy or rep movs/stos longer (mostly by 1 word, sometimes by pages)',
  sync: 'drop a call to a lock acquire/release (spin_lock*, down, up)',
  alloc: 'make an allocation (kmalloc, vmalloc, dev_alloc_skb, ...) return NULL',
  interface: 'corrupt an argument passed to a kernel function (zero or wild immediate, dropped store)',
  'memory-leak': 'drop a call to a free function (kfree, vfree, dev_kfree_skb*, ...)',
};

/** Lock acquire/release calls dropped by `sync`. */
export const SYNC_FUNCTIONS: ReadonlySet<string> = new Set([
  'spin_lock', 'spin_unlock', 'spin_lock_irqsave', 'spin_unlock_irqrestore', 'spin_lock_irq', 'spin_unlock_irq',
  'spin_lock_bh', 'spin_unlock_bh', 'read_lock', 'read_unlock', 'write_lock', 'write_unlock',
  'down', 'up', 'down_interruptible', 'down_trylock',
]);

/** Sync calls whose return value the caller uses: the replacement sets EAX to "acquired" (0). */
export const SYNC_RETURNS_ZERO: ReadonlySet<string> = new Set(['down_interruptible', 'down_trylock']);

/** Allocators made to fail by `alloc`. */
export const ALLOC_FUNCTIONS: ReadonlySet<string> = new Set([
  'kmalloc', 'vmalloc', 'kmem_cache_alloc', '__get_free_pages', 'get_zeroed_page', 'alloc_pages',
  'dev_alloc_skb', 'alloc_skb', 'alloc_etherdev', 'pci_alloc_consistent', 'skb_clone', 'skb_copy',
]);

/** Release calls dropped by `memory-leak`. */
export const FREE_FUNCTIONS: ReadonlySet<string> = new Set([
  'kfree', 'vfree', 'kmem_cache_free', 'free_pages', 'free_page', '__free_pages',
  'kfree_skb', 'dev_kfree_skb', 'dev_kfree_skb_irq', 'dev_kfree_skb_any', 'pci_free_consistent',
]);

/** Copy functions whose length argument `copy-overrun` increases: name -> argument index of the length. */
export const COPY_FUNCTIONS: ReadonlyMap<string, number> = new Map([
  ['memcpy', 2], ['memmove', 2], ['memset', 2], ['copy_from_user', 2], ['copy_to_user', 2],
  ['__copy_from_user', 2], ['__copy_to_user', 2], ['strncpy', 2], ['memcpy_fromio', 2], ['memcpy_toio', 2],
]);
