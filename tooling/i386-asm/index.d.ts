export interface Program {
  /** Linear (and, identity-mapped, physical) address of the first byte. */
  readonly origin: number;
  readonly bytes: Uint8Array;
  readonly symbols: ReadonlyMap<string, number>;
  /** Address of a label; throws for an unknown one (a typo should not read as address 0). */
  sym(name: string): number;
}

/**
 * Assembles AT&T-syntax 32-bit code (everything in .text) with `as --32`, linked at `origin`;
 * returns the flat image and the address of every label. Cached per (source, origin).
 */
export declare function assemble(source: string, origin: number): Program;
