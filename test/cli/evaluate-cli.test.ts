import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FileDecisionLog } from '../../src/evaluation/decision-log.js';
import { createRandomSource, syntheticLog, syntheticWorld } from '../helpers/synthetic-log.js';
import { tempDir } from '../helpers/temp-dir.js';

const run = promisify(execFile);
const CLI = 'dist/src/cli/evaluate.js';

describe('npm run evaluate (the built CLI as a process)', () => {
  it('prints a table per policy, shows progress on stderr and writes the chart', async () => {
    const stateDir = tempDir();
    const random = createRandomSource(3);
    const world = syntheticWorld(random);
    const start = Date.parse('2026-11-20T12:00:00Z');
    const records = syntheticLog(world, random, {
      n: 2000,
      startMs: start,
      stepMs: 60_000,
      rewardDelayMs: 1000,
    });
    const log = new FileDecisionLog({ dir: join(stateDir, 'decisions'), fsync: false });
    await Promise.all(records.map((r) => log.append(r)));
    await log.close();
    const chart = join(tempDir(), 'evaluation.svg');

    const { stdout, stderr } = await run(process.execPath, [
      CLI,
      '--log',
      stateDir,
      '--from',
      '2026-11-20T00:00:00Z',
      '--to',
      '2026-11-22T00:00:00Z',
      '--progress',
      '--chart',
      chart,
    ]);
    expect(stdout).toMatch(/2000 evaluated, 0 awaiting a reward/);
    for (const p of ['egreedy_v1', 'linucb_v1', 'egreedy_v2'])
      expect(stdout).toMatch(new RegExp(`^${p}\\s`, 'm'));
    expect(stdout).toMatch(/^egreedy_v1\s+logging\s+2000\s/m);
    expect(stderr).toMatch(/reading the log \[.*\] 100%/);
    const svg = readFileSync(chart, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('linucb_v1');

    const json = await run(process.execPath, [CLI, '--log', stateDir, '--json', '--chart', chart]);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.decisions).toBe(2000);
    expect(parsed.rows).toHaveLength(3);
  });

  it('says what is wrong with its arguments and exits 2', async () => {
    const err = await run(process.execPath, [CLI, '--log', '/nonexistent/dir']).catch((e) => e);
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/no such directory/);
    const none = await run(process.execPath, [CLI]).catch((e) => e);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/usage: npm run evaluate/);
  });

  it('an empty log directory: an empty evaluation and no chart', async () => {
    const dir = tempDir();
    const chart = join(dir, 'none.svg');
    const { stdout } = await run(process.execPath, [CLI, '--log', dir, '--chart', chart]);
    expect(stdout).toMatch(/0 evaluated/);
    expect(existsSync(chart)).toBe(false);
  });
});
