import autocannon from 'autocannon';

export interface LoadSpec {
  readonly url: string;
  readonly path: string;
  /** The i-th request's body (i counts from 0 over the whole run). */
  readonly body: (i: number) => string;
  readonly connections: number;
  readonly durationS: number;
  /** Requests per second over all connections; undefined: as fast as the server answers. */
  readonly rate?: number;
}

export interface LoadResult {
  readonly path: string;
  readonly offered: number | 'saturation';
  readonly connections: number;
  readonly durationS: number;
  readonly sent: number;
  /** 2xx answers per second. */
  readonly okPerS: number;
  readonly ok: number;
  readonly overloaded: number;
  readonly otherStatus: number;
  readonly errors: number;
  /** Latency of 2xx answers, milliseconds, measured per request (µs resolution). */
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  /** Latency of 503 answers: how fast the service says no. */
  readonly overloadedP99: number | null;
}

/**
 * Drives one endpoint with autocannon (from this process, the server being another) and records every
 * answer's latency itself: autocannon's own histogram has 1 ms resolution, too coarse for a p50 well
 * under a millisecond.
 */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const ok: number[] = [];
  const shed: number[] = [];
  let other = 0;
  let i = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.durationS,
        timeout: 30,
        ...(spec.rate === undefined ? {} : { overallRate: spec.rate }),
        requests: [
          {
            method: 'POST',
            path: spec.path,
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: spec.body(i++) }),
          },
        ],
      },
      (err, result) => {
        if (err) return reject(err);
        const okSorted = Float64Array.from(ok).sort();
        const shedSorted = Float64Array.from(shed).sort();
        resolve({
          path: spec.path,
          offered: spec.rate ?? 'saturation',
          connections: spec.connections,
          durationS: result.duration,
          sent: i,
          okPerS: ok.length / result.duration,
          ok: ok.length,
          overloaded: shed.length,
          otherStatus: other,
          errors: result.errors,
          p50: quantile(okSorted, 0.5),
          p99: quantile(okSorted, 0.99),
          p999: quantile(okSorted, 0.999),
          max: okSorted.length ? okSorted[okSorted.length - 1]! : Number.NaN,
          overloadedP99: shedSorted.length ? quantile(shedSorted, 0.99) : null,
        });
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) ok.push(ms);
      else if (status === 503) shed.push(ms);
      else other++;
    });
  });
}

export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
