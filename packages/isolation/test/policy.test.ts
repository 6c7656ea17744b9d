// Recovery policies: parsePolicy / validatePolicy accept what policy.ts documents, fill in the
// defaults, and reject everything else with a PolicyError naming the file and the field.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { extensionObjectPath, listExtensions } from '@nooks/extensions';
import { Kernel } from '@nooks/kernel';
import { describe, expect, it } from 'vitest';
import { PolicyError, defaultPolicy, parsePolicy, validatePolicy } from '../src/index.js';

const SRC = 'e1000.json';

/** The PolicyError `fn` throws (fails the test if it throws nothing or something else). */
function policyError(fn: () => unknown): PolicyError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    return e as PolicyError;
  }
  throw new Error('no PolicyError was thrown');
}

/** Validates `{ extension: 'e1000', action: 'restart', ...fields }` from source SRC and returns the error. */
function rejected(fields: Record<string, unknown>): PolicyError {
  return policyError(() => parsePolicy(JSON.stringify({ extension: 'e1000', action: 'restart', ...fields }), SRC));
}

describe('defaultPolicy', () => {
  it('restarts, disables after 3 failures in 60 s, agent delay 5 ms, notifies', () => {
    expect(defaultPolicy('e1000')).toEqual({ extension: 'e1000', action: 'restart', disableAfter: { failures: 3, withinSeconds: 60 }, agentDelayMs: 5, notify: true });
    expect(defaultPolicy('kcrash').extension).toBe('kcrash');
  });

  it('is itself a valid policy (validation keeps it as it is)', () => {
    expect(validatePolicy(defaultPolicy('e1000'))).toEqual(defaultPolicy('e1000'));
    expect(parsePolicy(JSON.stringify(defaultPolicy('e1000')))).toEqual(defaultPolicy('e1000'));
  });
});

describe('parsePolicy: accepted policies', () => {
  it('the smallest policy gets the defaults for agentDelayMs and notify, and nothing else', () => {
    const p = parsePolicy('{ "extension": "e1000", "action": "restart" }', SRC);
    expect(p).toEqual({ extension: 'e1000', action: 'restart', agentDelayMs: 5, notify: true });
    expect(Object.keys(p).sort()).toEqual(['action', 'agentDelayMs', 'extension', 'notify']);
  });

  it('every field, as documented in policy.ts', () => {
    const text = JSON.stringify({
      $comment: 'replace the e1000 by its fixed build after a failure',
      extension: 'e1000',
      action: 'replace',
      parameters: { copybreak: 256, debug: -1, big: 2 ** 32 - 1, small: -(2 ** 31) },
      replaceWith: 'e1000-fixed',
      disableAfter: { failures: 2, withinSeconds: 0.5 },
      agentDelayMs: 0,
      notify: false,
    });
    expect(parsePolicy(text, SRC)).toEqual({
      extension: 'e1000',
      action: 'replace',
      parameters: { copybreak: 256, debug: -1, big: 2 ** 32 - 1, small: -(2 ** 31) },
      replaceWith: 'e1000-fixed',
      disableAfter: { failures: 2, withinSeconds: 0.5 },
      agentDelayMs: 0,
      notify: false,
    });
  });

  it.each(['restart', 'disable'] as const)('action %s needs nothing else', (action) => {
    expect(parsePolicy(JSON.stringify({ extension: 'e1000', action }), SRC).action).toBe(action);
  });

  it('replaceWith may accompany restart (it is only required by replace)', () => {
    expect(parsePolicy('{"extension":"e1000","action":"restart","replaceWith":"e1000"}').replaceWith).toBe('e1000');
  });

  it('an empty parameters object is kept; agentDelayMs up to 60000; names with _ and -', () => {
    const p = parsePolicy('{"extension":"my_ext-2","action":"disable","parameters":{},"agentDelayMs":60000,"notify":true}');
    expect(p).toEqual({ extension: 'my_ext-2', action: 'disable', parameters: {}, agentDelayMs: 60000, notify: true });
  });

  it('the result is a fresh object: the input is not kept nor changed', () => {
    const input = { extension: 'e1000', action: 'restart', parameters: { copybreak: 1 }, disableAfter: { failures: 1, withinSeconds: 1 } };
    const copy = structuredClone(input);
    const p = validatePolicy(input, SRC);
    expect(input).toEqual(copy);
    expect(p.parameters).not.toBe(input.parameters);
    expect(p.disableAfter).not.toBe(input.disableAfter);
  });
});

describe('parsePolicy / validatePolicy: errors name the source and the field', () => {
  it('a PolicyError carries its code and source; the source defaults to "policy"', () => {
    const e = policyError(() => parsePolicy('{'));
    expect(e.code).toBe('NOOKS_BAD_POLICY');
    expect(e.name).toBe('PolicyError');
    expect(e.source).toBe('policy');
    expect(e.message).toMatch(/^policy: /);
    expect(policyError(() => validatePolicy(3)).message).toMatch(/^policy: /);
    expect(policyError(() => validatePolicy(3, 'x.json')).source).toBe('x.json');
  });

  it('not JSON', () => {
    for (const text of ['', '{', '{ extension: "e1000" }', "{'extension':'e1000'}", '{"extension":"e1000",}']) {
      const e = policyError(() => parsePolicy(text, SRC));
      expect(e.source).toBe(SRC);
      expect(e.message).toMatch(/^e1000\.json: not valid JSON: /);
    }
  });

  it('not an object', () => {
    for (const text of ['null', '[]', '[{"extension":"e1000","action":"restart"}]', '42', '"e1000"', 'true']) {
      expect(policyError(() => parsePolicy(text, SRC)).message).toBe('e1000.json: must be a JSON object');
    }
    expect(policyError(() => validatePolicy(undefined, SRC)).message).toBe('e1000.json: must be a JSON object');
  });

  it('unknown field, with the list of known fields', () => {
    const e = rejected({ retries: 3 });
    expect(e.message).toMatch(/^e1000\.json: unknown field "retries"/);
    expect(e.message).toContain('extension, action, parameters, replaceWith, disableAfter, agentDelayMs, notify');
    expect(e.message).not.toContain('$comment');
    // Field names are case-sensitive.
    expect(rejected({ Action: 'restart' }).message).toMatch(/unknown field "Action"/);
  });

  it('missing or bad extension', () => {
    for (const extension of [undefined, '', 'e1000.o', 'a b', '../e1000', 42, null]) {
      const e = policyError(() => validatePolicy({ extension, action: 'restart' }, SRC));
      expect(e.message).toMatch(/^e1000\.json: "extension" must be an extension name/);
    }
  });

  it('bad action', () => {
    expect(rejected({ action: 'reboot' }).message).toBe('e1000.json: "action" must be "restart", "replace" or "disable", not "reboot"');
    expect(rejected({ action: 'Restart' }).message).toMatch(/"action" must be .* not "Restart"$/);
    expect(rejected({ action: 1 }).message).toMatch(/"action" must be .* not 1$/);
    expect(policyError(() => parsePolicy('{"extension":"e1000"}', SRC)).message).toMatch(/^e1000\.json: "action" must be/);
  });

  it('replace without replaceWith, or a bad replaceWith', () => {
    expect(rejected({ action: 'replace' }).message).toBe('e1000.json: "action": "replace" needs "replaceWith"');
    for (const replaceWith of ['', 5, null, ['e1000'], { name: 'e1000' }]) {
      expect(rejected({ action: 'replace', replaceWith }).message).toBe('e1000.json: "replaceWith" must be an extension object name');
    }
  });

  it('bad parameters', () => {
    for (const parameters of [null, [], [1], 5, 'copybreak=256']) {
      expect(rejected({ parameters }).message).toBe('e1000.json: "parameters" must be an object of name: integer');
    }
    for (const name of ['1x', 'copy-break', 'a b', '']) {
      expect(rejected({ parameters: { [name]: 1 } }).message).toBe(`e1000.json: parameter name ${JSON.stringify(name)} is not a C identifier`);
    }
    for (const value of [1.5, '256', true, null, 2 ** 32, -(2 ** 31) - 1, { v: 1 }]) {
      expect(rejected({ parameters: { copybreak: value } }).message).toBe(`e1000.json: parameter copybreak must be a 32-bit integer, not ${JSON.stringify(value)}`);
    }
  });

  it('bad disableAfter', () => {
    for (const disableAfter of [3, 'often', null, true]) {
      expect(rejected({ disableAfter }).message).toBe('e1000.json: "disableAfter" must be { "failures": N, "withinSeconds": T }');
    }
    for (const failures of [0, -1, 1.5, '3', undefined, null]) {
      expect(rejected({ disableAfter: { failures, withinSeconds: 60 } }).message).toBe('e1000.json: "disableAfter.failures" must be an integer >= 1');
    }
    for (const withinSeconds of [0, -1, '60', undefined, null]) {
      expect(rejected({ disableAfter: { failures: 3, withinSeconds } }).message).toBe('e1000.json: "disableAfter.withinSeconds" must be a number > 0');
    }
    expect(policyError(() => validatePolicy({ extension: 'e1000', action: 'restart', disableAfter: { failures: 3, withinSeconds: NaN } }, SRC)).message).toMatch(/"disableAfter\.withinSeconds"/);
    // An unknown field inside disableAfter is not reported by name, but its absence of failures is.
    expect(rejected({ disableAfter: [] }).message).toMatch(/"disableAfter\.failures"/);
  });

  it('bad agentDelayMs', () => {
    for (const agentDelayMs of [-1, 60_001, '5', null, true, 1e9]) {
      expect(rejected({ agentDelayMs }).message).toBe('e1000.json: "agentDelayMs" must be a number of milliseconds in 0..60000');
    }
    expect(policyError(() => validatePolicy({ extension: 'e1000', action: 'restart', agentDelayMs: NaN }, SRC)).message).toMatch(/"agentDelayMs"/);
  });

  it('bad notify', () => {
    for (const notify of ['yes', 1, 0, null, 'true']) {
      expect(rejected({ notify }).message).toBe('e1000.json: "notify" must be true or false');
    }
  });
});

/** Checks one policy file: valid, for the extension it is named after, its object and parameters exist. */
function checkPolicyFile(dir: string, file: string): void {
  const p = parsePolicy(readFileSync(join(dir, file), 'utf8'), file);
  const name = basename(file, '.json');
  // A file named after an extension is that extension's policy.
  if (listExtensions().includes(name)) expect(p.extension, file).toBe(name);
  // What the agent would load on restart (or the replacement) exists...
  const object = p.replaceWith ?? p.extension;
  expect(() => extensionObjectPath(object), `${file}: object ${object}`).not.toThrow();
  // ...and has every parameter the policy sets (insmod name=value: a 32-bit global), else the
  // restart would fail with a ModuleLoadError and the extension would stay down.
  if (p.parameters && Object.keys(p.parameters).length > 0) {
    const k = new Kernel({ memoryBytes: 16 << 20 });
    expect(() => k.loadModule(p.extension, readFileSync(extensionObjectPath(object)), { init: false, params: p.parameters }), `${file}: parameters`).not.toThrow();
  }
}

describe('policy files in packages/isolation/policies/', () => {
  const dir = join(import.meta.dirname, '..', 'policies');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];

  it.skipIf(files.length === 0)('every policy file is valid, for its extension, and its objects and parameters exist', () => {
    for (const file of files) checkPolicyFile(dir, file);
  });

  it('the file check accepts a good policy file and rejects a bad one', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'nooks-policy-'));
    try {
      writeFileSync(join(tmp, 'e1000.json'), JSON.stringify({ extension: 'e1000', action: 'restart', disableAfter: { failures: 3, withinSeconds: 60 } }));
      checkPolicyFile(tmp, 'e1000.json');
      writeFileSync(join(tmp, 'kcrash.json'), JSON.stringify({ extension: 'kcrash', action: 'restart', parameters: { sink: 1 } }));
      checkPolicyFile(tmp, 'kcrash.json');
      writeFileSync(join(tmp, 'bad.json'), '{"extension":"e1000","action":"restart","retry":1}');
      expect(() => checkPolicyFile(tmp, 'bad.json')).toThrow(/^bad\.json: unknown field "retry"/);
      writeFileSync(join(tmp, 'e1000-params.json'), JSON.stringify({ extension: 'e1000', action: 'restart', parameters: { no_such_param: 1 } }));
      expect(() => checkPolicyFile(tmp, 'e1000-params.json')).toThrow(/parameters/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
