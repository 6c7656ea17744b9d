// A trial's result as text: outcome and why, the faults (or the bug), the crash report or the
// recovery timeline, the workload's figures, and the id that replays it.

import type { TrialResult } from '@nooks/bench';
import { formatCrashReport } from '@nooks/kernel';
import { f0, f1, f2, hex, pct } from './format.js';

const HZ = 1.7e9;

const ms = (cycles: number): string => `${((cycles / HZ) * 1e3).toFixed(3)} ms`;
const indent = (text: string, by = '    '): string => text.split('\n').map((l) => `${by}${l}`).join('\n');

export function renderTrial(r: TrialResult, bugDescription?: string): string {
  const out: string[] = [];
  out.push(`trial ${r.id}`);
  out.push(`outcome: ${r.outcome}`);
  out.push(`  ${r.summary}`);
  out.push('');
  if (r.spec.bug) {
    out.push(`bug variant loaded instead of ${r.spec.extension}: ${r.spec.bug}${bugDescription ? `\n  ${bugDescription}` : ''}`);
  } else if (r.faults.length === 0) {
    out.push('no faults injected');
  } else {
    out.push(`faults injected (${r.faults.length}, seed ${r.spec.seed}):`);
    r.faults.forEach((f, i) => {
      out.push(`  ${i + 1}. ${f.type} at ${f.symbol} (${hex(f.address)})`);
      out.push(`     ${f.before}  ->  ${f.after}`);
      out.push(`     ${f.note}`);
    });
  }
  if (r.crash) {
    out.push('');
    out.push(`crash report (${r.crash.kind}, ${r.crash.context}, at ${ms(r.crash.cycles)}):`);
    out.push(indent(formatCrashReport(r.crash)));
  }
  r.failures.forEach((f, i) => {
    out.push('');
    out.push(`Nooks failure ${i + 1}: ${f.trigger} at ${f.site}: ${f.reason}`);
    out.push(`  detected at ${ms(f.detectedAt)}${f.recoveredAt !== undefined ? `, recovered at ${ms(f.recoveredAt)} (${f2(((f.recoveredAt - f.detectedAt) / HZ) * 1e3)} ms later)` : ', not recovered'}${f.action ? `; action ${f.action}` : ''}`);
    for (const e of f.timeline) out.push(`    ${ms(e.cycles).padStart(12)}  ${e.event}${e.detail ? `: ${e.detail}` : ''}`);
  });
  const w = r.workload;
  out.push('');
  out.push(`workload ${w.workload}: ${w.completed ? 'completed' : 'did not complete'}${w.corrupted ? ', data corrupted' : ''}; ${f0(w.delivered)} of ${f0(w.expected)} ${w.workload === 'ping' ? 'replies' : 'bytes'} delivered intact`);
  if (w.workload === 'ping') out.push(`  mean RTT ${f1(w.meanRttMicros ?? 0)} us`);
  else out.push(`  throughput ${f0(w.throughputMbps)} Mb/s over ${f2(w.seconds * 1e3)} ms`);
  out.push(`  CPU ${pct(w.cpuUtilization)}; XPC ${f0(w.xpcPerSecond)}/s (${f0(w.xpcToExtensionPerSecond)} kernel->ext, ${f0(w.xpcToKernelPerSecond)} ext->kernel); TLB misses ${f0(w.tlbMissesPerSecond)}/s`);
  out.push(`  ${f0(r.xpcs)} XPCs in the trial; ${f2(r.simulatedSeconds)} simulated s; ${f2(r.hostSeconds)} host s`);
  if (r.outcome !== 'no-effect' && r.log.length > 0) {
    out.push('');
    out.push('kernel log (last lines):');
    out.push(indent(r.log.slice(-12).map((l) => l.replace(/\n$/, '')).join('\n'), '  '));
  }
  out.push('');
  out.push(`replay: nooks trial --id ${r.id}`);
  return `${out.join('\n')}\n`;
}
