// NOP fillers of a given length, in the forms Intel recommends (and gas emits for padding):
// one instruction for 1..9 bytes, so a deleted instruction stays one instruction wherever
// possible and a branch into the middle of the hole is still impossible.

const NOPS: readonly (readonly number[])[] = [
  [],
  [0x90],
  [0x66, 0x90],
  [0x0f, 0x1f, 0x00],
  [0x0f, 0x1f, 0x40, 0x00],
  [0x0f, 0x1f, 0x44, 0x00, 0x00],
  [0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00],
  [0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00],
  [0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
  [0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
];

/** `n` bytes of NOPs: the longest recommended NOP first, then the rest. */
export function nopFill(n: number): number[] {
  const out: number[] = [];
  let left = n;
  while (left > 0) {
    const k = Math.min(left, NOPS.length - 1);
    out.push(...(NOPS[k] as number[]));
    left -= k;
  }
  return out;
}
