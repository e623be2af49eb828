/**
 * How long a 10,000-item /score/batch holds the server's event loop (issue 20: ~2 s in one block
 * before). The server runs in this process and the client in a child process, so only the server's
 * work is on the measured loop. Prints one JSON line per run and writes bench/results/batch-loop-block.json.
 *
 *   npm run build && node dist/bench/http/batch-loop-block.js [K=87] [runs=3]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildApp } from '../../src/app.js';
import { configWith } from '../../src/config/env.js';

const K = Number(process.argv[2] ?? 87);
const RUNS = Number(process.argv[3] ?? 3);

const CLIENT = `
const [url, K] = [process.argv[1], Number(process.argv[2])];
const candidates = Array.from({ length: K }, (_, j) => ({ id: 't' + j, priority: j % 5, created_at: '2026-11-20T08:00:00Z', due_at: null }));
const requests = Array.from({ length: 10000 }, (_, i) => ({ user_id: 'u' + (i % 500), now: '2026-11-24T09:30:00Z', candidates }));
const body = JSON.stringify({ policy: 'egreedy_v1', requests });
process.stdout.write('ready ' + body.length + '\\n');
process.stdin.once('data', async () => {
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  process.stdout.write(JSON.stringify({ status: res.status, total_ms: Math.round(performance.now() - t0), answer_bytes: text.length }) + '\\n');
});
`;

function runClient(
  url: string,
): Promise<{ status: number; total_ms: number; answer_bytes: number; body_bytes: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CLIENT, url, String(K)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    let bodyBytes = 0;
    let h: ReturnType<typeof monitorEventLoopDelay> | null = null;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => {
      out += c;
      const lines = out.split('\n');
      for (const line of lines.slice(0, -1)) {
        if (line.startsWith('ready ')) {
          bodyBytes = Number(line.slice(6));
          h = monitorEventLoopDelay({ resolution: 5 });
          h.enable();
          child.stdin.write('go\n');
        } else if (line.startsWith('{')) {
          h?.disable();
          const r = JSON.parse(line);
          resolve({
            ...r,
            body_bytes: bodyBytes,
            max_loop_block_ms: Math.round((h?.max ?? 0) / 1e6),
            p99_loop_block_ms: Math.round((h?.percentile(99) ?? 0) / 1e6),
          });
          child.kill();
        }
      }
      out = lines[lines.length - 1]!;
    });
    child.on('error', reject);
  });
}

const app = await buildApp(
  configWith({
    LOG_LEVEL: 'silent',
    STATE_DIR: join(tmpdir(), `batch-loop-${process.pid}`),
    DECISION_LOG: '0',
  }),
);
const base = await app.listen({ port: 0, host: '127.0.0.1' });
const results = [];
for (let i = 0; i < RUNS; i++) {
  const r = await runClient(`${base}/score/batch`);
  console.log(
    JSON.stringify({ run: i + 1, K, ...r, rss_mib: Math.round(process.memoryUsage().rss / 2 ** 20) }),
  );
  results.push(r);
}
await app.close();
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/batch-loop-block.json', `${JSON.stringify({ K, results }, null, 2)}\n`);
