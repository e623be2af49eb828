import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorBody, GenerateRequest, GenerateResponse } from '../../contract/mod.js';
import { OverloadedError } from '../../errors/app-errors.js';
import { ClientGoneError, type TipGenerator } from '../../generate/mod.js';
import { traceIdOf } from '../../observability/trace-context.js';

export interface GenerateRoutesOptions {
  readonly tips: TipGenerator;
  /** GENERATE_MAX_INFLIGHT: gateway calls at once; past it the answer is 503 `overloaded` at once. */
  readonly maxInflight: number;
  readonly retryAfterS: number;
}

export const generateRoutes: FastifyPluginAsync<GenerateRoutesOptions> = async (
  root,
  { tips, maxInflight, retryAfterS },
) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  // Each call holds a socket to the gateway and costs tokens for up to GENERATE_TIMEOUT_MS: no queue,
  // a caller past the cap is told to come back.
  let inflight = 0;
  app.post(
    '/generate',
    {
      schema: {
        tags: ['generate'],
        operationId: 'generateTips',
        summary: 'Tip candidates written by the LLM behind the LiteLLM gateway',
        body: GenerateRequest,
        response: {
          200: GenerateResponse,
          400: ErrorBody,
          413: ErrorBody,
          422: ErrorBody,
          502: ErrorBody,
          503: ErrorBody,
          504: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      if (inflight >= maxInflight) throw new OverloadedError(retryAfterS);
      inflight += 1;
      // The response closing before we answered means the client went away: stop paying for tokens.
      const gone = new AbortController();
      const onClose = () => {
        if (!reply.raw.writableFinished) gone.abort();
      };
      reply.raw.once('close', onClose);
      try {
        const traceparent = request.headers.traceparent;
        return await tips.generate(request.body, {
          signal: gone.signal,
          // Only a well-formed trace context is passed on; anything else stays at our edge.
          traceparent:
            typeof traceparent === 'string' && traceIdOf(traceparent) ? traceparent.trim() : undefined,
        });
      } catch (err) {
        if (!(err instanceof ClientGoneError)) throw err;
        request.log.info({ user_id: request.body.user_id }, 'client went away; gateway call cancelled');
        reply.hijack();
        if (!reply.raw.destroyed) reply.raw.destroy();
        return reply;
      } finally {
        inflight -= 1;
        reply.raw.off('close', onClose);
      }
    },
  );
};
