import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ServiceMetrics } from '../../observability/metrics.js';

/**
 * Times every request into `bandit_http_request_seconds`, labelled by the route pattern
 * (`/stats/:user_id`, never the raw URL, so user ids do not explode the series count); requests that
 * matched no route share the label `unmatched`.
 */
export const requestMetrics = fp(
  async (app: FastifyInstance, opts: { metrics: ServiceMetrics }) => {
    app.addHook('onResponse', (request, reply, done) => {
      opts.metrics.observeRequest(
        request.method,
        request.routeOptions.url ?? 'unmatched',
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
      done();
    });
  },
  { name: 'request-metrics' },
);
