import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  ErrorBody,
  RewardRequest,
  RewardResponse,
  ScoreBatchRequest,
  ScoreBatchResponse,
  ScoreRequest,
  ScoreRequestWithProfile,
  ScoreResponse,
  StatsResponse,
  scoreRequestRefinementsHold,
  UserIdParams,
} from '../../contract/mod.js';
import { ALL_POLICIES, POLICIES } from '../../policies/mod.js';
import type { BanditService } from '../../scoring/bandit-service.js';
import { scoreBatch } from '../../scoring/batch-scoring.js';
import type { CompiledValidation } from '../compiled-validator.js';
import type { AdmissionHooks } from '../concurrency-limiter.js';
import { stringifyInSlices } from '../sliced-json.js';

const errors = {
  400: ErrorBody,
  404: ErrorBody,
  413: ErrorBody,
  422: ErrorBody,
  500: ErrorBody,
  503: ErrorBody,
};

/** `egreedy_v2` → `EgreedyV2`, for operationIds (`scoreEgreedyV2`). */
const pascal = (name: string) =>
  name
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

export interface ScoringRoutesOptions {
  readonly bandit: BanditService;
  /** The same use cases on the batch path's scorer. */
  readonly batchBandit: BanditService;
  readonly batchBodyLimit: number;
  /** Bounded admission in front of the work; past it the answer is 503 `overloaded`. */
  readonly scoreAdmission: AdmissionHooks;
  readonly rewardAdmission: AdmissionHooks;
  /** Compiles the hot routes' bodies (`/score*`) to ajv validators derived from their zod schemas. */
  readonly validation: CompiledValidation;
}

/** `/score`, `/reward` and `/stats`, once per policy, under the policy's route suffix (CONTRACT §4). */
export const scoringRoutes: FastifyPluginAsync<ScoringRoutesOptions> = async (
  root,
  {
    bandit,
    batchBandit,
    batchBodyLimit,
    scoreAdmission: admitScore,
    rewardAdmission: admitReward,
    validation,
  },
) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const compiledScoreBody = validation.compiler(scoreRequestRefinementsHold);
  app.post(
    '/score/batch',
    {
      bodyLimit: batchBodyLimit,
      ...admitScore,
      schema: {
        tags: ['batch'],
        operationId: 'scoreBatch',
        summary: 'Score up to 10,000 requests with one policy; results in order, per-item errors',
        body: ScoreBatchRequest,
        response: { 200: ScoreBatchResponse, ...errors },
      },
    },
    async (request, reply) => {
      const results = await scoreBatch(
        batchBandit,
        POLICIES[request.body.policy],
        request.body.requests,
        (i) => ['body', 'requests', i],
      );
      // Serialized in slices (a string is sent as it is): the answer can be tens of MiB. The typed reply
      // only knows the object form of this body.
      const body = await stringifyInSlices('results', results);
      return (reply as FastifyReply).type('application/json; charset=utf-8').send(body);
    },
  );
  for (const spec of ALL_POLICIES) {
    const tags = [spec.name];
    app.post(
      `/score${spec.routeSuffix}`,
      {
        ...admitScore,
        validatorCompiler: compiledScoreBody,
        schema: {
          tags,
          operationId: `score${pascal(spec.name)}`,
          summary: `Rank candidates with ${spec.name} (d=${spec.d})`,
          body: spec.needsProfile ? ScoreRequestWithProfile : ScoreRequest,
          response: { 200: ScoreResponse, ...errors },
        },
      },
      (request) => bandit.score(spec, request.body),
    );
    app.post(
      `/reward${spec.routeSuffix}`,
      {
        ...admitReward,
        schema: {
          tags,
          operationId: `reward${pascal(spec.name)}`,
          summary: `Learn from a reward (${spec.name}); answers once the update is durable`,
          body: RewardRequest,
          response: { 200: RewardResponse, ...errors },
        },
      },
      (request) => bandit.reward(spec, request.body),
    );
    app.get(
      `/stats${spec.routeSuffix}/:user_id`,
      {
        schema: {
          tags,
          operationId: `getStats${pascal(spec.name)}`,
          summary: `A user's ${spec.name} state`,
          params: UserIdParams,
          response: { 200: StatsResponse, 422: ErrorBody },
        },
      },
      (request) => bandit.stats(spec, request.params.user_id),
    );
  }
};
