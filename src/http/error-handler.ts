import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorObject, errorBodyOf } from '../contract/mod.js';
import { AppError, type ErrorCode, OverloadedError } from '../errors/app-errors.js';
import type { ErrorReporter } from '../observability/sentry.js';

/** The one table from error code to HTTP status (CONTRACT §1). */
export const STATUS_OF: Readonly<Record<ErrorCode, number>> = {
  validation_error: 422,
  bad_request: 400,
  payload_too_large: 413,
  not_found: 404,
  unauthorized: 401,
  overloaded: 503,
  request_timeout: 408,
  internal_error: 500,
  event_not_found: 404,
  upstream_error: 502,
  upstream_timeout: 504,
  store_unavailable: 503,
  unsupported_media_type: 415,
  headers_too_large: 431,
};

/**
 * Maps whatever was thrown to the contract's code, its HTTP status and a body that never carries a
 * stack: typed errors through the contract's `errorBodyOf`, Fastify's own failures here.
 */
export function toErrorBody(err: unknown): { status: number; body: ErrorObject; retryAfterS?: number } {
  if (err instanceof AppError) {
    return {
      status: STATUS_OF[err.code],
      body: errorBodyOf(err),
      ...(err instanceof OverloadedError ? { retryAfterS: err.retryAfterS } : {}),
    };
  }
  const fe = err as Partial<FastifyError>;
  if (Array.isArray(fe.validation)) {
    // A schema that fastify validated itself (not zod): keep the FastAPI shape anyway.
    const part = partName(fe.validationContext);
    const detail = fe.validation.map((v) => ({
      loc: [
        part,
        ...String(v.instancePath ?? '')
          .split('/')
          .filter(Boolean),
      ],
      msg: v.message ?? 'invalid',
      type: String(v.keyword ?? 'value_error'),
    }));
    return { status: 422, body: { error: 'validation_error', message: 'request validation failed', detail } };
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { error: 'payload_too_large', message: 'request body is too large' } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: { error: 'unsupported_media_type', message: 'send application/json' } };
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status === 413)
    return { status, body: { error: 'payload_too_large', message: 'request body is too large' } };
  if (status === 404) return { status, body: { error: 'not_found', message: 'not found' } };
  if (status >= 400 && status < 500) {
    // Malformed JSON, an empty body with a JSON content type, a bad header: the caller's fault.
    return { status: 400, body: { error: 'bad_request', message: fe.message ?? 'bad request' } };
  }
  return { status: 500, body: errorBodyOf(err) };
}

export function partName(context: string | undefined): string {
  if (context === 'params') return 'path';
  if (context === 'querystring') return 'query';
  return context ?? 'body';
}

export function createErrorHandler(reporter: ErrorReporter) {
  return function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const { status, body, retryAfterS } = toErrorBody(err);
    if (status >= 500 && body.error === 'internal_error') {
      request.log.error({ err }, 'unexpected failure');
      reporter.capture(err);
    } else if (body.error === 'overloaded') {
      // Counted in bandit_overload_rejections_total; a line per refusal would add load when there is
      // already too much.
      request.log.debug({ code: body.error }, 'request refused');
    } else if (status >= 500) {
      request.log.warn({ code: body.error, msg_detail: body.message }, 'request failed');
    }
    if (retryAfterS !== undefined) void reply.header('retry-after', String(retryAfterS));
    void reply.code(status).send(body);
  };
}
