// Plans: `count` faults chosen from a seed. A type is drawn uniformly among the requested types
// that still have a free site, then a site uniformly among that type's; no two faults touch the
// same instruction. Places are kept as offsets from the image's base, so a plan made on one
// load (or on the object itself) applies to another load of the same object.

import { disassembleBytes } from '@nooks/x86';
import { scanImage } from './code-scan.js';
import type { CodeScan } from './code-scan.js';
import { FaultPlanError } from './errors.js';
import { FAULT_TYPES, UNSUPPORTED_FAULT_TYPES, isFaultType } from './fault-types.js';
import type { FaultType } from './fault-types.js';
import { Prng } from './prng.js';
import { findSites } from './sites.js';
import type { Site } from './sites.js';
import type { CodeReader, FaultImage } from './target.js';

/** Bytes as objdump prints them ("e8 fc ff ff ff") and their AT&T disassembly ("; " between instructions). */
export interface FaultCode {
  readonly bytes: string;
  readonly text: string;
}

export interface Fault {
  readonly type: FaultType;
  /** Offset of the instruction from the image base (what applyFaults uses). */
  readonly offset: number;
  /** Address at planning time (base + offset). */
  readonly address: number;
  /** `function+0xoff` of the instruction. */
  readonly symbol: string;
  readonly length: number;
  readonly before: FaultCode;
  readonly after: FaultCode;
  /** after = (before & keep) ^ xor, byte by byte (hex strings like `bytes`). */
  readonly patch: { readonly keep: string; readonly xor: string };
  /** Indices of the instruction's bytes the loader relocates: not compared when applying. */
  readonly relocated: readonly number[];
  readonly note: string;
}

export interface FaultPlan {
  readonly version: 1;
  readonly module?: string;
  /** Image base the plan was made at (addresses in the faults are base + offset). */
  readonly base: number;
  readonly seed: number;
  readonly types: readonly FaultType[];
  /** Number of sites of each requested type in the image. */
  readonly sites: Readonly<Partial<Record<FaultType, number>>>;
  readonly faults: readonly Fault[];
}

export interface PlanOptions {
  readonly image: FaultImage;
  /** Reads the image's code (live memory of a loaded module, or imageFromElf's memory). */
  readonly memory: CodeReader;
  /** Any safe integer. */
  readonly seed: number;
  /** Number of faults (default 5, as in the paper). */
  readonly count?: number;
  /** Types to draw from (default: all). */
  readonly types?: readonly string[];
}

export function toHex(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (b) => (b & 0xff).toString(16).padStart(2, '0')).join(' ');
}

export function fromHex(text: string): Uint8Array {
  const parts = text.trim() === '' ? [] : text.trim().split(/\s+/);
  const out = new Uint8Array(parts.length);
  parts.forEach((p, i) => {
    if (!/^[0-9a-f]{2}$/i.test(p)) throw new FaultPlanError('INVALID_PLAN', `"${p}" in "${text}" is not a hex byte`);
    out[i] = parseInt(p, 16);
  });
  return out;
}

/** Disassembly of `bytes` at `address`, instructions joined by "; ". */
export function disassembleText(bytes: Uint8Array, address: number, symbolize?: (a: number) => string | undefined): string {
  return disassembleBytes(bytes, address, symbolize ? { symbolize } : undefined).map((l) => l.text.replace(/\s+/, ' ')).join('; ');
}

function validateTypes(types: readonly string[] | undefined): FaultType[] {
  if (types === undefined) return [...FAULT_TYPES];
  if (!Array.isArray(types) || types.length === 0) throw new FaultPlanError('INVALID_OPTIONS', 'types must be a non-empty array of fault type names');
  const out: FaultType[] = [];
  for (const t of types) {
    if (typeof t === 'string' && UNSUPPORTED_FAULT_TYPES[t] !== undefined) {
      throw new FaultPlanError('UNKNOWN_FAULT_TYPE', `fault type "${t}" is not supported: ${UNSUPPORTED_FAULT_TYPES[t]}`);
    }
    if (!isFaultType(t)) throw new FaultPlanError('UNKNOWN_FAULT_TYPE', `unknown fault type ${JSON.stringify(t)}; known types: ${FAULT_TYPES.join(', ')}`);
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

function validateSeed(seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) throw new FaultPlanError('INVALID_SEED', `seed must be a safe integer, got ${String(seed)}`);
  return seed;
}

function validateCount(count: unknown): number {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) throw new FaultPlanError('INVALID_COUNT', `count must be an integer >= 1, got ${String(count)}`);
  return count;
}

/** Sites of every type in the image, for inspection (planFaults draws from these). */
export function faultSites(image: FaultImage, memory: CodeReader): Map<FaultType, Site[]> {
  return findSites(scanImage(image, memory));
}

/** Number of sites of each type in the image. */
export function countSites(image: FaultImage, memory: CodeReader): Record<FaultType, number> {
  const sites = faultSites(image, memory);
  return Object.fromEntries(FAULT_TYPES.map((t) => [t, sites.get(t)?.length ?? 0])) as Record<FaultType, number>;
}

export function planFaults(options: PlanOptions): FaultPlan {
  const seed = validateSeed(options.seed);
  const count = validateCount(options.count ?? 5);
  const types = validateTypes(options.types);
  const { image, memory } = options;
  const scan = scanImage(image, memory);
  const all = findSites(scan);
  const sites: Partial<Record<FaultType, number>> = {};
  for (const t of types) sites[t] = all.get(t)?.length ?? 0;
  const rng = new Prng(seed);
  const used = new Set<number>();
  const faults: Fault[] = [];
  for (let k = 0; k < count; k++) {
    const free = (t: FaultType): Site[] => (all.get(t) ?? []).filter((s) => !used.has(s.at.address));
    const open = types.filter((t) => free(t).length > 0);
    if (open.length === 0) {
      const have = types.map((t) => `${t}: ${sites[t] ?? 0}`).join(', ');
      throw new FaultPlanError('NO_SITES', `cannot place ${count} fault${count > 1 ? 's' : ''} on distinct instructions of ${image.name ?? 'the image'} (placed ${k}; sites ${have})`);
    }
    const type = rng.pick(open);
    const site = rng.pick(free(type));
    used.add(site.at.address);
    faults.push(makeFault(scan, site, rng));
  }
  return { version: 1, ...(image.name !== undefined ? { module: image.name } : {}), base: image.base >>> 0, seed, types, sites, faults };
}

function makeFault(scan: CodeScan, site: Site, rng: Prng): Fault {
  const { at } = site;
  const m = site.mutate(rng);
  const before = at.bytes;
  const after = before.map((b, i) => (b & (m.keep[i] as number)) ^ (m.xor[i] as number));
  const callee = scan.callee(at);
  const symbolizeBefore = (a: number): string | undefined => (callee ? callee.name : scan.symbolize(a));
  return {
    type: site.type,
    offset: (at.address - scan.image.base) >>> 0,
    address: at.address,
    symbol: scan.symbolize(at.address) ?? `0x${at.address.toString(16)}`,
    length: before.length,
    before: { bytes: toHex(before), text: disassembleText(before, at.address, symbolizeBefore) },
    after: { bytes: toHex(after), text: disassembleText(after, at.address, scan.symbolize) },
    patch: { keep: toHex(m.keep), xor: toHex(m.xor) },
    relocated: scan.relocatedBytes(at.address, before.length),
    note: m.note,
  };
}

/** One line: type, place, code before -> after, and what it means. */
export function describeFault(f: Fault): string {
  return `${f.type} at ${f.symbol} (0x${f.address.toString(16)}): ${f.before.text} -> ${f.after.text} [${f.note}]`;
}
