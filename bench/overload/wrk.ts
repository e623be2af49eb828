import { spawn } from 'node:child_process';

export interface WrkResult {
  readonly connections: number;
  readonly durationS: number;
  /** Every answer wrk read, any status. */
  readonly answers: number;
  /** Answers that were not 2xx/3xx (503 here). */
  readonly non2xx: number;
  readonly socketErrors: { connect: number; read: number; write: number; timeout: number };
  /** Latency percentiles of all answers (wrk cannot split them by status), milliseconds. */
  readonly p50AllMs: number;
  readonly p99AllMs: number;
}

/**
 * One closed-loop wrk run (`-t1`, as the issue measured): each connection sends its next request as
 * soon as the last is answered, whatever the status, so it ignores Retry-After like many real clients.
 * The file-descriptor limit is raised for 1,024 connections.
 */
export function runWrk(
  url: string,
  script: string,
  connections: number,
  durationS: number,
): Promise<WrkResult> {
  const cmd = `ulimit -n 16384 && exec wrk -t1 -c${connections} -d${durationS}s --timeout 10s --latency -s ${script} ${url}`;
  return new Promise((resolve, reject) => {
    const proc = spawn('bash', ['-c', cmd], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    proc.on('error', reject);
    proc.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited ${code}: ${out}`));
      resolve(parseWrk(out, connections, durationS));
    });
  });
}

function ms(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) return Number.NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : v * 60_000;
}

export function parseWrk(out: string, connections: number, durationS: number): WrkResult {
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const actual = /requests in ([\d.]+\w+),/.exec(out);
  return {
    connections,
    durationS: actual ? ms(actual[1]!) / 1000 : durationS,
    answers: num(/(\d+) requests in/),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    socketErrors: {
      connect: Number(errs?.[1] ?? 0),
      read: Number(errs?.[2] ?? 0),
      write: Number(errs?.[3] ?? 0),
      timeout: Number(errs?.[4] ?? 0),
    },
    p50AllMs: ms(/^\s+50%\s+(\S+)\s*$/m.exec(out)?.[1] ?? ''),
    p99AllMs: ms(/^\s+99%\s+(\S+)\s*$/m.exec(out)?.[1] ?? ''),
  };
}
