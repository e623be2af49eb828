import { AsyncResource } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { type TraceStore, traceIdOf } from '../../observability/trace-context.js';

declare module 'fastify' {
  interface FastifyRequest {
    traceScope?: AsyncResource;
  }
}

/**
 * Puts each request's trace_id (from `traceparent`) or request id into the app's AsyncLocalStorage, so
 * that every log line written while handling it carries it. Body parsing runs on socket events, which
 * lose the context; re-entering it in preValidation (as @fastify/request-context does) restores it.
 */
export const requestContext = fp(
  async (app: FastifyInstance, opts: { traces: TraceStore }) => {
    app.addHook('onRequest', (request, _reply, done) => {
      const traceId = traceIdOf(request.headers.traceparent);
      opts.traces.run(traceId ? { trace_id: traceId } : { reqId: request.id }, () => {
        request.traceScope = new AsyncResource('oo-bandit-request');
        done();
      });
    });
    app.addHook('preValidation', (request, _reply, done) => {
      if (request.traceScope) request.traceScope.runInAsyncScope(done, request.raw);
      else done();
    });
  },
  { name: 'request-context' },
);
