// Plans come back from files and worker messages as JSON: check every field before use.

import { FaultPlanError } from './errors.js';
import { isFaultType } from './fault-types.js';
import type { FaultType } from './fault-types.js';
import { fromHex } from './plan.js';
import type { Fault, FaultCode, FaultPlan } from './plan.js';

function fail(what: string): never {
  throw new FaultPlanError('INVALID_PLAN', `invalid fault plan: ${what}`);
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${what} is not an object`);
  return v as Record<string, unknown>;
}

function uint(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffff_ffff) fail(`${what} is not an unsigned 32-bit integer`);
  return v;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') fail(`${what} is not a string`);
  return v;
}

function hexOf(v: unknown, what: string, length: number): string {
  const s = str(v, what);
  try {
    if (fromHex(s).length !== length) fail(`${what} has ${fromHex(s).length} bytes, not ${length}`);
  } catch (e) {
    if (e instanceof FaultPlanError && e.code === 'INVALID_PLAN' && e.message.startsWith('invalid fault plan')) throw e;
    fail(`${what} is not hex bytes`);
  }
  return s;
}

function code(v: unknown, what: string, length: number): FaultCode {
  const o = obj(v, what);
  return { bytes: hexOf(o.bytes, `${what}.bytes`, length), text: str(o.text, `${what}.text`) };
}

function fault(v: unknown, i: number): Fault {
  const what = `faults[${i}]`;
  const o = obj(v, what);
  if (!isFaultType(o.type)) fail(`${what}.type ${JSON.stringify(o.type)} is not a fault type`);
  const length = uint(o.length, `${what}.length`);
  if (length < 1 || length > 15) fail(`${what}.length ${length} is not an instruction length`);
  const patch = obj(o.patch, `${what}.patch`);
  if (!Array.isArray(o.relocated) || !o.relocated.every((r) => Number.isInteger(r) && (r as number) >= 0 && (r as number) < length)) fail(`${what}.relocated is not a list of byte indices`);
  return {
    type: o.type,
    offset: uint(o.offset, `${what}.offset`),
    address: uint(o.address, `${what}.address`),
    symbol: str(o.symbol, `${what}.symbol`),
    length,
    before: code(o.before, `${what}.before`, length),
    after: code(o.after, `${what}.after`, length),
    patch: { keep: hexOf(patch.keep, `${what}.patch.keep`, length), xor: hexOf(patch.xor, `${what}.patch.xor`, length) },
    relocated: [...(o.relocated as number[])],
    note: str(o.note, `${what}.note`),
  };
}

/** A FaultPlan from parsed JSON (or a JSON string), checked field by field. */
export function parsePlan(input: unknown): FaultPlan {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (e) {
      fail(`not JSON (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  const o = obj(value, 'the plan');
  if (o.version !== 1) fail(`version ${JSON.stringify(o.version)} is not 1`);
  if (typeof o.seed !== 'number' || !Number.isSafeInteger(o.seed)) fail('seed is not a safe integer');
  if (!Array.isArray(o.types) || !o.types.every(isFaultType)) fail('types is not a list of fault types');
  const sites = obj(o.sites, 'sites');
  const siteCounts: Partial<Record<FaultType, number>> = {};
  for (const [k, n] of Object.entries(sites)) {
    if (!isFaultType(k)) fail(`sites has an unknown type ${k}`);
    siteCounts[k] = uint(n, `sites.${k}`);
  }
  if (!Array.isArray(o.faults)) fail('faults is not an array');
  return {
    version: 1,
    ...(o.module !== undefined ? { module: str(o.module, 'module') } : {}),
    base: uint(o.base, 'base'),
    seed: o.seed,
    types: [...(o.types as FaultType[])],
    sites: siteCounts,
    faults: o.faults.map(fault),
  };
}
