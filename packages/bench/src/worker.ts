// A campaign worker thread: runs the trials the campaign runner sends it, one at a time, and
// posts each result back as JSON (the form the store keeps; it also avoids structured-clone
// surprises with class instances). It never touches the store: only the main thread writes.
//
// Protocol (validated on both sides):
//   worker -> main  { type: 'ready' }                                   once, after loading
//   main -> worker  { type: 'run', job, attempt, spec, size? }   (attempt: 1, or 2 on a retry)
//   worker -> main  { type: 'result', job, json } | { type: 'error', job, message }

import { parentPort } from 'node:worker_threads';
import { runTrial, validateTrialSpec } from './trial.js';
import type { TrialSpec } from './trial.js';

interface RunMessage {
  readonly type: 'run';
  readonly job: number;
  readonly spec: TrialSpec;
  readonly size?: number;
}

function isRunMessage(m: unknown): m is RunMessage {
  if (typeof m !== 'object' || m === null) return false;
  const r = m as Record<string, unknown>;
  return r.type === 'run' && Number.isInteger(r.job) && typeof r.spec === 'object' && r.spec !== null && (r.size === undefined || Number.isInteger(r.size));
}

const port = parentPort;
if (port) {
  port.on('message', (m: unknown) => {
    if (!isRunMessage(m)) {
      port.postMessage({ type: 'error', job: -1, message: `worker: unexpected message ${JSON.stringify(m)}` });
      return;
    }
    void (async () => {
      try {
        const spec = validateTrialSpec(m.spec);
        const result = await runTrial(spec, m.size !== undefined ? { size: m.size } : {});
        port.postMessage({ type: 'result', job: m.job, json: JSON.stringify(result) });
      } catch (e) {
        port.postMessage({ type: 'error', job: m.job, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
      }
    })();
  });
  port.postMessage({ type: 'ready' });
}
