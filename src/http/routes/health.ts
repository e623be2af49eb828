import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { type HealthResponse, HealthResponse as HealthSchema } from '../schemas/inspect.js';

export const healthRoutes: FastifyPluginAsync<{ health: () => Promise<HealthResponse> }> = async (
  root,
  opts,
) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/health',
    {
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
