import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written on behalf of one request or message carries. */
export interface TraceContext {
  readonly trace_id?: string;
  readonly reqId?: string;
}

/** One store per app, passed in (no module singleton), so two apps in one process keep their own. */
export type TraceStore = AsyncLocalStorage<TraceContext>;

export function createTraceStore(): TraceStore {
  return new AsyncLocalStorage<TraceContext>();
}

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/** The trace id of a W3C `traceparent` header, or undefined when absent or malformed (all-zero is invalid). */
export function traceIdOf(traceparent: string | string[] | undefined): string | undefined {
  const value = Array.isArray(traceparent) ? traceparent[0] : traceparent;
  if (!value) return undefined;
  const m = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!m || /^0+$/.test(m[1]!)) return undefined;
  return m[1];
}
