import type { FastifyPluginAsync } from 'fastify';
import type { ServiceMetrics } from '../../observability/metrics.js';

/** `/metrics` in the Prometheus text format, from the app's own registry. */
export const opsRoutes: FastifyPluginAsync<{ metrics: ServiceMetrics }> = async (app, { metrics }) => {
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['ops'],
        operationId: 'getMetrics',
        summary: 'Prometheus metrics: request latency per route, kernel batches, backend, consumers',
        produces: ['text/plain'],
      },
    },
    async (_request, reply) => {
      const text = await metrics.render();
      return reply.type(metrics.contentType).send(text);
    },
  );
};
