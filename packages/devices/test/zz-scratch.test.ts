import { it, expect } from 'vitest';
import { Guest } from './asm.js';
it('now staleness', () => {
  const g = new Guest();
  g.code(`movl $1,%eax\n addl $2,%eax\n addl $3,%eax\n hlt`);
  const r = g.m.run({ maxInstructions: 100 });
  console.log(r, g.cpu.cycles, g.cpu.now());
  const seen: number[] = [];
  const g2 = new Guest();
  g2.code(`l: movl $1,%eax\n addl $2,%eax\n addl $3,%eax\n jmp m\n m: addl $3,%eax\n jmp l`);
  g2.cpu.deadline = 30;
  g2.cpu.onDeadline = () => { seen.push(g2.cpu.cycles, g2.cpu.now()); };
  g2.m.run({ maxInstructions: 40 });
  console.log(seen);
  expect(1).toBe(1);
});
