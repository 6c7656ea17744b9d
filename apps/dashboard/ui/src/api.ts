// The dashboard's JSON API, as the UI sees it. Every type is deliberately loose (optional
// fields): the UI renders what the server sends and shows the rest as missing, never crashes.

export const OUTCOMES = ['no-effect', 'recovered', 'non-fatal', 'system-crash', 'hang'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const MODES = ['native', 'nooks'] as const;
export type Mode = (typeof MODES)[number];

/** Counts per outcome plus `total` (and whatever else the server adds: runaway, workerDied). */
export type ModeCounts = Partial<Record<string, number>>;

export interface CampaignSpec {
  extension?: string;
  workload?: string;
  trials?: number;
  faults?: number;
  firstSeed?: number;
  modes?: string[];
  size?: number;
  types?: string[];
}

export interface CampaignSummary {
  id: number | string;
  name: string;
  created?: string;
  spec?: CampaignSpec;
  counts?: { native?: ModeCounts; nooks?: ModeCounts };
}

export interface ComparisonRow {
  measure: string;
  mode: string;
  paper?: { count?: number; trials?: number; rate?: number | null };
  ours?: { count?: number; trials?: number; rate?: number | null };
}

export interface CampaignReport {
  extensions?: Record<string, { native?: ModeCounts; nooks?: ModeCounts }>;
  comparison?: ComparisonRow[];
  paper?: Record<string, unknown>;
  notes?: string[];
}

export interface CampaignDetail {
  campaign: CampaignSummary;
  report?: CampaignReport;
}

export interface TrialRow {
  trialId: string;
  mode: string;
  seed?: number;
  outcome?: string | null;
  status?: string;
  summary?: string;
}

export interface TimelineEvent {
  event: string;
  cycles: number;
  detail?: string;
}

export interface Failure {
  trigger?: string;
  reason?: string;
  site?: string;
  detectedAt?: number;
  recoveredAt?: number;
  action?: string;
  timeline?: TimelineEvent[];
}

export interface Fault {
  type?: string;
  symbol?: string;
  address?: number;
  before?: string;
  after?: string;
  note?: string;
}

export interface CrashReport {
  kind?: string;
  context?: string;
  reason?: string;
  location?: string;
  instruction?: string;
  registers?: Record<string, unknown>;
  stack?: string[];
  log?: string[];
  cycles?: number;
}

export interface TrialResult {
  id: string;
  spec?: Record<string, unknown>;
  outcome?: string;
  summary?: string;
  faults?: Fault[];
  crash?: CrashReport;
  failures?: Failure[];
  workload?: Record<string, unknown>;
  xpcs?: number;
  simulatedSeconds?: number;
  log?: string[];
  hostSeconds?: number;
}

export interface TrialResponse {
  trial: TrialResult | { error?: string };
  status?: string;
}

export interface InjectResponse {
  injected?: Array<{ kind?: string; type?: string; symbol?: string; address?: number; before?: string; after?: string; trigger?: string; reason?: string }>;
}

export interface ReplayResponse {
  trial: TrialResult;
  traceSummary?: { events?: number; truncated?: boolean; bySite?: Record<string, number>; byDirection?: Record<string, number> };
}

export interface PerfFigures {
  throughputMbps?: number;
  cpuUtilization?: number;
  xpcPerSecond?: number;
  tlbMissesPerSecond?: number;
}

export interface PaperPerf {
  relativePerformance?: number;
  nativeCpuUtilization?: number;
  nooksCpuUtilization?: number;
  xpcPerSecond?: number;
}

export interface PerfRow {
  workload: string;
  megabytes?: number;
  native?: PerfFigures;
  nooks?: PerfFigures;
  relativePerformance?: number;
  paper?: PaperPerf & Record<string, unknown>;
}

export interface LiveSample {
  t?: number;
  throughputMbps?: number;
  xpcPerSecond?: number;
  tlbMissesPerSecond?: number;
  cpuUtilization?: number;
  alive?: boolean;
  extensionState?: string;
  /** Bytes the stream has delivered so far. */
  bytes?: number;
  /** Simulated seconds per host second. */
  speed?: number;
  crash?: { kind?: string; reason?: string; location?: string };
  failures?: Failure[];
}

export interface DomainRange {
  start: number;
  end: number;
  access?: string;
  what?: string;
}

export interface Domain {
  extension: string;
  state?: string;
  pgd?: number;
  mappedPages?: number;
  truncated?: boolean;
  writablePages?: number;
  stacks?: number;
  heapPages?: number;
  ranges?: DomainRange[];
}

/** An API error: the server's `{ error: { code, message } }`, or a transport failure. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'NETWORK', `${method} ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text.length > 0) {
    try {
      parsed = JSON.parse(text);
    } catch {
      if (res.ok) throw new ApiError(res.status, 'BAD_RESPONSE', `${method} ${path}: the server's answer is not JSON`);
    }
  }
  if (!res.ok) {
    const err = isRecord(parsed) && isRecord(parsed.error) ? parsed.error : undefined;
    const code = typeof err?.code === 'string' ? err.code : `HTTP_${res.status}`;
    const message = typeof err?.message === 'string' ? err.message : text.slice(0, 300) || res.statusText;
    throw new ApiError(res.status, code, message);
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body: unknown) => request<T>('POST', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
};

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${e.code}${e.status ? ` (${e.status})` : ''}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}
