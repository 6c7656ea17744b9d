// `nooks report`: what a results store holds, per extension and mode, beside the paper's
// campaign, as a terminal table, Markdown, CSV or JSON (@nooks/bench's buildReport/formatReport).

import { REPORT_FORMATS, buildReport, formatReport, openStore } from '@nooks/bench';
import { choiceFlag, stringsFlag } from '../args.js';
import { EXIT_OK, defineCommand } from '../command.js';
import { DEFAULT_DB, dbPath } from '../store-path.js';

export const reportCommand = defineCommand({
  name: 'report',
  summary: "the results store's outcome counts per extension and mode, beside the paper's",
  usage: 'nooks report [--db FILE] [--format table|md|csv|json] [--campaign NAME]...',
  help: `
Reads a results store (read-only: nothing is ever written) and prints how many trials ended in
each outcome (no-effect, recovered, non-fatal, system-crash, hang; plus runaway and worker-died
trials) per extension and mode, and the system crashes and non-fatal failures of all of them
beside the paper's campaign (SOSP 2003, section 6: system crashes 317 natively -> 4 under
Nooks, non-fatal failures 512 -> 212, of 2000 trials per mode).

  --db FILE          the results store (default ./${DEFAULT_DB})
  --format F         table (default), md (Markdown), csv, or json (schema in the README)
  --campaign NAME    count only this campaign (name or id; may be repeated; default: all)
  -h, --help         this help

Exit status: 0 success; 2 bad usage; 1 failure (no such store, a file that is not a Nooks Lab
results store or is damaged, an unknown campaign); the file is left unchanged in every case.`,
  options: { db: { type: 'string' }, format: { type: 'string' }, campaign: { type: 'string', multiple: true } },
  async run(args, io) {
    const format = choiceFlag(args, 'format', REPORT_FORMATS) ?? 'table';
    const campaigns = stringsFlag(args, 'campaign');
    const store = openStore(dbPath(args, io), { readonly: true });
    try {
      const report = buildReport(store, campaigns.length ? { campaigns } : {});
      io.stdout.write(formatReport(report, format));
    } finally {
      store.close();
    }
    return EXIT_OK;
  },
});
