import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { type HealthResponse, HealthResponse as HealthSchema, ReadyResponse } from '../../contract/mod.js';
import type { AdmissionHooks } from '../concurrency-limiter.js';

export const healthRoutes: FastifyPluginAsync<{
  health: () => Promise<HealthResponse>;
  /** The probes' own small admission pool. */
  admission?: AdmissionHooks;
}> = async (root, opts) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/health',
    {
      ...opts.admission,
      schema: {
        tags: ['ops'],
        operationId: 'getHealth',
        summary: 'Liveness, consumers, scorer and state backend',
        response: { 200: HealthSchema },
      },
    },
    () => opts.health(),
  );
};

/**
 * GET /ready: 200 `{ ready: true }`, or 503 `{ ready: false, reasons }` naming what is wrong. A plain
 * route in the probes' admission pool, beside /health.
 */
export const readyRoutes: FastifyPluginAsync<{
  notReady: () => Promise<string[]>;
  /** The probes' own small admission pool (shared with /health and /metrics). */
  admission?: AdmissionHooks;
}> = async (root, opts) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/ready',
    {
      ...opts.admission,
      schema: {
        tags: ['ops'],
        operationId: 'getReady',
        summary: 'Readiness: state store reachable; with NATS_URL, connected and both consumers running',
        response: { 200: ReadyResponse, 503: ReadyResponse },
      },
    },
    async (_request, reply) => {
      const reasons = await opts.notReady();
      if (reasons.length === 0) return { ready: true };
      return reply.code(503).send({ ready: false, reasons });
    },
  );
};
