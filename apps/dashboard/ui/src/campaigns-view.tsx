// Campaigns: the list, and one campaign's outcomes (chart, table beside the paper) and trials.
import { useState } from 'react';
import { MODES, OUTCOMES } from './api.ts';
import type { CampaignDetail, CampaignReport, CampaignSummary, ModeCounts, TrialRow } from './api.ts';
import { OutcomeChart } from './charts.tsx';
import { brief, num, pct } from './format.ts';
import { links } from './router.ts';
import { useApi } from './use-api.ts';
import { ErrorBox, Loading, OutcomeBadge } from './widgets.tsx';

function crashes(c: ModeCounts | undefined): number {
  return (c?.['system-crash'] ?? 0) + (c?.hang ?? 0);
}

export function CampaignsView() {
  const { data, error, loading } = useApi<{ campaigns: CampaignSummary[] }>('/api/campaigns');
  return (
    <section>
      <h2>Campaigns</h2>
      <ErrorBox error={error} />
      {loading ? <Loading what="campaigns" /> : null}
      {data && data.campaigns.length === 0 ? (
        <p data-testid="no-campaigns">No campaigns in this store yet: run `pnpm nooks campaign` first.</p>
      ) : null}
      {data && data.campaigns.length > 0 ? (
        <table data-testid="campaigns-table">
          <thead>
            <tr>
              <th>id</th>
              <th>name</th>
              <th>created</th>
              <th>extension</th>
              <th>trials/mode</th>
              <th>faults</th>
              <th>native: crashes / total</th>
              <th>Nooks: crashes / recovered / total</th>
            </tr>
          </thead>
          <tbody>
            {data.campaigns.map((c) => (
              <tr key={String(c.id)} data-testid="campaign-row">
                <td>{String(c.id)}</td>
                <td>
                  <a href={links.campaign(c.id)} data-testid="campaign-link">
                    {c.name}
                  </a>
                </td>
                <td>{c.created ? new Date(c.created).toLocaleString() : '–'}</td>
                <td>{c.spec?.extension ?? '–'}</td>
                <td className="num">{num(c.spec?.trials)}</td>
                <td className="num">{num(c.spec?.faults)}</td>
                <td className="num">
                  {crashes(c.counts?.native)} / {num(c.counts?.native?.total)}
                </td>
                <td className="num">
                  {crashes(c.counts?.nooks)} / {num(c.counts?.nooks?.recovered)} / {num(c.counts?.nooks?.total)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function OutcomeTable({ name, native, nooks }: { name: string; native?: ModeCounts; nooks?: ModeCounts }) {
  const extra = ['runaway', 'workerDied'].filter((k) => (native?.[k] ?? 0) + (nooks?.[k] ?? 0) > 0);
  const share = (c: ModeCounts | undefined, k: string) => {
    const t = c?.total ?? 0;
    return t > 0 ? pct((c?.[k] ?? 0) / t, 0) : '–';
  };
  return (
    <table className="outcomes" data-testid="outcome-table" data-extension={name}>
      <thead>
        <tr>
          <th>outcome</th>
          <th>native</th>
          <th>Nooks</th>
        </tr>
      </thead>
      <tbody>
        {[...OUTCOMES, ...extra].map((o) => (
          <tr key={o} data-outcome={o}>
            <td>
              <OutcomeBadge outcome={o} />
            </td>
            <td className="num" data-testid={`count-native-${o}`}>
              {num(native?.[o] ?? 0)} <span className="muted">({share(native, o)})</span>
            </td>
            <td className="num" data-testid={`count-nooks-${o}`}>
              {num(nooks?.[o] ?? 0)} <span className="muted">({share(nooks, o)})</span>
            </td>
          </tr>
        ))}
        <tr className="total">
          <td>system crashes (crash + hang)</td>
          <td className="num">{crashes(native)}</td>
          <td className="num">{crashes(nooks)}</td>
        </tr>
        <tr className="total">
          <td>total</td>
          <td className="num" data-testid="total-native">
            {num(native?.total ?? 0)}
          </td>
          <td className="num" data-testid="total-nooks">
            {num(nooks?.total ?? 0)}
          </td>
        </tr>
      </tbody>
    </table>
  );
}

function PaperComparison({ report }: { report: CampaignReport }) {
  const rows = report.comparison ?? [];
  const paper = report.paper;
  return (
    <div className="paper" data-testid="paper-comparison">
      <h3>Beside the paper</h3>
      {rows.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th>measure</th>
              <th>mode</th>
              <th>paper</th>
              <th>paper rate</th>
              <th>ours</th>
              <th>our rate</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.measure}/${r.mode}`}>
                <td>{r.measure}</td>
                <td>{r.mode}</td>
                <td className="num">
                  {num(r.paper?.count)} / {num(r.paper?.trials)}
                </td>
                <td className="num">{pct(r.paper?.rate)}</td>
                <td className="num">
                  {num(r.ours?.count)} / {num(r.ours?.trials)}
                </td>
                <td className="num">{pct(r.ours?.rate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {paper ? (
        <dl className="facts">
          {Object.entries(paper).map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{brief(v)}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {rows.length === 0 && !paper ? <p className="muted">The report has no paper figures.</p> : null}
      {(report.notes ?? []).map((n) => (
        <p key={n} className="note">
          {n}
        </p>
      ))}
    </div>
  );
}

const PAGE = 50;

function TrialsList({ campaignId }: { campaignId: string }) {
  const [mode, setMode] = useState('');
  const [outcome, setOutcome] = useState('');
  const [offset, setOffset] = useState(0);
  const params = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (mode) params.set('mode', mode);
  if (outcome) params.set('outcome', outcome);
  const { data, error, loading } = useApi<{ trials: TrialRow[]; total: number }>(
    `/api/campaigns/${encodeURIComponent(campaignId)}/trials?${params.toString()}`,
  );
  const total = data?.total ?? 0;
  return (
    <div data-testid="trials">
      <h3>Trials</h3>
      <div className="controls">
        <label>
          mode{' '}
          <select
            value={mode}
            data-testid="filter-mode"
            onChange={(e) => {
              setMode(e.target.value);
              setOffset(0);
            }}
          >
            <option value="">all</option>
            {MODES.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          outcome{' '}
          <select
            value={outcome}
            data-testid="filter-outcome"
            onChange={(e) => {
              setOutcome(e.target.value);
              setOffset(0);
            }}
          >
            <option value="">all</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </label>
        <span className="muted" data-testid="trials-total">
          {data ? `${total} trial${total === 1 ? '' : 's'}` : ''}
        </span>
        <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
          ← previous
        </button>
        <button type="button" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>
          next →
        </button>
      </div>
      <ErrorBox error={error} />
      {loading && !data ? <Loading what="trials" /> : null}
      {data ? (
        <table data-testid="trials-table">
          <thead>
            <tr>
              <th>trial</th>
              <th>mode</th>
              <th>seed</th>
              <th>outcome</th>
              <th>status</th>
              <th>summary</th>
            </tr>
          </thead>
          <tbody>
            {data.trials.map((t) => (
              <tr key={t.trialId} data-testid="trial-row" data-mode={t.mode} data-outcome={t.outcome ?? ''}>
                <td>
                  <a href={links.trial(campaignId, t.trialId)} data-testid="trial-link">
                    {t.trialId}
                  </a>
                </td>
                <td>{t.mode}</td>
                <td className="num">{num(t.seed)}</td>
                <td>
                  <OutcomeBadge outcome={t.outcome} />
                </td>
                <td>{t.status ?? '–'}</td>
                <td className="summary">{t.summary ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

export function CampaignView({ id }: { id: string }) {
  const { data, error, loading } = useApi<CampaignDetail>(`/api/campaigns/${encodeURIComponent(id)}`);
  const extensions = Object.entries(data?.report?.extensions ?? {});
  return (
    <section>
      <p>
        <a href={links.campaigns()}>← campaigns</a>
      </p>
      <h2 data-testid="campaign-title">{data ? data.campaign.name : `Campaign ${id}`}</h2>
      <ErrorBox error={error} />
      {loading ? <Loading what="the campaign" /> : null}
      {data ? (
        <>
          <p className="muted" data-testid="campaign-spec">
            {Object.entries(data.campaign.spec ?? {})
              .map(([k, v]) => `${k}: ${brief(v)}`)
              .join(' · ')}
          </p>
          {extensions.length === 0 ? <p data-testid="no-outcomes">No trials stored for this campaign yet.</p> : null}
          {extensions.map(([name, counts]) => (
            <div key={name} className="extension" data-testid="extension-outcomes">
              <h3>
                {name}: outcomes, native beside Nooks
              </h3>
              <div className="side-by-side">
                <OutcomeChart title={`${name}: outcomes native vs Nooks`} native={counts.native} nooks={counts.nooks} />
                <OutcomeTable name={name} native={counts.native} nooks={counts.nooks} />
              </div>
            </div>
          ))}
          {data.report ? <PaperComparison report={data.report} /> : null}
          <TrialsList campaignId={id} />
        </>
      ) : null}
    </section>
  );
}
