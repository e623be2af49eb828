import type { FastifyPluginAsync } from 'fastify';
import type { ServiceMetrics } from '../../observability/metrics.js';
import type { AdmissionHooks } from '../concurrency-limiter.js';

/** `/metrics` in the Prometheus text format, from the app's own registry. */
export const opsRoutes: FastifyPluginAsync<{ metrics: ServiceMetrics; admission?: AdmissionHooks }> = async (
  app,
  { metrics, admission },
) => {
  app.get(
    '/metrics',
    {
      ...admission,
      schema: {
        tags: ['ops'],
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
