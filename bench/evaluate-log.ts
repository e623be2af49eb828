/**
 * Streaming evaluation over growing decision logs: time and peak heap of `evaluateLog` for logs of
 * 25k, 100k and 400k rewarded decisions (K = 4, two shadows), one decision every 2 s under a 1-hour
 * reward window, so the decisions held for their window stay the same while the log grows 16×.
 *
 *   npm run build && node --expose-gc dist/bench/evaluate-log.js
 *
 * Prints a table and writes bench/results/evaluate-log.json. With --expose-gc the heap is sampled after a
 * collection every 4096 lines (live heap, so the timing includes those collections).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { FileDecisionLog } from '../src/evaluation/decision-log.js';
import type { DecisionRecord, LogRecord } from '../src/evaluation/decision-records.js';
import { evaluateLog } from '../src/evaluation/evaluate-log.js';
import { createRandomSource } from '../src/policies/random.js';

const SIZES = [25_000, 100_000, 400_000];
const STEP_MS = 2000;
const WINDOW_MS = 3_600_000;
const START = Date.parse('2026-10-01T00:00:00Z');
const IDS = ['a0', 'a1', 'a2', 'a3'];

async function writeLog(dir: string, n: number): Promise<void> {
  const random = createRandomSource(n);
  const log = new FileDecisionLog({ dir, fsync: false });
  const batch: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const t = START + i * STEP_MS;
    const chosen = IDS[Math.floor(random() * 4)]!;
    const d: DecisionRecord = {
      type: 'decision',
      event_id: `e${i}`,
      ts: new Date(t).toISOString(),
      user_id: `u${i % 1000}`,
      policy: 'egreedy_v1',
      chosen_id: chosen,
      propensity: chosen === 'a0' ? 0.925 : 0.025,
      epsilon: 0.1,
      candidates: IDS,
      q: IDS.map(() => random()),
      shadows: {
        linucb_v1: { chosen_id: 'a1', p_chosen: chosen === 'a1' ? 1 : 0, epsilon: 0 },
        egreedy_v2: { chosen_id: 'a2', p_chosen: chosen === 'a2' ? 0.925 : 0.025, epsilon: 0.1 },
      },
    };
    const r: LogRecord = {
      type: 'reward',
      event_id: d.event_id,
      candidate_id: chosen,
      reward: random() < 0.5 ? 1 : 0,
      ts: new Date(t + 1000).toISOString(),
    };
    batch.push(log.append(d), log.append(r));
    if (batch.length >= 2000) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
  await log.close();
}

const gc = (globalThis as { gc?: () => void }).gc;
const rows: {
  decisions: number;
  mib: number;
  seconds: number;
  decisionsPerS: number;
  peakHeapMiB: number;
}[] = [];
for (const n of SIZES) {
  const dir = mkdtempSync(join(tmpdir(), 'oo-bench-log-'));
  try {
    await writeLog(dir, n);
    gc?.();
    const base = getHeapStatistics().used_heap_size;
    let peak = base;
    let bytes = 0;
    const t0 = performance.now();
    const r = await evaluateLog(
      dir,
      {
        fromMs: START,
        toMs: START + n * STEP_MS,
        windowMs: WINDOW_MS,
        nowMs: START + n * STEP_MS + 2 * WINDOW_MS,
      },
      (_read, total) => {
        bytes = total;
        // Collecting first makes this the live heap (what the evaluator holds), not uncollected garbage.
        gc?.();
        peak = Math.max(peak, getHeapStatistics().used_heap_size);
      },
    );
    const seconds = (performance.now() - t0) / 1000;
    if (r.decisions !== n) throw new Error(`evaluated ${r.decisions} of ${n}`);
    rows.push({
      decisions: n,
      mib: Math.round((bytes / 1048576) * 10) / 10,
      seconds: Math.round(seconds * 100) / 100,
      decisionsPerS: Math.round(n / seconds),
      peakHeapMiB: Math.round(((peak - base) / 1048576) * 10) / 10,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log('decisions   log MiB   seconds   decisions/s   peak live heap above baseline (MiB)');
for (const r of rows) {
  console.log(
    `${String(r.decisions).padStart(9)}  ${String(r.mib).padStart(8)}  ${String(r.seconds).padStart(8)}  ${String(r.decisionsPerS).padStart(12)}  ${String(r.peakHeapMiB).padStart(8)}`,
  );
}
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/evaluate-log.json',
  `${JSON.stringify({ node: process.version, gcExposed: gc !== undefined, rows }, null, 2)}\n`,
);
