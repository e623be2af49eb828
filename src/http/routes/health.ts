import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AdmissionHooks } from '../concurrency-limiter.js';
import { type HealthResponse, HealthResponse as HealthSchema } from '../schemas/inspect.js';

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
        summary: 'Liveness, consumers, scorer and state backend',
        response: { 200: HealthSchema },
      },
    },
    () => opts.health(),
  );
};
