import { describe, expect, it } from 'vitest';
import { decisionLogLines } from '../helpers/decision-log-lines.js';
import { postJson } from '../helpers/post-json.js';
import { spawnServer } from '../helpers/spawned-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { scoreBody } from '../helpers/test-app.js';

describe('the decision log across a SIGKILL (real process)', () => {
  it('holds every answered decision, and rewards after the restart join it', async () => {
    const stateDir = tempDir();
    const first = await spawnServer({ STATE_DIR: stateDir });
    const answered: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await postJson(`${first.url}/recommend`, scoreBody(`u${i}`));
      expect(r.status).toBe(200);
      answered.push(r.body.event_id as string);
    }
    await first.kill('SIGKILL');
    const logged = decisionLogLines(stateDir).filter((l) => l.type === 'decision');
    expect(logged.map((l) => l.event_id)).toEqual(answered);

    const second = await spawnServer({ STATE_DIR: stateDir });
    const chosen = logged[3]!.chosen_id as string;
    const r = await postJson(`${second.url}/reward`, {
      user_id: 'u3',
      reward: 1,
      event_id: answered[3],
      candidate_id: chosen,
    });
    expect(r.body).toMatchObject({ applied: true, n_updates: 1 });
    await second.kill('SIGKILL');
    const rewards = decisionLogLines(stateDir).filter((l) => l.type === 'reward');
    expect(rewards).toEqual([
      expect.objectContaining({ event_id: answered[3], candidate_id: chosen, reward: 1 }),
    ]);
  });
});
