// What the API accepts, as zod schemas: path parameters, query strings and JSON bodies. Query
// values arrive as strings, so numbers are parsed strictly here (no "12abc", no "1e3").

import { OUTCOMES } from '@nooks/bench';
import type { Outcome } from '@nooks/bench';
import { z } from 'zod';

const decimal = (what: string, min: number, max: number) =>
  z
    .string()
    .regex(/^-?[0-9]+$/, { message: `${what} must be a decimal integer` })
    .transform(Number)
    .pipe(z.number().int().min(min, { message: `${what} must be at least ${min}` }).max(max, { message: `${what} must be at most ${max}` }));

export const campaignIdSchema = decimal('campaign id', 1, Number.MAX_SAFE_INTEGER);

export const MODES = ['native', 'nooks'] as const;
export const STREAM_WORKLOADS = ['receive-stream', 'send-stream'] as const;
export type StreamWorkload = (typeof STREAM_WORKLOADS)[number];

const modeSchema = z.enum(MODES, { message: `mode must be one of ${MODES.join(', ')}` });
const outcomeSchema = z.enum(OUTCOMES as unknown as [Outcome, ...Outcome[]], { message: `outcome must be one of ${OUTCOMES.join(', ')}` });

export const trialsQuerySchema = z.strictObject(
  {
    mode: modeSchema.optional(),
    outcome: outcomeSchema.optional(),
    limit: decimal('limit', 1, 500).optional(),
    offset: decimal('offset', 0, Number.MAX_SAFE_INTEGER).optional(),
  },
  { message: 'unknown query parameter (allowed: mode, outcome, limit, offset)' },
);

export const trialQuerySchema = z.strictObject(
  {
    campaign: decimal('campaign', 1, Number.MAX_SAFE_INTEGER),
    id: z.string({ message: 'id (the trial id) is required' }).min(1, { message: 'id must not be empty' }),
  },
  { message: 'unknown query parameter (allowed: campaign, id)' },
);

export const replayBodySchema = z.strictObject(
  {
    id: z.string({ message: 'id (the trial id, e.g. e1000/nooks/receive-stream/seed=1/faults=5) is required' }).min(1, { message: 'id must not be empty' }),
    trace: z.boolean({ message: 'trace must be true or false' }).optional(),
  },
  { message: 'unknown field (fields: id, trace)' },
);

export const performanceQuerySchema = z.strictObject(
  {
    mb: decimal('mb', 1, 16).optional(),
  },
  { message: 'unknown query parameter (allowed: mb)' },
);

export const liveBodySchema = z.strictObject(
  {
    extension: z.literal('e1000', { message: 'extension must be "e1000" (the one extension with a device and workloads)' }),
    mode: modeSchema,
    workload: z.enum(STREAM_WORKLOADS, { message: `workload must be one of ${STREAM_WORKLOADS.join(', ')}` }).default('receive-stream'),
    bug: z.string().regex(/^e1000-[a-z0-9-]{1,40}$/, { message: 'bug must name a hand-made e1000 bug variant, e.g. "e1000-double-free"' }).optional(),
  },
  { message: 'unknown field (fields: extension, mode, workload, bug)' },
);
export type LiveConfig = z.infer<typeof liveBodySchema>;

export const liveIdSchema = z.string().regex(/^[a-z0-9-]{1,64}$/, { message: 'live system id must be letters, digits and dashes' });

export const injectBodySchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject(
      {
        kind: z.literal('faults'),
        seed: z.number({ message: 'seed must be a number' }).int({ message: 'seed must be an integer' }).min(0, { message: 'seed must be non-negative' }).max(Number.MAX_SAFE_INTEGER),
        count: z.number({ message: 'count must be a number' }).int({ message: 'count must be an integer' }).min(1, { message: 'count must be 1..100' }).max(100, { message: 'count must be 1..100' }).optional(),
      },
      { message: 'unknown field (fields for kind "faults": kind, seed, count)' },
    ),
    z.strictObject({ kind: z.literal('bug-signal') }, { message: 'unknown field (fields for kind "bug-signal": kind)' }),
  ],
  { message: 'kind must be "faults" or "bug-signal"' },
);
export type InjectRequest = z.infer<typeof injectBodySchema>;
