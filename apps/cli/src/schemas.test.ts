import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validate } from './json-schema.js';
import type { JsonSchema } from './json-schema.js';
import { REPORT_SCHEMA, SCHEMAS } from './schemas.js';

describe('the JSON schemas', () => {
  it('the README shows each schema exactly', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const blocks = [...readme.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => JSON.parse(m[1]!) as JsonSchema);
    for (const s of SCHEMAS) {
      const shown = blocks.find((b) => b.$id === s.$id);
      expect(shown, s.$id).toBeDefined();
      expect(shown).toEqual(JSON.parse(JSON.stringify(s)));
    }
  });

  it('the validator catches what each keyword forbids', () => {
    const s: JsonSchema = {
      type: 'object',
      required: ['a', 'n'],
      properties: { a: { type: 'array', minItems: 1, items: { enum: ['x', 'y'] } }, n: { type: 'integer', minimum: 0, maximum: 1 }, c: { const: 1 }, u: { type: ['string', 'null'] } },
      additionalProperties: false,
    };
    expect(validate(s, { a: ['x'], n: 1, c: 1, u: null })).toEqual([]);
    expect(validate(s, { a: [], n: 0.5, c: 2, u: 3, extra: true })).toEqual([
      '$.a: 0 items < minItems 1',
      '$.n: expected integer, got number',
      '$.c: must be 1',
      '$.u: expected string or null, got number',
      '$: unexpected property "extra"',
    ]);
    expect(validate(s, { a: ['z'], n: 2 })).toEqual(['$.a[0]: "z" is not one of ["x","y"]', '$.n: 2 > maximum 1']);
    expect(validate(s, 'no')).toEqual(['$: expected object, got string']);
    expect(validate(s, {})).toEqual(['$: missing required property "a"', '$: missing required property "n"']);
  });

  it('a report without a total, or with a bad mode, is rejected', () => {
    const counts = { 'no-effect': 1, recovered: 0, 'non-fatal': 0, 'system-crash': 0, hang: 0, runaway: 0, workerDied: 0, total: 1 };
    const report = { campaigns: [], extensions: { e1000: { native: counts } }, comparison: [], paper: {}, notes: [] };
    expect(validate(REPORT_SCHEMA, report)).toEqual([]);
    const { total: _t, ...noTotal } = counts;
    expect(validate(REPORT_SCHEMA, { ...report, extensions: { e1000: { native: noTotal } } })).toEqual(['$.extensions.e1000.native: missing required property "total"']);
    expect(validate(REPORT_SCHEMA, { ...report, extensions: { e1000: { isolated: counts } } })).toEqual(['$.extensions.e1000: unexpected property "isolated"']);
  });
});
