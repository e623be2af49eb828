import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  ErrorBody,
  EvaluationQuery,
  EvaluationResponse,
  RecommendResponse,
  ScoreRequest,
  SERIES_BUCKET_MS,
  scoreRequestRefinementsHold,
} from '../../contract/mod.js';
import { ValidationError } from '../../errors/app-errors.js';
import { evaluateLog } from '../../evaluation/mod.js';
import type { PolicyName } from '../../policies/mod.js';
import type { RecommendService } from '../../scoring/recommend-service.js';
import type { CompiledValidation } from '../compiled-validator.js';
import type { AdmissionHooks } from '../concurrency-limiter.js';

export interface RecommendRoutesOptions {
  readonly recommender: RecommendService;
  /** `{STATE_DIR}/decisions`. */
  readonly logDir: string;
  readonly windowMs: number;
  /** Rows shown even when the window holds no decision: the active policy and the shadows. */
  readonly policies: readonly PolicyName[];
  readonly clock: () => number;
  /** DECISION_LOG: when off, /evaluation says so (its window is empty). */
  readonly decisionLog: boolean;
  /** The scoring pool's bounded admission (a recommendation is scoring work): 503 `overloaded` past it. */
  readonly scoreAdmission?: AdmissionHooks;
  /** Compiles the body's check to an ajv validator derived from the zod schema; zod alone when absent. */
  readonly validation?: CompiledValidation;
}

const DEFAULT_SPAN_MS = 7 * 86_400_000;

/** `POST /recommend` and `GET /evaluation` (CONTRACT §4). */
export const recommendRoutes: FastifyPluginAsync<RecommendRoutesOptions> = async (root, opts) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/recommend',
    {
      ...opts.scoreAdmission,
      ...(opts.validation
        ? { validatorCompiler: opts.validation.compiler(scoreRequestRefinementsHold) }
        : {}),
      schema: {
        tags: ['evaluation'],
        operationId: 'recommend',
        summary: 'The active policy decides; shadow policies score, learn and are logged for evaluation',
        body: ScoreRequest,
        response: {
          200: RecommendResponse,
          400: ErrorBody,
          413: ErrorBody,
          422: ErrorBody,
          500: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    (request) => opts.recommender.recommend(request.body),
  );
  app.get(
    '/evaluation',
    {
      schema: {
        tags: ['evaluation'],
        operationId: 'getEvaluation',
        summary: 'IPS, SNIPS and DR estimates of the logging policy and each shadow over the decision log',
        querystring: EvaluationQuery,
        response: { 200: EvaluationResponse, 422: ErrorBody },
      },
    },
    async (request): Promise<EvaluationResponse> => {
      const now = opts.clock();
      const toMs = request.query.to === undefined ? now : Date.parse(request.query.to);
      const fromMs =
        request.query.from === undefined ? toMs - DEFAULT_SPAN_MS : Date.parse(request.query.from);
      if (fromMs > toMs) throw ValidationError.at(['query', 'from'], '`from` is after `to`');
      const r = await evaluateLog(opts.logDir, {
        fromMs,
        toMs,
        windowMs: opts.windowMs,
        nowMs: now,
        policies: opts.policies,
        bucketMs: SERIES_BUCKET_MS[request.query.bucket],
      });
      return {
        from: r.from,
        to: r.to,
        policies: r.rows,
        decisions: r.decisions,
        rewarded: r.rewarded,
        awaiting_reward: r.awaiting_reward,
        skipped_lines: r.skipped_lines,
        decision_log: opts.decisionLog,
        series_bucket: request.query.bucket,
        series: r.series.map(({ startMs, ...point }) => ({
          start: new Date(startMs).toISOString(),
          ...point,
        })),
      };
    },
  );
};
