// One trial: its faults (disassembly before/after), outcome, crash report or recovery
// timeline, XPC count and workload figures; replay it with an XPC trace.
import { useState } from 'react';
import { api } from './api.ts';
import type { CrashReport, ReplayResponse, TrialResponse, TrialResult } from './api.ts';
import { brief, hex, num, pct } from './format.ts';
import { links } from './router.ts';
import { FailureCard } from './timeline.tsx';
import { useApi } from './use-api.ts';
import { ErrorBox, Loading, OutcomeBadge } from './widgets.tsx';

function isTrialResult(t: TrialResponse['trial'] | undefined): t is TrialResult {
  return typeof t === 'object' && t !== null && 'id' in t && typeof t.id === 'string';
}

function Crash({ crash }: { crash: CrashReport }) {
  const regs = Object.entries(crash.registers ?? {});
  return (
    <div className="crash" data-testid="crash-report">
      <h3>Crash report: {crash.kind ?? 'crash'}</h3>
      <p className="reason">{crash.reason ?? ''}</p>
      <dl className="facts">
        <div>
          <dt>context</dt>
          <dd>{crash.context ?? '–'}</dd>
        </div>
        <div>
          <dt>location</dt>
          <dd>{crash.location ?? '–'}</dd>
        </div>
        {crash.instruction ? (
          <div>
            <dt>instruction</dt>
            <dd>
              <code>{crash.instruction}</code>
            </dd>
          </div>
        ) : null}
      </dl>
      {regs.length > 0 ? (
        <pre className="registers">
          {regs.map(([k, v]) => `${k.padEnd(6)} ${typeof v === 'number' ? hex(v) : brief(v)}`).join('\n')}
        </pre>
      ) : null}
      {crash.stack && crash.stack.length > 0 ? (
        <>
          <h4>Call trace</h4>
          <pre>{crash.stack.join('\n')}</pre>
        </>
      ) : null}
      {crash.log && crash.log.length > 0 ? (
        <>
          <h4>Kernel log</h4>
          <pre className="log">{crash.log.join('\n')}</pre>
        </>
      ) : null}
    </div>
  );
}

function TrialBody({ trial, testId }: { trial: TrialResult; testId: string }) {
  const faults = trial.faults ?? [];
  const failures = trial.failures ?? [];
  const w = trial.workload ?? {};
  return (
    <div data-testid={testId}>
      <p>
        outcome <span data-testid="trial-outcome">
          <OutcomeBadge outcome={trial.outcome} />
        </span>{' '}
        <span data-testid="trial-summary">{trial.summary ?? ''}</span>
      </p>
      <dl className="facts">
        <div>
          <dt>XPCs</dt>
          <dd data-testid="trial-xpcs">{num(trial.xpcs)}</dd>
        </div>
        <div>
          <dt>simulated</dt>
          <dd>{num(trial.simulatedSeconds, 3)} s</dd>
        </div>
        <div>
          <dt>workload completed</dt>
          <dd data-testid="trial-completed">{brief(w.completed)}</dd>
        </div>
        <div>
          <dt>throughput</dt>
          <dd>{num(w.throughputMbps, 1)} Mb/s</dd>
        </div>
        <div>
          <dt>CPU</dt>
          <dd>{pct(w.cpuUtilization)}</dd>
        </div>
        <div>
          <dt>XPC/s</dt>
          <dd>{num(w.xpcPerSecond)}</dd>
        </div>
        <div>
          <dt>TLB misses/s</dt>
          <dd>{num(w.tlbMissesPerSecond)}</dd>
        </div>
      </dl>
      <h3>Injected faults ({faults.length})</h3>
      {faults.length === 0 ? (
        <p className="muted">No faults injected (a hand-made bug variant, or none).</p>
      ) : (
        <table className="faults" data-testid="faults-table">
          <thead>
            <tr>
              <th>type</th>
              <th>where</th>
              <th>before</th>
              <th>after</th>
              <th>note</th>
            </tr>
          </thead>
          <tbody>
            {faults.map((f, i) => (
              <tr key={i} data-testid="fault-row">
                <td>{f.type ?? '–'}</td>
                <td>
                  <code>{f.symbol ?? '?'}</code>
                  <br />
                  <span className="muted">{hex(f.address)}</span>
                </td>
                <td>
                  <pre className="asm">{f.before ?? ''}</pre>
                </td>
                <td>
                  <pre className="asm after">{f.after ?? ''}</pre>
                </td>
                <td>{f.note ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {trial.crash ? <Crash crash={trial.crash} /> : null}
      {failures.length > 0 ? (
        <div data-testid="recovery">
          <h3>Nooks failures and recovery</h3>
          {failures.map((f, i) => (
            <FailureCard key={i} failure={f} index={i} />
          ))}
        </div>
      ) : null}
      {!trial.crash && failures.length === 0 ? <p className="muted">No crash and no failure detected.</p> : null}
      {trial.log && trial.log.length > 0 ? (
        <details>
          <summary>Kernel log ({trial.log.length} lines)</summary>
          <pre className="log">{trial.log.join('\n')}</pre>
        </details>
      ) : null}
    </div>
  );
}

function Replay({ id, stored }: { id: string; stored?: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [result, setResult] = useState<ReplayResponse | undefined>(undefined);
  const run = () => {
    setBusy(true);
    setError(undefined);
    api.post<ReplayResponse>('/api/trial/replay', { id, trace: true }).then(
      (r) => {
        setResult(r);
        setBusy(false);
      },
      (e: unknown) => {
        setError(e);
        setBusy(false);
      },
    );
  };
  const sites = Object.entries(result?.traceSummary?.bySite ?? {}).sort((a, b) => b[1] - a[1]);
  return (
    <div className="replay">
      <button type="button" onClick={run} disabled={busy} data-testid="replay-button">
        {busy ? 'Replaying…' : 'Replay with trace'}
      </button>
      <ErrorBox error={error} />
      {result ? (
        <div data-testid="replay-result">
          <h3>Replay</h3>
          <p>
            replayed outcome <OutcomeBadge outcome={result.trial.outcome} />
            {stored !== undefined ? (
              <span data-testid="replay-same">
                {result.trial.outcome === stored ? ' (same as stored: deterministic)' : ` (stored: ${stored})`}
              </span>
            ) : null}
          </p>
          {stored !== undefined && result.trial.outcome !== stored ? (
            <p className="note" data-testid="replay-differs">
              The replay runs the spec its id encodes with the default stream size; a campaign run with another size
              (its spec's size) can end differently.
            </p>
          ) : null}
          {result.traceSummary ? (
            <>
              <p>
                trace: <strong data-testid="trace-events">{num(result.traceSummary.events)}</strong> XPC events
              </p>
              {sites.length > 0 ? (
                <table data-testid="trace-sites">
                  <thead>
                    <tr>
                      <th>site</th>
                      <th>XPCs</th>
                    </tr>
                  </thead>
                  <tbody>
                    {sites.map(([site, n]) => (
                      <tr key={site}>
                        <td>
                          <code>{site}</code>
                        </td>
                        <td className="num">{num(n)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p className="muted">No XPC (native trial).</p>
              )}
            </>
          ) : null}
          <details>
            <summary>Replayed trial in full</summary>
            <TrialBody trial={result.trial} testId="replay-trial" />
          </details>
        </div>
      ) : null}
    </div>
  );
}

export function TrialView({ campaign, id }: { campaign: string; id: string }) {
  const missing = !campaign || !id;
  const { data, error, loading } = useApi<TrialResponse>(
    missing ? null : `/api/trial?${new URLSearchParams({ campaign, id }).toString()}`,
  );
  const trial = isTrialResult(data?.trial) ? data.trial : undefined;
  const storedError = data && !trial && data.trial && 'error' in data.trial ? data.trial.error : undefined;
  return (
    <section>
      {campaign ? (
        <p>
          <a href={links.campaign(campaign)}>← campaign {campaign}</a>
        </p>
      ) : null}
      <h2 data-testid="trial-title">Trial {id}</h2>
      {missing ? <ErrorBox error={new Error('The link names no trial: it needs ?campaign=ID&id=TRIAL_ID.')} /> : null}
      <ErrorBox error={error} />
      {loading ? <Loading what="the trial" /> : null}
      {data?.status ? <p className="muted">status: {data.status}</p> : null}
      {storedError ? <ErrorBox error={new Error(`The trial did not finish: ${storedError}`)} /> : null}
      {trial ? (
        <>
          <TrialBody trial={trial} testId="trial" />
          <Replay id={trial.id} stored={trial.outcome} />
        </>
      ) : null}
      {data && !trial && !storedError ? <Replay id={id} /> : null}
    </section>
  );
}
