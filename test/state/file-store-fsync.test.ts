import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FileStateStore } from '../../src/state/file-store.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('FileStateStore with FSYNC', () => {
  it('concurrent saves share directory fsyncs and every one of them lands, whole', async () => {
    const dir = tempDir();
    const store = new FileStateStore({ dir, fsync: true, log: pino({ level: 'silent' }) });
    const users = Array.from({ length: 200 }, (_, i) => `u${i}`);
    // Three waves, each started while the previous one's directory sync may still be running.
    let revisions: (number | null)[] = users.map(() => null);
    for (let wave = 0; wave < 3; wave++) {
      revisions = await Promise.all(
        users.map((user, i) => store.save({ user, doc: 'egreedy_v1' }, { wave, user }, revisions[i]!)),
      );
    }
    await store.close();
    const files = readdirSync(dir).sort();
    expect(files).toEqual(users.map((u) => `${u}_egreedy.json`).sort());
    for (const user of users) {
      expect(JSON.parse(readFileSync(join(dir, `${user}_egreedy.json`), 'utf8'))).toEqual({ wave: 2, user });
    }
  });
});
