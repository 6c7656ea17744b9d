// Recovery policies: what the user-mode recovery agent does when an extension fails (Nooks
// section 4.4). One JSON file per extension (or per class), validated on load:
//
//   {
//     "extension": "e1000",                 // which extension the file is for (required)
//     "action": "restart",                  // restart | replace | disable (required)
//     "parameters": { "copybreak": 256 },   // module parameters for the reload (optional)
//     "replaceWith": "e1000",               // object to load instead, for "replace"
//     "disableAfter": { "failures": 3, "withinSeconds": 60 },  // optional
//     "agentDelayMs": 5,                    // simulated start-up of the agent (default 5)
//     "notify": true                        // log the failure for the administrator (default true)
//   }
//
// Restarting means: the recovery manager has released and unloaded the failed extension; the
// agent loads it again into a new domain (with the parameters, or the replacement object),
// which re-runs its start-up (init_module, PCI probe, register_netdev), and brings its network
// interfaces back up. After `failures` failures within `withinSeconds` simulated seconds the
// extension is disabled instead: it stays unloaded.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type RecoveryAction = 'restart' | 'replace' | 'disable';

export interface RecoveryPolicy {
  readonly extension: string;
  readonly action: RecoveryAction;
  readonly parameters?: Readonly<Record<string, number>>;
  readonly replaceWith?: string;
  readonly disableAfter?: { readonly failures: number; readonly withinSeconds: number };
  readonly agentDelayMs: number;
  readonly notify: boolean;
}

export class PolicyError extends Error {
  readonly code = 'NOOKS_BAD_POLICY';
  override readonly name = 'PolicyError';
  constructor(
    readonly source: string,
    message: string,
  ) {
    super(`${source}: ${message}`);
  }
}

const KEYS = new Set(['extension', 'action', 'parameters', 'replaceWith', 'disableAfter', 'agentDelayMs', 'notify', '$comment']);

/** The default policy: restart, and disable after 3 failures in 60 s. */
export function defaultPolicy(extension: string): RecoveryPolicy {
  return { extension, action: 'restart', disableAfter: { failures: 3, withinSeconds: 60 }, agentDelayMs: 5, notify: true };
}

/** Validates a parsed policy object; `source` names it in errors (a file name). */
export function validatePolicy(value: unknown, source = 'policy'): RecoveryPolicy {
  const fail = (msg: string): never => {
    throw new PolicyError(source, msg);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('must be a JSON object');
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!KEYS.has(key)) fail(`unknown field "${key}" (fields: ${[...KEYS].filter((k) => k !== '$comment').join(', ')})`);
  if (typeof o.extension !== 'string' || !/^[A-Za-z0-9_-]+$/.test(o.extension)) fail('"extension" must be an extension name (letters, digits, _ and -)');
  const action = o.action;
  if (action !== 'restart' && action !== 'replace' && action !== 'disable') fail(`"action" must be "restart", "replace" or "disable", not ${JSON.stringify(action)}`);
  let parameters: Record<string, number> | undefined;
  if (o.parameters !== undefined) {
    if (typeof o.parameters !== 'object' || o.parameters === null || Array.isArray(o.parameters)) fail('"parameters" must be an object of name: integer');
    parameters = {};
    for (const [k, v] of Object.entries(o.parameters as Record<string, unknown>)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) fail(`parameter name ${JSON.stringify(k)} is not a C identifier`);
      if (typeof v !== 'number' || !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 32) fail(`parameter ${k} must be a 32-bit integer, not ${JSON.stringify(v)}`);
      parameters[k] = v as number;
    }
  }
  if (o.replaceWith !== undefined && (typeof o.replaceWith !== 'string' || o.replaceWith === '')) fail('"replaceWith" must be an extension object name');
  if (action === 'replace' && o.replaceWith === undefined) fail('"action": "replace" needs "replaceWith"');
  let disableAfter: RecoveryPolicy['disableAfter'];
  if (o.disableAfter !== undefined) {
    const d = o.disableAfter as Record<string, unknown>;
    if (typeof d !== 'object' || d === null) fail('"disableAfter" must be { "failures": N, "withinSeconds": T }');
    if (typeof d.failures !== 'number' || !Number.isInteger(d.failures) || d.failures < 1) fail('"disableAfter.failures" must be an integer >= 1');
    if (typeof d.withinSeconds !== 'number' || !(d.withinSeconds > 0)) fail('"disableAfter.withinSeconds" must be a number > 0');
    disableAfter = { failures: d.failures as number, withinSeconds: d.withinSeconds as number };
  }
  if (o.agentDelayMs !== undefined && (typeof o.agentDelayMs !== 'number' || !(o.agentDelayMs >= 0) || o.agentDelayMs > 60_000)) fail('"agentDelayMs" must be a number of milliseconds in 0..60000');
  if (o.notify !== undefined && typeof o.notify !== 'boolean') fail('"notify" must be true or false');
  return {
    extension: o.extension as string,
    action: action as RecoveryAction,
    ...(parameters ? { parameters } : {}),
    ...(typeof o.replaceWith === 'string' ? { replaceWith: o.replaceWith } : {}),
    ...(disableAfter ? { disableAfter } : {}),
    agentDelayMs: (o.agentDelayMs as number | undefined) ?? 5,
    notify: (o.notify as boolean | undefined) ?? true,
  };
}

/** Parses and validates a policy file's text. */
export function parsePolicy(text: string, source = 'policy'): RecoveryPolicy {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new PolicyError(source, `not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  return validatePolicy(value, source);
}

/** Reads and validates one policy file. */
export function readPolicyFile(path: string): RecoveryPolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new PolicyError(path, `cannot be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parsePolicy(text, path);
}

/**
 * The policy of an extension from a directory of policy files (`<extension>.json`), or the
 * default when the directory has none for it. A file whose "extension" names another
 * extension is an error.
 */
export function policyFor(extension: string, dir: string): RecoveryPolicy {
  const path = join(dir, `${extension}.json`);
  let policy: RecoveryPolicy;
  try {
    policy = readPolicyFile(path);
  } catch (e) {
    if (e instanceof PolicyError && /cannot be read: ENOENT/.test(e.message)) return defaultPolicy(extension);
    throw e;
  }
  if (policy.extension !== extension) throw new PolicyError(path, `is for "${policy.extension}", not "${extension}"`);
  return policy;
}

/** The policies shipped with @nooks/isolation (packages/isolation/policies). */
export const BUILTIN_POLICY_DIR: string = join(import.meta.dirname, '..', 'policies');
