// Small shared pieces: error and loading boxes, outcome badges.
import { errorText } from './api.ts';

export function ErrorBox({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  return (
    <div className="error" role="alert" data-testid="api-error">
      {errorText(error)}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return <p className="muted" data-testid="loading">Loading {what}…</p>;
}

export function OutcomeBadge({ outcome }: { outcome: string | null | undefined }) {
  const o = outcome ?? 'none';
  return <span className={`badge outcome-${o}`}>{o}</span>;
}
