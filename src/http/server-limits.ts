import type { ServerOptions } from 'node:http';
import type { Config } from '../config/env.js';

/**
 * Time limits on reading a request, enforced by Node's HTTP server (fastify's own default, 0, turns
 * its request limit off, and a client that sends headers and then nothing would hold its socket for
 * ever):
 *
 * - headers: HEADERS_TIMEOUT_MS from the request's first byte (a fresh connection that sends nothing
 *   counts from its accept);
 * - whole request, headers and body: REQUEST_TIMEOUT_MS from its first byte. This is what bounds a
 *   body that trickles in or a `Content-Length` larger than what is sent;
 * - idle keep-alive between requests: KEEP_ALIVE_TIMEOUT_MS (then closed without an answer: there is
 *   no request to answer).
 *
 * Node checks the first two every `connectionsCheckingInterval` ms (30 s by default); it is set to a
 * quarter of the shorter limit, at most 1 s, so a limit is kept within about 25%.
 */
export function serverTimeouts(config: Config): {
  requestTimeout: number;
  keepAliveTimeout: number;
  http: ServerOptions;
} {
  const checkMs = Math.max(
    10,
    Math.min(1000, Math.floor(Math.min(config.HEADERS_TIMEOUT_MS, config.REQUEST_TIMEOUT_MS) / 4)),
  );
  return {
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    // A client pool that reuses an idle socket just as the server closes it gets "other side closed";
    // outliving the pools' own idle timeouts (Go 90 s, nginx 75 s, AWS ALB 60 s) leaves them to close.
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    http: {
      headersTimeout: config.HEADERS_TIMEOUT_MS,
      requestTimeout: config.REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: checkMs,
    },
  };
}
