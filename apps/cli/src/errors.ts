// Typed errors of the CLI. A UsageError is the user's to fix (exit 2, with the usage line); a
// CommandFailedError means the command could not do its job (exit 1).

export class UsageError extends Error {
  readonly code = 'NOOKS_USAGE';
  override readonly name = 'UsageError';
}

export class CommandFailedError extends Error {
  readonly code = 'NOOKS_COMMAND_FAILED';
  override readonly name = 'CommandFailedError';
}
