// `nooks bugs`: the hand-made bug variants of the extensions (variants.json), what each breaks,
// what triggers it, and what it does to a kernel without Nooks.

import { SUPPORTED_EXTENSIONS } from '@nooks/system';
import { booleanFlag, stringFlag } from '../args.js';
import { EXIT_OK, defineCommand } from '../command.js';
import { UsageError } from '../errors.js';
import { bugVariants, sourceExtensions } from '../extensions.js';
import type { BugVariant } from '../extensions.js';
import { jsonLine } from '../format.js';
import { wrap } from '../wrap.js';

export const bugsCommand = defineCommand({
  name: 'bugs',
  summary: 'list the hand-made bug variants, what each breaks and its native outcome',
  usage: 'nooks bugs [--extension NAME] [--json]',
  help: `
Lists the hand-made bug variants (packages/extensions/c/<extension>/variants.json): each is the
extension compiled with one bug switched on. For each: its name (use it with 'nooks trial --bug'),
what it breaks, what triggers it, and what it does natively (panic -> system-crash, hang -> hang,
oops -> non-fatal). Under Nooks each is expected to be recovered.

  --extension NAME   this extension's variants (default: the extensions a trial can run, e1000;
                     test modules such as kcrash have variants too)
  --json             print { bugs: [...] } (schema in the README)
  -h, --help         this help

Exit status: 0 success; 2 bad usage (unknown extension); 1 failure (unreadable variants.json).`,
  options: { extension: { type: 'string' }, json: { type: 'boolean' } },
  async run(args, io) {
    const ext = stringFlag(args, 'extension');
    const all = sourceExtensions();
    if (ext !== undefined && !all.includes(ext)) throw new UsageError(`unknown extension '${ext}' (extensions: ${all.join(', ')})`);
    const bugs: BugVariant[] = (ext !== undefined ? [ext] : SUPPORTED_EXTENSIONS).flatMap((e) => bugVariants(e));
    if (booleanFlag(args, 'json')) {
      io.stdout.write(jsonLine({ bugs }));
      return EXIT_OK;
    }
    if (bugs.length === 0) {
      io.stdout.write(`no bug variants${ext ? ` for ${ext}` : ''}\n`);
      return EXIT_OK;
    }
    const width = Math.max(60, Math.min(io.stdout.columns || 100, 110));
    for (const b of bugs) {
      io.stdout.write(`${b.name}${b.built ? '' : '  (object not built)'}\n`);
      if (b.native !== null) io.stdout.write(`  natively:  ${b.native} (trial outcome ${b.nativeOutcome}); under Nooks: expected recovered\n`);
      io.stdout.write(`  breaks:    ${wrap(b.description, width, '             ')}\n`);
      if (b.trigger !== null) io.stdout.write(`  trigger:   ${wrap(b.trigger, width, '             ')}\n`);
      io.stdout.write('\n');
    }
    const runnable = bugs.find((b) => SUPPORTED_EXTENSIONS.includes(b.extension));
    io.stdout.write(`${bugs.length} bug variant(s).${runnable ? ` Run one: nooks trial --extension ${runnable.extension} --mode nooks --bug ${runnable.name}` : ''}\n`);
    return EXIT_OK;
  },
});
