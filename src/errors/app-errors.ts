/**
 * Errors the service raises on purpose, each with the contract's stable code (CONTRACT §1). Their HTTP
 * status lives in one table, `http/error-handler.ts`. A NATS consumer dead-letters a `validation_error`
 * at its first delivery (nats/message-handler.ts `isPermanent`) and naks any other error for redelivery
 * until NATS_MAX_DELIVER, then dead-letters it (nats/consume-loop.ts).
 */
export type ErrorCode =
  | 'validation_error'
  | 'bad_request'
  | 'payload_too_large'
  | 'not_found'
  | 'unauthorized'
  | 'overloaded'
  | 'request_timeout'
  | 'internal_error'
  | 'event_not_found'
  | 'upstream_error'
  | 'upstream_timeout'
  | 'store_unavailable'
  | 'unsupported_media_type'
  | 'headers_too_large';

export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: ValidationIssue[],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

export class ValidationError extends AppError {
  constructor(detail: ValidationIssue[], message = 'request validation failed') {
    super('validation_error', message, detail);
    this.name = 'ValidationError';
  }

  static at(loc: (string | number)[], msg: string, type = 'value_error'): ValidationError {
    return new ValidationError([{ loc, msg, type }], msg);
  }
}

export class EventNotFoundError extends AppError {
  constructor(eventId: string) {
    super('event_not_found', `event ${eventId} is unknown or outside the reward window`);
    this.name = 'EventNotFoundError';
  }
}

export class OverloadedError extends AppError {
  constructor(readonly retryAfterS = 1) {
    super('overloaded', 'the service is overloaded, retry later');
    this.name = 'OverloadedError';
  }
}

export class StoreUnavailableError extends AppError {
  constructor(cause?: unknown) {
    super('store_unavailable', 'the state store is unavailable', undefined, { cause });
    this.name = 'StoreUnavailableError';
  }
}

/** The LiteLLM gateway failed, or answered something that holds no usable reply. */
export class UpstreamError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('upstream_error', message, undefined, { cause });
    this.name = 'UpstreamError';
  }
}

export class UpstreamTimeoutError extends AppError {
  constructor(timeoutMs: number) {
    super('upstream_timeout', `the gateway did not answer within ${timeoutMs} ms`);
    this.name = 'UpstreamTimeoutError';
  }
}
