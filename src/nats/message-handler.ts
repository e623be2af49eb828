import { AppError } from '../errors/app-errors.js';

/**
 * Applies one message's effect and resolves once it is persisted, with a word for the log line
 * (`applied`, `duplicate`, `stale`, …); throws when the message must be retried or dead-lettered.
 */
export type MessageHandler = (subject: string, data: Uint8Array) => Promise<string>;

/**
 * A message that no redelivery can fix (a payload that fails validation, an unknown policy): it goes to
 * the dead-letter stream at its first failure instead of being retried NATS_MAX_DELIVER times.
 */
export class PermanentMessageError extends Error {
  override name = 'PermanentMessageError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Whether retrying `err` is pointless: our own permanent errors, and a reward the HTTP path would 422. */
export function isPermanent(err: unknown): boolean {
  return err instanceof PermanentMessageError || (err instanceof AppError && err.code === 'validation_error');
}

/** The error as the dead letter's `Oo-Error` header states it: `code: message` for permanent ones. */
export function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof PermanentMessageError || err instanceof AppError) return `${err.code}: ${message}`;
  return message;
}
