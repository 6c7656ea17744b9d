// `nooks dashboard`: the dashboard's server (@nooks/dashboard) over a results store, bound to
// 127.0.0.1 unless --host says otherwise. It runs until the process is stopped (Ctrl-C), or,
// in-process (tests), until the Io's signal aborts.

import { existsSync } from 'node:fs';
import { DEFAULT_HOST, DEFAULT_PORT, startServer } from '@nooks/dashboard';
import type { DashboardServer } from '@nooks/dashboard';
import { integerFlag, stringFlag } from '../args.js';
import { EXIT_OK, defineCommand } from '../command.js';
import { CommandFailedError } from '../errors.js';
import { DEFAULT_DB, dbPath } from '../store-path.js';

export const dashboardCommand = defineCommand({
  name: 'dashboard',
  summary: 'the dashboard in the browser: campaigns, trials, benchmarks, live systems',
  usage: 'nooks dashboard [--db FILE] [--port P] [--host H]',
  help: `
Starts the dashboard's web server and prints its URL: campaigns and their outcomes beside the
paper's, trials (faults, crash or recovery timeline, replay), the benchmarks native vs. Nooks,
and live systems to watch and break by hand. The results store is read-only to it; a missing
store is fine (the campaign pages say so until a campaign creates it). Runs until Ctrl-C.

  --db FILE          the results store (default ./${DEFAULT_DB})
  --port P           the TCP port, 1 to 65535 (default ${DEFAULT_PORT})
  --host H           the address to bind (default ${DEFAULT_HOST}: this machine only; 0.0.0.0
                     exposes the server, which runs simulations on request, to the network)
  -h, --help         this help

Exit status: 0 stopped; 2 bad usage; 1 the server could not start (e.g. the port is in use).`,
  options: { db: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
  async run(args, io) {
    const port = integerFlag(args, 'port', { min: 1, max: 65535 }) ?? DEFAULT_PORT;
    const host = stringFlag(args, 'host') ?? DEFAULT_HOST;
    const db = dbPath(args, io);
    let server: DashboardServer;
    try {
      server = await startServer({ dbPath: db, port, host });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EADDRINUSE') throw new CommandFailedError(`port ${port} on ${host} is in use; pick another with --port`);
      if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') throw new CommandFailedError(`cannot bind ${host}: not an address of this machine (--host)`);
      throw new CommandFailedError(`the server could not start: ${err.message}`);
    }
    if (!existsSync(db)) io.stderr.write(`nooks dashboard: no results store at ${db} yet (run 'nooks campaign' to make one)\n`);
    io.stdout.write(`Nooks Lab dashboard: ${server.url}  (store ${db}; Ctrl-C to stop)\n`);
    const signal = io.signal;
    if (signal) {
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await server.close();
    }
    return EXIT_OK;
  },
});
