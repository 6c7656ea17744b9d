// JSON Schemas (2020-12) of the CLI's --json outputs. The README shows each one verbatim (a test
// checks that it does), and the tests validate every command's JSON output against them.

import type { JsonSchema } from './json-schema.js';

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
const OUTCOME_ENUM = ['no-effect', 'recovered', 'non-fatal', 'system-crash', 'hang'];
const MODE_ENUM = ['native', 'nooks'];
const WORKLOAD_ENUM = ['receive-stream', 'send-stream', 'ping'];

const nonNegative: JsonSchema = { type: 'number', minimum: 0 };
const count: JsonSchema = { type: 'integer', minimum: 0 };
const fraction: JsonSchema = { type: 'number', minimum: 0, maximum: 1 };
const str: JsonSchema = { type: 'string' };
const strings: JsonSchema = { type: 'array', items: str };

export const TRIAL_SCHEMA: JsonSchema = {
  $schema: DRAFT,
  $id: 'nooks-cli/trial.json',
  title: 'nooks trial --json: one trial result (TrialResult of @nooks/bench, without the trace)',
  type: 'object',
  required: ['id', 'spec', 'outcome', 'summary', 'faults', 'failures', 'workload', 'xpcs', 'simulatedSeconds', 'log', 'hostSeconds'],
  properties: {
    id: { type: 'string', description: 'replays the trial: nooks trial --id ID' },
    spec: {
      type: 'object',
      required: ['extension', 'mode', 'workload', 'seed', 'faults'],
      properties: { extension: str, mode: { enum: MODE_ENUM }, workload: { enum: WORKLOAD_ENUM }, seed: count, faults: count, bug: str, types: strings },
    },
    outcome: { enum: OUTCOME_ENUM },
    summary: str,
    faults: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'symbol', 'address', 'before', 'after', 'note'],
        properties: { type: str, symbol: { type: 'string', description: 'function+0xoffset' }, address: count, before: { type: 'string', description: 'AT&T disassembly' }, after: str, note: str },
      },
    },
    crash: {
      type: 'object',
      description: "the kernel's crash (panic or hang) or its first oops; absent if none",
      required: ['kind', 'context', 'reason', 'stack', 'cycles'],
      properties: { kind: { enum: ['oops', 'panic', 'hang'] }, context: str, reason: str, location: str, module: str, instruction: str, eip: count, stack: strings, log: strings, cycles: nonNegative },
    },
    failures: {
      type: 'array',
      description: "Nooks' failures and recoveries (empty natively)",
      items: {
        type: 'object',
        required: ['trigger', 'reason', 'site', 'detectedAt', 'timeline'],
        properties: {
          trigger: str,
          reason: str,
          site: str,
          detectedAt: { type: 'number', minimum: 0, description: 'simulated cycles (1.7 GHz)' },
          recoveredAt: nonNegative,
          action: str,
          timeline: { type: 'array', items: { type: 'object', required: ['event', 'cycles'], properties: { event: str, cycles: nonNegative, detail: str } } },
        },
      },
    },
    workload: {
      type: 'object',
      required: ['workload', 'completed', 'expected', 'delivered', 'corrupted', 'seconds', 'throughputMbps', 'cpuUtilization', 'xpcPerSecond', 'tlbMissesPerSecond'],
      properties: {
        workload: { enum: WORKLOAD_ENUM },
        completed: { type: 'boolean' },
        expected: count,
        delivered: { type: 'integer' },
        corrupted: { type: 'boolean' },
        seconds: nonNegative,
        throughputMbps: nonNegative,
        meanRttMicros: nonNegative,
        cpuUtilization: fraction,
        xpcPerSecond: nonNegative,
        xpcToExtensionPerSecond: nonNegative,
        xpcToKernelPerSecond: nonNegative,
        tlbMissesPerSecond: nonNegative,
      },
    },
    xpcs: count,
    simulatedSeconds: nonNegative,
    log: strings,
    hostSeconds: nonNegative,
  },
};

const benchFigures: JsonSchema = {
  type: 'object',
  required: ['throughputMbps', 'cpuUtilization', 'xpcPerSecond', 'tlbMissesPerSecond'],
  properties: {
    throughputMbps: nonNegative,
    cpuUtilization: fraction,
    xpcPerSecond: nonNegative,
    xpcToExtensionPerSecond: nonNegative,
    xpcToKernelPerSecond: nonNegative,
    tlbMissesPerSecond: nonNegative,
    seconds: { type: 'number', minimum: 0, description: 'simulated seconds of the transfer' },
    hostSeconds: nonNegative,
  },
};

export const BENCH_SCHEMA: JsonSchema = {
  $schema: DRAFT,
  $id: 'nooks-cli/bench.json',
  title: 'nooks bench --json: native vs. Nooks per workload, beside the paper (SOSP 2003 Table 3)',
  type: 'object',
  required: ['extension', 'megabytesPerStream', 'rows'],
  properties: {
    extension: str,
    megabytesPerStream: count,
    time: str,
    hostSeconds: nonNegative,
    rows: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['workload', 'native', 'nooks', 'relativePerformance', 'paper'],
        properties: {
          workload: { enum: ['receive-stream', 'send-stream'] },
          megabytes: count,
          native: benchFigures,
          nooks: benchFigures,
          relativePerformance: { type: 'number', minimum: 0, description: 'Nooks throughput / native throughput' },
          paper: {
            type: 'object',
            required: ['relativePerformance', 'nativeCpuUtilization', 'nooksCpuUtilization', 'xpcPerSecond'],
            properties: { relativePerformance: nonNegative, nativeCpuUtilization: fraction, nooksCpuUtilization: fraction, xpcPerSecond: nonNegative },
          },
        },
      },
    },
  },
};

const outcomeCounts: JsonSchema = {
  type: 'object',
  required: [...OUTCOME_ENUM, 'runaway', 'workerDied', 'total'],
  properties: {
    ...Object.fromEntries(OUTCOME_ENUM.map((o) => [o, count])),
    runaway: { type: 'integer', minimum: 0, description: 'stopped on the host; also counted in hang' },
    workerDied: { type: 'integer', minimum: 0, description: 'no outcome: the worker died twice' },
    total: { type: 'integer', minimum: 0, description: 'the five outcomes + workerDied' },
  },
  additionalProperties: false,
};

const rate: JsonSchema = { type: 'object', required: ['count', 'trials', 'rate'], properties: { count, trials: count, rate: { type: ['number', 'null'], minimum: 0, maximum: 1 } } };

export const REPORT_SCHEMA: JsonSchema = {
  $schema: DRAFT,
  $id: 'nooks-cli/report.json',
  title: 'nooks report --format json: outcome counts per extension and mode, beside the paper (Report of @nooks/bench)',
  type: 'object',
  required: ['campaigns', 'extensions', 'comparison', 'paper', 'notes'],
  properties: {
    campaigns: { type: 'array', items: { type: 'object', required: ['id', 'name'], properties: { id: count, name: str } } },
    extensions: {
      type: 'object',
      description: 'extensions.<name>.<mode>.<outcome> counts, and .total',
      additionalProperties: { type: 'object', properties: { native: outcomeCounts, nooks: outcomeCounts }, additionalProperties: false },
    },
    comparison: {
      type: 'array',
      items: { type: 'object', required: ['measure', 'mode', 'paper', 'ours'], properties: { measure: { enum: ['system-crashes', 'non-fatal'] }, mode: { enum: MODE_ENUM }, paper: rate, ours: rate } },
    },
    paper: { type: 'object' },
    notes: strings,
  },
};

export const CAMPAIGN_SCHEMA: JsonSchema = {
  $schema: DRAFT,
  $id: 'nooks-cli/campaign.json',
  title: 'nooks campaign --json: the campaign after this run',
  type: 'object',
  required: ['campaign', 'campaignId', 'db', 'spec', 'total', 'done', 'ran', 'skipped', 'outcomes', 'runaway', 'workerDied', 'aborted', 'workers', 'elapsedSeconds'],
  properties: {
    campaign: { type: 'string', description: 'its name in the store (a run with the same name resumes it)' },
    campaignId: count,
    db: str,
    spec: {
      type: 'object',
      required: ['extension', 'workload', 'trials', 'faults', 'firstSeed', 'modes'],
      properties: { extension: str, workload: { enum: WORKLOAD_ENUM }, trials: count, faults: count, firstSeed: count, modes: { type: 'array', items: { enum: MODE_ENUM } }, size: count, types: strings },
    },
    total: { type: 'integer', minimum: 0, description: 'trials x modes' },
    done: { type: 'integer', minimum: 0, description: 'stored, this run and earlier ones' },
    ran: count,
    skipped: count,
    outcomes: { type: 'object', required: OUTCOME_ENUM, properties: Object.fromEntries(OUTCOME_ENUM.map((o) => [o, count])), additionalProperties: false },
    runaway: count,
    workerDied: count,
    aborted: { type: 'boolean' },
    workers: count,
    elapsedSeconds: nonNegative,
    trialsPerMinute: { type: ['number', 'null'], minimum: 0 },
    simulatedSeconds: nonNegative,
  },
};

const code: JsonSchema = { type: 'object', required: ['bytes', 'text'], properties: { bytes: str, text: str } };

export const FAULTS_SCHEMA: JsonSchema = {
  $schema: DRAFT,
  $id: 'nooks-cli/faults.json',
  title: 'nooks faults --json: the fault plan of a seed (FaultPlan of @nooks/faults; addresses at base 0 are offsets)',
  type: 'object',
  required: ['version', 'base', 'seed', 'types', 'sites', 'faults'],
  properties: {
    version: { const: 1 },
    module: str,
    base: count,
    seed: count,
    types: strings,
    sites: { type: 'object', additionalProperties: count },
    faults: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'offset', 'address', 'symbol', 'length', 'before', 'after', 'patch', 'relocated', 'note'],
        properties: {
          type: str,
          offset: count,
          address: count,
          symbol: str,
          length: count,
          before: code,
          after: code,
          patch: { type: 'object', required: ['keep', 'xor'], properties: { keep: str, xor: str } },
          relocated: { type: 'array', items: count },
          note: str,
        },
      },
    },
  },
};

export const BUGS_SCHEMA: JsonSchema = {
  $schema: DRAFT,
  $id: 'nooks-cli/bugs.json',
  title: 'nooks bugs --json: the hand-made bug variants',
  type: 'object',
  required: ['bugs'],
  properties: {
    bugs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'extension', 'defines', 'description', 'trigger', 'native', 'nativeOutcome', 'built'],
        properties: {
          name: str,
          extension: str,
          defines: strings,
          description: str,
          trigger: { type: ['string', 'null'] },
          native: { enum: ['panic', 'oops', 'hang', null] },
          nativeOutcome: { enum: ['system-crash', 'non-fatal', 'hang', null] },
          built: { type: 'boolean' },
        },
      },
    },
  },
};

export const INSPECT_SCHEMA: JsonSchema = {
  $schema: DRAFT,
  $id: 'nooks-cli/inspect.json',
  title: 'nooks inspect --json: an extension object',
  type: 'object',
  required: ['name', 'path', 'machine', 'sections', 'symbols', 'imports', 'disassembly'],
  properties: {
    name: str,
    path: str,
    machine: str,
    sections: {
      type: 'array',
      items: { type: 'object', required: ['index', 'name', 'type', 'flags', 'size', 'align', 'relocations'], properties: { index: count, name: str, type: str, flags: str, size: count, align: count, relocations: count } },
    },
    symbols: {
      type: 'array',
      items: { type: 'object', required: ['name', 'section', 'value', 'size', 'kind', 'binding'], properties: { name: str, section: str, value: count, size: count, kind: { enum: ['function', 'object', 'other'] }, binding: { enum: ['local', 'global', 'weak'] } } },
    },
    imports: { type: 'array', items: { type: 'object', required: ['name', 'references'], properties: { name: str, references: count } } },
    disassembly: {
      type: 'array',
      items: {
        type: 'object',
        required: ['section', 'lines'],
        properties: {
          section: str,
          lines: { type: 'array', items: { type: 'object', required: ['address', 'bytes', 'text'], properties: { address: count, bytes: str, text: str, symbol: str, relocations: strings } } },
        },
      },
    },
  },
};

export const SCHEMAS: readonly JsonSchema[] = [TRIAL_SCHEMA, BENCH_SCHEMA, REPORT_SCHEMA, CAMPAIGN_SCHEMA, FAULTS_SCHEMA, BUGS_SCHEMA, INSPECT_SCHEMA];
