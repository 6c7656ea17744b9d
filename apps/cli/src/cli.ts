// The `nooks` command: dispatches to its subcommands. `main` is the whole program minus the
// process: it takes the arguments and an Io, and returns the exit status (tests call it
// in-process; src/main.ts is the bin).

import { EXIT_OK, EXIT_USAGE } from './command.js';
import type { Command } from './command.js';
import { benchCommand } from './commands/bench.js';
import { bugsCommand } from './commands/bugs.js';
import { campaignCommand } from './commands/campaign.js';
import { dashboardCommand } from './commands/dashboard.js';
import { faultsCommand } from './commands/faults.js';
import { inspectCommand } from './commands/inspect.js';
import { reportCommand } from './commands/report.js';
import { trialCommand } from './commands/trial.js';
import type { Io } from './io.js';

export const COMMANDS: readonly Command[] = [benchCommand, trialCommand, campaignCommand, reportCommand, inspectCommand, faultsCommand, bugsCommand, dashboardCommand];

export const VERSION = '0.1.0';

export const USAGE = 'nooks COMMAND [FLAGS]   (nooks COMMAND --help for its flags)';

export function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `usage: ${USAGE}

Nooks Lab: Nooks (SOSP 2003), kernel protection domains for device drivers, rebuilt on a
simulated IA-32 computer. Run the paper's experiments natively and under Nooks.

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

  nooks --help       this help
  nooks --version    the version

Exit status: 0 success; 2 bad usage (the message says what is wrong); 1 failure.
Start with: nooks bench --extension e1000   or   nooks trial --extension e1000 --mode nooks --bug e1000-double-free
`;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    if (first === 'help' && rest[0] !== undefined) return main([rest[0], '--help'], io);
    (first === undefined ? io.stderr : io.stdout).write(topHelp());
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (first === '--version' || first === '-V') {
    io.stdout.write(`nooks ${VERSION}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    const what = first.startsWith('-') ? `unknown option '${first}' (options come after the command)` : `unknown command '${first}'`;
    io.stderr.write(`nooks: ${what}\ncommands: ${COMMANDS.map((c) => c.name).join(', ')}\nusage: ${USAGE}\n`);
    return EXIT_USAGE;
  }
  return command.main(rest, io);
}
