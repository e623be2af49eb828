/**
 * The wire contract (CONTRACT.md): request and response shapes as zod schemas, FastAPI-style validation
 * detail, and the error object. Knows no transport: HTTP routes, NATS subjects and the batch CLI all
 * speak it. Import from here, not from the files inside.
 */
export * from './error-body.js';
export * from './schemas/agents.js';
export * from './schemas/common.js';
export * from './schemas/evaluation.js';
export * from './schemas/generate.js';
export * from './schemas/inspect.js';
export * from './schemas/live.js';
export * from './schemas/recommend.js';
export * from './schemas/reward.js';
export * from './schemas/score.js';
export * from './schemas/score-batch.js';
export * from './validation.js';
