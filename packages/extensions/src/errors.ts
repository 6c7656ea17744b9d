/** The machine has no C compiler that can emit i386 ELF objects. */
export class ToolchainError extends Error {
  readonly code = 'NO_I386_COMPILER';
  override readonly name = 'ToolchainError';
}

/** An extension's C source failed to compile or link. */
export class ExtensionBuildError extends Error {
  readonly code = 'EXTENSION_BUILD_FAILED';
  override readonly name = 'ExtensionBuildError';
  constructor(
    readonly extension: string,
    readonly command: readonly string[],
    readonly output: string,
  ) {
    super(`building extension '${extension}' failed:\n$ ${command.join(' ')}\n${output.trim()}`);
  }
}

/** An extension name that the package does not have. */
export class UnknownExtensionError extends Error {
  readonly code = 'UNKNOWN_EXTENSION';
  override readonly name = 'UnknownExtensionError';
  constructor(
    readonly extension: string,
    readonly known: readonly string[],
  ) {
    super(`unknown extension '${extension}'; known extensions: ${known.join(', ') || '(none built)'}`);
  }
}
