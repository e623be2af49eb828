import pino, { type DestinationStream, type Logger } from 'pino';
import type { TraceStore } from './trace-context.js';

/** Marks a child logger that already carries the request's ids as bindings, so the mixin adds nothing. */
export const BOUND_TO_REQUEST = Symbol('bound-to-request');

export interface LoggerOptions {
  readonly level: string;
  readonly traces: TraceStore;
  /** Where lines go; stdout when omitted. Tests pass a stream they read back. */
  readonly destination?: DestinationStream;
}

/** JSON lines; every line written inside a request or message carries its trace_id or request id. */
export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: 'oo-bandit-scorer' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: (_obj, _level, logger) =>
        (logger as unknown as Record<symbol, unknown>)[BOUND_TO_REQUEST] ? {} : { ...opts.traces.getStore() },
      redact: {
        paths: [
          'req.headers.authorization',
          '*.authorization',
          '*.apiKey',
          '*.masterKey',
          'LITELLM_MASTER_KEY',
          '*.LITELLM_MASTER_KEY',
        ],
        censor: '[redacted]',
      },
    },
    opts.destination ?? pino.destination({ sync: false }),
  );
}
