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

/**
 * W3C Trace Context §3.2: lowercase hex only; version `ff` is invalid; version 00 has exactly four
 * fields, a later version may add fields after a `-`.
 */
const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/;

/**
 * The trace id of a W3C `traceparent` header, or undefined when absent or invalid: uppercase hex,
 * version ff, an all-zero trace id or parent id, or extra fields on version 00 (the spec says to ignore
 * such a header, so it is neither logged nor passed on).
 */
export function traceIdOf(traceparent: string | string[] | undefined): string | undefined {
  const value = Array.isArray(traceparent) ? traceparent[0] : traceparent;
  if (!value || value.length > 512) return undefined;
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, parentId, , rest] = m;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId!) || /^0+$/.test(parentId!)) return undefined;
  return traceId;
}
