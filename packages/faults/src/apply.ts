// Writing a plan into a target: each fault's patch is applied to the bytes at base + offset,
// after checking that those bytes are the ones the plan was made from (relocated bytes
// excepted). Every fault is checked before anything is written.

import { FaultApplyError } from './errors.js';
import { disassembleText, fromHex, toHex } from './plan.js';
import type { Fault, FaultCode, FaultPlan } from './plan.js';
import type { CodeMemory } from './target.js';

export interface AppliedFault {
  readonly fault: Fault;
  /** Where it was written: base + offset. */
  readonly address: number;
  /** The target's bytes before and after, disassembled at that address. */
  readonly before: FaultCode;
  readonly after: FaultCode;
}

/** The new bytes of a fault given the current ones. */
export function patchBytes(fault: Fault, current: Uint8Array): Uint8Array {
  const keep = fromHex(fault.patch.keep);
  const xor = fromHex(fault.patch.xor);
  return current.map((b, i) => (b & (keep[i] ?? 0xff)) ^ (xor[i] ?? 0));
}

/**
 * Applies every fault of the plan to the module loaded at `base` (default: the base the plan
 * was made at) and returns what was written. Writes only the faults' instruction bytes.
 */
export function applyFaults(plan: FaultPlan, memory: CodeMemory, base: number = plan.base): AppliedFault[] {
  const work: { fault: Fault; address: number; current: Uint8Array; next: Uint8Array }[] = [];
  for (const fault of plan.faults) {
    const address = (base + fault.offset) >>> 0;
    let current: Uint8Array;
    try {
      current = memory.read(address, fault.length);
    } catch (e) {
      throw new FaultApplyError('OUT_OF_RANGE', `${fault.type} at ${fault.symbol}: cannot read 0x${address.toString(16)} (${e instanceof Error ? e.message : String(e)}); is the module loaded at 0x${base.toString(16)}?`);
    }
    const expected = fromHex(fault.before.bytes);
    const relocated = new Set(fault.relocated);
    for (let i = 0; i < fault.length; i++) {
      if (!relocated.has(i) && current[i] !== expected[i]) {
        throw new FaultApplyError(
          'CODE_MISMATCH',
          `${fault.type} at ${fault.symbol} (0x${address.toString(16)}): found ${toHex(current)}, the plan expects ${fault.before.bytes}; the plan belongs to another object, another base, or was applied already`,
        );
      }
    }
    work.push({ fault, address, current, next: patchBytes(fault, current) });
  }
  const out: AppliedFault[] = [];
  for (const w of work) {
    memory.write(w.address, w.next);
    out.push({
      fault: w.fault,
      address: w.address,
      before: { bytes: toHex(w.current), text: disassembleText(w.current, w.address) },
      after: { bytes: toHex(w.next), text: disassembleText(w.next, w.address) },
    });
  }
  return out;
}
