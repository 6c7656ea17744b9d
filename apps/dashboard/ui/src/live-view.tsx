// Live: start a workload on a simulated system, watch its figures over server-sent events,
// see the protection domains, inject faults or signal a failure, and watch the recovery.
import { useCallback, useEffect, useRef, useState } from 'react';
import { MODES, api } from './api.ts';
import type { Domain, InjectResponse, LiveSample } from './api.ts';
import { LineChart } from './charts.tsx';
import type { Point } from './charts.tsx';
import { hex, num, pct } from './format.ts';
import { FailureCard } from './timeline.tsx';
import { ErrorBox } from './widgets.tsx';

const EXTENSIONS = ['e1000'] as const;
const WORKLOADS = ['receive-stream', 'send-stream'] as const;
/** The hand-made bug variants that fail on their own once traffic flows (packages/extensions/c/e1000/variants.json). */
const BUGS = ['e1000-double-free', 'e1000-uninit-stack', 'e1000-uninit-heap', 'e1000-wild-write', 'e1000-irq-loop'];
/** Samples kept for the charts (~60 s at one every 250 ms). */
const KEEP = 240;

type Series = 'throughputMbps' | 'xpcPerSecond' | 'tlbMissesPerSecond' | 'cpuUtilization';

function series(samples: readonly LiveSample[], key: Series): Point[] {
  const out: Point[] = [];
  samples.forEach((s, i) => {
    const v = s[key];
    if (typeof v === 'number' && Number.isFinite(v)) out.push({ t: typeof s.t === 'number' ? s.t : i, v });
  });
  return out;
}

function parseSample(data: unknown): LiveSample | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const v: unknown = JSON.parse(data);
    return typeof v === 'object' && v !== null ? (v as LiveSample) : undefined;
  } catch {
    return undefined;
  }
}

export function LiveView() {
  const [extension, setExtension] = useState<string>('e1000');
  const [mode, setMode] = useState<string>('nooks');
  const [workload, setWorkload] = useState<string>('receive-stream');
  const [bug, setBug] = useState<string>('');
  const [session, setSession] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [streamState, setStreamState] = useState<'idle' | 'connecting' | 'open' | 'closed'>('idle');
  const [samples, setSamples] = useState<LiveSample[]>([]);
  const [domains, setDomains] = useState<{ domains: Domain[]; note?: string } | undefined>(undefined);
  const [endReason, setEndReason] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [seed, setSeed] = useState(1);
  const [count, setCount] = useState(5);
  const [actionNote, setActionNote] = useState('');
  const source = useRef<EventSource | null>(null);
  const sessionRef = useRef<string | null>(null);

  const closeStream = useCallback(() => {
    source.current?.close();
    source.current = null;
  }, []);

  const loadDomains = useCallback((id: string) => {
    api.get<{ domains: Domain[]; note?: string }>(`/api/live/${encodeURIComponent(id)}/domains`).then(
      (r) => sessionRef.current === id && setDomains(r),
      (e: unknown) => sessionRef.current === id && setError(e),
    );
  }, []);

  const stop = useCallback(() => {
    const id = sessionRef.current;
    closeStream();
    sessionRef.current = null;
    setSession(null);
    setStreamState('idle');
    if (id) api.del(`/api/live/${encodeURIComponent(id)}`).catch((e: unknown) => setError(e));
  }, [closeStream]);

  // Leaving the page stops the system.
  useEffect(
    () => () => {
      const id = sessionRef.current;
      source.current?.close();
      if (id) void fetch(`/api/live/${encodeURIComponent(id)}`, { method: 'DELETE' }).catch(() => undefined);
    },
    [],
  );

  const start = () => {
    if (sessionRef.current) stop();
    setStarting(true);
    setError(undefined);
    setSamples([]);
    setDomains(undefined);
    setActionNote('');
    setEndReason('');
    api.post<{ id: string }>('/api/live', { extension, mode, workload, ...(bug ? { bug } : {}) }).then(
      ({ id }) => {
        setStarting(false);
        sessionRef.current = id;
        setSession(id);
        setStreamState('connecting');
        const es = new EventSource(`/api/live/${encodeURIComponent(id)}/events`);
        source.current = es;
        const onSample = (ev: MessageEvent) => {
          const s = parseSample(ev.data);
          if (s) setSamples((prev) => (prev.length >= KEEP ? [...prev.slice(prev.length - KEEP + 1), s] : [...prev, s]));
        };
        es.onopen = () => setStreamState('open');
        es.onmessage = onSample;
        es.addEventListener('end', (ev: MessageEvent) => {
          let reason = 'the system stopped';
          try {
            const v: unknown = JSON.parse(String(ev.data));
            if (typeof v === 'object' && v !== null && 'reason' in v && typeof v.reason === 'string') reason = v.reason;
          } catch {
            // keep the generic reason
          }
          setEndReason(reason);
          setStreamState('closed');
          es.close();
        });
        es.onerror = () => {
          // The server closed the stream (system stopped) or the connection dropped.
          if (es.readyState === EventSource.CLOSED) setStreamState('closed');
        };
        loadDomains(id);
      },
      (e: unknown) => {
        setStarting(false);
        setError(e);
      },
    );
  };

  const inject = (body: { kind: 'faults'; seed: number; count: number } | { kind: 'bug-signal' }) => {
    const id = sessionRef.current;
    if (!id) return;
    setError(undefined);
    setActionNote(body.kind === 'faults' ? `injecting ${body.count} faults (seed ${body.seed})…` : 'signalling a failure…');
    api.post<InjectResponse>(`/api/live/${encodeURIComponent(id)}/inject`, body).then(
      (r) => {
        const items = r.injected ?? [];
        const what =
          body.kind === 'faults'
            ? `injected ${items.length} fault${items.length === 1 ? '' : 's'} (seed ${body.seed}): ${items
                .map((f) => `${f.type ?? '?'} in ${f.symbol ?? '?'}`)
                .join(', ')}`
            : `failure signalled${items[0]?.reason ? `: ${items[0].reason}` : ''}`;
        setActionNote(what);
      },
      (e: unknown) => {
        setActionNote('');
        setError(e);
      },
    );
  };

  const latest = samples[samples.length - 1];
  const failures = latest?.failures ?? [];
  const failureCount = failures.length;
  const extState = latest?.extensionState;
  // The domains change when the extension is recovered (a new domain): reload them then.
  useEffect(() => {
    if (session) loadDomains(session);
  }, [session, failureCount, extState, loadDomains]);

  return (
    <section>
      <h2>Live system</h2>
      <div className="controls">
        <label>
          extension{' '}
          <select value={extension} onChange={(e) => setExtension(e.target.value)} data-testid="live-extension">
            {EXTENSIONS.map((x) => (
              <option key={x}>{x}</option>
            ))}
          </select>
        </label>
        <label>
          mode{' '}
          <select value={mode} onChange={(e) => setMode(e.target.value)} data-testid="live-mode">
            {MODES.map((x) => (
              <option key={x}>{x}</option>
            ))}
          </select>
        </label>
        <label>
          workload{' '}
          <select value={workload} onChange={(e) => setWorkload(e.target.value)} data-testid="live-workload">
            {WORKLOADS.map((x) => (
              <option key={x}>{x}</option>
            ))}
          </select>
        </label>
        <label>
          driver{' '}
          <select value={bug} onChange={(e) => setBug(e.target.value)} data-testid="live-bug">
            <option value="">e1000 (correct)</option>
            {BUGS.map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={start} disabled={starting} data-testid="live-start">
          {starting ? 'Starting…' : session ? 'Restart' : 'Start'}
        </button>
        <button type="button" onClick={stop} disabled={!session} data-testid="live-stop">
          Stop
        </button>
      </div>
      <ErrorBox error={error} />
      {session ? (
        <>
          <p className="status" data-testid="live-status">
            system <code>{session}</code> · stream {streamState} · {latest?.alive === false ? 'machine down' : 'machine up'} ·
            extension <strong data-testid="live-state">{extState ?? '–'}</strong> · simulated{' '}
            {num(latest?.t, 2)} s · {num((latest?.bytes ?? 0) / 1048576, 1)} MiB delivered ·{' '}
            {num(latest?.speed, 3)} simulated s per host s
          </p>
          {streamState === 'closed' ? (
            <p className="note" data-testid="live-ended">
              The event stream has ended{endReason ? `: ${endReason}` : ''}.
            </p>
          ) : null}
          {latest?.crash ? (
            <div className="error" data-testid="live-crash">
              The kernel is down: {latest.crash.kind ?? 'crash'}: {latest.crash.reason ?? ''}
              {latest.crash.location ? ` at ${latest.crash.location}` : ''}
            </div>
          ) : null}
          <div className="charts">
            <LineChart points={series(samples, 'throughputMbps')} title="Throughput" unit="Mb/s" testId="live-throughput" format={(v) => num(v, 1)} />
            <LineChart points={series(samples, 'xpcPerSecond')} title="XPC rate" unit="/s" testId="live-xpc" />
            <LineChart points={series(samples, 'tlbMissesPerSecond')} title="TLB misses" unit="/s" testId="live-tlb" />
            <LineChart points={series(samples, 'cpuUtilization')} title="CPU" unit="" testId="live-cpu" format={(v) => pct(v)} />
          </div>
          <div className="controls inject">
            <label>
              seed{' '}
              <input type="number" value={seed} onChange={(e) => setSeed(Number(e.target.value) | 0)} data-testid="inject-seed" />
            </label>
            <label>
              faults{' '}
              <input
                type="number"
                min={1}
                max={50}
                value={count}
                onChange={(e) => setCount(Math.max(1, Number(e.target.value) | 0))}
                data-testid="inject-count"
              />
            </label>
            <button type="button" onClick={() => inject({ kind: 'faults', seed, count })} data-testid="inject-faults">
              Inject faults
            </button>
            <button type="button" onClick={() => inject({ kind: 'bug-signal' })} data-testid="signal-failure">
              Signal failure
            </button>
            <span className="muted" data-testid="action-note">
              {actionNote}
            </span>
          </div>
          <h3>Failures and recovery ({failureCount})</h3>
          <div data-testid="live-failures">
            {failureCount === 0 ? <p className="muted">No failure yet.</p> : null}
            {failures.map((f, i) => (
              <FailureCard key={i} failure={f} index={i} />
            ))}
          </div>
          <h3>
            Protection domains{' '}
            <button type="button" onClick={() => loadDomains(session)} data-testid="domains-refresh">
              refresh
            </button>
          </h3>
          <Domains domains={domains} />
        </>
      ) : (
        <p className="muted">Pick an extension, a mode and a workload, then start a system.</p>
      )}
    </section>
  );
}

const RANGES_SHOWN = 200;

function Domains({ domains: view }: { domains: { domains: Domain[]; note?: string } | undefined }) {
  const [all, setAll] = useState(false);
  if (!view) return <p className="muted">Loading domains…</p>;
  const { domains, note } = view;
  return (
    <div data-testid="domains">
      {note ? <p className="note">{note}</p> : null}
      {domains.length === 0 ? (
        <p className="muted" data-testid="no-domains">
          No protection domain now.
        </p>
      ) : null}
      {domains.length > 0 && domains.some((d) => (d.ranges?.length ?? 0) > RANGES_SHOWN) ? (
        <button type="button" onClick={() => setAll(!all)}>
          {all ? `show the first ${RANGES_SHOWN} ranges` : 'show every range'}
        </button>
      ) : null}
      {domains.map((d) => (
        <div key={`${d.extension}-${d.pgd ?? ''}`} className="domain" data-testid="domain">
          <h4>
            {d.extension} <span className="muted">page directory {hex(d.pgd)}</span>{' '}
            {d.state ? <span className="badge">{d.state}</span> : null}
          </h4>
          <p>
            mapped pages <strong>{num(d.mappedPages)}</strong> · writable pages <strong>{num(d.writablePages)}</strong> · stacks <strong>{num(d.stacks)}</strong> · heap pages{' '}
            <strong>{num(d.heapPages)}</strong>
          </p>
          <table className="ranges">
            <thead>
              <tr>
                <th>start</th>
                <th>end</th>
                <th>pages</th>
                <th>access</th>
                <th>what</th>
              </tr>
            </thead>
            <tbody>
              {(all ? (d.ranges ?? []) : (d.ranges ?? []).slice(0, RANGES_SHOWN)).map((r, i) => (
                <tr key={i} className={`access-${r.access ?? ''}`}>
                  <td>
                    <code>{hex(r.start)}</code>
                  </td>
                  <td>
                    <code>{hex(r.end)}</code>
                  </td>
                  <td className="num">{num(Math.ceil((r.end - r.start) / 4096))}</td>
                  <td>{r.access ?? '–'}</td>
                  <td>{r.what ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {!all && (d.ranges?.length ?? 0) > RANGES_SHOWN ? (
            <p className="muted">
              {RANGES_SHOWN} of {d.ranges?.length} ranges shown{d.truncated ? ' (the server cut the list)' : ''}.
            </p>
          ) : null}
        </div>
      ))}
    </div>
  );
}
