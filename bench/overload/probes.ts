import { readFileSync } from 'node:fs';
import { request } from 'node:http';

/** Latency of one GET on a fresh connection (as an orchestrator's probe opens one), or null on failure. */
export function probeOnce(url: string, timeoutMs = 5000): Promise<number | null> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - t0 : null));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(null));
    req.end();
  });
}

export interface ProbeSummary {
  readonly probes: number;
  readonly failed: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Probes `url` every `everyMs` until stopped. */
export function probeLoop(url: string, everyMs: number): { stop(): Promise<ProbeSummary> } {
  const times: number[] = [];
  let failed = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const t = await probeOnce(url);
      if (t === null) failed++;
      else times.push(t);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      times.sort((a, b) => a - b);
      return {
        probes: times.length + failed,
        failed,
        p99Ms: times.length
          ? times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]!
          : Number.NaN,
        maxMs: times.length ? times[times.length - 1]! : Number.NaN,
      };
    },
  };
}

/** Peak resident set size of a process, sampled. */
export function rssSampler(pid: number, everyMs = 200): { stop(): number } {
  let peak = 0;
  const read = () => {
    try {
      const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      // The process is gone: keep the peak seen.
    }
  };
  read();
  const timer = setInterval(read, everyMs);
  return {
    stop() {
      clearInterval(timer);
      read();
      return peak;
    },
  };
}

/** User + system CPU seconds a process has used so far (Linux /proc, 100 ticks a second). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Counts per `le` bucket of one series of a Prometheus histogram in /metrics text.
 */
export function histogramBuckets(text: string, name: string, labels: string): Map<number, number> {
  const out = new Map<number, number>();
  const re = new RegExp(`^${name}_bucket\\{([^}]*)\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) {
    const l = m[1]!;
    if (!labels.split(',').every((kv) => l.includes(kv))) continue;
    const le = /le="([^"]+)"/.exec(l)?.[1];
    if (le) out.set(le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), Number(m[2]));
  }
  return out;
}

/** histogram_quantile over the difference of two scrapes (linear within a bucket), in seconds. */
export function quantileOfDiff(before: Map<number, number>, after: Map<number, number>, q: number): number {
  const les = [...after.keys()].sort((a, b) => a - b);
  const counts = les.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const total = counts[counts.length - 1] ?? 0;
  if (total <= 0) return Number.NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (let i = 0; i < les.length; i++) {
    if (counts[i]! >= rank) {
      const le = les[i]!;
      if (!Number.isFinite(le)) return prevLe;
      const inBucket = counts[i]! - prevCount;
      return inBucket > 0 ? prevLe + ((le - prevLe) * (rank - prevCount)) / inBucket : le;
    }
    prevLe = les[i]!;
    prevCount = counts[i]!;
  }
  return prevLe;
}
