import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { LiveResponse } from '../../contract/mod.js';
import type { ServiceMetrics } from '../../observability/metrics.js';
import type { AdmissionHooks } from '../concurrency-limiter.js';

export interface OpsRoutesOptions {
  readonly metrics: ServiceMetrics;
  /** What the live figures name besides the rates: backends and switches, fixed at start. */
  readonly setup: Omit<LiveResponse, 'window_s' | 'per_second' | 'p99_ms'>;
  /** The probes' own small admission pool. */
  readonly admission?: AdmissionHooks;
}

/** `/metrics` in the Prometheus text format, from the app's own registry, and its live digest as JSON. */
export const opsRoutes: FastifyPluginAsync<OpsRoutesOptions> = async (
  root,
  { metrics, setup, admission },
) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/metrics',
    {
      ...admission,
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
  app.get(
    '/metrics/live',
    {
      schema: {
        tags: ['ops'],
        operationId: 'getLiveMetrics',
        summary: 'Scores and rewards per second and their p99 over the last minute, and the backends in use',
        response: { 200: LiveResponse },
      },
    },
    (): LiveResponse => {
      const f = metrics.live.figures();
      return { window_s: f.seconds, per_second: f.perSecond, p99_ms: f.p99Ms, ...setup };
    },
  );
};
