// `nooks bench`: the paper's streaming benchmarks (SOSP 2003, Table 3) on the simulated machine,
// natively and with the driver isolated by Nooks, same seeds, side by side with the paper's
// figures. Everything is measured by @nooks/system's runWorkload over the transfer, in simulated
// time (cycles / 1.7 GHz); relative performance is Nooks throughput / native throughput, as in
// @nooks/isolation's bench.

import { BenchRunError, STREAM_WORKLOADS, runPerformance } from '@nooks/bench';
import type { BenchReport, StreamWorkload } from '@nooks/bench';
import { booleanFlag, choiceFlag, integerFlag, requiredFlag } from '../args.js';
import { EXIT_OK, defineCommand } from '../command.js';
import { CommandFailedError } from '../errors.js';
import { requireSupportedExtension } from '../extensions.js';
import { f0, f1, f2, jsonLine, table } from '../format.js';

/** Runs the benchmark rows (each workload natively, then under Nooks); a run that fails is exit 1. */
export async function runBench(extension: string, workloads: readonly StreamWorkload[], mb: number): Promise<BenchReport> {
  try {
    return await runPerformance(extension, workloads, mb);
  } catch (e) {
    if (e instanceof BenchRunError) throw new CommandFailedError(e.message);
    throw e;
  }
}

function render(r: BenchReport): string {
  const cpu = (v: number): string => f1(v * 100);
  const out: string[] = [];
  out.push(`${r.extension}: native vs. Nooks, ${r.megabytesPerStream} MiB per stream (simulated time; paper = SOSP 2003 Table 3)`);
  out.push('');
  out.push(
    table(
      ['workload', 'native Mb/s', 'Nooks Mb/s', 'relative', 'paper', 'CPU % native', 'Nooks', 'paper native', 'paper Nooks'],
      r.rows.map((x) => [x.workload, f0(x.native.throughputMbps), f0(x.nooks.throughputMbps), f2(x.relativePerformance), f2(x.paper.relativePerformance), cpu(x.native.cpuUtilization), cpu(x.nooks.cpuUtilization), cpu(x.paper.nativeCpuUtilization), cpu(x.paper.nooksCpuUtilization)]),
    ),
  );
  out.push('');
  out.push(
    table(
      ['workload', 'XPC/s', 'kernel->ext', 'ext->kernel', 'paper XPC/s', 'TLB miss/s native', 'Nooks'],
      r.rows.map((x) => [x.workload, f0(x.nooks.xpcPerSecond), f0(x.nooks.xpcToExtensionPerSecond), f0(x.nooks.xpcToKernelPerSecond), f0(x.paper.xpcPerSecond), f0(x.native.tlbMissesPerSecond), f0(x.nooks.tlbMissesPerSecond)]),
    ),
  );
  out.push('');
  out.push(`host: ${f1(r.hostSeconds)} s`);
  return `${out.join('\n')}\n`;
}

export const benchCommand = defineCommand({
  name: 'bench',
  summary: "native vs. Nooks throughput, CPU, XPC rate and TLB misses, beside the paper's",
  usage: 'nooks bench --extension NAME [--workload receive-stream|send-stream] [--mb N] [--json]',
  help: `
Runs the paper's streaming benchmarks on the simulated machine, natively and with the driver
isolated by Nooks (same machine, same seeds), and prints throughput, CPU utilisation, XPCs per
second (by direction), TLB misses per second and relative performance (Nooks / native
throughput) beside the paper's figures (SOSP 2003, Table 3: receive-stream 0.92, CPU 15.2% /
15.5%, 8,923 XPC/s; send-stream 0.91, CPU 21.4% / 39.3%, 60,352 XPC/s). All figures are in
simulated time (cycles / 1.7 GHz), measured over the transfer.

  --extension NAME   the extension (supported: e1000)
  --workload W       receive-stream or send-stream (default: both)
  --mb N             MiB per stream, 1 to 1024 (default 8)
  --json             print { rows: [...] } (schema in the README)
  -h, --help         this help

Exit status: 0 success; 2 bad usage; 1 failure (a run did not complete).`,
  options: { extension: { type: 'string' }, workload: { type: 'string' }, mb: { type: 'string' }, json: { type: 'boolean' } },
  async run(args, io) {
    const extension = requireSupportedExtension(requiredFlag(args, 'extension', 'e.g. --extension e1000'));
    const workload = choiceFlag(args, 'workload', STREAM_WORKLOADS);
    const mb = integerFlag(args, 'mb', { min: 1, max: 1024 }) ?? 8;
    const report = await runBench(extension, workload ? [workload] : STREAM_WORKLOADS, mb);
    io.stdout.write(booleanFlag(args, 'json') ? jsonLine(report) : render(report));
    return EXIT_OK;
  },
});
