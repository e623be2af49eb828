import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import type { ErrorCode } from '../errors/app-errors.js';
import type { ServiceMetrics } from '../observability/metrics.js';
import { STATUS_OF } from './error-handler.js';

const REASON: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/** Which contract answer a Node `clientError` gets. */
export function clientErrorAnswer(code: string | undefined): { error: ErrorCode; message: string } {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ERR_HTTP_HEADERS_TIMEOUT') {
    return { error: 'request_timeout', message: 'the request did not arrive in time' };
  }
  if (code === 'HPE_HEADER_OVERFLOW') {
    return { error: 'headers_too_large', message: 'the request headers are too large' };
  }
  return { error: 'bad_request', message: 'malformed HTTP request' };
}

/**
 * Fastify's `clientErrorHandler`: Node found the connection unusable before a request existed (headers
 * too large, a malformed request line, a timeout). Answers the contract's `{ error, message }` body
 * instead of Fastify's own, counts it, and closes the socket as Node would.
 */
export function answerClientError(
  err: NodeJS.ErrnoException,
  socket: Socket,
  log: FastifyBaseLogger,
  metrics: ServiceMetrics,
): void {
  // A reset connection has nobody to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const { error, message } = clientErrorAnswer(err.code);
  const status = STATUS_OF[error];
  metrics.clientError(status);
  log.debug({ code: err.code, status }, 'client error');
  // As Node does: never write a raw response into one already under way (it would corrupt it).
  if (socket.writable && !responseStarted(socket)) {
    const body = JSON.stringify({ error, message });
    socket.write(
      `HTTP/1.1 ${status} ${REASON[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

function responseStarted(socket: Socket): boolean {
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  return Boolean(inFlight?.headersSent);
}
