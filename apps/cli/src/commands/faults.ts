// `nooks faults`: the faults a seed would inject into an extension, without running anything:
// planFaults on the object laid out as the module loader lays it out (imageFromElf, base 0, so
// addresses are offsets from the module base; a trial applies the same plan at its load address).

import { readFileSync } from 'node:fs';
import { extensionObjectPath } from '@nooks/extensions';
import { FAULT_TYPES, imageFromElf, planFaults } from '@nooks/faults';
import type { FaultPlan } from '@nooks/faults';
import { SUPPORTED_EXTENSIONS } from '@nooks/system';
import { booleanFlag, faultTypesFlag, integerFlag, requiredFlag } from '../args.js';
import { EXIT_OK, defineCommand } from '../command.js';
import { requireObject } from '../extensions.js';
import { hex, jsonLine } from '../format.js';

/** The plan a seed gives for a built object (what `nooks faults` prints). */
export function planFor(object: string, seed: number, count: number, types?: readonly string[]): FaultPlan {
  const { image, memory } = imageFromElf(readFileSync(extensionObjectPath(object)), { name: object });
  return planFaults({ image, memory, seed, count, ...(types ? { types } : {}) });
}

export const faultsCommand = defineCommand({
  name: 'faults',
  summary: 'show the faults a seed would inject into an extension (without running)',
  usage: 'nooks faults --extension NAME --seed S [--count K] [--types a,b] [--json]',
  help: `
Plans the faults a trial with this seed injects into the extension's code, and prints each:
its type, its place (function+offset, and the offset from the module base), the instruction
before and after (AT&T disassembly and bytes), and what the change means. Nothing runs; the plan
depends only on the object and the seed, so native and Nooks trials get the same faults.

  --extension NAME   a built extension object (e1000, a bug variant, a test module)
  --seed S           seed of the plan: an integer from 0 to 2^53-1
  --count K          number of faults, 1 to 100 (default 5, as in the paper)
  --types a,b        draw only from these fault types (default: all):
                     ${FAULT_TYPES.join(', ')}
  --json             print the plan (FaultPlan of @nooks/faults; schema in the README)
  -h, --help         this help

Exit status: 0 success; 2 bad usage (unknown extension, bad seed, count or type); 1 failure
(e.g. fewer fault sites of the chosen types than --count).`,
  options: { extension: { type: 'string' }, seed: { type: 'string' }, count: { type: 'string' }, types: { type: 'string' }, json: { type: 'boolean' } },
  async run(args, io) {
    const object = requireObject(requiredFlag(args, 'extension', 'the extension to plan faults for, e.g. e1000'));
    requiredFlag(args, 'seed', 'the seed of the plan');
    const seed = integerFlag(args, 'seed', { min: 0, max: Number.MAX_SAFE_INTEGER })!;
    const count = integerFlag(args, 'count', { min: 1, max: 100 }) ?? 5;
    const types = faultTypesFlag(args);
    const plan = planFor(object, seed, count, types);
    if (booleanFlag(args, 'json')) {
      io.stdout.write(jsonLine(plan));
      return EXIT_OK;
    }
    const out: string[] = [];
    out.push(`${plan.faults.length} fault(s) of seed ${seed} in ${object} (addresses are offsets from the module base)`);
    out.push('');
    plan.faults.forEach((f, i) => {
      out.push(`${i + 1}. ${f.type} at ${f.symbol} (offset ${hex(f.offset)})`);
      out.push(`   before: ${f.before.text.padEnd(40)}  [${f.before.bytes}]`);
      out.push(`   after:  ${f.after.text.padEnd(40)}  [${f.after.bytes}]`);
      out.push(`   ${f.note}`);
    });
    out.push('');
    out.push(`sites in ${object}: ${Object.entries(plan.sites).map(([t, n]) => `${t} ${n}`).join(', ')}`);
    const ext = SUPPORTED_EXTENSIONS.find((e) => e === object);
    if (ext) out.push(`run them: nooks trial --extension ${ext} --mode nooks --seed ${seed} --faults ${count}${types ? ` --types ${types.join(',')}` : ''}`);
    io.stdout.write(`${out.join('\n')}\n`);
    return EXIT_OK;
  },
});
