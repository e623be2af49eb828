import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileDecisionLog } from '../../src/evaluation/decision-log.js';
import type { LogRecord } from '../../src/evaluation/decision-records.js';
import { evaluateLog } from '../../src/evaluation/evaluate-log.js';
import { readDecisionLog } from '../../src/evaluation/log-reader.js';
import { createRandomSource, syntheticLog, syntheticWorld } from '../helpers/synthetic-log.js';
import { tempDir } from '../helpers/temp-dir.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function writeLog(records: readonly LogRecord[]): Promise<string> {
  const dir = tempDir();
  const log = new FileDecisionLog({ dir, fsync: false });
  await Promise.all(records.map((r) => log.append(r)));
  await log.close();
  return dir;
}

function threeDays() {
  const random = createRandomSource(9);
  const world = syntheticWorld(random);
  // 71 decisions an hour apart from 2026-11-20T00:30Z, each rewarded 45 minutes later.
  const start = Date.parse('2026-11-20T00:30:00Z');
  const records = syntheticLog(world, random, {
    n: 71,
    startMs: start,
    stepMs: HOUR,
    rewardDelayMs: 45 * 60_000,
  });
  return { start, records };
}

describe('the decision log on disk', () => {
  it('writes one file per UTC day of the record, rewards in the day they arrive', async () => {
    const { records } = threeDays();
    const dir = await writeLog(records);
    expect(readdirSync(dir).sort()).toEqual(['2026-11-20.jsonl', '2026-11-21.jsonl', '2026-11-22.jsonl']);
    // The decision at 23:30 on the 20th is rewarded at 00:15 on the 21st.
    const first21 = JSON.parse(readFileSync(join(dir, '2026-11-21.jsonl'), 'utf8').split('\n')[0]!);
    expect(first21).toMatchObject({ type: 'reward', event_id: 'e23', ts: '2026-11-21T00:15:00.000Z' });
  });

  it('evaluates a window inside a log spanning several days, joining rewards across midnight', async () => {
    const { records } = threeDays();
    const dir = await writeLog(records);
    const fromMs = Date.parse('2026-11-21T00:00:00Z');
    const toMs = fromMs + DAY - 1;
    const r = await evaluateLog(dir, { fromMs, toMs, windowMs: HOUR, nowMs: fromMs + 10 * DAY });
    expect(r.decisions).toBe(24);
    // The 21st's decisions, and the rewards of its 23:30 decision from the 22nd; the 20th is not read.
    expect(r.files).toBe(2);
    const logging = r.rows.find((x) => x.policy === 'egreedy_v1')!;
    const rewarded = records.filter(
      (x) => x.type === 'reward' && Number(x.event_id.slice(1)) >= 24 && Number(x.event_id.slice(1)) < 48,
    );
    const mean = rewarded.reduce((s, x) => s + (x.type === 'reward' ? x.reward : 0), 0) / 24;
    expect(logging.n).toBe(24);
    expect(logging.ips).toBeCloseTo(mean, 12);

    const whole = await evaluateLog(dir, {
      fromMs: 0,
      toMs: fromMs + 5 * DAY,
      windowMs: HOUR,
      nowMs: fromMs + 10 * DAY,
    });
    expect(whole.decisions).toBe(71);
    expect(whole.files).toBe(3);
  });

  it('skips and counts a torn last line, and evaluates the rest as if it were not there', async () => {
    const { records } = threeDays();
    const dir = await writeLog(records);
    const win = { fromMs: 0, toMs: Date.parse('2026-11-30T00:00:00Z'), windowMs: HOUR, nowMs: Date.now() };
    const clean = await evaluateLog(dir, win);
    // A crash in the middle of a write: half a decision line, no newline.
    const line = JSON.stringify({ ...records[0]!, event_id: 'torn', ts: '2026-11-22T23:59:00.000Z' });
    appendFileSync(join(dir, '2026-11-22.jsonl'), line.slice(0, line.length / 2));
    const torn = await evaluateLog(dir, win);
    expect(clean.skipped_lines).toBe(0);
    expect(torn.skipped_lines).toBe(1);
    expect(torn.rows).toEqual(clean.rows);

    // The service appends after the torn tail on its next start: that line is whole and read again.
    const log = new FileDecisionLog({ dir, fsync: false });
    await log.append({
      ...(records[0] as LogRecord & { type: 'decision' }),
      event_id: 'after',
      ts: '2026-11-22T23:59:30.000Z',
    });
    await log.close();
    const stats = { files: 0, lines: 0, skipped: 0 };
    const ids: string[] = [];
    for await (const r of readDecisionLog(dir, { fromMs: 0, toMs: win.toMs }, stats)) ids.push(r.event_id);
    expect(ids.at(-1)).toBe('after');
  });

  it('an empty window: no files, no decisions, no rows but the ones asked for', async () => {
    const none = await evaluateLog(join(tempDir(), 'decisions'), {
      fromMs: 0,
      toMs: Date.now(),
      windowMs: HOUR,
      nowMs: Date.now(),
      policies: ['linucb_v1'],
    });
    expect(none).toMatchObject({ decisions: 0, files: 0, skipped_lines: 0 });
    expect(none.rows).toEqual([
      expect.objectContaining({ policy: 'linucb_v1', role: 'logging', n: 0, ips: null, dr: null, ess: 0 }),
    ]);
    const { records } = threeDays();
    const dir = await writeLog(records);
    const before = await evaluateLog(dir, {
      fromMs: Date.parse('2026-11-10T00:00:00Z'),
      toMs: Date.parse('2026-11-11T00:00:00Z'),
      windowMs: HOUR,
      nowMs: Date.now(),
    });
    expect(before).toMatchObject({ decisions: 0, files: 0, rows: [] });
  });
});
