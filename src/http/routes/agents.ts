import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { type AgentRegistry, runInference, UserHistory } from '../../agents/mod.js';
import {
  AgentIdParams,
  AgentInferRequest,
  AgentInferResponse,
  AgentList,
  ErrorBody,
} from '../../contract/mod.js';
import { AppError, ValidationError } from '../../errors/app-errors.js';

export interface AgentRoutesOptions {
  readonly agents: AgentRegistry;
  readonly clock: () => number;
}

export const agentRoutes: FastifyPluginAsync<AgentRoutesOptions> = async (root, { agents, clock }) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/agents',
    {
      schema: {
        tags: ['agents'],
        operationId: 'listAgents',
        summary: 'The registered context-inference agents',
        response: { 200: AgentList },
      },
    },
    () => ({ agents: agents.describe() }),
  );
  app.post(
    '/agents/:agent_id/infer',
    {
      schema: {
        tags: ['agents'],
        operationId: 'inferContext',
        summary: "Infer a user's context parameters from their feedback history",
        params: AgentIdParams,
        body: AgentInferRequest,
        response: { 200: AgentInferResponse, 400: ErrorBody, 404: ErrorBody, 413: ErrorBody, 422: ErrorBody },
      },
      // An unknown agent is a 404 whatever the body holds, so it is checked before the body is.
      onRequest: async (request) => {
        const { agent_id } = request.params as { agent_id: string };
        if (!agents.get(agent_id)) throw new AppError('not_found', `unknown agent "${agent_id}"`);
      },
    },
    async (request) => {
      const agent = agents.get(request.params.agent_id)!;
      const body = request.body;
      const prefs = agent.prefsSchema.safeParse(body.agent_prefs ?? {});
      if (!prefs.success) {
        throw new ValidationError(
          prefs.error.issues.map((i) => ({
            loc: ['body', 'agent_prefs', ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
            msg: i.message,
            type: i.code,
          })),
        );
      }
      const now = body.now !== undefined ? Date.parse(body.now) : clock();
      const history = new UserHistory(
        body.history.map((e) => ({ ts: Date.parse(e.ts), kind: e.kind })),
        now,
      );
      return runInference(
        agent,
        { userId: body.user_id, history, prefs: prefs.data, timezone: body.timezone ?? 'UTC', now },
        request.log as Logger,
      );
    },
  );
};
