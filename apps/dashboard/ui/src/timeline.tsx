// A failure and its recovery timeline (detected, suspended, unwound, released, unloaded,
// agent, reloaded, interface-up or disabled), as a strip and as a list, in simulated time.
import type { Failure } from './api.ts';
import { CLOCK_HZ, cyclesMs, num } from './format.ts';

export function FailureCard({ failure, index }: { failure: Failure; index: number }) {
  const events = failure.timeline ?? [];
  const start = failure.detectedAt ?? events[0]?.cycles ?? 0;
  const end = Math.max(start + 1, ...events.map((e) => e.cycles));
  const width = 560;
  const x = (c: number) => 10 + ((c - start) / (end - start)) * (width - 20);
  const recovered = failure.recoveredAt !== undefined;
  return (
    <div className="failure" data-testid="failure" data-recovered={recovered ? 'yes' : 'no'}>
      <h4>
        Failure {index + 1}: {failure.trigger ?? 'unknown trigger'}
        {failure.site ? ` at ${failure.site}` : ''}{' '}
        <span className={`badge ${recovered ? 'outcome-recovered' : 'outcome-non-fatal'}`} data-testid="failure-status">
          {recovered ? 'recovered' : (failure.action ?? 'not recovered')}
        </span>
      </h4>
      {failure.reason ? <p className="reason">{failure.reason}</p> : null}
      <p className="muted">
        detected at {num(failure.detectedAt)} cycles
        {recovered
          ? `; recovered in ${cyclesMs((failure.recoveredAt ?? 0) - (failure.detectedAt ?? 0))}`
          : ''}
        {failure.action ? `; agent's action: ${failure.action}` : ''}
      </p>
      {events.length > 0 ? (
        <>
          <svg className="timeline" viewBox={`0 0 ${width} 34`} width={width} height={34} aria-hidden="true">
            <line x1={10} x2={width - 10} y1={12} y2={12} className="axis" />
            {events.map((e, i) => (
              <g key={`${e.event}-${i}`}>
                <circle cx={x(e.cycles)} cy={12} r={4} className={`dot dot-${e.event}`}>
                  <title>{`${e.event} +${cyclesMs(e.cycles - start)}`}</title>
                </circle>
              </g>
            ))}
            <text x={10} y={30} className="tick">
              0
            </text>
            <text x={width - 10} y={30} className="tick" textAnchor="end">
              +{(((end - start) / CLOCK_HZ) * 1000).toFixed(2)} ms
            </text>
          </svg>
          <ol className="timeline-list" data-testid="failure-timeline">
            {events.map((e, i) => (
              <li key={`${e.event}-${i}`} data-event={e.event}>
                <span className="event">{e.event}</span> <span className="muted">+{cyclesMs(e.cycles - start)}</span>
                {e.detail ? <span className="detail"> {e.detail}</span> : null}
              </li>
            ))}
          </ol>
        </>
      ) : (
        <p className="muted">No timeline recorded.</p>
      )}
    </div>
  );
}
