import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRev } from './revisions.js';

/**
 * `npm run bench:http:cpu`: server CPU per `/score/egreedy` (K = 20) of each revision in BENCH_REVS and
 * of this tree, in-process through `app.inject` (bench/http/cpu-child.ts), rounds interleaved. On a
 * shared machine CPU time per request is steadier than any rate: it is what each change bought.
 *   BENCH_REVS    git revisions, oldest first (default: none, this tree only)
 *   BENCH_ROUNDS  default 2
 *   BENCH_N       requests measured per child (default 10000)
 */
// BENCH_ROOT: the checkout, when this script was compiled elsewhere (to leave dist/ alone while tests run).
const ROOT = process.env.BENCH_ROOT ?? fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./cpu-child.js', import.meta.url));
const REVS = (process.env.BENCH_REVS ?? '').split(',').filter(Boolean);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const N = Number(process.env.BENCH_N ?? 10_000);

const targets = [
  ...REVS.map((rev) => ({ name: `rev ${rev}`, dir: buildRev(ROOT, rev) })),
  { name: 'this tree', dir: ROOT },
];
const results: { target: string; round: number; cpuUsPerReq: number }[] = [];
const started = new Date().toISOString();
const load = loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');
for (let round = 1; round <= ROUNDS; round++) {
  const order = round % 2 === 1 ? targets : [...targets].reverse();
  for (const t of order) {
    const out = spawnSync(process.execPath, [CHILD, t.dir, String(N)], {
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LOG_LEVEL: undefined } as NodeJS.ProcessEnv,
    }).stderr;
    const line = out.split('\n').find((l) => l.startsWith('{"dir"'));
    if (!line) throw new Error(`no result from ${t.name}: ${out}`);
    const r = JSON.parse(line) as { cpuUsPerReq: number };
    results.push({ target: t.name, round, cpuUsPerReq: r.cpuUsPerReq });
    process.stderr.write(`  round ${round} ${t.name}: ${r.cpuUsPerReq.toFixed(1)} µs CPU/request\n`);
  }
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const rows = targets.map((t, i) => {
  const v = results.filter((r) => r.target === t.name).map((r) => r.cpuUsPerReq);
  const prev =
    i === 0
      ? null
      : median(results.filter((r) => r.target === targets[i - 1]!.name).map((r) => r.cpuUsPerReq));
  const m = median(v);
  return `| ${t.name} | ${m.toFixed(1)} | ${Math.min(...v).toFixed(1)}–${Math.max(...v).toFixed(1)} | ${prev === null ? '–' : `${(m - prev).toFixed(1)} (${(((m - prev) / prev) * 100).toFixed(0)} %)`} |`;
});
const text = `### bench:http:cpu, ${started}\n\n${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average at start ${load}; ${N} requests per child after 10k warm-up (every user once), ${ROUNDS} interleaved rounds.\n\n| revision | CPU µs / request (median) | min–max | vs the row above |\n|---|---|---|---|\n${rows.join('\n')}\n`;
process.stdout.write(`\n${text}\n`);
const RESULTS = join(ROOT, 'bench/results');
mkdirSync(RESULTS, { recursive: true });
writeFileSync(
  join(RESULTS, 'http-cpu.json'),
  `${JSON.stringify({ started, load, n: N, rounds: ROUNDS, results }, null, 2)}\n`,
);
writeFileSync(join(RESULTS, 'http-cpu.md'), text);
