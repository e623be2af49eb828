import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { finishDocument } from '../openapi-document.js';

/**
 * The OpenAPI 3 document, generated from the routes' zod schemas (the same ones that validate), at
 * `/docs/json`, and a browsable Swagger UI at `/docs`. Must be registered before the routes it describes.
 */
export const apiDocs = fp(
  async (app: FastifyInstance, opts: { version: string }) => {
    await app.register(swagger, {
      openapi: {
        info: {
          title: 'oo-bandit-scorer',
          description:
            'Per-user contextual bandits (LinUCB, epsilon-greedy) with online learning. Wire contract: CONTRACT.md.',
          version: opts.version,
          license: { name: 'Proprietary' },
        },
        servers: [
          {
            url: 'http://localhost:{port}',
            description: 'The service as `npm start` runs it (PORT, HOST)',
            variables: { port: { default: '8000' } },
          },
        ],
        components: {
          securitySchemes: {
            adminBearer: {
              type: 'http',
              scheme: 'bearer',
              description: 'ADMIN_TOKEN; when it is unset (development only), /reset is open',
            },
          },
        },
      },
      transform: jsonSchemaTransform,
      transformObject: (document) =>
        finishDocument(jsonSchemaTransformObject(document) as Record<string, unknown>) as ReturnType<
          typeof jsonSchemaTransformObject
        >,
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'api-docs' },
);
