import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';
import { scoreBody } from '../helpers/test-app.js';

function run(args: string[], input: string, stateDir: string) {
  return spawnSync(process.execPath, ['dist/src/cli/batch-score.js', ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, STATE_DIR: stateDir, LOG_LEVEL: 'warn', EGREEDY_EPSILON: '0' },
  });
}

describe('batch-score CLI', () => {
  it('writes one result line per input line, in order, errors in place, a summary on stderr', () => {
    const lines = Array.from({ length: 1200 }, (_, i) => JSON.stringify(scoreBody(`u${i % 50}`)));
    lines[7] = '{ not json';
    lines[9] = JSON.stringify({ ...scoreBody('v'), candidates: [] });
    const res = run(['--policy', 'linucb_v1', '--chunk', '500'], `${lines.join('\n')}\n`, tempDir());
    expect(res.status, res.stderr).toBe(0);
    const out = res.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out).toHaveLength(1200);
    expect(out[7].error).toBe('bad_request');
    expect(out[9].error).toBe('validation_error');
    expect(out[9].detail[0].loc).toEqual(['line', 10, 'candidates']);
    expect(out[0]).toMatchObject({ user_id: 'u0', policy: 'linucb_v1', explored: false });
    expect(out[1199].user_id).toBe('u49');
    expect(new Set(out.filter((r) => r.event_id).map((r) => r.event_id)).size).toBe(1198);
    expect(res.stderr).toMatch(/scored 1198 of 1200 requests with linucb_v1/);
  });

  it('refuses an unknown policy with usage on stderr', () => {
    const res = run(['--policy', 'nope'], '', tempDir());
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/usage/);
    expect(res.stdout).toBe('');
  });
});
