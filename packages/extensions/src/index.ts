import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { discoverTargets } from './build.js';
import { UnknownExtensionError } from './errors.js';
import { EXTENSION_OBJECT_DIR, EXTENSION_SOURCE_DIR } from './paths.js';

export { buildAll, buildTarget, discoverTargets } from './build.js';
export type { BuildResult, ExtensionTarget } from './build.js';
export { ExtensionBuildError, ToolchainError, UnknownExtensionError } from './errors.js';
export { EXTENSION_CFLAGS, findCompiler, isI386RelocatableObject } from './toolchain.js';
export type { Compiler } from './toolchain.js';
export { EXTENSION_OBJECT_DIR, EXTENSION_SOURCE_DIR };

/** Names of the built objects (extensions and their variants), sorted. */
export function listExtensions(): string[] {
  if (!existsSync(EXTENSION_OBJECT_DIR)) return [];
  return readdirSync(EXTENSION_OBJECT_DIR)
    .filter((f) => f.endsWith('.o'))
    .map((f) => f.slice(0, -2))
    .sort();
}

/** Every build target the sources define, built or not (name, extension, defines, description). */
export function listTargets(): ReturnType<typeof discoverTargets> {
  return discoverTargets(EXTENSION_SOURCE_DIR);
}

/** Path of the ELF32 relocatable object of `name`; throws UnknownExtensionError if it is not built. */
export function extensionObjectPath(name: string): string {
  const path = join(EXTENSION_OBJECT_DIR, `${name}.o`);
  if (!existsSync(path)) throw new UnknownExtensionError(name, listExtensions());
  return path;
}
