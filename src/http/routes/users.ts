import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorBody, FeaturesResponse, ResetResponse, UserIdParams } from '../../contract/mod.js';
import { AppError } from '../../errors/app-errors.js';
import type { BanditService } from '../../scoring/bandit-service.js';

export interface UserRoutesOptions {
  readonly bandit: BanditService;
  /** Empty: /reset is open (local development). */
  readonly adminToken: string;
}

/** Compares digests, so neither the token's content nor its length leaks through timing. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]!), digest(token));
}

export const userRoutes: FastifyPluginAsync<UserRoutesOptions> = async (root, { bandit, adminToken }) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/features/:user_id',
    {
      schema: {
        tags: ['users'],
        operationId: 'getFeatures',
        summary: 'The last 100 vectors scored for the user, oldest first',
        params: UserIdParams,
        response: { 200: FeaturesResponse, 422: ErrorBody },
      },
    },
    (request) => ({ user_id: request.params.user_id, items: [...bandit.features(request.params.user_id)] }),
  );
  app.post(
    '/reset/:user_id',
    {
      schema: {
        tags: ['admin'],
        operationId: 'resetUser',
        security: [{ adminBearer: [] }],
        summary: "Remove all of a user's state (admin)",
        params: UserIdParams,
        response: { 200: ResetResponse, 401: ErrorBody, 422: ErrorBody },
      },
      onRequest: async (request) => {
        if (adminToken !== '' && !bearerMatches(request.headers.authorization, adminToken)) {
          throw new AppError('unauthorized', 'a valid admin bearer token is required');
        }
      },
    },
    async (request) => {
      await bandit.reset(request.params.user_id);
      return { user_id: request.params.user_id, reset: true as const };
    },
  );
};
