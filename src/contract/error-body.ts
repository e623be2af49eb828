import { AppError, type ErrorCode, type ValidationIssue } from '../errors/app-errors.js';

/** The contract's error object (CONTRACT §1), whatever carries it (typed by code; the zod `ErrorBody` in schemas/common.ts documents it in OpenAPI): an HTTP body, a batch item. */
export interface ErrorObject {
  error: ErrorCode;
  message: string;
  detail?: ValidationIssue[];
}

/**
 * What a caller is told about a failure: a typed error keeps its code, message and detail; anything
 * else is an internal error whose message (and stack) stays in the logs. Transports add their own
 * failures (a framework's parse errors) before falling back to this.
 */
export function errorBodyOf(err: unknown): ErrorObject {
  if (err instanceof AppError) {
    const body: ErrorObject = { error: err.code, message: err.message };
    if (err.detail) body.detail = err.detail;
    return body;
  }
  return { error: 'internal_error', message: 'internal error' };
}
