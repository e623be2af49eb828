import type { Logger } from 'pino';

export interface ErrorReporter {
  capture(err: unknown): void;
  close(): Promise<void>;
}

const noReporter: ErrorReporter = { capture() {}, async close() {} };

/** Sentry only when a DSN is configured: without one the SDK is never even imported. */
export async function createErrorReporter(
  dsn: string,
  environment: string,
  log: Logger,
): Promise<ErrorReporter> {
  if (dsn === '') return noReporter;
  const Sentry = await import('@sentry/node');
  Sentry.init({ dsn, environment, tracesSampleRate: 0 });
  log.info({ environment }, 'sentry enabled');
  return {
    capture: (err) => {
      Sentry.captureException(err);
    },
    close: async () => {
      await Sentry.close(2000);
    },
  };
}
