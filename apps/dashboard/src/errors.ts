// Every failed request answers `{ error: { code, message } }` with a 4xx (the caller's fault) or
// a 5xx (ours). ApiError carries the status and a stable code; the message says what was wrong
// and, where it helps, what to send instead.

import type { ZodError } from 'zod';

export type ApiErrorCode =
  | 'BAD_REQUEST'
  | 'BAD_JSON'
  | 'NOT_FOUND'
  | 'UNKNOWN_CAMPAIGN'
  | 'UNKNOWN_TRIAL'
  | 'UNKNOWN_LIVE_SYSTEM'
  | 'BAD_CONFIG'
  | 'CONFLICT'
  | 'TOO_MANY_LIVE_SYSTEMS'
  | 'NO_STORE'
  | 'INTERNAL';

export type ApiErrorStatus = 400 | 404 | 409 | 415 | 429 | 500 | 503;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: ApiErrorStatus,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ErrorBody {
  readonly error: { readonly code: ApiErrorCode; readonly message: string };
}

export function errorBody(code: ApiErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

/** The problems, `path: what` (zod's issues; unknown keys named), separated by semicolons. */
export function describeZodError(error: ZodError): string {
  return error.issues
    .map((i) => {
      const got = i.code === 'unrecognized_keys' ? ` (got ${i.keys.map((k) => JSON.stringify(k)).join(', ')})` : '';
      return i.path.length > 0 ? `${i.path.map(String).join('.')}: ${i.message}${got}` : `${i.message}${got}`;
    })
    .join('; ');
}
